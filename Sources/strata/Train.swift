import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataModels

/// `strata train churn|conversion [EXPORT]`: fits a score on an export and writes a model file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit the churn or conversion score on an export, with honest out-of-time validation.",
        discussion: """
            T is --as-of (default: the export's last event day). churn: patient features as of T - horizon, labels \
            "no completed visit in (T - horizon, T]"; the horizon is labels.churn_horizon_days in strata.yml (or \
            --horizon-days). conversion: the leads created on or before T - window with what was known of them at \
            creation (source, interest), labels "first completed visit within the window"; the window is \
            labels.conversion_window_days (or --window-days). Reports training metrics, stratified k-fold metrics \
            with their spread, and an out-of-time holdout (fitted one horizon or window earlier, evaluated on data \
            that fit never saw).
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case churn
        case conversion
    }

    @Argument(help: "What to predict: churn (patients) or conversion (leads).")
    var target: Target

    @OptionGroup var export: ExportOptions

    @Option(help: "The scoring date T, YYYY-MM-DD (default: the export's last event day).")
    var asOf: String?

    @Option(help: "The churn horizon in days (default: labels.churn_horizon_days in strata.yml).")
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

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if let asOf { _ = try asOfDay(asOf, example: "2025-12-31") }
        let days = StrataLimits.days
        for (flag, value) in [("--horizon-days", horizonDays), ("--window-days", windowDays)] {
            if let value, !days.contains(value) {
                throw ValidationError("\(flag) must be a whole number of days from \(days.lowerBound) to \(days.upperBound), got \(value)")
            }
        }
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be from 2 to 100, got \(folds)") }
    }

    func run() throws {
        let (result, configuration) = try export.read()
        guard let scoringDay = try asOf.map({ text throws in try asOfDay(text, example: "2025-12-31") })
                ?? ChurnTraining.lastEventDay(result.export) else {
            throw ValidationError("the export has no events; give --as-of")
        }
        let exportFolder = URL(fileURLWithPath: export.path ?? configuration.exports?.path ?? ".")
        let exportFiles = try FileManager.default.contentsOfDirectory(at: exportFolder, includingPropertiesForKeys: nil)
            .filter { ["csv", "ndjson", "json"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let fingerprint = try InputFingerprint.of(exportFiles)
        let output = URL(fileURLWithPath: modelOut ?? "models/\(target.rawValue)-\(scoringDay).json")
        switch target {
        case .churn:
            try trainChurn(result.export, scoringDay: scoringDay, configuration: configuration, fingerprint: fingerprint, output: output)
        case .conversion:
            try trainConversion(result.export, scoringDay: scoringDay, configuration: configuration, fingerprint: fingerprint,
                                output: output)
        }
    }

    private func trainChurn(_ export: ClinicExport, scoringDay: Day, configuration: ProjectConfiguration, fingerprint: String,
                            output: URL) throws {
        let horizon = horizonDays ?? configuration.labels.churnHorizonDays
        let trained = try reportingErrors { () throws in
            try ChurnTraining.train(export, scoringDate: scoringDay, horizonDays: horizon,
                                    spec: configuration.features, regression: options.regression, folds: folds, seed: seed)
        }
        let fit = trained.fit
        var report = TrainingReport(
            target: .churn, fit: fit, holdoutMetrics: trained.holdout?.metrics,
            asOf: trained.featuresAsOf.description, labelsThrough: trained.labelsThrough.description,
            training: ["horizon_days": "\(horizon)", "export_fingerprint": fingerprint],
            summary: ["horizon_days": horizon],
            headline: "churn model: \(fit.rows) patients on file at \(trained.featuresAsOf), "
                + "\(fit.positives) without a completed visit through \(trained.labelsThrough)",
            holdoutLine: "the export does not reach two horizons back with both outcomes")
        if let holdout = trained.holdout {
            report.summary["holdout_fit_as_of"] = holdout.fitAsOf.description
            report.summary["holdout_rows"] = holdout.targets.count
            report.holdoutLine = "fit as of \(holdout.fitAsOf), scored as of \(holdout.evaluationAsOf)"
            report.referenceAUC = try referenceAUC(idColumn: "patient_id", defaultColumn: "churn_probability",
                                                   ids: holdout.patientRows.map { export.patients.ids[$0] },
                                                   targets: holdout.targets)
        }
        try finish(report, output: output)
    }

    private func trainConversion(_ export: ClinicExport, scoringDay: Day, configuration: ProjectConfiguration,
                                 fingerprint: String, output: URL) throws {
        let window = windowDays ?? configuration.labels.conversionWindowDays
        let trained = try reportingErrors { () throws in
            try ConversionTraining.train(export, scoringDate: scoringDay, windowDays: window, spec: configuration.features,
                                         regression: options.regression, folds: folds, seed: seed)
        }
        let fit = trained.fit
        let createdThrough = trained.createdThrough.description
        var report = TrainingReport(
            target: .conversion, fit: fit, holdoutMetrics: trained.holdout?.metrics,
            asOf: scoringDay.description, labelsThrough: trained.labelsThrough.description,
            training: ["leads_created_through": createdThrough, "window_days": "\(window)", "export_fingerprint": fingerprint],
            summary: ["window_days": window, "leads_created_through": createdThrough],
            headline: "conversion model: \(fit.rows) leads created through \(createdThrough), \(fit.positives) "
                + "with a first completed visit within \(window) days",
            holdoutLine: "the export does not reach two windows back with both outcomes")
        if let holdout = trained.holdout {
            report.summary["holdout_fit_created_through"] = holdout.fitCreatedThrough.description
            report.summary["holdout_rows"] = holdout.targets.count
            report.holdoutLine = "fit on leads created through \(holdout.fitCreatedThrough), "
                + "scored on the \(holdout.targets.count) created after, through \(createdThrough)"
            report.referenceAUC = try referenceAUC(idColumn: "lead_id", defaultColumn: "conversion_probability",
                                                   ids: holdout.leadRows.map { export.leads.ids[$0] ?? "" },
                                                   targets: holdout.targets)
        }
        try finish(report, output: output)
    }

    /// The AUC of `--reference` on the holdout rows, or nil without `--reference`.
    private func referenceAUC(idColumn: String, defaultColumn: String, ids: [String], targets: [Double]) throws -> Double? {
        guard let reference else { return nil }
        return try reportingErrors { () throws in
            try ReferenceScores.auc(file: URL(fileURLWithPath: reference), idColumn: idColumn,
                                    column: referenceColumn ?? defaultColumn, ids: ids, targets: targets)
        }
    }

    /// Writes the model file and prints the summary (text or JSON).
    private func finish(_ report: TrainingReport, output: URL) throws {
        let model = report.fit.model
        for warning in model.fit.warnings {
            writeToStandardError("warning: \(warning)\n")
        }
        let metrics = report.metrics
        var training = report.training
        training.merge(["target": report.target.rawValue, "as_of": report.asOf, "labels_through": report.labelsThrough,
                        "rows": "\(report.fit.rows)", "positives": "\(report.fit.positives)"]) { _, new in new }
        let file = model.modelFile(featureSchema: report.fit.schema, metrics: metrics, training: training)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try file.write(to: output)

        if json {
            var summary = report.summary
            summary.merge([
                "target": report.target.rawValue, "model": output.path, "rows": report.fit.rows,
                "positives": report.fit.positives, "as_of": report.asOf, "labels_through": report.labelsThrough,
                "iterations": model.fit.iterations, "converged": model.fit.converged,
                "fit_seconds": model.fit.seconds, "metrics": metrics,
                "features": report.fit.schema.names, "coefficients": model.coefficients, "intercept": model.intercept,
            ]) { _, new in new }
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(report.headline)
        print(String(format: "training: AUC %.4f, log loss %.4f (%d iterations%@)", report.fit.trainingMetrics.auc, report.fit.trainingMetrics.logLoss,
                     model.fit.iterations, model.fit.converged ? "" : ", NOT converged"))
        let auc = report.fit.crossValidation.spread.auc
        print(String(format: "%d-fold: AUC %.4f ± %.4f", folds, auc.mean, auc.standardDeviation))
        if let holdout = report.holdoutMetrics {
            print("holdout (\(report.holdoutLine)): " + String(format: "AUC %.4f, average precision %.4f, Brier %.4f",
                                                               holdout.auc, holdout.averagePrecision, holdout.brier))
        } else {
            print("holdout: not available (\(report.holdoutLine))")
        }
        if let auc = report.referenceAUC { print(String(format: "reference probabilities on the holdout: AUC %.4f", auc)) }
        print("model written to \(output.path)")
    }
}

/// What training either target reports, in one shape for the model file, the JSON summary and the text.
private struct TrainingReport {
    var target: Train.Target
    var fit: ValidatedFit
    var holdoutMetrics: Metrics.Summary?
    /// The feature date (churn) or scoring date (conversion), and the last day labels were read from.
    var asOf: String
    var labelsThrough: String
    /// Target-specific model-file metadata (no patient data).
    var training: [String: String]
    /// Target-specific fields of the JSON summary.
    var summary: [String: Any]
    var headline: String
    /// How the holdout was made, or why there is none.
    var holdoutLine: String
    var referenceAUC: Double?

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

/// Reference probabilities from a CSV (an id column plus a probability column), compared on the same rows.
enum ReferenceScores {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The ROC AUC of the reference column on the rows with `ids` (in `idColumn`) and `targets`.
    static func auc(file: URL, idColumn: String, column: String, ids: [String], targets: [Double]) throws -> Double {
        let text = try String(contentsOf: file, encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { throw Failure(description: "\(file.path): empty") }
        let header = lines.removeFirst()
        guard let idIndex = header.firstIndex(of: idColumn), let valueIndex = header.firstIndex(of: column) else {
            throw Failure(description: "\(file.path): expected columns \(idColumn) and \(column), found \(header.joined(separator: ","))")
        }
        var byID: [String: Double] = [:]
        for (number, fields) in lines.enumerated() where fields.count > Swift.max(idIndex, valueIndex) && !fields[valueIndex].isEmpty {
            guard let value = Double(fields[valueIndex]) else {
                throw Failure(description: "\(file.path):\(number + 2): \(column) is \"\(fields[valueIndex])\"; expected a number")
            }
            byID[fields[idIndex]] = value
        }
        var scores: [Double] = [], labels: [Double] = []
        for (id, target) in zip(ids, targets) {
            guard let value = byID[id] else { throw Failure(description: "\(file.path): no \(column) for \(id)") }
            scores.append(value)
            labels.append(target)
        }
        return try Metrics.rocAUC(targets: labels, scores: scores)
    }
}
