import CStrataKernels

// The bounded Lloyd assignment (C: `kmeans_bounds_impl.h`): Hamerly-style bounds, kept as one gap per row,
// skip the rows whose label cannot change; every other row is computed by the fused kernel's own arithmetic,
// so the labels, sums and weights equal those of ``KMeansKernels/assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``
// with the fused kernel bit for bit (docs/kmeans.md, "Exact bounds").

/// What a bounded Lloyd run keeps between its assignment passes: one gap per row and the centers of the last
/// pass. Made for one run (one labels buffer) and used by one pass at a time.
package final class KMeansBounds: @unchecked Sendable {
    /// Per row, a lower bound on (distance to the second-nearest center) − (distance to the labelled one) for
    /// ``previousCenters``; −∞ before a row is first computed.
    let gaps: DisjointWriteBuffer<Float>
    /// The centers of the last pass, row-major, in Double (exact for Float and Double centers); empty before it.
    private(set) var previousCenters: [Double] = []
    /// The largest `‖xᵢ‖²` seen; every row is computed on the first pass, so afterwards it covers all rows.
    private(set) var largestRowNormSquared = 0.0
    /// Rows whose distances the last pass computed (the others kept their label on their gap).
    package private(set) var computedRows = 0

    /// Gaps for `rows` rows (4 bytes each), none known yet.
    package init(rows: Int) {
        gaps = DisjointWriteBuffer(repeating: -.infinity, count: rows)
    }

    /// What a pass to `centers` needs (``strata_kmeans_bounds_step`` without its pointer).
    fileprivate struct Step: Sendable {
        /// Per center, an upper bound on how much a gap of a row with that label shrank; empty: no gaps yet.
        var shrink: [Double] = []
        var threshold = Double.infinity
        var kappa: Double
        var centerNormMax: Double
        var absoluteMargin: Double
    }

    /// The step parameters for a pass to `centers` from ``previousCenters``.
    fileprivate func step<S: BLASScalar>(to centers: Matrix<S>) -> Step {
        let (k, d) = (centers.rows, centers.columns)
        let unit = Double(S.ulpOfOne) / 2
        // |f_c − (‖x − c‖² − ‖x‖²)| ≤ 2γ_{d+1}(1 + γ_{d+1})(‖x‖ + ‖c‖)² ≈ 2.04 (d + 1) u for the values of the
        // kernel (d + 1 rounded FMAs or products and sums, plus ‖c‖²); 2.5 (d + 2) u leaves over 20% to spare.
        // The kernel's ‖x‖² (working precision, within γ_d ≈ 1.01 d u) adds 1.1 (d + 2) u; the Double terms cover
        // the square roots and differences of the gap.
        let kappa = 3.6 * Double(d + 2) * unit + 3 * Double(d + 2) * 0x1p-53
        let absoluteMargin = 4 * Double(2 * d + 4) * Double(S.leastNonzeroMagnitude)
        // Norms and shifts are computed in Double and rounded up by more than their rounding error.
        let up = 1 + Double(d + 4) * 0x1p-51
        var centerNormMax = 0.0
        for c in 0..<k {
            var squared = 0.0
            for j in 0..<d { squared += Double(centers[c, j]) * Double(centers[c, j]) }
            centerNormMax = Swift.max(centerNormMax, squared.squareRoot() * up)
        }
        var parameters = Step(kappa: kappa, centerNormMax: centerNormMax, absoluteMargin: absoluteMargin)
        guard previousCenters.count == k * d, Double(d + 2) * unit <= 0.01 else { return parameters }
        let shifts = (0..<k).map { c in
            var squared = 0.0
            for j in 0..<d {
                let move = Double(centers[c, j]) - previousCenters[c * d + j]
                squared += move * move
            }
            return squared.squareRoot() * up + Double.leastNormalMagnitude
        }
        let largest = shifts.indices.max { shifts[$0] < shifts[$1] }!
        let secondLargest = shifts.indices.filter { $0 != largest }.map { shifts[$0] }.max() ?? 0
        parameters.shrink = (0..<k).map { a in (shifts[a] + (a == largest ? secondLargest : shifts[largest])) * (1 + 0x1p-50) }
        let reach = (largestRowNormSquared * (1 + 1.1 * Double(d + 2) * unit)).squareRoot() * up + centerNormMax
        parameters.threshold = (2 * (kappa * reach * reach + absoluteMargin)).squareRoot() * (1 + 0x1p-40)
        return parameters
    }

    fileprivate func finish<S: BLASScalar>(centers: Matrix<S>, computedRows: Int, largestRowNormSquared: Double) {
        previousCenters = centers.elements.map { Double($0) }
        self.computedRows = computedRows
        self.largestRowNormSquared = Swift.max(self.largestRowNormSquared, largestRowNormSquared)
    }
}

