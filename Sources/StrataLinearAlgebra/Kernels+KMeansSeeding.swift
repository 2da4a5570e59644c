import CStrataKernels

// Greedy k-means++ in one pass over X per step (C kernels in CStrataKernels/kmeans_seeding_impl.h).
//
// A step draws candidates with probability `w · D(x)²` and keeps the one that leaves the smallest potential
// `Σ w · min(D(x)², d(x, c)²)`. Done plainly it reads X twice per step: once for the candidates' potentials,
// once to lower `D(x)²` to the chosen one's distances. Here the lowering is deferred to the next step's pass,
// which applies it before summing that step's candidates; the pass keeps every sum per block of at most 256
// rows, so the next draw finds its block from the chosen candidate's block sums and recomputes only that
// block's values (the same arithmetic) to find the row. The draws are those of
// `np.searchsorted(np.cumsum(w · D²), targets)` (scikit-learn's `_kmeans_plusplus`) with the running sum in
// Double.

/// The block sums of one seeding pass (``KMeansKernels/seedingPass(_:pending:candidates:closest:sampleWeights:workers:portable:)``).
package struct KMeansSeedingSums: Sendable {
    /// Block `b` holds the rows `blockStarts[b] ..< blockStarts[b + 1]`; no block straddles two workers' ranges.
    package let blockStarts: [Int]
    /// Column-major `blocks × (1 + m)`: column 0 holds `Σ w · D(x)²` per block after the pending center's
    /// lowering, column `1 + c` the potential `Σ w · min(D(x)², d(x, c)²)` candidate `c` would leave.
    package let sums: [Double]

    /// The number of blocks.
    package var blockCount: Int { blockStarts.count - 1 }

    /// The sums of `column` over all blocks, added in block order.
    package func total(_ column: Int) -> Double {
        let base = column * blockCount
        var total = 0.0
        for block in 0..<blockCount { total += sums[base + block] }
        return total
    }
}

/// The C seeding kernels for one precision.
protocol SeedingKMeansScalar: BLASScalar {
    static func _seedingPass(
        _ x: UnsafePointer<Self>, rows: Int, features: Int, pending: UnsafePointer<Self>?, pendingNorm: Self,
        candidates: UnsafePointer<Self>?, candidateNorms: UnsafePointer<Self>?, count: Int, closest: UnsafeMutablePointer<Self>,
        weights: UnsafePointer<Self>?, blockRows: Int, blockSums: UnsafeMutablePointer<Double>, portable: Bool)
    static func _seedingValues(
        _ x: UnsafePointer<Self>, rows: Int, features: Int, center: UnsafePointer<Self>?, centerNorm: Self,
        closest: UnsafePointer<Self>, weights: UnsafePointer<Self>?, values: UnsafeMutablePointer<Double>, portable: Bool)
}

extension Float: SeedingKMeansScalar {
    static func _seedingPass(
        _ x: UnsafePointer<Float>, rows: Int, features: Int, pending: UnsafePointer<Float>?, pendingNorm: Float,
        candidates: UnsafePointer<Float>?, candidateNorms: UnsafePointer<Float>?, count: Int, closest: UnsafeMutablePointer<Float>,
        weights: UnsafePointer<Float>?, blockRows: Int, blockSums: UnsafeMutablePointer<Double>, portable: Bool
    ) {
        strata_kmeans_seeding_pass_f32(x, rows, features, pending, pendingNorm, candidates, candidateNorms, count, closest,
                                       weights, blockRows, blockSums, portable ? 1 : 0)
    }
    static func _seedingValues(
        _ x: UnsafePointer<Float>, rows: Int, features: Int, center: UnsafePointer<Float>?, centerNorm: Float,
        closest: UnsafePointer<Float>, weights: UnsafePointer<Float>?, values: UnsafeMutablePointer<Double>, portable: Bool
    ) {
        strata_kmeans_seeding_values_f32(x, rows, features, center, centerNorm, closest, weights, values, portable ? 1 : 0)
    }
}

