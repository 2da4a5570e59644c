import ArgumentParser
import Foundation
import StrataProject

/// `strata discover PATH --as-of DATE`: behavioral clusters of a clinic's patients, with profiles.
struct Discover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find behavioral clusters in an export's patients and describe each one.",
        discussion: """
            Computes the project's features as of --as-of (standardized, as `strata features`), fits k-means for \
            each k of --k (default 2...8), picks the k with the best silhouette (the reason is printed), and \
            prints a profile per cluster: size, share, the features that set it apart (standardized difference \
            from all patients, with the cluster's and everyone's means in original units) and a short name. \
            --model-out writes the model file (centers, feature schema, hyperparameters; no patient data).
            """
    )

    @OptionGroup var export: ExportOptions

    @Option(help: "The as-of date T, YYYY-MM-DD: features use events at or before the end of that day.",
            transform: DayArgument.parser("--as-of", example: "2024-06-30"))
    var asOf: DayArgument

    @Option(help: "The number of clusters, or a range such as 2...8 to choose from.",
            transform: ClusterCountArgument.parser("--k", example: "2...8"))
    var k = ClusterCountArgument(range: 2...8)

    @Option(name: .customLong("n-init"), help: "k-means++ seeding runs per k, keeping the lowest inertia.")
    var nInit: Int = 4

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(name: .customLong("silhouette-sample-size"), help: "Exact silhouette up to this many patients, sampled above.")
    var silhouetteSampleSize: Int = 10_000

    @Option(name: .customLong("model-out"), help: "Write the model file (JSON) here.")
    var modelOut: String?

    @Flag(help: "Print the profiles as one JSON object.")
    var json = false

    func validate() throws {
        guard k.counts.lowerBound >= (k.isRange ? 2 : 1) else {
            throw ValidationError("--k must be at least \(k.isRange ? "2 for a range" : "1"), got '\(k.text)'")
        }
        guard k.counts.upperBound <= 1_000 else { throw ValidationError("--k must be at most 1000, got '\(k.text)'") }
        guard (1...1_000).contains(nInit) else { throw ValidationError("--n-init must be from 1 to 1000, got \(nInit)") }
        guard silhouetteSampleSize >= 2 else {
            throw ValidationError("--silhouette-sample-size must be at least 2, got \(silhouetteSampleSize)")
        }
    }

    func run() throws {
        let loaded = try export.read(tables: { $0.features.tablesNeeded })
        if loaded.result.badRows.count > 0 {
            printWarnings(["skipped \(loaded.result.badRows.count) bad rows; first: \(loaded.result.badRows.examples[0])"])
        }
        let discovery = DiscoveryRun.Configuration(
            asOf: asOf.day, clusterCounts: k.counts, choosing: k.isRange, initCount: nInit, seed: seed,
            silhouetteSampleSize: silhouetteSampleSize, modelFile: modelOut.map { URL(fileURLWithPath: $0) })
        let summary = try DiscoveryRun.run(discovery, on: loaded)
        printWarnings(summary.warnings)
        if json {
            try printJSON(summary)
        } else {
            summary.lines(requested: k.text).forEach { print($0) }
        }
    }
}
