import StrataLinearAlgebra

/// k-means clustering: a ``Configuration`` in, a fitted ``KMeansModel`` out.
///
/// Minimizes the inertia `Σᵢ wᵢ ‖xᵢ − c_{label(i)}‖²` over `k` centers. Seeding (``KMeansInitialization``)
/// is run `initCount` times and the run with the lowest inertia is kept; each run iterates Lloyd steps (or
/// mini-batch steps, ``KMeansAlgorithm``) until the labels stop changing, the squared center shift
/// `Σⱼ ‖cⱼ' − cⱼ‖²` is at most `tolerance · mean(var(X, axis: 0))`, or `maxIterations` is reached. The
/// final labels are those of the final centers and the inertia is computed from them, as scikit-learn.
///
/// ```swift
/// var generator = Xoshiro256StarStar(seed: 42)
/// let model = try KMeans(clusterCount: 4).fit(matrix, using: &generator)
/// let labels = try model.predict(newRows)
/// ```
/// Results depend only on the data, the generator's seed and `workers`.
public struct KMeans: Sendable {
    /// Hyperparameters of a k-means fit.
    public struct Configuration: Sendable, Equatable {
        /// `k`, the number of clusters.
        public var clusterCount: Int
        /// How the first centers are chosen.
        public var initialization: KMeansInitialization
        /// Seeding runs; the one with the lowest inertia is kept (scikit-learn's `n_init`).
        public var initCount: Int
        /// The most Lloyd steps per run (for mini-batch: passes over the data).
        public var maxIterations: Int
        /// Relative tolerance on the squared center shift; multiplied by the mean column variance. 0 stops
        /// only when the labels no longer change (or the centers do not move).
        public var tolerance: Double
        /// Lloyd (plain or with bounds, the same result) or mini-batch.
        public var algorithm: KMeansAlgorithm
        /// What happens to clusters that lose all their rows.
        public var emptyClusterPolicy: KMeansEmptyClusterPolicy
        /// The degree of parallelism: each pass over the rows is split into `4 · workers` ranges (one when
        /// `workers` is 1) that run on up to that many cores. Results are reproducible for a given count.
        public var workers: Int

        public init(clusterCount: Int, initialization: KMeansInitialization = .kMeansPlusPlus(),
                    initCount: Int = 1, maxIterations: Int = 300, tolerance: Double = 1e-4,
                    algorithm: KMeansAlgorithm = .hamerly,
                    emptyClusterPolicy: KMeansEmptyClusterPolicy = .relocateFarthestPoints,
                    workers: Int = Parallel.processorCount) {
            self.clusterCount = clusterCount
            self.initialization = initialization
            self.initCount = initCount
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.algorithm = algorithm
            self.emptyClusterPolicy = emptyClusterPolicy
            self.workers = workers
        }

        /// Checks the hyperparameters on their own (the data are checked by ``KMeans/fit(_:sampleWeights:using:)``).
        public func validate() throws(KMeansError) {
            guard clusterCount >= 1 else { throw .invalidClusterCount(clusterCount) }
            guard initCount >= 1 else {
                throw .invalidParameter(name: "n_init", value: "\(initCount)", expected: "at least 1")
            }
            guard maxIterations >= 1 else {
                throw .invalidParameter(name: "max_iter", value: "\(maxIterations)", expected: "at least 1")
            }
            guard tolerance.isFinite && tolerance >= 0 else {
                throw .invalidParameter(name: "tol", value: "\(tolerance)", expected: "a finite number >= 0")
            }
            guard workers >= 1 else {
                throw .invalidParameter(name: "workers", value: "\(workers)", expected: "at least 1")
            }
            if case let .kMeansPlusPlus(trials?) = initialization, trials < 1 {
                throw .invalidParameter(name: "n_local_trials", value: "\(trials)", expected: "at least 1")
            }
            if case let .miniBatch(options) = algorithm {
                guard options.batchSize >= 1 else {
                    throw .invalidParameter(name: "batch_size", value: "\(options.batchSize)", expected: "at least 1")
                }
                guard options.maxNoImprovement >= 1 else {
                    throw .invalidParameter(name: "max_no_improvement", value: "\(options.maxNoImprovement)",
                                            expected: "at least 1")
                }
                guard options.reassignmentRatio.isFinite && options.reassignmentRatio >= 0 else {
                    throw .invalidParameter(name: "reassignment_ratio", value: "\(options.reassignmentRatio)",
                                            expected: "a finite number >= 0")
                }
            }
            if case let .centers(centers) = initialization {
                guard centers.rows == clusterCount else {
                    throw .invalidInitialCenters("\(centers.rows) centers given for n_clusters=\(clusterCount)")
                }
                if let bad = centers.elements.firstIndex(where: { !$0.isFinite }) {
                    throw .invalidInitialCenters("center \(bad / max(centers.columns, 1)) contains \(centers.elements[bad])")
                }
            }
        }
    }

