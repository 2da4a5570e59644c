import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

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

    @Option(help: "The as-of date T, YYYY-MM-DD: features use events at or before the end of that day.")
    var asOf: String

    @Option(help: "The number of clusters, or a range such as 2...8 to choose from.")
    var k: String = "2...8"

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

    var clusterCounts: ClosedRange<Int>? { parseClusterCounts(k) }

    func validate() throws {
        _ = try asOfDay(asOf, example: "2024-06-30")
        guard let counts = clusterCounts else {
            throw ValidationError("--k must be a number or a range like 2...8, got '\(k)'")
        }
        guard counts.lowerBound >= (Int(k) == nil ? 2 : 1) else {
            throw ValidationError("--k must be at least \(Int(k) == nil ? "2 for a range" : "1"), got '\(k)'")
        }
        guard counts.upperBound <= 1_000 else { throw ValidationError("--k must be at most 1000, got '\(k)'") }
        guard (1...1_000).contains(nInit) else { throw ValidationError("--n-init must be from 1 to 1000, got \(nInit)") }
        guard silhouetteSampleSize >= 2 else {
            throw ValidationError("--silhouette-sample-size must be at least 2, got \(silhouetteSampleSize)")
        }
    }

    func run() throws {
        let day = try asOfDay(asOf, example: "2024-06-30")
        let (result, configuration) = try export.read { $0.features.tablesNeeded }
        if result.badRows.count > 0 {
            writeToStandardError("warning: skipped \(result.badRows.count) bad rows; first: \(result.badRows.examples[0])\n")
        }
        let table = try reportingErrors { () throws in
            try FeaturePipeline.fit(result.export, asOf: day, spec: configuration.features)
        }
        let x = table.matrix
        var generator = Xoshiro256StarStar(seed: seed)
        var kMeans = KMeans.Configuration(clusterCount: clusterCounts!.lowerBound, initCount: nInit)
        var selection: ClusterSelection.Result?
        if Int(k) == nil {
            let largest = min(clusterCounts!.upperBound, max(x.rows - 1, 2))
            guard clusterCounts!.lowerBound <= largest else {
                throw ValidationError("--k \(k) asks for more clusters than \(x.rows) patients allow (at most \(largest))")
            }
            let counts = clusterCounts!.lowerBound...largest
            selection = try reportingErrors { () throws(KMeansError) in
                try ClusterSelection.evaluate(x, clusterCounts: counts, configuration: kMeans,
                                              silhouetteSampleSize: silhouetteSampleSize, using: &generator)
            }
            kMeans.clusterCount = selection!.recommendedClusterCount
        }
        let model = try reportingErrors { () throws(KMeansError) in try KMeans(kMeans).fit(x, using: &generator) }
        for warning in model.warnings { writeToStandardError("warning: \(warning)\n") }
        let profiles = ClusterProfiles.profiles(x, labels: model.labels, centers: model.centers, schema: table.schema)
        if let modelOut {
            try model.modelFile(featureSchema: table.schema, seed: seed, clusterNames: ClusterProfiles.distinctNames(profiles),
                                training: ["as_of": asOf, "patients": "\(x.rows)", "features": "\(x.columns)"])
                .write(to: URL(fileURLWithPath: modelOut))
        }
        if json {
            printJSON(profiles: profiles, model: model, selection: selection)
        } else {
            printText(profiles: profiles, model: model, selection: selection, patients: x.rows)
        }
    }

    private func printText<S: BLASScalar>(profiles: [ClusterProfile], model: KMeansModel<S>,
                                          selection: ClusterSelection.Result?, patients: Int) {
        if let selection {
            print("k=\(model.clusterCount) of \(k): \(selection.reason)")
        }
        print("\(patients) patients as of \(asOf), \(model.clusterCount) clusters, inertia \(String(format: "%.4g", model.inertia))")
        for profile in profiles.sorted(by: { $0.size > $1.size }) {
            print("")
            print("cluster \(profile.cluster) \"\(profile.name)\": \(profile.size) patients"
                  + String(format: " (%.1f%%)", 100 * profile.share))
            for feature in profile.distinguishingFeatures {
                print("  \(feature.label): " + String(format: "%.3g vs %.3g overall (%+.2f sd)", feature.clusterMean,
                                                       feature.populationMean, feature.standardizedDifference))
            }
        }
    }

    private func printJSON<S: BLASScalar>(profiles: [ClusterProfile], model: KMeansModel<S>,
                                          selection: ClusterSelection.Result?) {
        var object: [String: Any] = [
            "k": model.clusterCount, "inertia": model.inertia, "as_of": asOf,
            "clusters": profiles.map { profile -> [String: Any] in
                ["cluster": profile.cluster, "name": profile.name, "size": profile.size, "share": profile.share,
                 "distinguishing_features": profile.distinguishingFeatures.map {
                     ["name": $0.name, "label": $0.label, "standardized_difference": $0.standardizedDifference,
                      "cluster_mean": $0.clusterMean, "population_mean": $0.populationMean]
                 }]
            },
        ]
        if let selection {
            object["recommended_k"] = selection.recommendedClusterCount
            object["reason"] = selection.reason
            object["candidates"] = selection.candidates.map {
                ["k": $0.clusterCount, "inertia": $0.inertia, "silhouette": $0.silhouette,
                 "davies_bouldin": $0.daviesBouldin, "calinski_harabasz": $0.calinskiHarabasz]
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}
