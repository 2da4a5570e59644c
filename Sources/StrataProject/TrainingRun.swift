import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// Training the churn or conversion score on an export: the scoring date, the fit with its validation, the
/// reference comparison, the model file (with the export's ``Fingerprint``) and the report.
public enum TrainingRun {
    /// What to predict.
    public enum Target: String, Codable, CaseIterable, Sendable {
        /// Patients without a completed visit within the horizon.
        case churn
        /// Leads with a first completed visit within the window.
        case conversion
    }

    /// A training run's settings; `nil` fields take the project file's value or the export's.
    public struct Configuration: Sendable {
        public var target: Target
        /// The scoring date T (days since 1970-01-01); nil: the export's last event day.
        public var scoringDay: Day?
        /// The churn horizon; nil: `labels.churn_horizon_days`.
        public var horizonDays: Int?
        /// The conversion window; nil: `labels.conversion_window_days`.
        public var windowDays: Int?
        public var regression: LogisticRegression
        public var folds: Int
        public var seed: UInt64
        /// The model file to write; nil: `models/<target>-<T>.json` under the current directory.
        public var modelFile: URL?
        /// Reference probabilities compared on the holdout rows.
        public var reference: ReferenceScores.Source?
        /// Labels from an outcome column of the patients (churn) or leads (conversion) file instead of the
        /// visit histories; nil: labels from visits.
        public var outcome: GivenOutcome?
        /// The export folder's ``Fingerprint``, when the caller has it already (`strata retrain` fits several
        /// models on one export); nil: computed from the folder.
        public var exportFingerprint: String?

        public init(target: Target, scoringDay: Day? = nil, horizonDays: Int? = nil, windowDays: Int? = nil,
                    regression: LogisticRegression = LogisticRegression(), folds: Int = 5, seed: UInt64 = 0,
                    modelFile: URL? = nil, reference: ReferenceScores.Source? = nil, outcome: GivenOutcome? = nil,
                    exportFingerprint: String? = nil) {
            self.target = target
            self.scoringDay = scoringDay
            self.horizonDays = horizonDays
            self.windowDays = windowDays
            self.regression = regression
            self.folds = folds
            self.seed = seed
            self.modelFile = modelFile
            self.reference = reference
            self.outcome = outcome
            self.exportFingerprint = exportFingerprint
        }
    }

    /// An outcome the export already carries: a column of `patients.csv` (churn) or `leads.csv` (conversion)
    /// and the value that counts as positive; rows with the column empty are left out.
    public struct GivenOutcome: Sendable, Equatable {
        /// The column's header name.
        public var column: String
        /// The value (as written in the file) that labels a row 1; any other non-empty value labels it 0.
        public var positive: String

        public init(column: String, positive: String) {
            self.column = column
            self.positive = positive
        }

        /// The table holding the outcome of `target`.
        public static func table(of target: Target) -> CanonicalTable { target == .churn ? .patients : .leads }

        /// The extra column the export is read with: kept under a key no attribute can have.
        public var extraColumn: ExtraColumn { ExtraColumn("outcome:" + column, column: column, .text) }

        /// What ``ExportSource/read(tables:unusedTextColumns:extraColumns:)`` needs for `target`.
        public func extraColumns(for target: Target) -> [CanonicalTable: [ExtraColumn]] {
            [Self.table(of: target): [extraColumn]]
        }
    }

    /// What a training run did: the summary (`strata train --json`), the lines a person reads, and warnings.
    public struct Result: Sendable {
        public var summary: TrainingSummary
        public var modelFile: URL
        public var warnings: [String]
        /// The report for people, line by line.
        public var lines: [String]
        /// A churn model's scores of the patients on file at its feature date, computed for the drift reference
        /// (nil for conversion and for a given outcome).
        var scoresOnFile: ChurnScoresOnFile?
    }

