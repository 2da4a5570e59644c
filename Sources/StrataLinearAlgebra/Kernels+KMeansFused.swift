import CStrataKernels

// The fused Lloyd assignment (C target `CStrataKernels`): distances from register tiles, the first minimum
// and the per-cluster sums in one pass over each row block, with no GEMM call and no packing of X. The
// GEMM path in Kernels+KMeans.swift stays for shapes where it is faster (see ``KMeansAssignmentKernel``).

/// Which implementation an assignment pass (``KMeansKernels/assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``) uses.
package enum KMeansAssignmentKernel: Sendable, Equatable {
    /// The fused kernel where it was measured faster than GEMM (``KMeansKernels/fusedAssignmentIsFaster(_:clusterCount:featureCount:)``), GEMM elsewhere.
    case automatic
    /// The fused kernel: `‖c‖² − 2 x·c` from register tiles, argmin and sums in the same pass.
    case fused
    /// Chunked GEMM blocks `‖c‖² − 2 C·Xᵀ` (one BLAS call per 512 rows), then argmin and sums.
    case gemm
}

/// The C entry points of the fused kernel for one precision.
protocol FusedKMeansScalar: BLASScalar {
    static func _kmeansPackedCount(clusters: Int, features: Int) -> Int
    static func _kmeansScratchCount(clusters: Int) -> Int
    static func _kmeansPack(_ centers: UnsafePointer<Self>, clusters: Int, features: Int, into packed: UnsafeMutablePointer<Self>)
    static func _kmeansAssign(
        _ x: UnsafePointer<Self>, rows: Int, features: Int, packed: UnsafePointer<Self>, clusters: Int,
        weights: UnsafePointer<Self>?, labels: UnsafeMutablePointer<Int32>, sums: UnsafeMutablePointer<Double>?,
        sumChangesOnly: Bool, chunkSums: UnsafeMutablePointer<Self>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        exactCenters: UnsafePointer<Self>?, scratch: UnsafeMutablePointer<Self>,
        totals: UnsafeMutablePointer<strata_kmeans_assign_totals>, portable: Bool)
    static func _kmeansExactInertia(
        _ x: UnsafePointer<Self>, rows: Int, features: Int, centers: UnsafePointer<Self>, labels: UnsafePointer<Int32>,
        weights: UnsafePointer<Self>?, portable: Bool) -> Double
    static func _firstNonFinite(_ values: UnsafePointer<Self>, count: Int) -> Int
}

extension Float: FusedKMeansScalar {
    static func _kmeansPackedCount(clusters: Int, features: Int) -> Int { strata_kmeans_packed_count_f32(clusters, features) }
    static func _kmeansScratchCount(clusters: Int) -> Int { strata_kmeans_scratch_count_f32(clusters) }
    static func _kmeansPack(_ centers: UnsafePointer<Float>, clusters: Int, features: Int, into packed: UnsafeMutablePointer<Float>) {
        strata_kmeans_pack_f32(centers, clusters, features, packed)
    }
    static func _kmeansAssign(
        _ x: UnsafePointer<Float>, rows: Int, features: Int, packed: UnsafePointer<Float>, clusters: Int,
        weights: UnsafePointer<Float>?, labels: UnsafeMutablePointer<Int32>, sums: UnsafeMutablePointer<Double>?,
        sumChangesOnly: Bool, chunkSums: UnsafeMutablePointer<Float>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        exactCenters: UnsafePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
        totals: UnsafeMutablePointer<strata_kmeans_assign_totals>, portable: Bool
    ) {
        strata_kmeans_assign_f32(x, rows, features, packed, clusters, weights, labels, sums, sumChangesOnly ? 1 : 0,
                                 chunkSums, chunkRows, clusterWeights, exactCenters, scratch, totals, portable ? 1 : 0)
    }
    static func _kmeansExactInertia(
        _ x: UnsafePointer<Float>, rows: Int, features: Int, centers: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>?, portable: Bool
    ) -> Double {
        strata_kmeans_exact_inertia_f32(x, rows, features, centers, labels, weights, portable ? 1 : 0)
    }
    static func _firstNonFinite(_ values: UnsafePointer<Float>, count: Int) -> Int { strata_first_nonfinite_f32(values, count) }
}

