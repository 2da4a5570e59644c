import StrataFeatures
import StrataLinearAlgebra

/// What a k-means model file stores (`ModelFile<KMeansParameters>`, kind `kmeans`): the centers in the
/// standardized feature space, the hyperparameters, and per-cluster sizes. No rows, no labels.
public struct KMeansParameters: Codable, Sendable, Equatable {
    /// The hyperparameters of the fit.
    public struct Hyperparameters: Codable, Sendable, Equatable {
        public var clusterCount: Int
        public var initialization: String
        public var initCount: Int
        public var maxIterations: Int
        public var tolerance: Double
        public var algorithm: String
        public var emptyClusterPolicy: String
        public var seed: UInt64?
    }

    /// The model-file kind.
    public static let kind = "kmeans"

    /// `k` rows of `d` coordinates.
    public var centers: [[Double]]
    public var hyperparameters: Hyperparameters
    public var inertia: Double
    public var iterations: Int
    /// Training rows per cluster (counts only).
    public var clusterSizes: [Int]
    /// The profile name of each cluster (distinct), which segment rules use (`cluster = 'lapsed, young'`);
    /// absent in files written before names were stored.
    public var clusterNames: [String]?
    /// Stable ids of the clusters (`strata discover`), carried across refits by ``ClusterMatching``; absent in
    /// older files, where a cluster's id is its index.
    public var clusterIDs: [Int]?
    /// A longer description of each cluster beside its name.
    public var clusterDescriptions: [String]?
    /// Ids of clusters earlier models had and refits did not match; never given again.
    public var retiredClusterIDs: [Int]?
    /// The feature families clustered on (`discover.families`).
    public var families: [String]?
    /// How this model's clusters were matched to the previous model's, when it was a refit.
    public var match: ClusterMatching.Report?

    public init<S: BLASScalar>(model: KMeansModel<S>, seed: UInt64? = nil, clusterNames: [String]? = nil) {
        let configuration = model.configuration
        centers = (0..<model.centers.rows).map { i in model.centers.row(i).map { Double($0) } }
        hyperparameters = Hyperparameters(
            clusterCount: configuration.clusterCount, initialization: configuration.initialization.name,
            initCount: configuration.initCount, maxIterations: configuration.maxIterations,
            tolerance: configuration.tolerance, algorithm: configuration.algorithm.name,
            emptyClusterPolicy: configuration.emptyClusterPolicy.rawValue, seed: seed)
        inertia = model.inertia
        iterations = model.iterations
        clusterSizes = model.clusterSizes
        self.clusterNames = clusterNames
    }

    /// The model these parameters describe, for `predict` (no training labels).
    public func model<S: BLASScalar>(as _: S.Type = S.self) -> KMeansModel<S> {
        let columns = centers.first?.count ?? 0
        let matrix = Matrix<S>(rows: centers.count, columns: columns, elements: centers.flatMap { $0.map { S($0) } })
        let algorithm: KMeansAlgorithm = switch hyperparameters.algorithm {
        case "minibatch": .miniBatch()
        case "hamerly": .hamerly
        default: .lloyd
        }
        let configuration = KMeans.Configuration(
            clusterCount: centers.count, initialization: .centers(Matrix(rows: centers.count, columns: columns,
                                                                         elements: centers.flatMap { $0 })),
            initCount: hyperparameters.initCount, maxIterations: hyperparameters.maxIterations,
            tolerance: hyperparameters.tolerance, algorithm: algorithm,
            emptyClusterPolicy: KMeansEmptyClusterPolicy(rawValue: hyperparameters.emptyClusterPolicy) ?? .relocateFarthestPoints)
        return KMeansModel(centers: matrix, inertia: inertia, iterations: iterations, configuration: configuration)
    }
}

extension KMeansModel {
    /// This model as a model file with `featureSchema`; `training` holds context such as an export fingerprint.
    public func modelFile(featureSchema: FeatureSchema, seed: UInt64? = nil, clusterNames: [String]? = nil,
                          training: [String: String] = [:]) -> ModelFile<KMeansParameters> {
        ModelFile(kind: KMeansParameters.kind, featureSchema: featureSchema,
                  parameters: KMeansParameters(model: self, seed: seed, clusterNames: clusterNames),
                  metrics: ["inertia": inertia, "iterations": Double(iterations)], training: training)
    }
}