    /// Trains on `source`'s export, writes the model file and returns the report.
    public static func run(_ configuration: Configuration, on source: ExportSource.Loaded) throws -> Result {
        let export = source.export
        if let outcome = configuration.outcome {
            return try given(outcome, configuration, on: source)
        }
        guard let scoringDay = configuration.scoringDay ?? ChurnTraining.lastEventDay(export) else {
            throw WorkflowError.noEvents(parameter: "scoringDay")
        }
        let fingerprint = try configuration.exportFingerprint ?? Fingerprint.of(folder: source.folder)
        let output = configuration.modelFile
            ?? URL(fileURLWithPath: "models/\(configuration.target.rawValue)-\(scoringDay.description).json")
        var report: TrainingReport
        switch configuration.target {
        case .churn:
            report = try churn(export, scoringDay: scoringDay, configuration, project: source.configuration, fingerprint: fingerprint)
        case .conversion:
            report = try conversion(export, scoringDay: scoringDay, configuration, project: source.configuration,
                                    fingerprint: fingerprint)
        }
        return try finish(&report, folds: configuration.folds, output: output)
    }

    private static func churn(_ export: ClinicExport, scoringDay: Day, _ configuration: Configuration,
                              project: ProjectConfiguration, fingerprint: String) throws -> TrainingReport {
        let horizon = configuration.horizonDays ?? project.labels.churnHorizonDays
        var drift: DriftReference?, scoresOnFile: ChurnScoresOnFile?
        let trained = try ChurnTraining.train(export, ChurnTraining.Configuration(
            scoringDate: scoringDay, horizonDays: horizon, spec: project.features, regression: configuration.regression,
            folds: configuration.folds, seed: configuration.seed)) { rowsOnFile, fit, featuresAsOf in
            // From the fit's own rows while they are at hand: computing the features again was a tenth of a
            // million-patient retrain. The scores are kept for a report on the same window (`strata month`).
            let scores = try fit.model.probabilities(rowsOnFile)
            drift = Drift.reference(rowsOnFile, schema: fit.schema, scores: scores, asOf: featuresAsOf)
            scoresOnFile = ChurnScoresOnFile(asOf: featuresAsOf, probabilities: scores)
        }
        let fit = trained.fit
        let asOf = trained.featuresAsOf.description, through = trained.labelsThrough.description
        var report = TrainingReport(
            target: .churn, fit: fit, holdoutMetrics: trained.holdout?.metrics, asOf: asOf, labelsThrough: through,
            training: ["horizon_days": "\(horizon)", "export_fingerprint": fingerprint],
            headline: "churn model: \(fit.rows) patients on file at \(asOf), \(fit.positives) without a completed visit through \(through)",
            holdoutLine: "the export does not reach two horizons back with both outcomes")
        report.summary.horizonDays = horizon
        report.drift = drift
        report.scoresOnFile = scoresOnFile
        if let reason = trained.holdoutUnavailable { report.warnings.append("no out-of-time holdout: \(reason)") }
        if let holdout = trained.holdout {
            report.summary.holdoutFitAsOf = holdout.fitAsOf.description
            report.summary.holdoutRows = holdout.targets.count
            report.holdoutLine = "fit as of \(holdout.fitAsOf.description), scored as of "
                + holdout.evaluationAsOf.description
            if let reference = configuration.reference {
                report.referenceAUC = try ReferenceScores.auc(reference, idColumn: "patient_id", defaultColumn: "churn_probability",
                                                              ids: holdout.patientRows.map { export.patients.ids[$0] },
                                                              targets: holdout.targets)
            }
        }
        return report
    }

