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
            touched. Events at or before the as-of date count, including all of that day. With --partitions N \
            it writes instead the model inputs as N CSV files Apache Spark reads (DIR/part-00000.csv ..., a header \
            each), DIR/schema.json and DIR/partitions.json (columns, labels, rows per file, schema fingerprint); \
            with --discovery, the matrix strata discover clusters. See docs/scaling.md.
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

    @Option(help: "Write the model inputs as this many CSV partitions for Apache Spark (see docs/scaling.md).")
    var partitions: Int?

    @Flag(help: "With --partitions: the matrix strata discover clusters instead of the project's features.")
    var discovery = false

    @Flag(help: "Print the time of each stage to standard error.")
    var timings = false

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        if let partitions, !(1...100_000).contains(partitions) {
            throw ValidationError("--partitions must be from 1 to 100000, got \(partitions)")
        }
        if discovery && partitions == nil { throw ValidationError("--discovery goes with --partitions") }
        if discovery && labels { throw ValidationError("--discovery cannot be combined with --labels: the discovery matrix has no label") }
    }

    func run() throws {
        if let partitions { return try runPartitioned(partitions) }
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

extension Features {
    /// `--partitions N`: the model inputs as CSV partitions.
    func runPartitioned(_ count: Int) throws {
        let run = PartitionedFeatureRun.Configuration(
            asOf: asOf.day, output: URL(fileURLWithPath: out), partitions: count, matrix: discovery ? .discovery : .features,
            schema: schema.map { URL(fileURLWithPath: $0) }, labels: labels, replacing: force)
        let shown = progress.start(json: false)
        defer { shown.stop() }
        let loaded = try shown.stage("reading the export") { try export.read(tables: run.tables, unusedTextColumns: run.unusedTextColumns) }
        if loaded.result.badRows.count > 0 {
            printWarnings(["skipped \(loaded.result.badRows.count) bad rows; first: \(loaded.result.badRows.examples[0])"])
        }
        let manifest = try shown.stage("computing features") { try PartitionedFeatureRun.run(run, on: loaded) }
        print("wrote \(manifest.rows) patients x \(manifest.columns.count) \(manifest.matrix) columns as of \(asOf.text) "
            + "in \(manifest.partitions.count) partitions to \(out)")
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