/// The C entry points of the bounded pass for one precision.
protocol BoundedKMeansScalar: FusedKMeansScalar {
    static func _kmeansBoundedScratchCount(clusters: Int, features: Int) -> Int
    static func _kmeansBoundedAssign(
        _ x: UnsafePointer<Self>, rows: Int, features: Int, packed: UnsafePointer<Self>, clusters: Int,
        weights: UnsafePointer<Self>?, labels: UnsafeMutablePointer<Int32>, gaps: UnsafeMutablePointer<Float>,
        step: UnsafePointer<strata_kmeans_bounds_step>, sums: UnsafeMutablePointer<Double>?, sumChangesOnly: Bool,
        chunkSums: UnsafeMutablePointer<Self>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Self>, totals: UnsafeMutablePointer<strata_kmeans_bounds_totals>, portable: Bool)
}

extension Float: BoundedKMeansScalar {
    static func _kmeansBoundedScratchCount(clusters: Int, features: Int) -> Int {
        strata_kmeans_bounded_scratch_count_f32(clusters, features)
    }
    static func _kmeansBoundedAssign(
        _ x: UnsafePointer<Float>, rows: Int, features: Int, packed: UnsafePointer<Float>, clusters: Int,
        weights: UnsafePointer<Float>?, labels: UnsafeMutablePointer<Int32>, gaps: UnsafeMutablePointer<Float>,
        step: UnsafePointer<strata_kmeans_bounds_step>, sums: UnsafeMutablePointer<Double>?, sumChangesOnly: Bool,
        chunkSums: UnsafeMutablePointer<Float>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Float>, totals: UnsafeMutablePointer<strata_kmeans_bounds_totals>, portable: Bool
    ) {
        strata_kmeans_bounded_assign_f32(x, rows, features, packed, clusters, weights, labels, gaps, step, sums,
                                         sumChangesOnly ? 1 : 0, chunkSums, chunkRows, clusterWeights, scratch, totals,
                                         portable ? 1 : 0)
    }
}

extension Double: BoundedKMeansScalar {
    static func _kmeansBoundedScratchCount(clusters: Int, features: Int) -> Int {
        strata_kmeans_bounded_scratch_count_f64(clusters, features)
    }
    static func _kmeansBoundedAssign(
        _ x: UnsafePointer<Double>, rows: Int, features: Int, packed: UnsafePointer<Double>, clusters: Int,
        weights: UnsafePointer<Double>?, labels: UnsafeMutablePointer<Int32>, gaps: UnsafeMutablePointer<Float>,
        step: UnsafePointer<strata_kmeans_bounds_step>, sums: UnsafeMutablePointer<Double>?, sumChangesOnly: Bool,
        chunkSums: UnsafeMutablePointer<Double>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        scratch: UnsafeMutablePointer<Double>, totals: UnsafeMutablePointer<strata_kmeans_bounds_totals>, portable: Bool
    ) {
        strata_kmeans_bounded_assign_f64(x, rows, features, packed, clusters, weights, labels, gaps, step, sums,
                                         sumChangesOnly ? 1 : 0, chunkSums, chunkRows, clusterWeights, scratch, totals,
                                         portable ? 1 : 0)
    }
}

extension KMeansKernels {
    /// Whether ``boundedAssign(_:centers:sampleWeights:labels:bounds:accumulateSums:sumChangesOnly:workers:chunkRows:portable:)``
    /// reproduces the automatic assignment pass for this shape: it replays the fused kernel's arithmetic, so
    /// only where that kernel is the one ``assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``
    /// picks (GEMM's rounding depends on its blocking and cannot be replayed per row).
    package static func boundedAssignmentIsExact<S: BLASScalar>(_: S.Type, clusterCount k: Int, featureCount d: Int) -> Bool {
        fusedAssignmentIsFaster(S.self, clusterCount: k, featureCount: d)
    }