extension Double: FusedKMeansScalar {
    static func _kmeansPackedCount(clusters: Int, features: Int) -> Int { strata_kmeans_packed_count_f64(clusters, features) }
    static func _kmeansScratchCount(clusters: Int) -> Int { strata_kmeans_scratch_count_f64(clusters) }
    static func _kmeansPack(_ centers: UnsafePointer<Double>, clusters: Int, features: Int, into packed: UnsafeMutablePointer<Double>) {
        strata_kmeans_pack_f64(centers, clusters, features, packed)
    }
    static func _kmeansAssign(
        _ x: UnsafePointer<Double>, rows: Int, features: Int, packed: UnsafePointer<Double>, clusters: Int,
        weights: UnsafePointer<Double>?, labels: UnsafeMutablePointer<Int32>, sums: UnsafeMutablePointer<Double>?,
        sumChangesOnly: Bool, chunkSums: UnsafeMutablePointer<Double>?, chunkRows: Int, clusterWeights: UnsafeMutablePointer<Double>,
        exactCenters: UnsafePointer<Double>?, scratch: UnsafeMutablePointer<Double>,
        totals: UnsafeMutablePointer<strata_kmeans_assign_totals>, portable: Bool
    ) {
        strata_kmeans_assign_f64(x, rows, features, packed, clusters, weights, labels, sums, sumChangesOnly ? 1 : 0,
                                 chunkSums, chunkRows, clusterWeights, exactCenters, scratch, totals, portable ? 1 : 0)
    }
    static func _kmeansExactInertia(
        _ x: UnsafePointer<Double>, rows: Int, features: Int, centers: UnsafePointer<Double>, labels: UnsafePointer<Int32>,
        weights: UnsafePointer<Double>?, portable: Bool
    ) -> Double {
        strata_kmeans_exact_inertia_f64(x, rows, features, centers, labels, weights, portable ? 1 : 0)
    }
    static func _firstNonFinite(_ values: UnsafePointer<Double>, count: Int) -> Int { strata_first_nonfinite_f64(values, count) }
}

extension KMeansKernels {
    /// Whether the fused kernel beat chunked GEMM for `k` centers of `d` features of type `S` in the crossover
    /// measurement (release, 2 workers, one pass with sums over 128 MB of Float rows; `docs/kmeans.md`,
    /// "Assignment kernels"): Float up to `k·d = 16384` (packed centers of 64 KB: fused 1.04–1.96x faster,
    /// mixed above), Double up to `k·d = 1024` (1.1–2.1x faster; GEMM wins from 2048 on, where OpenBLAS's
    /// dgemm beats the 3-row double tiles).
    package static func fusedAssignmentIsFaster<S: BLASScalar>(_: S.Type, clusterCount k: Int, featureCount d: Int) -> Bool {
        let (size, overflow) = k.multipliedReportingOverflow(by: d)
        guard !overflow else { return false }
        return S.self == Float.self ? size <= 16384 : size <= 1024
    }

    /// True when the fused kernel runs its AVX2/FMA code on this CPU (false: the portable C loops).
    package static var fusedAssignmentUsesAVX2: Bool { strata_kernels_use_avx2() != 0 }

