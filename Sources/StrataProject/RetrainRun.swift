import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// `strata retrain`: challengers fitted on the project's newest export, compared with the champions on an
/// out-of-time window neither was fitted on, and promoted by the project's rule (`models.promote_when`).
///
/// Churn, with `T` the export's last event day and `h` the project's horizon: the challenger is fitted as
/// `strata train churn` fits it (features as of `T − h`, labels in `(T − h, T]`). The comparison window is
/// features as of `E = T − h` with labels in `(E, T]`: the challenger's side is its out-of-time holdout (the
/// same fit one horizon earlier, labels through `E`), the champion's side is the champion applied to the same
/// patients as of `E`. The champion qualifies only when its own labels end at or before `E`; otherwise the
/// export does not yet reach a horizon past the champion's data and the champion is kept.
///
/// Conversion, when the export has leads, with `N` the conversion window: the challenger is fitted as
/// `strata train conversion` fits it (leads created through `T − N`, first visits through `T`). The comparison
/// window is the leads created in `(T − 2N, T − N]` with their first visits through `T`: the challenger's side
/// is its out-of-time holdout (the same fit on the leads created through `T − 2N`), the champion's side is the
/// champion applied to the same leads. The champion qualifies only when the leads it was fitted on were created
/// at or before `T − 2N`, so that no lead of the window was among them.
///
/// Clusters, when the project has a cluster champion: refitted on the export with the champion as the
/// previous model (its ids and names carried over by matching, as `strata discover --previous-model`), and
/// promoted: there is no score to compare, and matching keeps segments that read `cluster` stable.
///
/// A first model of a target is promoted. With `discoveringFirstClusters` (what `strata month` asks), a project
/// without a cluster champion gets its first cluster model, discovered as `strata discover` does (k chosen from
/// 2...10), and promoted. With `dryRun` nothing is written: no model file, no registry change, no audit entry.
public enum RetrainRun {
    public struct Configuration: Sendable {
        public var project: URL
        /// The export folder; nil: the newest under `exports.path`.
        public var export: URL?
        public var dryRun: Bool
        public var user: String
        /// The challenger's regression (as `strata train` takes it).
        public var regression: LogisticRegression
        public var folds: Int
        public var seed: UInt64
        /// Without a cluster champion, discover the first cluster model and promote it (else clusters are only
        /// refitted when a champion exists).
        public var discoveringFirstClusters: Bool
        /// The numbers of clusters the cluster fit chooses from (as `strata discover --k`).
        public var clusterCounts: ClosedRange<Int>
        /// Keep the promoted cluster model's features of every patient for a refresh of the same day (`strata
        /// month`; 264 MB at 1M until the refresh takes them).
        var keepsClusterFeatures = false

        public init(project: URL, export: URL? = nil, dryRun: Bool = false, user: String,
                    regression: LogisticRegression = LogisticRegression(), folds: Int = 5, seed: UInt64 = 0,
                    discoveringFirstClusters: Bool = false, clusterCounts: ClosedRange<Int> = 2...10) {
            self.project = project
            self.export = export
            self.dryRun = dryRun
            self.user = user
            self.regression = regression
            self.folds = folds
            self.seed = seed
            self.discoveringFirstClusters = discoveringFirstClusters
            self.clusterCounts = clusterCounts
        }
    }

    /// Retrains every target the project uses and returns the comparison.
    public static func run(_ configuration: Configuration, progress: (String) -> Void = { _ in }) throws -> RetrainSummary {
        let project = try Project(directory: configuration.project)
        let folder = try project.exportFolder(configuration.export?.path)
        progress("reading \(folder.lastPathComponent)")
        // Every model of this retrain records the export's fingerprint: hashed once here, not by each fit and
        // registration (each is a pass of SHA-256 over the whole export); the export cache is keyed by it.
        let fingerprint = try Fingerprint.of(folder: folder)
        var churnScores: ChurnScoresOnFile?
        var clusterFeatures: ClusterFeaturesOnFile?
        return try run(configuration, project: project, source: try project.exportSource(folder, fingerprint: fingerprint).read(),
                       fingerprint: fingerprint, progress: progress, churnScores: &churnScores, clusterFeatures: &clusterFeatures)
    }