    /// A Lloyd assignment pass that skips the rows whose label is known from `bounds`: labels, sums, weights
    /// and ``KMeansAssignment/changedLabels`` equal those of the fused pass (``KMeansAssignmentKernel/fused``,
    /// the same `portable` choice, worker count and chunk rows) bit for bit; ``KMeansAssignment/inertiaWithoutRowNorms``
    /// is 0 (not computed). Updates `bounds` for the next pass, which must start from these labels.
    /// - Complexity: O(n) plus O(k·d) per computed row; every row is computed on the first pass of a run.
    package static func boundedAssign<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?, labels: DisjointWriteBuffer<Int32>,
        bounds: KMeansBounds, accumulateSums: Bool, sumChangesOnly: Bool = false, workers: Int, chunkRows: Int = 512,
        portable: Bool = false
    ) -> KMeansAssignment {
        if S.self == Float.self {
            return _boundedAssign(same(x) as Matrix<Float>, centers: same(centers), sampleWeights: same(sampleWeights),
                                  labels: labels, bounds: bounds, accumulateSums: accumulateSums,
                                  sumChangesOnly: sumChangesOnly, workers: workers, chunkRows: chunkRows, portable: portable)
        }
        if S.self == Double.self {
            return _boundedAssign(same(x) as Matrix<Double>, centers: same(centers), sampleWeights: same(sampleWeights),
                                  labels: labels, bounds: bounds, accumulateSums: accumulateSums,
                                  sumChangesOnly: sumChangesOnly, workers: workers, chunkRows: chunkRows, portable: portable)
        }
        preconditionFailure("boundedAssign: BLASScalar is Float or Double, got \(S.self)")
    }

    static func _boundedAssign<S: BoundedKMeansScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?, labels: DisjointWriteBuffer<Int32>,
        bounds: KMeansBounds, accumulateSums: Bool, sumChangesOnly: Bool, workers: Int, chunkRows: Int, portable: Bool
    ) -> KMeansAssignment {
        let (n, d, k) = (x.rows, x.columns, centers.rows)
        precondition(centers.columns == d && labels.count == n && bounds.gaps.count == n && k >= 1,
                     "boundedAssign: x \(n)x\(d), centers \(k)x\(centers.columns), labels \(labels.count), gaps \(bounds.gaps.count)")
        precondition(sampleWeights == nil || sampleWeights!.count == n, "boundedAssign: weights count")
        var packed = [S](repeating: 0, count: S._kmeansPackedCount(clusters: k, features: d))
        centers.elements.withUnsafeBufferPointer { pc in
            packed.withUnsafeMutableBufferPointer { pp in
                S._kmeansPack(pc.baseAddress!, clusters: k, features: d, into: pp.baseAddress!)
            }
        }
        let step = bounds.step(to: centers)
        let scratchCount = S._kmeansBoundedScratchCount(clusters: k, features: d)
        let sumCount = accumulateSums ? k * d : 0
        let partials = Parallel.map(rangesOf: n, workers: taskCount(workers)) {
            [packed] range -> (assignment: KMeansAssignment, computed: Int, largestNormSquared: Double) in
            var result = KMeansAssignment(weightedSums: Array(repeating: 0, count: sumCount),
                                          clusterWeights: Array(repeating: 0, count: k), inertiaWithoutRowNorms: 0,
                                          changedLabels: 0)
            var chunkSums = [S](repeating: 0, count: Swift.max(sumCount, 1))
            var scratch = [S](repeating: 0, count: scratchCount)
            var totals = strata_kmeans_bounds_totals(changed_labels: 0, computed_rows: 0, max_row_norm_squared: 0)
            var rangeStep = strata_kmeans_bounds_step(gap_shrink: nil, skip_threshold: step.threshold, kappa: step.kappa,
                                                      center_norm_max: step.centerNormMax,
                                                      absolute_margin: step.absoluteMargin)
            x.elements.withUnsafeBufferPointer { px in
            packed.withUnsafeBufferPointer { pp in
            step.shrink.withUnsafeBufferPointer { pshrink in
            chunkSums.withUnsafeMutableBufferPointer { pcs in
            scratch.withUnsafeMutableBufferPointer { pscratch in
            result.weightedSums.withUnsafeMutableBufferPointer { psums in
            result.clusterWeights.withUnsafeMutableBufferPointer { pweights in
            withRowWeights(sampleWeights, from: range.lowerBound) { rowWeights in
                rangeStep.gap_shrink = step.shrink.isEmpty ? nil : pshrink.baseAddress
                S._kmeansBoundedAssign(px.baseAddress! + range.lowerBound * d, rows: range.count, features: d,
                                       packed: pp.baseAddress!, clusters: k, weights: rowWeights,
                                       labels: labels.storage + range.lowerBound, gaps: bounds.gaps.storage + range.lowerBound,
                                       step: &rangeStep, sums: accumulateSums ? psums.baseAddress! : nil,
                                       sumChangesOnly: sumChangesOnly, chunkSums: accumulateSums ? pcs.baseAddress! : nil,
                                       chunkRows: chunkRows, clusterWeights: pweights.baseAddress!,
                                       scratch: pscratch.baseAddress!, totals: &totals, portable: portable)
            }}}}}}}}
            result.changedLabels = Int(totals.changed_labels)
            return (result, Int(totals.computed_rows), totals.max_row_norm_squared)
        }
        bounds.finish(centers: centers, computedRows: partials.reduce(0) { $0 + $1.computed },
                      largestRowNormSquared: partials.map(\.largestNormSquared).max() ?? 0)
        return reduce(partials.map(\.assignment), clusters: k, sumCount: sumCount)
    }
}