    private static func conversion(_ export: ClinicExport, scoringDay: Day, _ configuration: Configuration,
                                   project: ProjectConfiguration, fingerprint: String) throws -> TrainingReport {
        let window = configuration.windowDays ?? project.labels.conversionWindowDays
        let trained = try ConversionTraining.train(export, scoringDate: scoringDay, windowDays: window, spec: project.features,
                                                   regression: configuration.regression, folds: configuration.folds,
                                                   seed: configuration.seed)
        let fit = trained.fit
        let createdThrough = trained.createdThrough.description
        var report = TrainingReport(
            target: .conversion, fit: fit, holdoutMetrics: trained.holdout?.metrics,
            asOf: scoringDay.description, labelsThrough: trained.labelsThrough.description,
            training: ["leads_created_through": createdThrough, "window_days": "\(window)", "export_fingerprint": fingerprint],
            headline: "conversion model: \(fit.rows) leads created through \(createdThrough), \(fit.positives) "
                + "with a first completed visit within \(window) days",
            holdoutLine: "the export does not reach two windows back with both outcomes")
        report.summary.windowDays = window
        report.summary.leadsCreatedThrough = createdThrough
        if let reason = trained.holdoutUnavailable { report.warnings.append("no out-of-time holdout: \(reason)") }
        if let holdout = trained.holdout {
            report.summary.holdoutFitCreatedThrough = holdout.fitCreatedThrough.description
            report.summary.holdoutRows = holdout.targets.count
            report.holdoutLine = "fit on leads created through \(holdout.fitCreatedThrough.description), "
                + "scored on the \(holdout.targets.count) created after, through \(createdThrough)"
            if let reference = configuration.reference {
                report.referenceAUC = try ReferenceScores.auc(reference, idColumn: "lead_id", defaultColumn: "conversion_probability",
                                                              ids: holdout.leadRows.map { export.leads.ids[$0] ?? "" },
                                                              targets: holdout.targets)
            }
        }
        return report
    }

    /// Trains on an outcome the export carries: the rows with the column filled, features as of the scoring
    /// date (patients) or at creation (leads), the same fit, k-fold validation and model file. There is no
    /// out-of-time holdout: the outcome has no date.
    private static func given(_ outcome: GivenOutcome, _ configuration: Configuration,
                              on source: ExportSource.Loaded) throws -> Result {
        let export = source.export
        let project = source.configuration
        let target = configuration.target
        if target == .churn, let attribute = project.attributes.first(where: { $0.column == outcome.column }) {
            throw GivenOutcomeError.outcomeIsAnAttribute(column: outcome.column, attribute: attribute.name)
        }
        let extra = target == .churn ? export.patients.extra : export.leads.extra
        guard let values = extra[outcome.extraColumn.key] else {
            throw GivenOutcomeError.columnNotRead(column: outcome.column, table: GivenOutcome.table(of: target).fileName)
        }
        var rows: [Int] = [], targets: [Double] = []
        for row in 0..<values.count {
            guard let value = values.text(row) else { continue }
            // A death on file is not churn: deceased patients are left out of churn training.
            if target == .churn, export.patients.hasDeathOnFile(row) { continue }
            rows.append(row)
            targets.append(value == outcome.positive ? 1 : 0)
        }
        let file = GivenOutcome.table(of: target).fileName
        guard targets.contains(1) else {
            throw GivenOutcomeError.noPositiveRow(column: outcome.column, positive: outcome.positive, file: file,
                                                  values: distinctValues(values, rows: rows))
        }
        let fingerprint = try configuration.exportFingerprint ?? Fingerprint.of(folder: source.folder)
        let scoringDay = configuration.scoringDay ?? ChurnTraining.lastEventDay(export)
        let fit: ValidatedFit
        let asOf: String
        switch target {
        case .churn:
            guard let scoringDay else { throw WorkflowError.noEvents(parameter: "scoringDay") }
            let table = try FeaturePipeline.fit(export, asOf: scoringDay, spec: project.features)
            fit = try ValidatedFit.fit(configuration.regression, x: Validation.selectRows(table.matrix, rows), targets: targets,
                                       schema: table.schema, folds: configuration.folds, seed: configuration.seed)
            asOf = scoringDay.description
        case .conversion:
            let table = LeadFeatures.fit(export, rows: rows, spec: project.features)
            fit = try ValidatedFit.fit(configuration.regression, x: table.matrix, targets: targets, schema: table.schema,
                                       folds: configuration.folds, seed: configuration.seed)
            asOf = scoringDay?.description ?? "creation"
        }
        let day = scoringDay?.description ?? "creation"
        let output = configuration.modelFile ?? URL(fileURLWithPath: "models/\(target.rawValue)-\(day).json")
        let who = target == .churn ? "patients" : "leads"
        var report = TrainingReport(
            target: target, fit: fit, holdoutMetrics: nil, asOf: asOf, labelsThrough: asOf,
            training: ["label_column": outcome.column, "positive_value": outcome.positive, "export_fingerprint": fingerprint],
            headline: "\(target.rawValue) model: \(fit.rows) \(who) with \(outcome.column) given in \(file), "
                + "\(fit.positives) with \(outcome.column) = \(outcome.positive)",
            holdoutLine: "the outcome is given, not observed over time")
        report.summary.labelColumn = outcome.column
        report.summary.positiveValue = outcome.positive
        report.warnings.append("no out-of-time holdout: the outcome \(outcome.column) is given, without a date to split on")
        return try finish(&report, folds: configuration.folds, output: output)
    }

