import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// `strata score [EXPORT] --model F --out scores.csv`: applies a logistic model as of a date, to the patients
/// on file (churn and plain models) or to the open leads (conversion models).
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every patient on file (or every open lead) with a logistic model file, with the strongest reasons.",
        discussion: """
            Computes the model's feature columns as of --as-of (default: the export's last event day) and writes \
            patient_id, score and reason_1..reason_3 ("<feature> raises|lowers risk (+/-log-odds)") to --out, \
            atomically and readable by the owner only. A conversion model (strata train conversion) scores the \
            leads still open at that date (not converted, window not over) and writes lead_id, score and reasons \
            ("... raises|lowers chance").
            """
    )

    @OptionGroup var export: ExportOptions

    @Option(help: "The model file written by strata train or strata logistic.")
    var model: String

    @Option(help: "The scoring date T, YYYY-MM-DD (default: the export's last event day).")
    var asOf: String?

    @Option(help: "The scores CSV to write.")
    var out: String

    @Option(help: "Reasons per patient.")
    var reasons: Int = 3

    func validate() throws {
        if let asOf { _ = try asOfDay(asOf, example: "2025-12-31") }
        guard (0...10).contains(reasons) else { throw ValidationError("--reasons must be in 0...10, got \(reasons)") }
    }

    func run() throws {
        let file = try reportingErrors { () throws in
            try ModelFile<LogisticParameters>.read(from: URL(fileURLWithPath: model), kind: LogisticParameters.kind)
        }
        let (result, _) = try export.read()
        guard let day = try asOf.map({ text throws in try asOfDay(text, example: "2025-12-31") })
                ?? ChurnTraining.lastEventDay(result.export) else {
            throw ValidationError("the export has no events; give --as-of")
        }
        let fitted = file.parameters.model
        let isConversion = file.training["target"] == "conversion"
        let rows: [Int]
        if isConversion {
            guard let window = file.training["window_days"].flatMap({ Int($0) }), StrataLimits.days.contains(window) else {
                writeToStandardError("error: \(model): a conversion model needs training.window_days, a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)\n")
                throw ExitCode(1)
            }
            rows = Labels.openLeads(result.export, asOf: day, windowDays: window)
        } else {
            rows = ChurnTraining.patientsOnFile(result.export, asOf: day)
        }
        let (probabilities, explanations): ([Double], [Explanation]) = try reportingErrors { () throws in
            let x: Matrix<Double>
            if isConversion {
                x = try LeadFeatures.apply(file.featureSchema, to: result.export, rows: rows).matrix
            } else {
                let table = try FeaturePipeline.apply(file.featureSchema, to: result.export, asOf: day)
                x = Validation.selectRows(table.matrix, rows)
            }
            return (try fitted.probabilities(x), try fitted.explain(x, schema: file.featureSchema, top: reasons))
        }
        let outcome = isConversion ? "chance" : "risk"
        var lines = [(isConversion ? "lead_id" : "patient_id") + ",score" + (0..<reasons).map { ",reason_\($0 + 1)" }.joined()]
        lines.reserveCapacity(rows.count + 1)
        for (position, row) in rows.enumerated() {
            let id = isConversion ? result.export.leads.ids[row] ?? "" : result.export.patients.ids[row]
            var fields = [csvField(id), String(format: "%.6f", probabilities[position])]
            let contributions = explanations[position].contributions
            for k in 0..<reasons {
                fields.append(k < contributions.count ? csvField(contributions[k].phrase(outcome: outcome)) : "")
            }
            lines.append(fields.joined(separator: ","))
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: out), permissions: 0o600)
        let mean = probabilities.reduce(0, +) / Double(Swift.max(probabilities.count, 1))
        print("scored \(rows.count) \(isConversion ? "open leads" : "patients") as of \(day) (mean score "
              + String(format: "%.4f", mean) + ") to \(out)")
    }

    /// A CSV field, quoted when it holds a comma, quote or newline.
    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
