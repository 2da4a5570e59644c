import ArgumentParser
import Foundation
import StrataFeatures
import StrataModels
import StrataProject

/// `strata train churn|conversion|lifetime [EXPORT]`: fits a score (or the lifetime models) on an export and
/// writes a model file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit the churn or conversion score (or the lifetime models) on an export.",
        discussion: """
            T is --as-of (default: the export's last event day). churn: patient features as of T - horizon, labels \
            "no completed visit in (T - horizon, T]"; the horizon is labels.churn_horizon_days in strata.yml (or \
            --horizon-days). conversion: the leads created on or before T - window with what was known of them at \
            creation (source, interest), labels "first completed visit within the window"; the window is \
            labels.conversion_window_days (or --window-days). Reports training metrics, stratified k-fold metrics \
            with their spread, and an out-of-time holdout (fitted one horizon or window earlier, evaluated on data \
            that fit never saw). lifetime: BG/NBD and Gamma-Gamma on each patient's completed visits through T \
            (see docs/lifetime.md); --time-unit and --penalizer apply.
            """
    )

    /// What `strata train` fits.
    enum Target: String, CaseIterable, ExpressibleByArgument {
        case churn, conversion, lifetime
    }

    @Argument(help: "What to predict: churn (patients), conversion (leads) or lifetime (visits and spend of patients).")
    var target: Target

    @OptionGroup var export: ExportOptions

    @Option(help: "The scoring date T, YYYY-MM-DD (default: the export's last event day).",
            transform: DayArgument.parser("--as-of", example: "2025-12-31"))
    var asOf: DayArgument?

    @Option(help: "The churn horizon in days (default: labels.churn_horizon_days in strata.yml); for lifetime, the N of the expected_visits_<N>d and clv_<N>d a refresh computes (default 365).")
    var horizonDays: Int?

    @Option(help: "The conversion window in days (default: labels.conversion_window_days in strata.yml).")
    var windowDays: Int?

    @OptionGroup var options: LogisticOptions

    @Option(help: "Stratified cross-validation folds.")
    var folds: Int = 5

    @Option(help: "Seed for the fold assignment.")
    var seed: UInt64 = 0

    @Option(name: .customLong("model-out"), help: "The model file to write (default: models/<target>-<T>.json).")
    var modelOut: String?

    @Option(help: "A CSV with patient_id (churn) or lead_id (conversion) and reference probabilities (e.g. a generator's ground truth) to compare on the holdout.")
    var reference: String?

    @Option(name: .customLong("reference-column"), help: "The probability column of --reference (default: churn_probability or conversion_probability).")
    var referenceColumn: String?

    @Option(name: .customLong("label-column"), help: "Train on an outcome the export carries: this column of patients.csv (churn) or leads.csv (conversion), instead of labels from visits. Needs --positive.")
    var labelColumn: String?

    @Option(help: "The value of --label-column that counts as the outcome (e.g. yes, cancelled); other non-empty values count as not.")
    var positive: String?

    @OptionGroup var lifetime: LifetimeFitOptions
    @OptionGroup var progress: ProgressOptions

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        let days = StrataLimits.days
        for (flag, value) in [("--horizon-days", horizonDays), ("--window-days", windowDays)] {
            if let value, !days.contains(value) {
                throw ValidationError("\(flag) must be a whole number of days from \(days.lowerBound) to \(days.upperBound), got \(value)")
            }
        }
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be from 2 to 100, got \(folds)") }
        if (labelColumn == nil) != (positive == nil) {
            throw ValidationError("--label-column and --positive go together: give the outcome column and its positive value")
        }
        if labelColumn != nil, let flag = [("--horizon-days", horizonDays != nil), ("--window-days", windowDays != nil),
                                           ("--reference", reference != nil)].first(where: { $0.1 })?.0 {
            throw ValidationError("\(flag) applies to labels from visits, not to a given outcome (--label-column)")
        }
    }

    var trainingRun: TrainingRun.Configuration {
        TrainingRun.Configuration(
            target: target == .conversion ? .conversion : .churn, scoringDay: asOf?.day, horizonDays: horizonDays, windowDays: windowDays,
            regression: options.regression, folds: folds, seed: seed, modelFile: modelOut.map { URL(fileURLWithPath: $0) },
            reference: reference.map { ReferenceScores.Source(file: URL(fileURLWithPath: $0), column: referenceColumn) },
            outcome: labelColumn.flatMap { column in positive.map { TrainingRun.GivenOutcome(column: column, positive: $0) } })
    }

    func run() throws {
        let shown = progress.start(json: json)
        defer { shown.stop() }
        let extra = target == .lifetime ? [:] : trainingRun.outcome?.extraColumns(for: trainingRun.target) ?? [:]
        let loaded = try shown.stage("reading the export") { try export.read(extraColumns: extra) }
        let (warnings, lines, summary): ([String], [String], any Encodable)
        if target == .lifetime {
            let result = try shown.stage("fitting the lifetime models") {
                try LifetimeRun.train(LifetimeRun.TrainingConfiguration(
                    asOf: asOf?.day, timeUnit: lifetime.timeUnit, penalty: lifetime.penalizer,
                    modelFile: modelOut.map { URL(fileURLWithPath: $0) }, workers: options.workers,
                    horizonDays: horizonDays ?? StoredLifetimeModel.defaultHorizonDays), on: loaded)
            }
            (warnings, lines, summary) = (result.warnings, result.lines, result.summary)
        } else {
            let result = try shown.stage("training the \(target) score") { try TrainingRun.run(trainingRun, on: loaded) }
            (warnings, lines, summary) = (result.warnings, result.lines, result.summary)
        }
        printWarnings(warnings)
        if json { try printJSON(summary) } else { lines.forEach { print($0) } }
    }
}
