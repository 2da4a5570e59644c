import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataModels

/// `strata train churn [EXPORT]`: fits the churn score on an export and writes a model file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fit the churn score on an export (features as of T - horizon, labels in (T - horizon, T]).",
        discussion: """
            T is --as-of (default: the export's last event day); the horizon is labels.churn_horizon_days in \
            strata.yml (or --horizon-days). Reports training metrics, stratified k-fold metrics with their spread, \
            and an out-of-time holdout (fit one horizon earlier, evaluated on (T - horizon, T]). \
            Conversion needs lead-level features the feature pipeline does not compute yet.
            """
    )

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case churn
        case conversion
    }

    @Argument(help: "What to predict: churn (conversion is not available yet).")
    var target: Target

    @OptionGroup var export: ExportOptions

    @Option(help: "The scoring date T, YYYY-MM-DD (default: the export's last event day).")
    var asOf: String?

    @Option(help: "The churn horizon in days (default: labels.churn_horizon_days in strata.yml).")
    var horizonDays: Int?

    @OptionGroup var options: LogisticOptions

    @Option(help: "Stratified cross-validation folds.")
    var folds: Int = 5

    @Option(help: "Seed for the fold assignment.")
    var seed: UInt64 = 0

    @Option(name: .customLong("model-out"), help: "The model file to write (default: models/churn-<T>.json).")
    var modelOut: String?

    @Option(help: "A CSV with patient_id and reference probabilities (e.g. a generator's ground truth) to compare on the holdout.")
    var reference: String?

    @Option(name: .customLong("reference-column"), help: "The probability column of --reference.")
    var referenceColumn: String = "churn_probability"

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if let asOf, CivilDate.parseISODate(asOf) == nil {
            throw ValidationError("--as-of must be a date like 2025-12-31 (YYYY-MM-DD), got \"\(asOf)\"")
        }
        if let horizonDays, horizonDays < 1 { throw ValidationError("--horizon-days must be at least 1, got \(horizonDays)") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2, got \(folds)") }
    }

    func run() throws {
        guard target == .churn else {
            FileHandle.standardError.write(Data("""
                error: strata train conversion is not available yet: conversion is predicted per lead, and the feature \
                pipeline computes patient features only (leads have no patient row until they convert)

                """.utf8))
            throw ExitCode(1)
        }
        let (result, configuration) = try export.read()
        guard let scoringDay = asOf.flatMap(CivilDate.parseISODate) ?? ChurnTraining.lastEventDay(result.export) else {
            throw ValidationError("the export has no events; give --as-of")
        }
        let horizon = horizonDays ?? configuration.labels.churnHorizonDays
        let trained = try reportingErrors { () throws in
            try ChurnTraining.train(result.export, scoringDate: scoringDay, horizonDays: horizon,
                                    spec: configuration.features, regression: options.regression, folds: folds, seed: seed)
        }
        for warning in trained.model.fit.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        var referenceAUC: Double?
        if let reference, let holdout = trained.holdout {
            referenceAUC = try reportingErrors { () throws in
                try ReferenceScores.auc(file: URL(fileURLWithPath: reference), column: referenceColumn,
                                        patientIDs: holdout.patientRows.map { result.export.patients.ids[$0] },
                                        targets: holdout.targets)
            }
        }

        var metrics = trained.trainingMetrics
        for (name, spread) in trained.crossValidation.spread {
            metrics["cv_\(name)_mean"] = spread.mean
            metrics["cv_\(name)_std"] = spread.standardDeviation
        }
        for (name, value) in trained.holdout?.metrics ?? [:] { metrics["holdout_\(name)"] = value }
        if let referenceAUC { metrics["holdout_reference_auc"] = referenceAUC }
        let exportFolder = URL(fileURLWithPath: export.path ?? configuration.exports?.path ?? ".")
        let exportFiles = try FileManager.default.contentsOfDirectory(at: exportFolder, includingPropertiesForKeys: nil)
            .filter { ["csv", "ndjson", "json"].contains($0.pathExtension) }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let file = trained.model.modelFile(featureSchema: trained.schema, metrics: metrics, training: [
            "target": "churn",
            "as_of": CivilDate.isoString(days: trained.featuresAsOf),
            "labels_through": CivilDate.isoString(days: trained.labelsThrough),
            "horizon_days": "\(horizon)",
            "rows": "\(trained.rows)", "positives": "\(trained.positives)",
            "export_fingerprint": try InputFingerprint.of(exportFiles),
        ])
        let output = URL(fileURLWithPath: modelOut ?? "models/churn-\(CivilDate.isoString(days: scoringDay)).json")
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try file.write(to: output)

        if json {
            var summary: [String: Any] = [
                "target": "churn", "model": output.path, "rows": trained.rows, "positives": trained.positives,
                "as_of": CivilDate.isoString(days: trained.featuresAsOf),
                "labels_through": CivilDate.isoString(days: trained.labelsThrough), "horizon_days": horizon,
                "iterations": trained.model.fit.iterations, "converged": trained.model.fit.converged,
                "fit_seconds": trained.model.fit.seconds, "metrics": metrics,
                "features": trained.schema.names, "coefficients": trained.model.coefficients,
                "intercept": trained.model.intercept,
            ]
            if let holdout = trained.holdout {
                summary["holdout_fit_as_of"] = CivilDate.isoString(days: holdout.fitAsOf)
                summary["holdout_rows"] = holdout.targets.count
            }
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("churn model: \(trained.rows) patients on file at \(CivilDate.isoString(days: trained.featuresAsOf)), "
              + "\(trained.positives) without a completed visit through \(CivilDate.isoString(days: trained.labelsThrough))")
        print(String(format: "training: AUC %.4f, log loss %.4f (%d iterations%@)", metrics["auc"]!, metrics["log_loss"]!,
                     trained.model.fit.iterations, trained.model.fit.converged ? "" : ", NOT converged"))
        if let auc = trained.crossValidation.spread["auc"] {
            print(String(format: "%d-fold: AUC %.4f ± %.4f", folds, auc.mean, auc.standardDeviation))
        }
        if let holdout = trained.holdout {
            print(String(format: "holdout (fit as of %@, scored as of %@): AUC %.4f, average precision %.4f, Brier %.4f",
                         CivilDate.isoString(days: holdout.fitAsOf), CivilDate.isoString(days: holdout.evaluationAsOf),
                         holdout.metrics["auc"]!, holdout.metrics["average_precision"]!, holdout.metrics["brier"]!))
        } else {
            print("holdout: not available (the export does not reach two horizons back with both outcomes)")
        }
        if let referenceAUC { print(String(format: "reference probabilities on the holdout: AUC %.4f", referenceAUC)) }
        print("model written to \(output.path)")
    }
}

