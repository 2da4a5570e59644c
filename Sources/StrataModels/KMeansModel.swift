import StrataLinearAlgebra

/// A fitted k-means model: the centers, the training labels and how the fit went.
public struct KMeansModel<S: BLASScalar>: Sendable {
    /// `k×d` cluster centers.
    public let centers: Matrix<S>
    /// The cluster of every training row, from the final centers (empty for a model read from a file).
    /// Built on each access from a compact `Int32` copy, which is what the model keeps (memory on large data).
    public var labels: [Int] { trainingLabels.map { Int($0) } }
    /// The training labels as stored.
    private let trainingLabels: [Int32]
    /// `Σᵢ wᵢ ‖xᵢ − c_{label(i)}‖²` of the training rows at the final centers.
    public let inertia: Double
    /// Lloyd steps run (mini-batch: batch steps) in the kept run.
    public let iterations: Int
    /// Per step of the kept run: the inertia of the assignment the step made (Lloyd), or the smoothed batch
    /// inertia per row (mini-batch). Lloyd's never rises.
    public let inertiaHistory: [Double]
    /// Whether the kept run stopped by convergence rather than `maxIterations`.
    public let converged: Bool
    /// The hyperparameters of the fit.
    public let configuration: KMeans.Configuration
    /// Things the user should know that are not errors, e.g. fewer distinct clusters than `k`.
    public let warnings: [String]

    init(run: KMeansRun<S>, configuration: KMeans.Configuration) {
        centers = run.centers
        trainingLabels = run.labels
        inertia = run.inertia
        iterations = run.iterations
        inertiaHistory = run.inertiaHistory
        converged = run.converged
        self.configuration = configuration
        var seen = [Bool](repeating: false, count: configuration.clusterCount)
        for label in run.labels { seen[Int(label)] = true }
        let distinct = seen.filter { $0 }.count
        warnings = distinct < configuration.clusterCount
            ? ["Number of distinct clusters (\(distinct)) found smaller than n_clusters (\(configuration.clusterCount)). Possibly due to duplicate points in X."]
            : []
    }

    /// A model from stored centers (e.g. a model file), for `predict`.
    public init(centers: Matrix<S>, inertia: Double, iterations: Int, configuration: KMeans.Configuration) {
        self.centers = centers
        trainingLabels = []
        self.inertia = inertia
        self.iterations = iterations
        inertiaHistory = []
        converged = true
        self.configuration = configuration
        warnings = []
    }

    /// `k`.
    public var clusterCount: Int { centers.rows }

    /// The number of training rows in each cluster.
    public var clusterSizes: [Int] {
        var sizes = [Int](repeating: 0, count: clusterCount)
        for label in trainingLabels { sizes[Int(label)] += 1 }
        return sizes
    }

    /// The index of the nearest center for every row of `x` (ties to the lower index).
    /// - Throws: ``KMeansError`` when `x` has another column count or non-finite values.
    /// - Complexity: O(n·k·d), in GEMM.
    public func predict(_ x: Matrix<S>) throws(KMeansError) -> [Int] {
        guard x.columns == centers.columns else { throw .featureCountMismatch(expected: centers.columns, found: x.columns) }
        let workers = configuration.workers
        if let (row, column) = KMeansKernels.firstNonFinite(x, workers: workers) {
            throw .nonFiniteValue(row: row, column: column, value: "\(x[row, column])")
        }
        return BLAS.withThreadCount(1) {
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            _ = KMeansKernels.assign(x, centers: centers, sampleWeights: nil, labels: labels, accumulateSums: false,
                                     workers: workers)
            return labels.map { Int($0) }
        }
    }

    /// The inertia of `x` under this model's centers: `Σᵢ wᵢ min_c ‖xᵢ − c‖²` (scikit-learn's `-score`).
    public func inertia(of x: Matrix<S>, sampleWeights: [S]? = nil) throws(KMeansError) -> Double {
        try KMeans.checkWeights(sampleWeights, rows: x.rows)
        let labels = try predict(x)
        let distances = KMeansKernels.squaredDistancesToAssignedCenters(x, centers: centers, labels: labels,
                                                                        workers: configuration.workers)
        guard let sampleWeights else { return distances.reduce(0, +) }
        return zip(distances, sampleWeights).reduce(0) { $0 + $1.0 * Double($1.1) }
    }
}