extension Double: SeedingKMeansScalar {
    static func _seedingPass(
        _ x: UnsafePointer<Double>, rows: Int, features: Int, pending: UnsafePointer<Double>?, pendingNorm: Double,
        candidates: UnsafePointer<Double>?, candidateNorms: UnsafePointer<Double>?, count: Int, closest: UnsafeMutablePointer<Double>,
        weights: UnsafePointer<Double>?, blockRows: Int, blockSums: UnsafeMutablePointer<Double>, portable: Bool
    ) {
        strata_kmeans_seeding_pass_f64(x, rows, features, pending, pendingNorm, candidates, candidateNorms, count, closest,
                                       weights, blockRows, blockSums, portable ? 1 : 0)
    }
    static func _seedingValues(
        _ x: UnsafePointer<Double>, rows: Int, features: Int, center: UnsafePointer<Double>?, centerNorm: Double,
        closest: UnsafePointer<Double>, weights: UnsafePointer<Double>?, values: UnsafeMutablePointer<Double>, portable: Bool
    ) {
        strata_kmeans_seeding_values_f64(x, rows, features, center, centerNorm, closest, weights, values, portable ? 1 : 0)
    }
}

extension KMeansKernels {
    /// Rows per block of a seeding pass.
    static let seedingBlockRows = Int(STRATA_KMEANS_SEEDING_BLOCK_MAX)

    /// `‖c‖²` of a center as the seeding kernels use it (the same sum for a pending center and a candidate).
    static func seedingNorm<S: BLASScalar>(_ center: some Sequence<S>) -> S { center.reduce(0) { $0 + $1 * $1 } }

    /// One greedy k-means++ step over all rows: lowers `closest[i]` to the distance from row `i` to `pending`
    /// (the center the previous step chose; nil for none), then sums per block `w · closest` and, for each
    /// candidate `c`, `w · min(closest, d(x, c)²)`, distances in scikit-learn's form `max(‖x‖² − 2 x·c + ‖c‖², 0)`
    /// in the working precision with `‖x‖²` computed as the row is read.
    /// - Complexity: O(n·(m + 2)·d) for `m` candidates, one read of X, split across `workers`.
    package static func seedingPass<S: BLASScalar>(
        _ x: Matrix<S>, pending: [S]?, candidates: Matrix<S>, closest: DisjointWriteBuffer<S>, sampleWeights: [S]?,
        workers: Int, portable: Bool = false
    ) -> KMeansSeedingSums {
        if S.self == Float.self {
            return _seedingPass(same(x) as Matrix<Float>, pending: same(pending), candidates: same(candidates), closest: same(closest),
                                sampleWeights: same(sampleWeights), workers: workers, portable: portable)
        }
        if S.self == Double.self {
            return _seedingPass(same(x) as Matrix<Double>, pending: same(pending), candidates: same(candidates), closest: same(closest),
                                sampleWeights: same(sampleWeights), workers: workers, portable: portable)
        }
        preconditionFailure("seedingPass: BLASScalar is Float or Double, got \(S.self)")
    }

    /// For each target, the row a draw proportional to `column`'s values picks: the first row whose running sum
    /// (blocks in order, rows in order) reaches the target, or the last row when rounding leaves the target above
    /// the total (`np.searchsorted(np.cumsum(values), targets)` clipped to `n − 1`, as scikit-learn). Column 0's
    /// values are `w · closest`; column `1 + c`'s are `w · min(closest, d(x, center)²)` with `center` the
    /// candidate `c` of the pass that made `sums` (its lowering not applied yet).
    /// - Complexity: O(blocks) plus O(256·d) per target.
    package static func seedingDraws<S: BLASScalar>(
        _ x: Matrix<S>, sums: KMeansSeedingSums, column: Int, center: [S]?, closest: DisjointWriteBuffer<S>,
        sampleWeights: [S]?, targets: [Double], portable: Bool = false
    ) -> [Int] {
        if S.self == Float.self {
            return _seedingDraws(same(x) as Matrix<Float>, sums: sums, column: column, center: same(center), closest: same(closest),
                                 sampleWeights: same(sampleWeights), targets: targets, portable: portable)
        }
        if S.self == Double.self {
            return _seedingDraws(same(x) as Matrix<Double>, sums: sums, column: column, center: same(center), closest: same(closest),
                                 sampleWeights: same(sampleWeights), targets: targets, portable: portable)
        }
        preconditionFailure("seedingDraws: BLASScalar is Float or Double, got \(S.self)")
    }