/// Reference probabilities from a CSV (`patient_id` plus a probability column), compared on the same rows.
enum ReferenceScores {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The ROC AUC of the reference column on `patientIDs` with `targets`.
    static func auc(file: URL, column: String, patientIDs: [String], targets: [Double]) throws -> Double {
        let text = try String(contentsOf: file, encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { throw Failure(description: "\(file.path): empty") }
        let header = lines.removeFirst()
        guard let idIndex = header.firstIndex(of: "patient_id"), let valueIndex = header.firstIndex(of: column) else {
            throw Failure(description: "\(file.path): expected columns patient_id and \(column), found \(header.joined(separator: ","))")
        }
        var byID: [String: Double] = [:]
        for (number, fields) in lines.enumerated() where fields.count > Swift.max(idIndex, valueIndex) && !fields[valueIndex].isEmpty {
            guard let value = Double(fields[valueIndex]) else {
                throw Failure(description: "\(file.path):\(number + 2): \(column) is \"\(fields[valueIndex])\"; expected a number")
            }
            byID[fields[idIndex]] = value
        }
        var scores: [Double] = [], labels: [Double] = []
        for (id, target) in zip(patientIDs, targets) {
            guard let value = byID[id] else { throw Failure(description: "\(file.path): no \(column) for patient \(id)") }
            scores.append(value)
            labels.append(target)
        }
        return try Metrics.rocAUC(targets: labels, scores: scores)
    }
}