    /// The fused assignment pass: same contract as the GEMM pass (including `sumChangesOnly`) in ``assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``.
    /// With `exactInertia`, the same pass adds up the exact inertia of the new labels (one pass over X less
    /// than labelling and then calling ``_fusedExactInertia(_:centers:labels:sampleWeights:workers:)``, with
    /// the same sum). `portable` takes the C kernel's portable loops even on AVX2 CPUs (tests check both).
    static func _fusedAssign<S: FusedKMeansScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?,
        labels: DisjointWriteBuffer<Int32>, accumulateSums: Bool, sumChangesOnly: Bool = false,
        exactInertia: Bool = false, workers: Int, chunkRows: Int, portable: Bool = false
    ) -> KMeansAssignment {
        let (n, d, k) = (x.rows, x.columns, centers.rows)
        precondition(centers.columns == d && labels.count == n && k >= 1,
                     "assign: x \(n)x\(d), centers \(k)x\(centers.columns), labels \(labels.count)")
        precondition(sampleWeights == nil || sampleWeights!.count == n, "assign: weights count")
        var packed = [S](repeating: 0, count: S._kmeansPackedCount(clusters: k, features: d))
        centers.elements.withUnsafeBufferPointer { pc in
            packed.withUnsafeMutableBufferPointer { pp in
                S._kmeansPack(pc.baseAddress!, clusters: k, features: d, into: pp.baseAddress!)
            }
        }
        let scratchCount = S._kmeansScratchCount(clusters: k)
        let sumCount = accumulateSums ? k * d : 0
        let partials = Parallel.map(rangesOf: n, workers: taskCount(workers)) { [packed] range -> KMeansAssignment in
            var result = KMeansAssignment(weightedSums: Array(repeating: 0, count: sumCount),
                                          clusterWeights: Array(repeating: 0, count: k), inertiaWithoutRowNorms: 0,
                                          changedLabels: 0)
            var chunkSums = [S](repeating: 0, count: Swift.max(sumCount, 1))
            var scratch = [S](repeating: 0, count: scratchCount)
            var totals = strata_kmeans_assign_totals(inertia_without_row_norms: 0, changed_labels: 0, exact_inertia: 0)
            let labelStorage = labels.storage + range.lowerBound
            x.elements.withUnsafeBufferPointer { px in
            centers.elements.withUnsafeBufferPointer { pc in
            packed.withUnsafeBufferPointer { pp in
            chunkSums.withUnsafeMutableBufferPointer { pcs in
            scratch.withUnsafeMutableBufferPointer { pscratch in
            result.weightedSums.withUnsafeMutableBufferPointer { psums in
            result.clusterWeights.withUnsafeMutableBufferPointer { pweights in
            withRowWeights(sampleWeights, from: range.lowerBound) { rowWeights in
                S._kmeansAssign(px.baseAddress! + range.lowerBound * d, rows: range.count, features: d,
                                packed: pp.baseAddress!, clusters: k, weights: rowWeights, labels: labelStorage,
                                sums: accumulateSums ? psums.baseAddress! : nil, sumChangesOnly: sumChangesOnly,
                                chunkSums: accumulateSums ? pcs.baseAddress! : nil, chunkRows: chunkRows,
                                clusterWeights: pweights.baseAddress!, exactCenters: exactInertia ? pc.baseAddress! : nil,
                                scratch: pscratch.baseAddress!, totals: &totals, portable: portable)
            }}}}}}}}
            result.inertiaWithoutRowNorms = totals.inertia_without_row_norms
            result.changedLabels = Int(totals.changed_labels)
            if exactInertia { result.exactInertia = totals.exact_inertia }
            return result
        }
        return reduce(partials, clusters: k, sumCount: sumCount)
    }

    /// `Σ wᵢ ‖xᵢ − c_{labelᵢ}‖²` computed directly (not through `‖c‖² − 2x·c`), in vector lanes per row.
    static func _fusedExactInertia<S: FusedKMeansScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>, sampleWeights: [S]?, workers: Int
    ) -> Double {
        let d = x.columns
        precondition(centers.columns == d && labels.count == x.rows, "exactInertia: shapes")
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> Double in
            x.elements.withUnsafeBufferPointer { px in
                centers.elements.withUnsafeBufferPointer { pc in
                    var inertia = 0.0
                    withRowWeights(sampleWeights, from: range.lowerBound) { rowWeights in
                        inertia = S._kmeansExactInertia(px.baseAddress! + range.lowerBound * d, rows: range.count,
                                                        features: d, centers: pc.baseAddress!,
                                                        labels: labels.storage + range.lowerBound, weights: rowWeights,
                                                        portable: false)
                    }
                    return inertia
                }
            }
        }
        return parts.reduce(0, +)
    }

    /// The first NaN or infinite element as `(row, column)`, from vectorized blocks of the elements.
    static func _fusedFirstNonFinite<S: FusedKMeansScalar>(_ x: Matrix<S>, workers: Int) -> (row: Int, column: Int)? {
        let d = x.columns
        let found = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> Int? in
            x.elements.withUnsafeBufferPointer { px in
                let index = S._firstNonFinite(px.baseAddress! + range.lowerBound * d, count: range.count * d)
                return index < 0 ? nil : range.lowerBound * d + index
            }
        }
        guard let index = found.lazy.compactMap({ $0 }).first else { return nil }
        return (index / d, index % d)
    }

    /// Calls `body` with a pointer to `weights[start...]`, or nil when there are no weights.
    static func withRowWeights<S>(_ weights: [S]?, from start: Int, _ body: (UnsafePointer<S>?) -> Void) {
        guard let weights else { return body(nil) }
        weights.withUnsafeBufferPointer { body($0.baseAddress! + start) }
    }

    /// The partial results of the row ranges added in range order (reproducible for a worker count).
    static func reduce(_ partials: [KMeansAssignment], clusters k: Int, sumCount: Int) -> KMeansAssignment {
        var total = KMeansAssignment(weightedSums: Array(repeating: 0, count: sumCount),
                                     clusterWeights: Array(repeating: 0, count: k), inertiaWithoutRowNorms: 0, changedLabels: 0)
        for partial in partials {
            for index in total.weightedSums.indices { total.weightedSums[index] += partial.weightedSums[index] }
            for j in 0..<k { total.clusterWeights[j] += partial.clusterWeights[j] }
            total.inertiaWithoutRowNorms += partial.inertiaWithoutRowNorms
            total.changedLabels += partial.changedLabels
            if let exact = partial.exactInertia { total.exactInertia = (total.exactInertia ?? 0) + exact }
        }
        return total
    }
}
