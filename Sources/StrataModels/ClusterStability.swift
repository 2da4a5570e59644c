import StrataLinearAlgebra

/// How much a k-means partition holds up when the data change a little: refits on random subsamples,
/// compared pairwise with the adjusted Rand index on the rows both subsamples hold.
///
/// A `k` whose clusters are real structure gives nearly the same partition on any 80% of the patients
/// (stability near 1); a `k` that cuts a continuum cuts it in a different place each time (stability well
/// below 1). Silhouette and the other geometric criteria cannot see this, which is why they favour `k = 2`
/// on data with one dominant direction (active versus lapsed).
public enum ClusterStability {
    /// The subsampling scheme.
    public struct Options: Sendable, Equatable {
        /// Refits per `k`; their `runs · (runs − 1) / 2` pairs are compared.
        public var runs: Int
        /// The share of rows each refit sees, drawn without replacement.
        public var fraction: Double

        public init(runs: Int = 5, fraction: Double = 0.8) {
            self.runs = runs
            self.fraction = fraction
        }

        /// Checks `runs >= 2` and `0 < fraction < 1`, naming the parameter.
        public func validate() throws(KMeansError) {
            guard runs >= 2 else {
                throw .invalidParameter(name: "stability_runs", value: "\(runs)", expected: "at least 2 (pairs of refits are compared)")
            }
            guard fraction > 0 && fraction < 1 else {
                throw .invalidParameter(name: "stability_fraction", value: "\(fraction)", expected: "a share strictly between 0 and 1")
            }
        }
    }

    /// The mean adjusted Rand index between the partitions of `options.runs` refits of `configuration`, each
    /// on `⌊fraction · n⌋` rows drawn without replacement, over every pair of refits and computed on the rows
    /// the two refits share.
    ///
    /// Each refit draws its rows and seeds its fit from its own generator (``ClusterRandomStreams``, from one
    /// draw of `rng`), and fits on one core with one BLAS thread; with `configuration.workers` above 1 the
    /// refits run side by side, as many at once as there are cores. So the result depends on the seed, not on
    /// the worker count: a refit on 40,000 rows is too small to split its rows across cores well, and whole
    /// refits side by side keep every core busy.
    /// - Returns: a value in [−1, 1] (1: every refit found the same partition of the shared rows).
    /// - Throws: ``KMeansError`` from the options or a fit (e.g. fewer subsample rows than `k`).
    /// - Complexity: `runs` k-means fits on `fraction · n` rows, plus O(runs² · n) for the comparisons.
    public static func stability<S: BLASScalar>(
        _ x: Matrix<S>, configuration: KMeans.Configuration, options: Options = .init(),
        using rng: inout some RandomNumberGenerator
    ) throws(KMeansError) -> Double {
        try options.validate()
        try configuration.validate()
        let n = x.rows
        let size = Int((options.fraction * Double(n)).rounded(.down))
        guard size > configuration.clusterCount else {
            throw .invalidParameter(name: "stability_fraction", value: "\(options.fraction)",
                                    expected: "a share of the \(n) rows larger than k = \(configuration.clusterCount)")
        }
        let streams = ClusterRandomStreams(using: &rng)
        var oneCore = configuration
        oneCore.workers = 1
        let refit = oneCore
        // One BLAS thread around the whole side-by-side section: each fit sets one thread and restores what it
        // found, and with refits overlapping that must be 1 too, or a fit could restore the threaded setting
        // under another one still running.
        let outcomes = BLAS.withThreadCount(1) {
            // One task per refit (one in all, run inline, with a single worker): the cores take them as they
            // free up, so refits that take more Lloyd steps than others do not leave a core idle.
            Parallel.map(rangesOf: options.runs, workers: configuration.workers == 1 ? 1 : options.runs) { runs in
                runs.map { run in
                    Result { () throws(KMeansError) -> [Int32] in
                        var generator = streams.generator(run)
                        return try subsampleLabels(x, size: size, configuration: refit, using: &generator)
                    }
                }
            }
        }
        var labels: [[Int32]] = []
        for outcome in outcomes.joined() { labels.append(try outcome.get()) }
        var total = 0.0, pairs = 0
        for a in 0..<options.runs {
            for b in (a + 1)..<options.runs {
                var first: [Int] = [], second: [Int] = []
                for row in 0..<n where labels[a][row] >= 0 && labels[b][row] >= 0 {
                    first.append(Int(labels[a][row]))
                    second.append(Int(labels[b][row]))
                }
                // Equal-length arrays: the index cannot fail.
                total += (try? ClusterMetrics.adjustedRandIndex(first, second)) ?? 0
                pairs += 1
            }
        }
        return total / Double(pairs)
    }

    /// One refit: `size` rows of `x` drawn without replacement (a partial Fisher-Yates shuffle), fitted; the
    /// refit's cluster of every row of `x`, −1 for the rows it did not see.
    static func subsampleLabels<S: BLASScalar>(
        _ x: Matrix<S>, size: Int, configuration: KMeans.Configuration, using rng: inout Xoshiro256StarStar
    ) throws(KMeansError) -> [Int32] {
        let n = x.rows, d = x.columns
        var indices = Array(0..<n)
        for i in 0..<size { indices.swapAt(i, Int.random(in: i..<n, using: &rng)) }
        let rows = indices[..<size].sorted()
        var elements = [S]()
        elements.reserveCapacity(size * d)
        for row in rows { elements.append(contentsOf: x.row(row)) }
        let model = try KMeans(configuration).fit(Matrix(rows: size, columns: d, elements: elements), using: &rng)
        var full = [Int32](repeating: -1, count: n)
        for (position, label) in model.labels.enumerated() { full[rows[position]] = Int32(label) }
        return full
    }
}