    static func _seedingPass<S: SeedingKMeansScalar>(
        _ x: Matrix<S>, pending: [S]?, candidates: Matrix<S>, closest: DisjointWriteBuffer<S>, sampleWeights: [S]?,
        workers: Int, portable: Bool
    ) -> KMeansSeedingSums {
        let (n, d, m) = (x.rows, x.columns, candidates.rows)
        precondition(candidates.columns == d && closest.count == n && (pending?.count ?? d) == d, "seedingPass: shapes")
        precondition(sampleWeights == nil || sampleWeights!.count == n, "seedingPass: weights count")
        let candidateNorms = (0..<m).map { seedingNorm(candidates.row($0)) }
        let pendingNorm = pending.map { seedingNorm($0) } ?? 0
        let blockRows = seedingBlockRows
        let ranges = Parallel.partition(n, into: taskCount(workers))
        let parts = Parallel.map(rangesOf: n, workers: taskCount(workers)) { range -> [Double] in
            let blocks = (range.count + blockRows - 1) / blockRows
            var sums = [Double](repeating: 0, count: blocks * (m + 1))
            x.elements.withUnsafeBufferPointer { px in
            candidates.elements.withUnsafeBufferPointer { pc in
            candidateNorms.withUnsafeBufferPointer { pnorms in
            sums.withUnsafeMutableBufferPointer { psums in
            withOptionalPointer(pending) { ppending in
            withRowWeights(sampleWeights, from: range.lowerBound) { rowWeights in
                S._seedingPass(px.baseAddress! + range.lowerBound &* d, rows: range.count, features: d, pending: ppending,
                               pendingNorm: pendingNorm, candidates: pc.baseAddress, candidateNorms: pnorms.baseAddress, count: m,
                               closest: closest.storage + range.lowerBound, weights: rowWeights, blockRows: blockRows,
                               blockSums: psums.baseAddress!, portable: portable)
            }}}}}}
            return sums
        }
        var blockStarts: [Int] = []
        for range in ranges { blockStarts += stride(from: range.lowerBound, to: range.upperBound, by: blockRows) }
        blockStarts.append(n)
        let blocks = blockStarts.count - 1
        var sums = [Double](repeating: 0, count: blocks * (m + 1))
        var offset = 0
        for part in parts {
            let partBlocks = part.count / (m + 1)
            for column in 0...m {
                for block in 0..<partBlocks { sums[column * blocks + offset + block] = part[column * partBlocks + block] }
            }
            offset += partBlocks
        }
        return KMeansSeedingSums(blockStarts: blockStarts, sums: sums)
    }

    static func _seedingDraws<S: SeedingKMeansScalar>(
        _ x: Matrix<S>, sums: KMeansSeedingSums, column: Int, center: [S]?, closest: DisjointWriteBuffer<S>,
        sampleWeights: [S]?, targets: [Double], portable: Bool
    ) -> [Int] {
        let (n, d, blocks) = (x.rows, x.columns, sums.blockCount)
        precondition(closest.count == n && sums.blockStarts.last == n && (center?.count ?? d) == d, "seedingDraws: shapes")
        let centerNorm = center.map { seedingNorm($0) } ?? 0
        var values = [Double](repeating: 0, count: seedingBlockRows)
        return targets.map { target in
            var before = 0.0, block = 0
            while block < blocks && before + sums.sums[column * blocks + block] < target {
                before += sums.sums[column * blocks + block]
                block += 1
            }
            guard block < blocks else { return n - 1 }
            let start = sums.blockStarts[block], count = sums.blockStarts[block + 1] - start
            x.elements.withUnsafeBufferPointer { px in
            values.withUnsafeMutableBufferPointer { pvalues in
            withOptionalPointer(center) { pcenter in
            withRowWeights(sampleWeights, from: start) { rowWeights in
                S._seedingValues(px.baseAddress! + start &* d, rows: count, features: d, center: pcenter, centerNorm: centerNorm,
                                 closest: closest.storage + start, weights: rowWeights, values: pvalues.baseAddress!,
                                 portable: portable)
            }}}}
            var running = before, lastPositive = -1
            for r in 0..<count {
                running += values[r]
                if values[r] > 0 { lastPositive = r }
                if running >= target { return start + r }
            }
            // Rounding: the block's sum reached the target but its rows added one by one fell short.
            return start + (lastPositive >= 0 ? lastPositive : count - 1)
        }
    }

    private static func withOptionalPointer<S, R>(_ values: [S]?, _ body: (UnsafePointer<S>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
