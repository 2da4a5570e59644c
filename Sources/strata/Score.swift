import ArgumentParser
import Foundation
import StrataProject

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

    @Option(help: "The scoring date T, YYYY-MM-DD (default: the export's last event day).",
            transform: DayArgument.parser("--as-of", example: "2025-12-31"))
    var asOf: DayArgument?

    @Option(help: "The scores CSV to write.")
    var out: String

    @Option(help: "Reasons per patient.")
    var reasons: Int = 3

    func validate() throws {
        guard (0...10).contains(reasons) else { throw ValidationError("--reasons must be in 0...10, got \(reasons)") }
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let scoring = ScoringRun.Configuration(modelFile: URL(fileURLWithPath: model), scoringDay: asOf?.day,
                                               output: URL(fileURLWithPath: out), reasons: reasons)
        let shown = progress.start(json: false)
        defer { shown.stop() }
        let result = try shown.stage("scoring") { try ScoringRun.run(scoring, from: export.source) { printWarnings([$0]) } }
        print(result.line)
    }
}
