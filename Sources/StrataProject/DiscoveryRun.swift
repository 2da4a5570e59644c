import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// Discovering behavioral clusters in an export's patients: features as of a date (standardized), k-means for
/// each k of a range with the k of the best silhouette, a profile per cluster, and the model file.
public enum DiscoveryRun {
    public struct Configuration: Sendable {
        /// The as-of date T: features use events at or before the end of that day.
        public var asOf: Day
        /// The numbers of clusters to choose from (one number: no choice).
        public var clusterCounts: ClosedRange<Int>
        /// Whether `clusterCounts` is a range to choose from (even `k...k` given as a range).
        public var choosing: Bool
        /// k-means++ seeding runs per k.
        public var initCount: Int
        public var seed: UInt64
        /// Exact silhouette up to this many patients, sampled above.
        public var silhouetteSampleSize: Int
        /// The model file to write, if any.
        public var modelFile: URL?

        public init(asOf: Day, clusterCounts: ClosedRange<Int> = 2...8, choosing: Bool = true, initCount: Int = 4,
                    seed: UInt64 = 0, silhouetteSampleSize: Int = 10_000, modelFile: URL? = nil) {
            self.asOf = asOf
            self.clusterCounts = clusterCounts
            self.choosing = choosing
            self.initCount = initCount
            self.seed = seed
            self.silhouetteSampleSize = silhouetteSampleSize
            self.modelFile = modelFile
        }
    }

    /// Fits, describes and (optionally) writes the model file.
    public static func run(_ configuration: Configuration, on source: ExportSource.Loaded) throws -> DiscoverySummary {
        let table = try FeaturePipeline.fit(source.export, asOf: configuration.asOf, spec: source.configuration.features)
        let x = table.matrix
        var generator = Xoshiro256StarStar(seed: configuration.seed)
        var kMeans = KMeans.Configuration(clusterCount: configuration.clusterCounts.lowerBound, initCount: configuration.initCount)
        var selection: ClusterSelection.Result?
        if configuration.choosing {
            let largest = min(configuration.clusterCounts.upperBound, max(x.rows - 1, 2))
            guard configuration.clusterCounts.lowerBound <= largest else {
                throw WorkflowError.tooFewRows(clusterCounts: configuration.clusterCounts, rows: x.rows, largest: largest)
            }
            let counts = configuration.clusterCounts.lowerBound...largest
            let chosen = try ClusterSelection.evaluate(x, clusterCounts: counts, configuration: kMeans,
                                                       silhouetteSampleSize: configuration.silhouetteSampleSize, using: &generator)
            kMeans.clusterCount = chosen.recommendedClusterCount
            selection = chosen
        }
        let model = try KMeans(kMeans).fit(x, using: &generator)
        let profiles = ClusterProfiles.profiles(x, labels: model.labels, centers: model.centers, schema: table.schema)
        let asOf = configuration.asOf.description
        if let modelFile = configuration.modelFile {
            try model.modelFile(featureSchema: table.schema, seed: configuration.seed, clusterNames: ClusterProfiles.distinctNames(profiles),
                                training: ["as_of": asOf, "patients": "\(x.rows)", "features": "\(x.columns)"])
                .write(to: modelFile)
        }
        return DiscoverySummary(
            k: model.clusterCount, inertia: model.inertia, asOf: asOf, patients: x.rows,
            clusters: profiles.map(DiscoverySummary.Cluster.init), recommendedK: selection?.recommendedClusterCount,
            reason: selection?.reason, candidates: selection?.candidates.map(ClusterCandidate.init), warnings: model.warnings)
    }
}

/// `strata discover --json`.
public struct DiscoverySummary: Codable, Sendable, Equatable {
    /// One cluster's profile.
    public struct Cluster: Codable, Sendable, Equatable {
        public var cluster: Int
        public var name: String
        public var size: Int
        public var share: Double
        public var distinguishingFeatures: [Feature]

        init(_ profile: ClusterProfile) {
            cluster = profile.cluster
            name = profile.name
            size = profile.size
            share = profile.share
            distinguishingFeatures = profile.distinguishingFeatures.map {
                Feature(name: $0.name, label: $0.label, standardizedDifference: $0.standardizedDifference,
                        clusterMean: $0.clusterMean, populationMean: $0.populationMean)
            }
        }

        enum CodingKeys: String, CodingKey {
            case cluster, name, size, share, distinguishingFeatures = "distinguishing_features"
        }
    }

    /// A feature that sets a cluster apart: its standardized difference from all patients, and the cluster's
    /// and everyone's means in original units.
    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        public var label: String
        public var standardizedDifference: Double
        public var clusterMean: Double
        public var populationMean: Double

        enum CodingKeys: String, CodingKey {
            case name, label, standardizedDifference = "standardized_difference", clusterMean = "cluster_mean"
            case populationMean = "population_mean"
        }
    }

    public var k: Int
    public var inertia: Double
    public var asOf: String
    public var patients: Int
    public var clusters: [Cluster]
    /// With a range of k: the k chosen, why, and every k's criteria.
    public var recommendedK: Int?
    public var reason: String?
    public var candidates: [ClusterCandidate]?
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case k, inertia, asOf = "as_of", patients, clusters, recommendedK = "recommended_k", reason, candidates, warnings
    }
}

/// One k's criteria in a k selection (`strata discover --json`, `strata kmeans --json` with a range).
public struct ClusterCandidate: Codable, Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double
    public var daviesBouldin: Double
    public var calinskiHarabasz: Double
    public var iterations: Int
    public var degenerate: Bool

    init(_ candidate: ClusterSelection.Candidate) {
        k = candidate.clusterCount
        inertia = candidate.inertia
        silhouette = candidate.silhouette
        daviesBouldin = candidate.daviesBouldin
        calinskiHarabasz = candidate.calinskiHarabasz
        iterations = candidate.iterations
        degenerate = candidate.degenerate
    }

    enum CodingKeys: String, CodingKey {
        case k, inertia, silhouette, daviesBouldin = "davies_bouldin", calinskiHarabasz = "calinski_harabasz", iterations, degenerate
    }
}

extension DiscoverySummary {
    /// The report for people: the choice of k (with `requested`, the k or range asked for), then each cluster,
    /// largest first, with the features that set it apart.
    public func lines(requested: String) -> [String] {
        var lines: [String] = []
        if let reason { lines.append("k=\(k) of \(requested): \(reason)") }
        lines.append("\(patients) patients as of \(asOf), \(k) clusters, inertia \(String(format: "%.4g", inertia))")
        for profile in clusters.sorted(by: { $0.size > $1.size }) {
            lines.append("")
            lines.append("cluster \(profile.cluster) \"\(profile.name)\": \(profile.size) patients"
                         + String(format: " (%.1f%%)", 100 * profile.share))
            for feature in profile.distinguishingFeatures {
                lines.append("  \(feature.label): " + String(format: "%.3g vs %.3g overall (%+.2f sd)", feature.clusterMean,
                                                             feature.populationMean, feature.standardizedDifference))
            }
        }
        return lines
    }
}
