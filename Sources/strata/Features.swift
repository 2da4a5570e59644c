import ArgumentParser
import Dispatch
import Foundation
import StrataData
import StrataFeatures

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

    @Option(help: "The as-of date T, YYYY-MM-DD: features use events at or before the end of that day.")
    var asOf: String

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

    func validate() throws {
        _ = try asOfDay(asOf, example: "2024-06-30")
    }

    func run() throws {
        let day = try asOfDay(asOf, example: "2024-06-30")
        var clock = StageClock(enabled: timings)
        // A fitted schema may use any family; a spec says which tables and text columns it needs.
        let (result, configuration) = try export.read(
            tables: schema == nil ? { $0.features.tablesNeeded } : nil,
            unusedTextColumns: { schema == nil ? $0.features.unusedTextColumns : FeatureSpec.neverReadTextColumns })
        clock.lap("read export")
        if result.badRows.count > 0 {
            writeToStandardError("warning: skipped \(result.badRows.count) bad rows; first: \(result.badRows.examples[0])\n")
        }
        let table: FeatureTable = try reportingErrors { () throws in
            if let schema {
                let data = try Data(contentsOf: URL(fileURLWithPath: schema))
                let fitted = try JSONDecoder().decode(FeatureSchema.self, from: data)
                return try FeaturePipeline.apply(fitted, to: result.export, asOf: day)
            }
            return try FeaturePipeline.fit(result.export, asOf: day, spec: configuration.features)
        }
        clock.lap("features")
        var labelColumns: FeatureOutput.LabelColumns = []
        if labels {
            let horizon = configuration.labels.churnHorizonDays
            labelColumns.append(("churn_\(horizon)d", Labels.churn(result.export, asOf: day, horizonDays: horizon)))
        }
        try reportingErrors { () throws in
            try FeatureOutput.write(table, labels: labelColumns, to: URL(fileURLWithPath: out), replacing: force)
        }
        clock.lap("write")
        print("wrote \(table.matrix.rows) patients x \(table.matrix.columns) features as of \(asOf) to \(out)")
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
