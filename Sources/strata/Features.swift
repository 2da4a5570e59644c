import ArgumentParser
import Dispatch
import Foundation
import StrataData
import StrataFeatures
import StrataProject

/// `strata features PATH --as-of DATE --out DIR`: one feature vector per patient as of a date.
struct Features: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute one feature vector per patient as of a date.",
        discussion: """
            Writes DIR/features.csv (patient_id first), DIR/features.npy (the matrix only), DIR/schema.json and \
            DIR/patient_ids.csv, all at once: on any error DIR is left as it was. DIR must be new or empty \
            unless --force is given, and even then only those files are replaced: nothing else in DIR is \
            touched. Events at or before the as-of date count, including all of that day.
            """
    )

    @OptionGroup var export: ExportOptions

    @Option(help: "The as-of date T, YYYY-MM-DD: features use events at or before the end of that day.",
            transform: DayArgument.parser("--as-of", example: "2024-06-30"))
    var asOf: DayArgument

    @Option(help: "The output folder.")
    var out: String

    @Option(help: "Apply this fitted schema.json (from an earlier run or a model) instead of fitting one.")
    var schema: String?

    @Flag(help: "Also write labels.csv with the churn label over labels.churn_horizon_days after the as-of date.")
    var labels = false

    @Flag(help: "Write into DIR even if it is not empty, replacing only the feature files in it.")
    var force = false

    @Flag(help: "Print the time of each stage to standard error.")
    var timings = false

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        var clock = StageClock(enabled: timings)
        let features = FeatureRun.Configuration(asOf: asOf.day, output: URL(fileURLWithPath: out),
                                                schema: schema.map { URL(fileURLWithPath: $0) }, labels: labels, replacing: force)
        let shown = progress.start(json: false)
        defer { shown.stop() }
        let loaded = try shown.stage("reading the export") { try export.read(tables: features.tables, unusedTextColumns: features.unusedTextColumns) }
        clock.lap("read export")
        if loaded.result.badRows.count > 0 {
            printWarnings(["skipped \(loaded.result.badRows.count) bad rows; first: \(loaded.result.badRows.examples[0])"])
        }
        let table = try shown.stage("computing features") { try FeatureRun.run(features, on: loaded) { clock.lap($0) } }
        print("wrote \(table.matrix.rows) patients x \(table.matrix.columns) features as of \(asOf.text) to \(out)")
    }
}

/// Wall time per stage, printed to standard error when enabled.
struct StageClock {
    let enabled: Bool
    private var last = DispatchTime.now().uptimeNanoseconds

    init(enabled: Bool) { self.enabled = enabled }

    mutating func lap(_ stage: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        if enabled {
            writeToStandardError(String(format: "%@: %.3f s\n", stage, Double(now - last) / 1e9))
        }
        last = now
    }
}
