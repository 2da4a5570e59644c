import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// The model card beside each registered model file (`churn-2025-12-31.json` → `churn-2025-12-31.md`): its
/// data window, population, features, metrics (training, cross-validated, holdout, realized), drift reference
/// and known limits, in Markdown. Built from the model file and the registry only: never patient data.
public enum ModelCard {
    /// The card's place: the model file's name with `.md`.
    public static func url(for modelFile: URL) -> URL {
        modelFile.deletingPathExtension().appendingPathExtension("md")
    }

    /// Writes (or rewrites) the card of `model`, whose file is `file`.
    static func write(_ model: RegisteredModel, file: URL, realized: [RealizedRecord] = []) throws {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw ModelFileError.unreadable(path: file.path, reason: error.localizedDescription)
        }
        let source: Source
        do { source = try JSONDecoder().decode(Source.self, from: data) } catch {
            throw ModelFileError.malformed(path: file.path, reason: String(describing: error))
        }
        try AtomicFile.write(Data(text(model, source: source, realized: realized).utf8), to: url(for: file), permissions: 0o600)
    }

    /// The fields of a model file a card reads.
    struct Source: Decodable {
        var kind: String
        var strataVersion: String?
        var featureSchema: FeatureSchema
        var metrics: [String: Double]
        var training: [String: String]
        var drift: DriftReference?
    }

    static func text(_ model: RegisteredModel, source: Source, realized: [RealizedRecord]) -> String {
        let training = source.training, metrics = source.metrics
        func value(_ name: String) -> String { metrics[name].map { String(format: "%.4f", $0) } ?? "-" }
        var lines = ["# Model \(model.id): \(model.target) (\(model.kind))", "",
                     "- file: `\(model.file)`, SHA-256 `\(model.fileHash)`",
                     "- registered \(model.registeredAt) as \(model.status.rawValue) (the registry holds its current status: "
                        + "`strata models show \(model.id)`)",
                     "- written by Strata \(source.strataVersion ?? "?")", "",
                     "## Data window", "",
                     "- export fingerprint `\(model.exportFingerprint)`",
                     "- features as of \(training["as_of"] ?? "-")" + (training["labels_through"].map { ", outcomes through \($0)" } ?? ""),
                     model.horizonDays.map { "- horizon \($0) days" } ?? "- no horizon", "",
                     "## Population", ""]
        switch model.target {
        case "churn":
            lines.append("- \(training["rows"] ?? "?") patients on file at the feature date, \(training["positives"] ?? "?") of them "
                         + "without a completed visit within the horizon")
        case "conversion":
            lines.append("- \(training["rows"] ?? "?") leads, \(training["positives"] ?? "?") with a first completed visit within the window")
        default:
            lines.append("- \(training["patients"] ?? training["rows"] ?? "?") patients")
        }
        lines += ["", "## Features", ""]
        lines += source.featureSchema.columns.map { "- `\($0.name)`" + ($0.label.isEmpty ? "" : ": \($0.label)") }
        lines += ["", "## Metrics", ""]
        if model.kind == LogisticParameters.kind {
            lines += ["| metric | training | cross-validated (mean ± sd) | out-of-time holdout |", "|---|---|---|---|"]
            for name in Metrics.Summary.names {
                lines.append("| \(name) | \(value(name)) | \(value("cv_\(name)_mean")) ± \(value("cv_\(name)_std")) | \(value("holdout_\(name)")) |")
            }
        } else {
            lines += metrics.sorted { $0.key < $1.key }.map { "- \($0.key): \(String(format: "%.4f", $0.value))" }
        }
        lines += ["", "### Realized", ""]
        if realized.isEmpty {
            lines.append("- none yet: realized performance is measured (`strata models health`) once the horizon has passed "
                         + "since a run this model scored")
        } else {
            lines += realized.map {
                String(format: "- scored %@ (run %lld, %d patients): AUC %.3f, calibration %.2f, top-decile lift %.2f",
                       $0.asOf, $0.run, $0.rows, $0.auc, $0.calibration, $0.lift)
            }
        }
        lines += ["", "## Drift", ""]
        if let drift = source.drift {
            lines.append("- reference: \(drift.rows) training rows as of \(drift.asOf), decile bins of \(drift.inputs.count) inputs"
                         + (drift.score == nil ? "" : " and of the score"))
            lines.append("- `strata models health` gives each input's population stability index on the newest export "
                         + "(< 0.1 stable, 0.1-0.25 watch, > 0.25 act); every refresh warns outside the stable band")
        } else {
            lines.append("- no reference in this file: drift cannot be measured; retrain to get one")
        }
        lines += ["", "## Known limits", "",
                  "- fitted on one clinic's history: its scores say nothing about another clinic's patients",
                  "- the outcome is what the export records (a visit elsewhere counts as none); it says nothing of why",
                  "- the holdout is one horizon earlier than the fit; a population that shifted since (drift above) "
                    + "makes every metric here optimistic",
                  "- associations, not causes: a feature's weight is no reason to act on that feature", ""]
        return lines.joined(separator: "\n")
    }
}
