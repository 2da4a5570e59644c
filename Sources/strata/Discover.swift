import ArgumentParser
import Foundation
import StrataProject

/// `strata discover PATH --as-of DATE`: behavioral clusters of a clinic's patients, with profiles.
struct Discover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Find behavioral clusters in an export's patients and describe each one.",
        discussion: """
            Computes the discover.families features of strata.yml as of --as-of (behavioral by default; counts \
            and amounts log1p, then standardized), fits k-means for each k of --k (default 2...10) and, from the \
            largest k down, refits it on --stability-runs 80% subsamples until a k qualifies; recommends the \
            largest k with stability >= 0.8 and every cluster >= 2% of patients (the reason is printed and names \
            the ks not measured; --stability-every-k measures them all). Each cluster gets a stable id, a persona \
            name of at most four words and a description with raw values. --previous-model matches the clusters \
            to an earlier model's (ids and names carry over; the match is printed and stored), keeps its k while \
            refits from its clusters hold up, and its standardization while the data moved little. --model-out \
            writes the model file (centers, feature schema, ids, names; no patient data). See docs/kmeans.md.
            """
    )

    @OptionGroup var export: ExportOptions

    @Option(help: "The as-of date T, YYYY-MM-DD: features use events at or before the end of that day.",
            transform: DayArgument.parser("--as-of", example: "2024-06-30"))
    var asOf: DayArgument

    @Option(help: "The number of clusters, or a range such as 2...8 to choose from.",
            transform: ClusterCountArgument.parser("--k", example: "2...8"))
    var k = ClusterCountArgument(range: 2...10)

    @Option(name: .customLong("n-init"), help: "k-means++ seeding runs per k, keeping the lowest inertia.")
    var nInit: Int = 10

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(name: .customLong("silhouette-sample-size"), help: "Exact silhouette up to this many patients, sampled above.")
    var silhouetteSampleSize: Int = 10_000

    @Option(name: .customLong("stability-runs"), help: "Refits on 80% subsamples per k for stability (0: choose by silhouette).")
    var stabilityRuns: Int = 5

    @Flag(name: .customLong("stability-every-k"),
          help: "Measure the stability of every k of the range, not only the ks the choice needs (slower).")
    var stabilityEveryK = false

    @Option(name: .customLong("selection-sample-size"), help: "Choose k on at most this many patients, drawn at random.")
    var selectionSampleSize: Int = 50_000

    @Option(name: .customLong("previous-model"), help: "An earlier cluster model file whose ids and names matched clusters keep.")
    var previousModel: String?

    @Option(name: .customLong("model-out"), help: "Write the model file (JSON) here.")
    var modelOut: String?

    @Option(name: .customLong("lifetime-model"),
            help: "A lifetime model describing each cluster (default: the project's newest, with --model-out in it).")
    var lifetimeModel: String?

    @Flag(help: "Print the profiles as one JSON object.")
    var json = false

    func validate() throws {
        guard k.counts.lowerBound >= (k.isRange ? 2 : 1) else {
            throw ValidationError("--k must be at least \(k.isRange ? "2 for a range" : "1"), got '\(k.text)'")
        }
        guard k.counts.upperBound <= 1_000 else { throw ValidationError("--k must be at most 1000, got '\(k.text)'") }
        guard (1...1_000).contains(nInit) else { throw ValidationError("--n-init must be from 1 to 1000, got \(nInit)") }
        guard stabilityRuns == 0 || (2...100).contains(stabilityRuns) else {
            throw ValidationError("--stability-runs must be 0 or from 2 to 100, got \(stabilityRuns)")
        }
        guard !(stabilityEveryK && stabilityRuns == 0) else {
            throw ValidationError("--stability-every-k measures stability, which --stability-runs 0 turns off")
        }
        guard selectionSampleSize >= 10 else {
            throw ValidationError("--selection-sample-size must be at least 10, got \(selectionSampleSize)")
        }
        guard silhouetteSampleSize >= 2 else {
            throw ValidationError("--silhouette-sample-size must be at least 2, got \(silhouetteSampleSize)")
        }
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let shown = progress.start(json: json)
        defer { shown.stop() }
        let loaded = try shown.stage("reading the export") { try export.read(tables: { $0.features.tablesNeeded }) }
        if loaded.result.badRows.count > 0 {
            printWarnings(["skipped \(loaded.result.badRows.count) bad rows; first: \(loaded.result.badRows.examples[0])"])
        }
        let discovery = DiscoveryRun.Configuration(
            asOf: asOf.day, clusterCounts: k.counts, choosing: k.isRange, initCount: nInit, seed: seed,
            silhouetteSampleSize: silhouetteSampleSize, stability: stabilityRuns == 0 ? nil : .init(runs: stabilityRuns),
            stabilityEveryK: stabilityEveryK, selectionSampleSize: selectionSampleSize, previousModel: previousModel.map { URL(fileURLWithPath: $0) },
            modelFile: modelOut.map { URL(fileURLWithPath: $0) }, lifetimeModel: lifetimeModel.map { URL(fileURLWithPath: $0) })
        let summary = try shown.stage("discovering clusters") { try DiscoveryRun.run(discovery, on: loaded) }
        printWarnings(summary.warnings)
        if json {
            try printJSON(summary)
        } else {
            summary.lines(requested: k.text).forEach { print($0) }
        }
    }
}