    /// Up to five distinct values of the outcome column, for an error message.
    private static func distinctValues(_ values: ExtraValues, rows: [Int]) -> [String] {
        var seen: [String] = []
        for row in rows {
            guard let value = values.text(row), !seen.contains(value) else { continue }
            seen.append(value)
            if seen.count == 5 { break }
        }
        return seen
    }

    /// Writes the model file and builds the summary and the lines.
    private static func finish(_ report: inout TrainingReport, folds: Int, output: URL) throws -> Result {
        let model = report.fit.model
        let metrics = report.metrics
        var training = report.training
        training.merge(["target": report.target.rawValue, "as_of": report.asOf, "labels_through": report.labelsThrough,
                        "rows": "\(report.fit.rows)", "positives": "\(report.fit.positives)"]) { _, new in new }
        var file = model.modelFile(featureSchema: report.fit.schema, metrics: metrics, training: training)
        file.drift = report.drift
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try file.write(to: output)
        let registered = try ModelRegistry.registerIfInProject(output, exportFolder: nil)

        var summary = report.summary
        summary.model = output.path
        summary.metrics = metrics
        summary.warnings = model.fit.warnings + report.warnings
        var lines = [report.headline]
        let fitted = report.fit.trainingMetrics
        lines.append(String(format: "training: AUC %.4f, log loss %.4f (%d iterations%@)", fitted.auc, fitted.logLoss,
                            model.fit.iterations, model.fit.converged ? "" : ", NOT converged"))
        let auc = report.fit.crossValidation.spread.auc
        lines.append(String(format: "%d-fold: AUC %.4f ± %.4f", folds, auc.mean, auc.standardDeviation))
        if let holdout = report.holdoutMetrics {
            lines.append("holdout (\(report.holdoutLine)): " + String(format: "AUC %.4f, average precision %.4f, Brier %.4f",
                                                                     holdout.auc, holdout.averagePrecision, holdout.brier))
        } else {
            lines.append("holdout: not available (\(report.holdoutLine))")
        }
        if let auc = report.referenceAUC { lines.append(String(format: "reference probabilities on the holdout: AUC %.4f", auc)) }
        lines.append("model written to \(output.path)")
        if let registered { lines.append("registered as model \(registered.id) (\(registered.status.rawValue))") }
        return Result(summary: summary, modelFile: output, warnings: summary.warnings, lines: lines, scoresOnFile: report.scoresOnFile)
    }
}

/// `strata train --json`: one object per run.
public struct TrainingSummary: Codable, Sendable, Equatable {
    public var target: TrainingRun.Target
    /// The model file written.
    public var model: String
    public var rows: Int
    public var positives: Int
    /// The feature date (churn) or the scoring date (conversion), and the last day labels were read from.
    public var asOf: String
    public var labelsThrough: String
    public var iterations: Int
    public var converged: Bool
    public var fitSeconds: Double
    /// Training metrics, `cv_<metric>_mean|std`, `holdout_<metric>` and `holdout_reference_auc`.
    public var metrics: [String: Double]
    public var features: [String]
    public var coefficients: [Double]
    public var intercept: Double
    /// Churn only.
    public var horizonDays: Int?
    public var holdoutFitAsOf: String?
    /// Conversion only.
    public var windowDays: Int?
    public var leadsCreatedThrough: String?
    public var holdoutFitCreatedThrough: String?
    public var holdoutRows: Int?
    /// Given outcomes only: the outcome column and the value counted positive.
    public var labelColumn: String?
    public var positiveValue: String?
    /// The fit's warnings and why there is no holdout, if there is none.
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case target, model, rows, positives, asOf = "as_of", labelsThrough = "labels_through", iterations, converged
        case fitSeconds = "fit_seconds", metrics, features, coefficients, intercept, horizonDays = "horizon_days"
        case holdoutFitAsOf = "holdout_fit_as_of", windowDays = "window_days", leadsCreatedThrough = "leads_created_through"
        case holdoutFitCreatedThrough = "holdout_fit_created_through", holdoutRows = "holdout_rows", warnings
        case labelColumn = "label_column", positiveValue = "positive_value"
    }
}

