import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataReports
import StrataSegments

/// `strata report` as a workflow: one run of the store (the newest, or a given one) as a notebook, an HTML
/// page and the aggregate CSVs behind them, in `reports/run-N/` of the project, with an audit entry holding
/// the files' fingerprints.
///
/// The run's export is found among the project's exports by its fingerprint; the churn score's curves are
/// computed on it: features as of the run's as-of date minus the model's horizon, outcomes (no completed
/// visit) in the horizon after, for the patients on file then.
public enum ReportRun {
    public struct Configuration: Sendable {
        /// The project folder (holding `strata.yml`).
        public var project: URL
        /// The run to report on; nil: the newest.
        public var run: Int64?
        /// The folder the `run-N` folder goes in; nil: `reports` in the project.
        public var reportsFolder: URL?
        /// Who runs it, for the audit log.
        public var user: String

        public init(project: URL, run: Int64? = nil, reportsFolder: URL? = nil, user: String) {
            self.project = project
            self.run = run
            self.reportsFolder = reportsFolder
            self.user = user
        }
    }

    /// Builds and writes the report, and records it in the audit log.
    public static func run(_ configuration: Configuration) throws -> ReportSummary {
        let project = try Project(directory: configuration.project)
        guard FileManager.default.fileExists(atPath: project.storeURL.path) else { throw StoreError.noRuns }
        let store = try SegmentStore(path: project.storeURL.path)
        let runs = try store.runs()
        guard let latest = runs.last else { throw StoreError.noRuns }
        let run: RunRecord
        if let wanted = configuration.run {
            guard let found = runs.first(where: { $0.id == wanted }) else { throw StoreError.unknownRun(wanted, latest: latest.id) }
            run = found
        } else {
            run = latest
        }
        let asOf = try Day(iso: run.asOf)
        let previous = runs.last { $0.id < run.id }

        // The run's export, when it is still among the project's exports.
        var loaded: ExportSource.Loaded?
        if let folder = try exportFolder(of: run, in: project) {
            let source = ExportSource(path: folder.path, configurationFile: project.directory.appendingPathComponent(Project.fileName).path)
            // The tables the churn model's features need, consents and patients; the rest are read for the checks only.
            loaded = try source.read(tables: { $0.features.tablesNeeded.union([.patients, .consents]) }, failingOnChecks: false)
        }
        let models = try ProjectModels(directory: project.modelsURL)

        var segments: [SegmentSnapshot] = []
        for definition in project.segments.definitions {
            let history: [SegmentHistoryEntry]
            do { history = try store.history(of: definition.name) } catch StoreError.unknownSegment { continue }
            guard history.contains(where: { $0.run == run.id }) else { continue }
            segments.append(SegmentSnapshot(
                name: definition.name, purpose: definition.purpose, channels: definition.channels,
                history: history.filter { $0.run <= run.id }, members: try store.members(of: definition.name, after: run.id),
                previousMembers: try previous.map { try store.members(of: definition.name, after: $0.id) }))
        }

        var scores: [ScoreInput] = []
        if let export = loaded?.export, let churn = models.churn {
            scores.append(try churnEvaluation(churn, name: models.versions.keys.first { $0.hasPrefix("churn-") } ?? "churn model",
                                              export: export, asOf: asOf, project: project))
        }
        let inputs = ReportInputs(run: run, runs: runs.filter { $0.id <= run.id }, exportName: loaded?.folder.lastPathComponent,
                                  checks: loaded?.checks, segments: segments, export: loaded?.export, asOf: asOf,
                                  clusters: models.clusters, scores: scores, minCellSize: project.configuration.reports.minCellSize)
        let report = try Report.build(inputs)
        let folder = (configuration.reportsFolder ?? project.directory.appendingPathComponent("reports"))
            .appendingPathComponent("run-\(run.id)")
        let written = try ReportFiles.write(report, to: folder)
        var auditInputs = ["run": String(run.id), "export": run.exportFingerprint]
        for (name, version) in models.versions { auditInputs["model:" + name] = version }
        try store.exclusively { session in
            try session.audit(action: "report", user: configuration.user, inputs: auditInputs, outputs: written.fingerprints)
        }
        return ReportSummary(run: run.id, asOf: run.asOf, folder: folder.path,
                             html: folder.appendingPathComponent("report.html").path,
                             notebook: folder.appendingPathComponent("report.ipynb").path,
                             sections: report.sections.map(\.id),
                             aggregates: report.sections.flatMap(\.aggregates).map(\.relativePath),
                             export: loaded?.folder.lastPathComponent)
    }

    /// The export folder whose fingerprint the run recorded: the folder named by the run's as-of date first,
    /// then the others, newest first. Nil when none matches (the export was moved or removed).
    static func exportFolder(of run: RunRecord, in project: Project) throws -> URL? {
        guard let path = project.configuration.exports?.path else { return nil }
        let root = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if fileManager.fileExists(atPath: root.appendingPathComponent("patients.csv").path) || project.configuration.mapping != nil {
            candidates.append(root)
        }
        let names = ((try? fileManager.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted(by: >)
        for name in names.sorted(by: { ($0 == run.asOf ? 0 : 1, $1) < ($1 == run.asOf ? 0 : 1, $0) }) {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(name)
            if fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { candidates.append(url) }
        }
        for candidate in candidates where (try? Fingerprint.of(folder: candidate)) == run.exportFingerprint { return candidate }
        return nil
    }

    /// The churn model applied where outcomes are known: features as of `asOf − horizon` for the patients on
    /// file then, outcomes in the horizon after.
    static func churnEvaluation(_ model: ModelFile<LogisticParameters>, name: String, export: ClinicExport, asOf: Day,
                                project: Project) throws -> ScoreInput {
        let horizon = Int(model.training["horizon_days"] ?? "") ?? project.configuration.labels.churnHorizonDays
        let day = asOf - horizon
        let rows = ChurnTraining.patientsOnFile(export, asOf: day)
        let features = try FeaturePipeline.apply(model.featureSchema, to: export, asOf: day)
        let probabilities = try model.parameters.model.probabilities(Validation.selectRows(features.matrix, rows))
        let labels = Labels.churn(export, asOf: day, horizonDays: horizon)
        var window = "the run's export, features as of \(day.description) and outcomes through \(asOf.description) "
            + "(\(horizon) days) for the patients on file then"
        if model.training["as_of"] == day.description { window += "; this is the window the model was trained on, so it flatters the score" }
        return ScoreInput(target: "churn", modelName: name, model: model, probabilities: probabilities, outcomes: rows.map { labels[$0] },
                          evaluatedOn: window, positives: "patients who lapsed (no completed visit in the horizon)")
    }
}

/// `strata report --json`.
public struct ReportSummary: Codable, Sendable, Equatable {
    public var run: Int64
    public var asOf: String
    /// The report's folder, its HTML page and its notebook.
    public var folder: String
    public var html: String
    public var notebook: String
    /// The sections shown, in order (`run`, `segments`, `clusters`, `churn`, `consent`).
    public var sections: [String]
    /// The aggregate CSVs, relative to the folder.
    public var aggregates: [String]
    /// The export's folder name; nil when the run's export was not found.
    public var export: String?

    enum CodingKeys: String, CodingKey { case run, asOf = "as_of", folder, html, notebook, sections, aggregates, export }

    /// What people read.
    public var text: String {
        "report of run \(run) (as of \(asOf)): \(sections.count) sections, \(aggregates.count) aggregate tables\n"
            + "  \(html)\n  \(notebook)"
    }
}
