/// The iteration k-means runs after seeding.
public enum KMeansAlgorithm: Sendable, Equatable {
    /// Full Lloyd steps: every row assigned, every center moved to its rows' weighted mean.
    case lloyd
    /// Lloyd steps that skip the distance computations whose outcome is already known (Hamerly-style bounds,
    /// kept as one 4-byte gap per row): labels, centers, iterations and inertia equal ``lloyd``'s bit for bit.
    /// Where the assignment runs as GEMM (Float `k·d > 16384`, Double `k·d > 1024`), whose rounding cannot be
    /// replayed row by row, it runs plain Lloyd steps. The default (docs/kmeans.md, "Exact bounds").
    case hamerly
    /// Mini-batch k-means (Sculley 2010, as scikit-learn's `MiniBatchKMeans`): each step assigns a random
    /// batch and moves centers toward it with per-center learning rates `1 / (weight seen so far)`.
    case miniBatch(KMeansMiniBatchOptions = KMeansMiniBatchOptions())

    /// The name used on the command line and in model files.
    public var name: String {
        switch self {
        case .lloyd: "lloyd"
        case .hamerly: "hamerly"
        case .miniBatch: "minibatch"
        }
    }
}

/// Settings of mini-batch k-means.
public struct KMeansMiniBatchOptions: Sendable, Equatable {
    /// Rows per step, drawn uniformly with replacement.
    public var batchSize: Int
    /// Stop after this many steps without a new low of the smoothed batch inertia.
    public var maxNoImprovement: Int
    /// Centers whose accumulated weight falls below this fraction of the largest are re-seeded on batch rows.
    public var reassignmentRatio: Double

    public init(batchSize: Int = 1024, maxNoImprovement: Int = 10, reassignmentRatio: Double = 0.01) {
        self.batchSize = batchSize
        self.maxNoImprovement = maxNoImprovement
        self.reassignmentRatio = reassignmentRatio
    }
}