/// What training either target reports, in one shape for the model file, the summary and the text.
private struct TrainingReport {
    var target: TrainingRun.Target
    var fit: ValidatedFit
    var holdoutMetrics: Metrics.Summary?
    var asOf: String
    var labelsThrough: String
    /// Target-specific model-file metadata (no patient data).
    var training: [String: String]
    var summary: TrainingSummary
    var headline: String
    /// How the holdout was made, or why there is none.
    var holdoutLine: String
    var referenceAUC: Double?
    var warnings: [String] = []
    /// The training rows' distributions, for drift (churn from visits only).
    var drift: DriftReference?
    /// The model's scores of the patients on file at the feature date (churn from visits only).
    var scoresOnFile: ChurnScoresOnFile?

    init(target: TrainingRun.Target, fit: ValidatedFit, holdoutMetrics: Metrics.Summary?, asOf: String, labelsThrough: String,
         training: [String: String], headline: String, holdoutLine: String) {
        self.target = target
        self.fit = fit
        self.holdoutMetrics = holdoutMetrics
        self.asOf = asOf
        self.labelsThrough = labelsThrough
        self.training = training
        self.headline = headline
        self.holdoutLine = holdoutLine
        let model = fit.model
        summary = TrainingSummary(
            target: target, model: "", rows: fit.rows, positives: fit.positives, asOf: asOf, labelsThrough: labelsThrough,
            iterations: model.fit.iterations, converged: model.fit.converged, fitSeconds: model.fit.seconds, metrics: [:],
            features: fit.schema.names, coefficients: model.coefficients, intercept: model.intercept, warnings: [])
    }

    /// Training metrics, `cv_<metric>_mean|std`, `holdout_<metric>` and `holdout_reference_auc`.
    var metrics: [String: Double] {
        var metrics = fit.trainingMetrics.byName
        for (name, spread) in fit.crossValidation.spread.byName {
            metrics["cv_\(name)_mean"] = spread.mean
            metrics["cv_\(name)_std"] = spread.standardDeviation
        }
        for (name, value) in holdoutMetrics?.byName ?? [:] { metrics["holdout_\(name)"] = value }
        if let referenceAUC { metrics["holdout_reference_auc"] = referenceAUC }
        return metrics
    }
}

/// Why a given outcome cannot be trained on. Messages name the parameters, never a command-line flag.
public enum GivenOutcomeError: Error, Equatable, CustomStringConvertible {
    /// The export was read without the outcome column.
    case columnNotRead(column: String, table: String)
    /// No row has the positive value.
    case noPositiveRow(column: String, positive: String, file: String, values: [String])
    /// The outcome column is also a declared attribute: the model would read its own label.
    case outcomeIsAnAttribute(column: String, attribute: String)

    public var description: String {
        switch self {
        case let .columnNotRead(column, table):
            "outcome column \(column): the export was read without it; read \(table) with the outcome's extra column"
        case let .noPositiveRow(column, positive, file, values):
            "outcome column \(column) of \(file): no row has the positive value \"\(positive)\"; "
                + (values.isEmpty ? "the column is empty in every row" : "values found: \(values.joined(separator: ", "))")
        case let .outcomeIsAnAttribute(column, attribute):
            "outcome column \(column) is also read by the attribute \(attribute); a model may not read its own label, "
                + "so remove the attribute or choose another outcome column"
        }
    }
}
