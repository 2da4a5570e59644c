import StrataLinearAlgebra

/// Why a clustering criterion cannot be computed.
public enum ClusterMetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Labels and rows differ in number.
    case labelCountMismatch(labels: Int, rows: Int)
    /// The criterion needs between 2 and n − 1 distinct labels (scikit-learn's rule).
    case invalidLabelCount(labels: Int, samples: Int)
    /// A silhouette sample size below 2.
    case invalidSampleSize(Int)

    public var description: String {
        switch self {
        case let .labelCountMismatch(labels, rows): "\(labels) labels for \(rows) rows"
        case let .invalidLabelCount(labels, samples):
            "Number of labels is \(labels). Valid values are 2 to n_samples - 1 (inclusive); n_samples=\(samples)"
        case let .invalidSampleSize(size): "silhouette sample size \(size) should be >= 2"
        }
    }
}

/// Criteria for how well rows are clustered, computed as scikit-learn's `sklearn.metrics` functions of the
/// same names (labels may be any integers; they are renumbered in sorted order).
public enum ClusterMetrics {
    /// The mean silhouette coefficient `s(i) = (b(i) − a(i)) / max(a(i), b(i))`, where `a(i)` is the mean
    /// Euclidean distance from row `i` to the other rows of its cluster and `b(i)` the smallest mean
    /// distance to another cluster's rows; `s(i) = 0` for a row alone in its cluster. In [−1, 1], higher is
    /// better.
    ///
    /// Exact when `n <= sampleSize`; otherwise computed on `sampleSize` distinct rows drawn with `rng`.
    /// - Complexity: O(m²·d) in GEMM blocks for `m = min(n, sampleSize)` rows; memory O(m·k).
    public static func silhouetteScore<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], sampleSize: Int = 10_000, using rng: inout some RandomNumberGenerator,
        workers: Int = Parallel.processorCount
    ) throws(ClusterMetricsError) -> Double {
        try silhouetteScores(x, labelings: [labels], sampleSize: sampleSize, using: &rng, workers: workers)[0]
    }

    /// The mean silhouette coefficient of each labeling of the same rows (see
    /// ``silhouetteScore(_:labels:sampleSize:using:workers:)``), all on the same `sampleSize` rows drawn once with
    /// `rng` when `n > sampleSize`: the pairwise distances are computed once for all of them, and the labelings
    /// are compared on the same rows.
    /// - Complexity: O(m²·d) in GEMM blocks once and O(m²) per labeling for `m = min(n, sampleSize)` rows.
    public static func silhouetteScores<S: BLASScalar>(
        _ x: Matrix<S>, labelings: [[Int]], sampleSize: Int = 10_000, using rng: inout some RandomNumberGenerator,
        workers: Int = Parallel.processorCount
    ) throws(ClusterMetricsError) -> [Double] {
        var scores: [Double] = []
        for score in try silhouetteScoreResults(x, labelings: labelings, sampleSize: sampleSize, using: &rng, workers: workers) {
            scores.append(try score.get())
        }
        return scores
    }

    /// ``silhouetteScores(_:labelings:sampleSize:using:workers:)`` with each labeling's own outcome: one that
    /// cannot be scored (fewer than 2 distinct labels among the rows used) does not keep the others from it.
    static func silhouetteScoreResults<S: BLASScalar>(
        _ x: Matrix<S>, labelings: [[Int]], sampleSize: Int, using rng: inout some RandomNumberGenerator, workers: Int
    ) throws(ClusterMetricsError) -> [Result<Double, ClusterMetricsError>] {
        guard sampleSize >= 2 else { throw .invalidSampleSize(sampleSize) }
        let mean = { (samples: Result<[Double], ClusterMetricsError>) in samples.map { $0.reduce(0, +) / Double($0.count) } }
        guard x.rows > sampleSize else {
            return silhouetteSamples(x, labelings: labelings, workers: workers).map(mean)
        }
        for labels in labelings where labels.count != x.rows { throw .labelCountMismatch(labels: labels.count, rows: x.rows) }
        var picked = Set<Int>(), rows: [Int] = []
        for upper in (x.rows - sampleSize)..<x.rows {
            let candidate = Int.random(in: 0...upper, using: &rng)
            let row = picked.contains(candidate) ? upper : candidate
            picked.insert(row)
            rows.append(row)
        }
        let subset = Matrix(rows: rows.count, columns: x.columns, elements: rows.flatMap { x.row($0) })
        return silhouetteSamples(subset, labelings: labelings.map { labels in rows.map { labels[$0] } }, workers: workers).map(mean)
    }

    /// The silhouette coefficient of every row (see ``silhouetteScore(_:labels:sampleSize:using:workers:)``),
    /// from exact pairwise distances.
    public static func silhouetteSamples<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], workers: Int = Parallel.processorCount
    ) throws(ClusterMetricsError) -> [Double] {
        try silhouetteSamples(x, labelings: [labels], workers: workers)[0].get()
    }

    /// Every row's silhouette coefficient under each labeling (or why that labeling has none), from pairwise
    /// distances computed once.
    static func silhouetteSamples<S: BLASScalar>(
        _ x: Matrix<S>, labelings: [[Int]], workers: Int
    ) -> [Result<[Double], ClusterMetricsError>] {
        let encoded = labelings.map { labels in Result { () throws(ClusterMetricsError) in try encode(labels, rows: x.rows) } }
        let valid = encoded.compactMap { try? $0.get() }
        var allSums = BLAS.withThreadCount(1) {
            KMeansKernels.clusterDistanceSums(x, labelings: valid.map(\.codes), clusterCounts: valid.map(\.clusterCount),
                                              workers: workers)
        }.makeIterator()
        return encoded.map { labeling in
            labeling.map { codes, k in
                let sums = allSums.next()!
                var sizes = [Int](repeating: 0, count: k)
                for code in codes { sizes[code] += 1 }
                return codes.indices.map { i in
                    let own = codes[i]
                    guard sizes[own] > 1 else { return 0 }
                    let a = sums[i * k + own] / Double(sizes[own] - 1)
                    var b = Double.infinity
                    for cluster in 0..<k where cluster != own { b = min(b, sums[i * k + cluster] / Double(sizes[cluster])) }
                    let denominator = max(a, b)
                    return denominator > 0 ? (b - a) / denominator : 0
                }
            }
        }
    }

    /// The Davies-Bouldin index: the mean over clusters `i` of `max_{j≠i} (sᵢ + sⱼ) / ‖cᵢ − cⱼ‖`, with `cᵢ`
    /// the cluster's mean and `sᵢ` its rows' mean distance to it. Lower is better; 0 when all `s` or all
    /// center distances are zero.
    public static func daviesBouldin<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], workers: Int = Parallel.processorCount
    ) throws(ClusterMetricsError) -> Double {
        let (codes, k) = try encode(labels, rows: x.rows)
        let (centroids, _) = means(x, codes: codes, clusterCount: k, workers: workers)
        let squared = KMeansKernels.squaredDistancesToAssignedCenters(x, centers: centroids, labels: codes, workers: workers)
        var scatter = [Double](repeating: 0, count: k), sizes = [Int](repeating: 0, count: k)
        for i in codes.indices {
            scatter[codes[i]] += squared[i].squareRoot()
            sizes[codes[i]] += 1
        }
        for cluster in 0..<k { scatter[cluster] /= Double(sizes[cluster]) }
        let d = x.columns
        var separation = [Double](repeating: 0, count: k * k)
        for i in 0..<k {
            for j in 0..<k {
                var sum = 0.0
                for f in 0..<d { let diff = Double(centroids[i, f]) - Double(centroids[j, f]); sum += diff * diff }
                separation[i * k + j] = sum.squareRoot()
            }
        }
        if allClose(scatter, 0) || allClose(separation, 0) { return 0 }
        var total = 0.0
        for i in 0..<k {
            var worst = -Double.infinity
            for j in 0..<k {
                let distance = separation[i * k + j] == 0 ? Double.infinity : separation[i * k + j]
                worst = max(worst, (scatter[i] + scatter[j]) / distance)
            }
            total += worst
        }
        return total / Double(k)
    }

    /// The Calinski-Harabasz index (variance ratio): `[Σₖ nₖ ‖cₖ − c‖² / (k − 1)] / [Σᵢ ‖xᵢ − c_{label(i)}‖² / (n − k)]`.
    /// Higher is better; 1 when the within-cluster dispersion is zero.
    public static func calinskiHarabasz<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], workers: Int = Parallel.processorCount
    ) throws(ClusterMetricsError) -> Double {
        let (codes, k) = try encode(labels, rows: x.rows)
        let (centroids, sizes) = means(x, codes: codes, clusterCount: k, workers: workers)
        let overall = KMeansKernels.columnMeansAndVariances(x, workers: workers).means
        var between = 0.0
        for cluster in 0..<k {
            var squared = 0.0
            for j in 0..<x.columns { let diff = Double(centroids[cluster, j]) - overall[j]; squared += diff * diff }
            between += Double(sizes[cluster]) * squared
        }
        let within = KMeansKernels.squaredDistancesToAssignedCenters(x, centers: centroids, labels: codes, workers: workers)
            .reduce(0, +)
        guard within != 0 else { return 1 }
        return between * Double(x.rows - k) / (within * Double(k - 1))
    }

    /// The adjusted Rand index between two labelings of the same rows: the Rand index corrected for chance,
    /// `(RI − E[RI]) / (max RI − E[RI])` over pair counts. 1 for identical partitions (up to renaming), about
    /// 0 for independent ones.
    public static func adjustedRandIndex(_ first: [Int], _ second: [Int]) throws(ClusterMetricsError) -> Double {
        guard first.count == second.count else { throw .labelCountMismatch(labels: second.count, rows: first.count) }
        let n = first.count
        let (a, ka) = renumber(first), (b, kb) = renumber(second)
        var table = [Int: Int](), rowSums = [Int](repeating: 0, count: ka), columnSums = [Int](repeating: 0, count: kb)
        for i in 0..<n {
            table[a[i] * kb + b[i], default: 0] += 1
            rowSums[a[i]] += 1
            columnSums[b[i]] += 1
        }
        func pairs(_ count: Int) -> Double { Double(count) * Double(count - 1) / 2 }
        let index = table.values.reduce(0) { $0 + pairs($1) }
        let rowPairs = rowSums.reduce(0) { $0 + pairs($1) }, columnPairs = columnSums.reduce(0) { $0 + pairs($1) }
        let expected = n < 2 ? 0 : rowPairs * columnPairs / pairs(n)
        let maximum = (rowPairs + columnPairs) / 2
        guard maximum != expected else { return 1 }
        return (index - expected) / (maximum - expected)
    }

    // MARK: Helpers

    /// Labels renumbered `0..<k` in sorted order, checked for `2 <= k <= n − 1`.
    static func encode(_ labels: [Int], rows: Int) throws(ClusterMetricsError) -> (codes: [Int], clusterCount: Int) {
        guard labels.count == rows else { throw .labelCountMismatch(labels: labels.count, rows: rows) }
        let (codes, k) = renumber(labels)
        guard k >= 2 && k <= rows - 1 else { throw .invalidLabelCount(labels: k, samples: rows) }
        return (codes, k)
    }

    static func renumber(_ labels: [Int]) -> (codes: [Int], count: Int) {
        let distinct = Set(labels).sorted()
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        return (labels.map { code[$0]! }, distinct.count)
    }

    /// Per-cluster means (as a `k×d` matrix of the data's scalar type) and sizes.
    static func means<S: BLASScalar>(_ x: Matrix<S>, codes: [Int], clusterCount k: Int, workers: Int) -> (Matrix<S>, [Int]) {
        let (sums, sizes) = KMeansKernels.clusterSums(x, labels: codes, clusterCount: k, workers: workers)
        let d = x.columns
        let elements = (0..<(k * d)).map { S(sums[$0] / Double(max(sizes[$0 / d], 1))) }
        return (Matrix(rows: k, columns: d, elements: elements), sizes)
    }

    /// numpy's `allclose(values, target)` with its default tolerances.
    private static func allClose(_ values: [Double], _ target: Double) -> Bool {
        values.allSatisfy { abs($0 - target) <= 1e-8 + 1e-5 * abs(target) }
    }
}
