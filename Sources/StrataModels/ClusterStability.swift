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
    /// - Returns: a value in [−1, 1] (1: every refit found the same partition of the shared rows).
    /// - Throws: ``KMeansError`` from the options or a fit (e.g. fewer subsample rows than `k`).
    /// - Complexity: `runs` k-means fits on `fraction · n` rows, plus O(runs² · n) for the comparisons.
    public static func stability<S: BLASScalar>(
        _ x: Matrix<S>, configuration: KMeans.Configuration, options: Options = .init(),
        using rng: inout some RandomNumberGenerator
    ) throws(KMeansError) -> Double {
        try options.validate()
        let n = x.rows, d = x.columns
        let size = Int((options.fraction * Double(n)).rounded(.down))
        guard size > configuration.clusterCount else {
            throw .invalidParameter(name: "stability_fraction", value: "\(options.fraction)",
                                    expected: "a share of the \(n) rows larger than k = \(configuration.clusterCount)")
        }
        // labels[run][row]: the refit's cluster of the row, -1 when the row was not in its subsample.
        var labels: [[Int32]] = []
        var indices = Array(0..<n)
        for _ in 0..<options.runs {
            // A partial Fisher-Yates shuffle: the first `size` indices are a uniform subsample.
            for i in 0..<size { indices.swapAt(i, Int.random(in: i..<n, using: &rng)) }
            let rows = indices[..<size].sorted()
            var elements = [S]()
            elements.reserveCapacity(size * d)
            for row in rows { elements.append(contentsOf: x.row(row)) }
            let model = try KMeans(configuration).fit(Matrix(rows: size, columns: d, elements: elements), using: &rng)
            var full = [Int32](repeating: -1, count: n)
            for (position, label) in model.labels.enumerated() { full[rows[position]] = Int32(label) }
            labels.append(full)
        }
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
}
