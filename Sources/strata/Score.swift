import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// `strata score [EXPORT] --model F --out scores.csv`: applies a logistic model as of a date.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every patient on file with a logistic model file, with the three strongest reasons.",
        discussion: """
            Computes the model's feature columns as of --as-of (default: the export's last event day) and writes \
            patient_id, score and reason_1..reason_3 ("<feature> raises|lowers risk (+/-log-odds)") to --out, \
            atomically and readable by the owner only.
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
        if let asOf, CivilDate.parseISODate(asOf) == nil {
            throw ValidationError("--as-of must be a date like 2025-12-31 (YYYY-MM-DD), got \"\(asOf)\"")
        }
        guard (0...10).contains(reasons) else { throw ValidationError("--reasons must be in 0...10, got \(reasons)") }
    }

    func run() throws {
        let file = try reportingErrors { () throws in
            try ModelFile<LogisticParameters>.read(from: URL(fileURLWithPath: model), kind: LogisticParameters.kind)
        }
        let (result, _) = try export.read()
        guard let day = asOf.flatMap(CivilDate.parseISODate) ?? ChurnTraining.lastEventDay(result.export) else {
            throw ValidationError("the export has no events; give --as-of")
        }
        let fitted = file.parameters.model
        let rows = ChurnTraining.patientsOnFile(result.export, asOf: day)
        let (probabilities, explanations): ([Double], [Explanation]) = try reportingErrors { () throws in
            let table = try FeaturePipeline.apply(file.featureSchema, to: result.export, asOf: day)
            var elements: [Double] = []
            elements.reserveCapacity(rows.count * table.matrix.columns)
            for row in rows { elements.append(contentsOf: table.matrix.row(row)) }
            let x = Matrix(rows: rows.count, columns: table.matrix.columns, elements: elements)
            return (try fitted.probabilities(x), try fitted.explain(x, schema: file.featureSchema, top: reasons))
        }
        var lines = ["patient_id,score" + (0..<reasons).map { ",reason_\($0 + 1)" }.joined()]
        lines.reserveCapacity(rows.count + 1)
        for (position, row) in rows.enumerated() {
            var fields = [csvField(result.export.patients.ids[row]), String(format: "%.6f", probabilities[position])]
            let contributions = explanations[position].contributions
            for k in 0..<reasons {
                fields.append(k < contributions.count ? csvField(contributions[k].phrase) : "")
            }
            lines.append(fields.joined(separator: ","))
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: out), permissions: 0o600)
        let mean = probabilities.reduce(0, +) / Double(Swift.max(probabilities.count, 1))
        print("scored \(rows.count) patients as of \(CivilDate.isoString(days: day)) (mean score "
              + String(format: "%.4f", mean) + ") to \(out)")
    }

    /// A CSV field, quoted when it holds a comma, quote or newline.
    private func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
