import Foundation
import StrataFeatures
import StrataLinearAlgebra

/// What sets one cluster apart, in words a user reads.
public struct ClusterProfile: Sendable, Equatable, Codable {
    /// A feature that distinguishes the cluster.
    public struct DistinguishingFeature: Sendable, Equatable, Codable {
        public var name: String
        public var label: String
        /// `(cluster mean − population mean) / population standard deviation`, in the matrix's units.
        public var standardizedDifference: Double
        /// The cluster's mean in original units.
        public var clusterMean: Double
        /// The population's mean in original units.
        public var populationMean: Double
    }

    public var cluster: Int
    public var size: Int
    /// `size / n`.
    public var share: Double
    /// The cluster center in original units (the schema's standardization undone).
    public var center: [Double]
    /// The features with the largest absolute standardized difference, largest first.
    public var distinguishingFeatures: [DistinguishingFeature]
    /// A short name from the distinguishing features, e.g. "high days since last visit, low visit count".
    public var name: String
}

/// Profiles of fitted clusters.
public enum ClusterProfiles {
    /// A profile per cluster of `labels` over the rows of `x` (the matrix the model was fitted on).
    ///
    /// Standardized differences use the population mean and standard deviation of each column of `x`;
    /// features with `|difference| >= nameThreshold` name the cluster ("high …" / "low …", up to
    /// `nameFeatures` of them), otherwise it is "typical". Columns whose schema has `center` and `scale` are
    /// reported in original units as `value · scale + center`, then `expm1` when the last transform is
    /// `log1p`; other transforms (clipping) are not undone.
    /// - Precondition: `labels` has one entry per row, in `0..<centers.rows`; the schema has `x.columns` columns.
    public static func profiles<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], centers: Matrix<S>, schema: FeatureSchema, topFeatures: Int = 3,
        nameFeatures: Int = 3, nameThreshold: Double = 0.5, workers: Int = Parallel.processorCount
    ) -> [ClusterProfile] {
        let (n, d, k) = (x.rows, x.columns, centers.rows)
        precondition(labels.count == n && schema.columns.count == d && centers.columns == d,
                     "profiles: \(labels.count) labels, \(schema.columns.count) schema columns for \(n)x\(d), centers \(k)x\(centers.columns)")
        let (sums, sizes) = KMeansKernels.clusterSums(x, labels: labels, clusterCount: k, workers: workers)
        let population = KMeansKernels.columnMeansAndVariances(x, workers: workers)
        func original(_ value: Double, _ column: Int) -> Double {
            let schemaColumn = schema.columns[column]
            var unscaled = value
            if let center = schemaColumn.center, let scale = schemaColumn.scale { unscaled = value * scale + center }
            // log1p is the one invertible transform the feature spec applies; others (clip) stay as they are.
            return schemaColumn.transforms.last == "log1p" ? Foundation.expm1(unscaled) : unscaled
        }
        var profiles: [ClusterProfile] = []
        for cluster in 0..<k {
            let size = sizes[cluster]
            let means = (0..<d).map { size > 0 ? sums[cluster * d + $0] / Double(size) : Double(centers[cluster, $0]) }
            let differences = (0..<d).map { j -> Double in
                let deviation = population.variances[j].squareRoot()
                return deviation > 0 ? (means[j] - population.means[j]) / deviation : 0
            }
            let order = (0..<d).sorted { abs(differences[$0]) > abs(differences[$1]) || (abs(differences[$0]) == abs(differences[$1]) && $0 < $1) }
            let features = order.prefix(topFeatures).map { j in
                ClusterProfile.DistinguishingFeature(
                    name: schema.columns[j].name, label: schema.columns[j].label,
                    standardizedDifference: differences[j], clusterMean: original(means[j], j),
                    populationMean: original(population.means[j], j))
            }
            let words = order.prefix(nameFeatures).filter { abs(differences[$0]) >= nameThreshold }
                .map { (differences[$0] > 0 ? "high " : "low ") + schema.columns[$0].label }
            profiles.append(ClusterProfile(
                cluster: cluster, size: size, share: n > 0 ? Double(size) / Double(n) : 0,
                center: (0..<d).map { original(Double(centers[cluster, $0]), $0) },
                distinguishingFeatures: features, name: words.isEmpty ? "typical" : words.joined(separator: ", ")))
        }
        // Two clusters with the same name get their number appended, so every name is unique.
        let counts = Dictionary(grouping: profiles.indices, by: { profiles[$0].name })
        for (_, indices) in counts where indices.count > 1 {
            for index in indices { profiles[index].name += " (\(profiles[index].cluster))" }
        }
        return profiles
    }
}

extension ClusterProfiles {
    /// The profiles' names by cluster index, made distinct (a repeated name gets ` (2)`, ` (3)`, ...) so that
    /// a segment rule naming a cluster selects exactly one.
    public static func distinctNames(_ profiles: [ClusterProfile]) -> [String] {
        var seen: [String: Int] = [:]
        return profiles.sorted { $0.cluster < $1.cluster }.map { profile in
            let count = (seen[profile.name] ?? 0) + 1
            seen[profile.name] = count
            return count == 1 ? profile.name : "\(profile.name) (\(count))"
        }
    }
}