    /// Retrains on an export already read (`source`, whose folder's fingerprint is `fingerprint`), as
    /// `strata month` does after its validation step.
    /// - Parameters:
    ///   - churnScores: set to the churn challenger's scores of the patients on file at its feature date when it
    ///     is promoted (named by its file in the models folder), for a report on that window.
    ///   - clusterFeatures: set, when the configuration ``Configuration/keepsClusterFeatures``, to the promoted
    ///     cluster model's features of every patient as of its day (named by its file), for a refresh of that day.
    static func run(_ configuration: Configuration, project: Project, source: ExportSource.Loaded, fingerprint: String,
                    progress: (String) -> Void, churnScores: inout ChurnScoresOnFile?,
                    clusterFeatures: inout ClusterFeaturesOnFile?) throws -> RetrainSummary {
        let rule = try project.configuration.modelSettings().promoteWhen
        let folder = source.folder
        // Champions are checked before anything is fitted: a changed champion stops the retrain too.
        let champions = try ModelRegistry.champions(of: project)
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("strata-retrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }

        var summary = RetrainSummary(export: folder.lastPathComponent, dryRun: configuration.dryRun, targets: [],
                                     warnings: source.warnings)
        // One target after another, not the cluster discovery beside churn and conversion: OpenBLAS's thread
        // count is one setting for the process and k-means holds it at 1 while it runs, so the scores' gemv
        // calls outside such a region (probabilities for metrics, folds, holdout, drift) would run with 1 or 2
        // threads by timing, and their last bits depend on it (the churn file's drift edges changed at 1M).
        // Side by side also peaked at 1.95 GB in `strata month` (1.72 GB one after another).
        progress("fitting the churn challenger")
        summary.targets.append(try churn(configuration, project: project, source: source, fingerprint: fingerprint,
                                         champion: champions[.churn], rule: rule, staging: staging, scoresOnFile: &churnScores))
        if source.export.leads.count > 0 {
            progress("fitting the conversion challenger")
            summary.targets.append(try conversion(configuration, project: project, source: source, fingerprint: fingerprint,
                                                  champion: champions[.conversion], rule: rule, staging: staging))
        }
        if let champion = champions[.clusters] {
            progress("refitting the clusters")
            summary.targets.append(try clusters(configuration, project: project, source: source, fingerprint: fingerprint,
                                                champion: champion, staging: staging, features: &clusterFeatures))
        } else if configuration.discoveringFirstClusters {
            progress("discovering the first clusters")
            summary.targets.append(try clusters(configuration, project: project, source: source, fingerprint: fingerprint,
                                                champion: nil, staging: staging, features: &clusterFeatures))
        }
        return summary
    }

    private static func churn(_ configuration: Configuration, project: Project, source: ExportSource.Loaded, fingerprint: String,
                              champion: (model: RegisteredModel, file: URL)?, rule: ModelSettings.PromotionRule,
                              staging: URL, scoresOnFile: inout ChurnScoresOnFile?) throws -> RetrainSummary.Target {
        let export = source.export
        guard let scoringDay = ChurnTraining.lastEventDay(export) else { throw WorkflowError.noEvents(parameter: "export") }
        let horizon = project.configuration.labels.churnHorizonDays
        let stagedFile = staging.appendingPathComponent("churn-\(scoringDay.description).json")
        let trained = try TrainingRun.run(TrainingRun.Configuration(
            target: .churn, scoringDay: scoringDay, horizonDays: horizon, regression: configuration.regression,
            folds: configuration.folds, seed: configuration.seed, modelFile: stagedFile, exportFingerprint: fingerprint),
            on: source)
        let evaluationDay = scoringDay - horizon
        var target = RetrainSummary.Target(target: "churn", champion: champion?.model.id,
                                           window: "features as of \(evaluationDay), labels in \(evaluationDay.window(days: horizon))")
        let promote = try decide(&target, trained: trained, champion: champion, rule: rule, first: "churn", overlaps: {
            championOverlaps($0, evaluationDay: evaluationDay, horizon: horizon)
        }, evaluate: { file in
            let rows = ChurnTraining.patientsOnFile(export, asOf: evaluationDay)
            let labels = Labels.churn(export, asOf: evaluationDay, horizonDays: horizon)
            let features = try FeaturePipeline.apply(file.featureSchema, to: export, asOf: evaluationDay, rows: rows)
            let probabilities = try file.parameters.model.probabilities(features.matrix)
            return (rows.count, try Metrics.summary(targets: rows.map { labels[$0] }, probabilities: probabilities))
        })
        try finish(&target, staged: stagedFile, project: project, source: source, fingerprint: fingerprint,
                   configuration: configuration, promote: promote)
        if target.decision == .promoted, !configuration.dryRun, let name = target.challengerFile, var scores = trained.scoresOnFile {
            scores.model = (name, try Fingerprint.of(file: project.modelsURL.appendingPathComponent(name)))
            scoresOnFile = scores
        }
        return target
    }

    /// The challenger's holdout metrics beside the champion's on a window neither was fitted on, and the decision:
    /// `overlaps` says why the champion cannot be compared (then it is kept), `evaluate` scores it on the
    /// window (rows and metrics). Without a champion the challenger (the `first` model of its target) is promoted.
    /// - Returns: the reason to promote the challenger, or nil to keep the champion.
    private static func decide(_ target: inout RetrainSummary.Target, trained: TrainingRun.Result,
                               champion: (model: RegisteredModel, file: URL)?, rule: ModelSettings.PromotionRule, first: String,
                               overlaps: (ModelFile<LogisticParameters>) -> String?,
                               evaluate: (ModelFile<LogisticParameters>) throws -> (rows: Int, metrics: Metrics.Summary)) throws -> String? {
        let metrics = trained.summary.metrics
        if let auc = metrics["holdout_auc"], let logLoss = metrics["holdout_log_loss"] {
            target.challenger = .init(auc: auc, logLoss: logLoss)
        }
        target.warnings = trained.warnings
        var promote: String?
        if let champion {
            let file = try ModelFile<LogisticParameters>.read(from: champion.file, kind: LogisticParameters.kind)
            if let reason = overlaps(file) {
                target.reason = reason
            } else {
                let (rows, evaluated) = try evaluate(file)
                target.rows = rows
                promote = compare(&target, champion: champion.model, evaluated: evaluated, rule: rule, warnings: trained.warnings)
            }
        } else {
            target.reason = "no \(first) champion yet: the first model is promoted"
            promote = "the first \(first) model"
        }
        target.decision = promote == nil ? .kept : .promoted
        return promote
    }

    /// Sets the champion's metrics on the window, decides by `rule` against the challenger's and says why.
    /// - Returns: the reason to promote the challenger, or nil to keep the champion.
    private static func compare(_ target: inout RetrainSummary.Target, champion: RegisteredModel, evaluated: Metrics.Summary,
                                rule: ModelSettings.PromotionRule, warnings: [String]) -> String? {
        target.championMetrics = .init(auc: evaluated.auc, logLoss: evaluated.logLoss)
        guard let challenger = target.challenger else {
            target.reason = "the challenger has no out-of-time holdout (\(warnings.joined(separator: "; ")))"
            return nil
        }
        let (passes, why) = rule.accepts(champion: (evaluated.auc, evaluated.logLoss), challenger: (challenger.auc, challenger.logLoss))
        target.reason = why + (passes ? ": the challenger is not worse" : ": the challenger is worse")
        return passes ? "not worse than model \(champion.id) by models.promote_when: \(why)" : nil
    }

    private static func conversion(_ configuration: Configuration, project: Project, source: ExportSource.Loaded,
                                   fingerprint: String,
                                   champion: (model: RegisteredModel, file: URL)?, rule: ModelSettings.PromotionRule,
                                   staging: URL) throws -> RetrainSummary.Target {
        let export = source.export
        guard let scoringDay = ChurnTraining.lastEventDay(export) else { throw WorkflowError.noEvents(parameter: "export") }
        let window = project.configuration.labels.conversionWindowDays
        let createdThrough = scoringDay - window, windowStart = createdThrough - window
        var target = RetrainSummary.Target(target: "conversion", champion: champion?.model.id,
                                           window: "leads created in \(windowStart.window(days: window)), "
                                               + "first visits through \(scoringDay)")
        let stagedFile = staging.appendingPathComponent("conversion-\(scoringDay.description).json")
        let trained: TrainingRun.Result
        do {
            trained = try TrainingRun.run(TrainingRun.Configuration(
                target: .conversion, scoringDay: scoringDay, windowDays: window, regression: configuration.regression,
                folds: configuration.folds, seed: configuration.seed, modelFile: stagedFile, exportFingerprint: fingerprint),
                on: source)
        } catch let error as ConversionTrainingError {
            // Leads, but none whose window has closed: nothing to fit yet, and the churn retrain goes on.
            target.reason = "no conversion challenger: " + error.description(naming: { $0 })
                + (champion == nil ? "" : "; keeping the champion")
            return target
        }
        let promote = try decide(&target, trained: trained, champion: champion, rule: rule, first: "conversion", overlaps: {
            conversionChampionOverlaps($0, windowStart: windowStart, window: window)
        }, evaluate: { file in
            // The leads of the challenger's holdout: created in (T − 2N, T − N], their outcomes read through T.
            let (leads, labels) = Labels.conversion(export, asOf: createdThrough, windowDays: window)
            let start = windowStart.endTimestamp
            let evaluation = leads.indices.filter { export.leads.createdAt[leads[$0]] >= start }
            let rows = evaluation.map { leads[$0] }
            let x = try LeadFeatures.apply(file.featureSchema, to: export, rows: rows).matrix
            let probabilities = try file.parameters.model.probabilities(x)
            return (rows.count, try Metrics.summary(targets: evaluation.map { labels[$0] }, probabilities: probabilities))
        })
        try finish(&target, staged: stagedFile, project: project, source: source, fingerprint: fingerprint,
                   configuration: configuration, promote: promote)
        return target
    }

    /// Why the conversion champion cannot be compared on the leads created after `windowStart`: it was fitted
    /// on some of them.
    static func conversionChampionOverlaps(_ file: ModelFile<LogisticParameters>, windowStart: Day, window: Int) -> String? {
        let through: Day?
        if let text = file.training["leads_created_through"] {
            through = try? Day(iso: text)
        } else if let asOf = file.training["as_of"].flatMap({ try? Day(iso: $0) }) {
            through = asOf - (file.training["window_days"].flatMap { Int($0) } ?? window)
        } else {
            through = nil
        }
        guard let through else { return "the champion's file does not say which leads it was fitted on; keeping it" }
        guard through > windowStart else { return nil }
        return "the champion was fitted on leads created through \(through), past \(windowStart), where the comparison "
            + "window starts: the export must reach two windows (\(2 * window) days) past the champion's leads for a "
            + "window neither model was fitted on; keeping the champion"
    }

    /// Why the champion cannot be compared on the window after `evaluationDay`: its labels reach into it.
    static func championOverlaps(_ file: ModelFile<LogisticParameters>, evaluationDay: Day, horizon: Int) -> String? {
        let through: Day?
        if let text = file.training["labels_through"] {
            through = try? Day(iso: text)
        } else if let asOf = file.training["as_of"].flatMap({ try? Day(iso: $0) }) {
            through = asOf + (file.training["horizon_days"].flatMap { Int($0) } ?? horizon)
        } else {
            through = nil
        }
        guard let through else { return "the champion's file does not say which days its labels covered; keeping it" }
        guard through > evaluationDay else { return nil }
        return "the champion's labels run through \(through), past \(evaluationDay), where the comparison window starts: "
            + "the export must reach one horizon (\(horizon) days) past the champion's labels for a window neither model "
            + "was fitted on; keeping the champion"
    }

    private static func clusters(_ configuration: Configuration, project: Project, source: ExportSource.Loaded, fingerprint: String,
                                 champion: (model: RegisteredModel, file: URL)?, staging: URL,
                                 features: inout ClusterFeaturesOnFile?) throws -> RetrainSummary.Target {
        guard let asOf = ChurnTraining.lastEventDay(source.export) else { throw WorkflowError.noEvents(parameter: "export") }
        let stagedFile = staging.appendingPathComponent("clusters-\(asOf.description).json")
        var kept: Matrix<Double>?
        let discovery = try DiscoveryRun.run(DiscoveryRun.Configuration(
            asOf: asOf, clusterCounts: configuration.clusterCounts, seed: configuration.seed, previousModel: champion?.file,
            modelFile: stagedFile), on: source, keepingFeatures: configuration.keepsClusterFeatures ? { kept = $0 } : nil)
        var target = RetrainSummary.Target(target: "clusters", champion: champion?.model.id, window: "as of \(asOf)")
        let promote: String
        if let champion {
            let carried = discovery.match.map { "\($0.retiredIDs.count) clusters retired" } ?? "no match"
            target.reason = "k = \(discovery.k), ids matched to model \(champion.model.id) (\(carried)); "
                + "models.promote_when applies to scores, a matched cluster refit replaces the champion"
            promote = "cluster refit matched to model \(champion.model.id)"
        } else {
            target.reason = "no cluster champion yet: k = \(discovery.k) discovered (\(discovery.reason ?? "k given")); the first model is promoted"
            promote = "the first cluster model"
        }
        target.decision = .promoted
        try finish(&target, staged: stagedFile, project: project, source: source, fingerprint: fingerprint,
                   configuration: configuration, promote: promote)
        if let kept, !configuration.dryRun, let name = target.challengerFile {
            features = ClusterFeaturesOnFile(asOf: asOf, x: kept,
                                             model: (name, try Fingerprint.of(file: project.modelsURL.appendingPathComponent(name))))
        }
        return target
    }

    /// Moves the staged file into the models folder (under a name no other file has), registers it and
    /// promotes it when `promote` gives a reason; in a dry run only says what would happen.
    private static func finish(_ target: inout RetrainSummary.Target, staged: URL, project: Project,
                               source: ExportSource.Loaded, fingerprint: String, configuration: Configuration,
                               promote: String?) throws {
        guard !configuration.dryRun else { return }
        try FileManager.default.createDirectory(at: project.modelsURL, withIntermediateDirectories: true)
        let base = staged.deletingPathExtension().lastPathComponent
        var destination = project.modelsURL.appendingPathComponent(staged.lastPathComponent)
        var suffix = 2
        while FileManager.default.fileExists(atPath: destination.path) {
            destination = project.modelsURL.appendingPathComponent("\(base)-\(suffix).json")
            suffix += 1
        }
        try FileManager.default.moveItem(at: staged, to: destination)
        let summary = target
        do {
            let registered = try ModelRegistry.register(destination, in: project, exportFolder: source.folder,
                                                        exportFingerprint: fingerprint, user: configuration.user,
                                                        audit: { id in summary.auditEntry(challenger: id) },
                                                        decide: { _, _ in promote })
            target.challengerModel = registered.id
            target.challengerFile = destination.lastPathComponent
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }
}

/// `strata retrain --json`; ``table`` is what people read.
public struct RetrainSummary: Codable, Sendable, Equatable {
    /// What became of a challenger.
    public enum Decision: String, Codable, Sendable {
        case promoted, kept
    }

    /// Out-of-time metrics of one model.
    public struct Scores: Codable, Sendable, Equatable {
        public var auc: Double
        public var logLoss: Double

        enum CodingKeys: String, CodingKey { case auc, logLoss = "log_loss" }
    }

    /// One target's champion, challenger and decision.
    public struct Target: Codable, Sendable, Equatable {
        /// `churn`, `conversion` or `clusters`.
        public var target: String
        /// The champion's registry number, if the target had one.
        public var champion: Int64?
        /// The challenger's registry number and file (nil in a dry run).
        public var challengerModel: Int64?
        public var challengerFile: String?
        /// The comparison window.
        public var window: String
        /// Patients in the comparison window (0 without a comparison).
        public var rows = 0
        public var championMetrics: Scores?
        public var challenger: Scores?
        public var decision: Decision = .kept
        public var reason = ""
        public var warnings: [String] = []

        init(target: String, champion: Int64?, window: String) {
            self.target = target
            self.champion = champion
            self.window = window
        }

        enum CodingKeys: String, CodingKey {
            case target, champion, challengerModel = "challenger_model", challengerFile = "challenger_file", window, rows
            case championMetrics = "champion_metrics", challenger = "challenger_metrics", decision, reason, warnings
        }

        /// The retrain's own audit entry for this target: what was compared and decided.
        func auditEntry(challenger id: Int64) -> (action: String, inputs: [String: String], outputs: [String: String]) {
            var inputs = ["target": target, "window": window]
            if let champion { inputs["champion"] = String(champion) }
            var outputs = ["challenger": String(id), "decision": decision.rawValue, "reason": reason]
            if let championMetrics {
                outputs["champion_auc"] = String(championMetrics.auc)
                outputs["champion_log_loss"] = String(championMetrics.logLoss)
            }
            if let challenger {
                outputs["challenger_auc"] = String(challenger.auc)
                outputs["challenger_log_loss"] = String(challenger.logLoss)
            }
            return ("retrain", inputs, outputs)
        }
    }

    public var export: String
    public var dryRun: Bool
    public var targets: [Target]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey { case export, dryRun = "dry_run", targets, warnings }

    /// The side-by-side table and the decision of each target, with why.
    public var table: String {
        var lines = ["retrain on \(export)" + (dryRun ? " (dry run: nothing written)" : "")]
        for target in targets {
            lines.append("")
            lines.append("\(target.target): \(target.window)" + (target.rows > 0 ? ", \(target.rows) patients" : ""))
            if target.championMetrics != nil || target.challenger != nil {
                lines.append("               AUC  log loss")
                func row(_ name: String, _ scores: Scores?) {
                    guard let scores else { return }
                    lines.append(name.padding(toLength: 11, withPad: " ", startingAt: 0)
                                 + String(format: "%8.4f  %8.4f", scores.auc, scores.logLoss))
                }
                row("champion", target.championMetrics)
                row("challenger", target.challenger)
            }
            let champion = target.champion.map { "model \($0)" } ?? "none"
            let challenger = target.challengerModel.map { "model \($0) (\(target.challengerFile ?? ""))" } ?? "the challenger"
            let verb = dryRun ? (target.decision == .promoted ? "would promote" : "would keep the champion")
                              : (target.decision == .promoted ? "promoted" : "kept the champion")
            lines.append("\(verb): champion \(champion), \(challenger)" + (target.decision == .kept && !dryRun ? " registered as a candidate" : ""))
            lines.append("why: \(target.reason)")
        }
        return lines.joined(separator: "\n")
    }
}