    /// The hyperparameters.
    public var configuration: Configuration

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// A k-means with `clusterCount` clusters and scikit-learn's other defaults.
    public init(clusterCount: Int) {
        self.init(Configuration(clusterCount: clusterCount))
    }

    /// Fits centers to the rows of `x`.
    ///
    /// - Parameters:
    ///   - x: `n×d`, rows are samples; all elements finite, `n >= k`.
    ///   - sampleWeights: `n` non-negative weights (nil: all 1); a row of weight `w` counts as `w` rows.
    ///   - rng: the source of every random choice (seeding, mini-batches).
    /// - Returns: the fitted model; its `warnings` say when fewer distinct clusters than `k` were found.
    /// - Throws: ``KMeansError`` for bad hyperparameters or data.
    /// - Complexity: O(initCount · iterations · n·k·d), in GEMM.
    public func fit<S: BLASScalar>(
        _ x: Matrix<S>, sampleWeights: [S]? = nil, using rng: inout some RandomNumberGenerator
    ) throws(KMeansError) -> KMeansModel<S> {
        let configuration = self.configuration
        try configuration.validate()
        try Self.checkShape(x, clusterCount: configuration.clusterCount)
        try Self.checkWeights(sampleWeights, rows: x.rows)
        if case let .centers(given) = configuration.initialization, given.columns != x.columns {
            throw .invalidInitialCenters("centers have \(given.columns) features, the data \(x.columns)")
        }
        let problem = BLAS.withThreadCount(1) {
            KMeansProblem(x: x, sampleWeights: sampleWeights, workers: configuration.workers)
        }
        // A NaN or infinite element makes Σ wᵢ‖xᵢ‖² NaN or infinite (0·∞ is NaN too), so a finite sum proves the
        // data finite and saves a pass over it; otherwise the scan finds the element (or finds none: overflow).
        if !problem.weightedSquaredNormSum.isFinite {
            try Self.checkFinite(x, workers: configuration.workers)
        }
        return BLAS.withThreadCount(1) {
            let tolerance = configuration.tolerance == 0 ? 0
                : configuration.tolerance * problem.meanColumnVariance()
            let runs = if case .centers = configuration.initialization { 1 } else { configuration.initCount }
            var best: KMeansRun<S>?
            for _ in 0..<runs {
                let run: KMeansRun<S>
                switch configuration.algorithm {
                case .lloyd, .hamerly:
                    let centers = problem.initialCenters(configuration, using: &rng)
                    run = problem.lloyd(from: centers, maxIterations: configuration.maxIterations,
                                        tolerance: tolerance, emptyClusterPolicy: configuration.emptyClusterPolicy,
                                        bounded: configuration.algorithm == .hamerly)
                case let .miniBatch(options):
                    run = problem.miniBatch(configuration, options: options, tolerance: tolerance, using: &rng)
                }
                if best == nil || run.inertia < best!.inertia { best = run }
            }
            return KMeansModel(run: best!, configuration: configuration)
        }
    }

    /// Checks the shape and values of a data matrix for `k` clusters.
    static func checkData<S: BLASScalar>(_ x: Matrix<S>, clusterCount: Int, workers: Int) throws(KMeansError) {
        try checkShape(x, clusterCount: clusterCount)
        try checkFinite(x, workers: workers)
    }

    static func checkShape<S: BLASScalar>(_ x: Matrix<S>, clusterCount: Int) throws(KMeansError) {
        guard clusterCount >= 1 else { throw .invalidClusterCount(clusterCount) }
        guard x.rows >= clusterCount else { throw .tooFewSamples(samples: x.rows, clusters: clusterCount) }
        guard x.columns >= 1 else { throw .noFeatures }
    }

    static func checkFinite<S: BLASScalar>(_ x: Matrix<S>, workers: Int) throws(KMeansError) {
        if let (row, column) = KMeansKernels.firstNonFinite(x, workers: workers) {
            throw .nonFiniteValue(row: row, column: column, value: "\(x[row, column])")
        }
    }

    static func checkWeights<S: BLASScalar>(_ weights: [S]?, rows: Int) throws(KMeansError) {
        guard let weights else { return }
        guard weights.count == rows else {
            throw .invalidSampleWeights("\(weights.count) weights for \(rows) rows")
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw .invalidSampleWeights("weight \(bad) is \(weights[bad]); expected a finite number >= 0")
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw .invalidSampleWeights("all weights are zero")
        }
    }
}
