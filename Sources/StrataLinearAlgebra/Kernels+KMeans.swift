import CStrataBLAS

// Fused pointer kernels for k-means and the cluster metrics (StrataModels' KMeans*, Cluster* files).
//
// Every pass over the rows is split with `Parallel.map(rangesOf:workers:)`; each worker walks its rows in
// chunks, calls BLAS with one thread (the caller wraps the pass in `BLAS.withThreadCount(1)`), keeps its
// partial sums in small private buffers, and the partials are reduced in worker order, so results depend
// only on the data and the worker count.

/// A fixed-size buffer that parallel workers write in disjoint index ranges (labels, closest distances).
///
/// Reads and writes through the subscript are for one thread at a time; the kernels in ``KMeansKernels``
/// write it from several workers, each only inside its own row range.
package final class DisjointWriteBuffer<Element: Sendable>: @unchecked Sendable {
    /// The number of elements.
    package let count: Int
    let storage: UnsafeMutablePointer<Element>
    /// False for a buffer viewing an array's storage (``makeArray(repeating:count:_:)``).
    private let ownsStorage: Bool

    /// A buffer of `count` copies of `value`.
    package init(repeating value: Element, count: Int) {
        precondition(count >= 0, "DisjointWriteBuffer count must be non-negative, got \(count)")
        self.count = count
        storage = .allocate(capacity: Swift.max(count, 1))
        storage.initialize(repeating: value, count: count)
        ownsStorage = true
    }

    private init(viewing storage: UnsafeMutablePointer<Element>, count: Int) {
        self.count = count
        self.storage = storage
        ownsStorage = false
    }

    deinit {
        guard ownsStorage else { return }
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// An array of `count` copies of `value` that `body` writes through a buffer viewing the array's own
    /// storage, so a fit's labels need no second copy at the end (peak memory). The buffer must not be
    /// used after `body` returns.
    package static func makeArray(repeating value: Element, count: Int,
                                 _ body: (DisjointWriteBuffer<Element>) -> Void) -> [Element] {
        precondition(count >= 0, "DisjointWriteBuffer count must be non-negative, got \(count)")
        guard count > 0 else {
            body(DisjointWriteBuffer(repeating: value, count: 0))
            return []
        }
        return [Element](unsafeUninitializedCapacity: count) { elements, initialized in
            elements.initialize(repeating: value)
            initialized = count
            body(DisjointWriteBuffer(viewing: elements.baseAddress!, count: count))
        }
    }

    /// Element `index`.
    package subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "index \(index) outside 0..<\(count)")
            return storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "index \(index) outside 0..<\(count)")
            storage[index] = newValue
        }
    }

    /// The elements, copied into an array.
    package func toArray() -> [Element] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// The elements converted by `transform`, without an intermediate copy.
    package func map<T>(_ transform: (Element) -> T) -> [T] {
        UnsafeBufferPointer(start: storage, count: count).map(transform)
    }

    /// Sets every element to `value`.
    package func fill(_ value: Element) { storage.update(repeating: value, count: count) }
}

/// The result of one assignment pass over all rows (see ``KMeansKernels/assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``).
package struct KMeansAssignment: Sendable {
    /// Row-major `k×d`: for each cluster, `Σ wᵢ xᵢ` over the rows assigned to it (zero when not accumulated;
    /// with `sumChangesOnly`: the change of it).
    package var weightedSums: [Double]
    /// For each cluster, `Σ wᵢ` over its rows (with `sumChangesOnly`: the change of it).
    package var clusterWeights: [Double]
    /// `Σ wᵢ (‖c‖² − 2 xᵢ·c)` for each row's nearest center `c`: the inertia of the assignment minus the
    /// constant `Σ wᵢ ‖xᵢ‖²` (see ``KMeansKernels/weightedSquaredNormSum(_:sampleWeights:workers:)``).
    package var inertiaWithoutRowNorms: Double
    /// How many rows got a label different from the one the buffer held before the pass.
    package var changedLabels: Int
    /// `Σ wᵢ ‖xᵢ − c_{labelᵢ}‖²` for the new labels, computed directly, when the pass was asked for it
    /// (as ``KMeansKernels/exactInertia(_:centers:labels:sampleWeights:workers:)`` would give).
    package var exactInertia: Double? = nil
}

/// Pointer kernels behind k-means and the cluster metrics. Shapes are preconditions: the model code checks
/// user input before calling.
package enum KMeansKernels {
    /// `‖xᵢ‖²` for every row.
    /// - Complexity: O(n·d), split across `workers`.
    static func _rowSquaredNorms<S: BLASScalar>(_ x: Matrix<S>, workers: Int) -> [S] {
        let d = x.columns
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> [S] in
            x.elements.withUnsafeBufferPointer { px in
                range.map { i in dotProduct(px.baseAddress! + i &* d, px.baseAddress! + i &* d, count: d) }
            }
        }
        return Array(parts.joined())
    }

    /// `Σ wᵢ ‖xᵢ‖²` in `Double`: the part of the inertia that does not depend on the centers.
    static func _weightedSquaredNormSum<S: BLASScalar>(_ x: Matrix<S>, sampleWeights: [S]?, workers: Int) -> Double {
        let d = x.columns
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> Double in
            x.elements.withUnsafeBufferPointer { px in
                var total = 0.0
                for i in range {
                    let row = px.baseAddress! + i &* d
                    total += Double(dotProduct(row, row, count: d) * (sampleWeights?[i] ?? 1))
                }
                return total
            }
        }
        return parts.reduce(0, +)
    }

    /// Column means and population variances (`np.var(X, axis=0)`), accumulated in `Double` around the
    /// first row (a shift that keeps the one-pass formula `E[(x−s)²] − E[x−s]²` accurate).
    static func _columnMeansAndVariances<S: BLASScalar>(_ x: Matrix<S>, workers: Int) -> (means: [Double], variances: [Double]) {
        let (n, d) = (x.rows, x.columns)
        guard n > 0 else { return (Array(repeating: 0, count: d), Array(repeating: 0, count: d)) }
        let shift = (0..<d).map { Double(x.elements[$0]) }
        let parts = Parallel.map(rangesOf: n, workers: taskCount(workers)) { range -> [Double] in
            var sums = [Double](repeating: 0, count: 2 * d)
            x.elements.withUnsafeBufferPointer { px in
                sums.withUnsafeMutableBufferPointer { ps in
                    for i in range {
                        let row = px.baseAddress! + i * d
                        for j in 0..<d {
                            let centered = Double(row[j]) - shift[j]
                            ps[j] += centered
                            ps[d + j] += centered * centered
                        }
                    }
                }
            }
            return sums
        }
        var sums = [Double](repeating: 0, count: 2 * d)
        for part in parts { for j in 0..<(2 * d) { sums[j] += part[j] } }
        let count = Double(n)
        let means = (0..<d).map { shift[$0] + sums[$0] / count }
        let variances = (0..<d).map { Swift.max(sums[d + $0] / count - (sums[$0] / count) * (sums[$0] / count), 0) }
        return (means, variances)
    }

    /// One Lloyd assignment pass: each row gets the label of its nearest center, written into `labels`, and
    /// (when `accumulateSums`) its weighted coordinates are added to that cluster's sums.
    ///
    /// Per chunk of `chunkRows` rows it computes the `k×rows` block `‖c‖² − 2 C·Xᵀ` with one GEMM (the block
    /// is prefilled with the center norms, then `alpha = −2, beta = 1`, as scikit-learn), takes the first
    /// minimum of each column (ties go to the lower center index), and sums `w · minimum`; the caller adds
    /// the constant `Σ w‖x‖²` for the inertia.
    /// - Parameters:
    ///   - x: `n×d` rows.
    ///   - centers: `k×d`.
    ///   - sampleWeights: `n` weights, or nil for all ones.
    ///   - labels: `n` labels, overwritten; the previous values count ``KMeansAssignment/changedLabels``.
    ///   - sumChangesOnly: the sums hold only the changes from the previous labels (see ``assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``).
    ///   - workers: the degree of parallelism (see ``taskCount(_:)``).
    /// - Complexity: O(n·k·d) in GEMM plus O(n·(k + d)).
    static func _gemmAssign<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?,
        labels: DisjointWriteBuffer<Int32>, accumulateSums: Bool, sumChangesOnly: Bool = false, workers: Int,
        chunkRows: Int = 512
    ) -> KMeansAssignment {
        let (n, d, k) = (x.rows, x.columns, centers.rows)
        precondition(centers.columns == d && labels.count == n && k >= 1,
                     "assign: x \(n)x\(d), centers \(k)x\(centers.columns), labels \(labels.count)")
        precondition(sampleWeights == nil || sampleWeights!.count == n, "assign: weights count")
        let centerNorms = squaredNorms(of: centers)
        let chunk = Swift.max(1, chunkRows)
        let partials = Parallel.map(rangesOf: n, workers: taskCount(workers)) { range -> KMeansAssignment in
            var result = KMeansAssignment(weightedSums: Array(repeating: 0, count: accumulateSums ? k * d : 0),
                                          clusterWeights: Array(repeating: 0, count: k), inertiaWithoutRowNorms: 0, changedLabels: 0)
            var block = [S](repeating: 0, count: chunk * k)
            var bestValues = [S](repeating: 0, count: chunk)
            var bestIndices = [Int32](repeating: 0, count: chunk)
            var chunkSums = [S](repeating: 0, count: accumulateSums ? k * d : 0)
            let labelStorage = labels.storage
            centerNorms.withUnsafeBufferPointer { pnorms in
            x.elements.withUnsafeBufferPointer { px in
            centers.elements.withUnsafeBufferPointer { pc in
            block.withUnsafeMutableBufferPointer { pb in
            bestValues.withUnsafeMutableBufferPointer { pbv in
            bestIndices.withUnsafeMutableBufferPointer { pbi in
            chunkSums.withUnsafeMutableBufferPointer { pcs in
            result.weightedSums.withUnsafeMutableBufferPointer { psums in
                let (xBase, blockBase, normsBase) = (px.baseAddress!, pb.baseAddress!, pnorms.baseAddress!)
                let (bestValueBase, bestIndexBase) = (pbv.baseAddress!, pbi.baseAddress!)
                var start = range.lowerBound
                while start < range.upperBound {
                    let rows = Swift.min(chunk, range.upperBound - start)
                    // The block is k×rows (one row per center, prefilled with that center's ‖c‖², which is
                    // cheaper than BLAS's own pass for beta = 0), so the argmin runs down columns.
                    for j in 0..<k { (blockBase + j &* rows).update(repeating: normsBase[j], count: rows) }
                    S._gemm(CblasNoTrans, CblasTrans, Int32(k), Int32(rows), Int32(d), -2, pc.baseAddress, Int32(d),
                            xBase + start &* d, Int32(d), 1, blockBase, Int32(rows))
                    nearestInColumns(blockBase, rows: rows, centers: k, bestValue: bestValueBase, bestIndex: bestIndexBase)
                    for r in 0..<rows {
                        let best = Int(bestIndexBase[r]), i = start &+ r
                        let previous = Int(labelStorage[i])
                        let weight = sampleWeights?[i] ?? 1
                        if previous != best {
                            result.changedLabels &+= 1
                            if accumulateSums && sumChangesOnly {
                                // Only a moved row touches the Double sums and weights: out of its old
                                // cluster, into the new.
                                let row = xBase + i &* d, to = psums.baseAddress! + best &* d
                                if previous >= 0 && previous < k {
                                    let from = psums.baseAddress! + previous &* d
                                    for j in 0..<d { from[j] -= Double(weight) * Double(row[j]) }
                                    result.clusterWeights[previous] -= Double(weight)
                                }
                                for j in 0..<d { to[j] += Double(weight) * Double(row[j]) }
                                result.clusterWeights[best] += Double(weight)
                            }
                        }
                        labelStorage[i] = bestIndexBase[r]
                        result.inertiaWithoutRowNorms += Double(weight * bestValueBase[r])
                        if !(accumulateSums && sumChangesOnly) { result.clusterWeights[best] += Double(weight) }
                        if accumulateSums && !sumChangesOnly {
                            let row = xBase + i &* d, sums = pcs.baseAddress! + best &* d
                            for j in 0..<d { sums[j] += weight * row[j] }
                        }
                    }
                    if accumulateSums && !sumChangesOnly {
                        // Fold the chunk's sums into Double so long runs of Float additions stay accurate.
                        for index in 0..<(k * d) {
                            psums[index] += Double(pcs[index])
                            pcs[index] = 0
                        }
                    }
                    start += rows
                }
            }}}}}}}}
            return result
        }
        return reduce(partials, clusters: k, sumCount: accumulateSums ? k * d : 0)
    }

    /// `Σ wᵢ ‖xᵢ − c_{labelᵢ}‖²` computed directly (not through the GEMM form), as scikit-learn's final inertia.
    static func _exactInertia<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>, sampleWeights: [S]?, workers: Int
    ) -> Double {
        let d = x.columns
        precondition(centers.columns == d && labels.count == x.rows, "exactInertia: shapes")
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> Double in
            let labelStorage = labels.storage
            return x.elements.withUnsafeBufferPointer { px in
                centers.elements.withUnsafeBufferPointer { pc in
                    var inertia = 0.0
                    for i in range {
                        let row = px.baseAddress! + i * d, center = pc.baseAddress! + Int(labelStorage[i]) * d
                        var squared: S = 0
                        for j in 0..<d { let diff = row[j] - center[j]; squared += diff * diff }
                        inertia += Double(squared * (sampleWeights?[i] ?? 1))
                    }
                    return inertia
                }
            }
        }
        return parts.reduce(0, +)
    }

    /// `‖xᵢ − c_{labelᵢ}‖²` for every row, computed directly; `labels` are indices into `centers`' rows.
    static func _squaredDistancesToAssignedCenters<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, labels: [Int], workers: Int
    ) -> [Double] {
        let d = x.columns
        precondition(centers.columns == d && labels.count == x.rows, "squaredDistancesToAssignedCenters: shapes")
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> [Double] in
            x.elements.withUnsafeBufferPointer { px in
                centers.elements.withUnsafeBufferPointer { pc in
                    range.map { i in
                        let row = px.baseAddress! + i * d, center = pc.baseAddress! + labels[i] * d
                        var squared = 0.0
                        for j in 0..<d { let diff = Double(row[j]) - Double(center[j]); squared += diff * diff }
                        return squared
                    }
                }
            }
        }
        return Array(parts.joined())
    }

    /// For each cluster, the sum of its rows (row-major `k×d`, in `Double`) and its row count.
    static func _clusterSums<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], clusterCount k: Int, workers: Int
    ) -> (sums: [Double], counts: [Int]) {
        let d = x.columns
        precondition(labels.count == x.rows && labels.allSatisfy { (0..<k).contains($0) }, "clusterSums: labels")
        let parts = Parallel.map(rangesOf: x.rows, workers: taskCount(workers)) { range -> ([Double], [Int]) in
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            x.elements.withUnsafeBufferPointer { px in
                sums.withUnsafeMutableBufferPointer { ps in
                    for i in range {
                        let row = px.baseAddress! + i * d, target = ps.baseAddress! + labels[i] * d
                        for j in 0..<d { target[j] += Double(row[j]) }
                        counts[labels[i]] += 1
                    }
                }
            }
            return (sums, counts)
        }
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for (partSums, partCounts) in parts {
            for index in sums.indices { sums[index] += partSums[index] }
            for j in 0..<k { counts[j] += partCounts[j] }
        }
        return (sums, counts)
    }

    // MARK: k-means++ seeding: Kernels+KMeansSeeding.swift

    // MARK: Mini-batch

    /// Labels and squared distances (GEMM form, clipped at zero) of the rows `rowIndices` to `centers`.
    static func _nearestCenters<S: BLASScalar>(
        _ x: Matrix<S>, rowIndices: [Int], centers: Matrix<S>
    ) -> (labels: [Int], squaredDistances: [S]) {
        let (d, k, m) = (x.columns, centers.rows, rowIndices.count)
        precondition(centers.columns == d && k >= 1, "nearestCenters: shapes")
        var batch = [S](repeating: 0, count: m * d)
        var block = [S](repeating: 0, count: m * k)
        let centerNorms = squaredNorms(of: centers)
        x.elements.withUnsafeBufferPointer { px in
            batch.withUnsafeMutableBufferPointer { pbatch in
                for (r, i) in rowIndices.enumerated() {
                    (pbatch.baseAddress! + r * d).update(from: px.baseAddress! + i * d, count: d)
                }
            }
        }
        for r in 0..<m { for j in 0..<k { block[r * k + j] = centerNorms[j] } }
        batch.withUnsafeBufferPointer { pbatch in
            centers.elements.withUnsafeBufferPointer { pc in
                block.withUnsafeMutableBufferPointer { pb in
                    S._gemm(CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(d), -2, pbatch.baseAddress, Int32(d),
                            pc.baseAddress, Int32(d), 1, pb.baseAddress, Int32(k))
                }
            }
        }
        var labels = [Int](repeating: 0, count: m)
        var distances = [S](repeating: 0, count: m)
        for r in 0..<m {
            var best = 0
            for j in 1..<k where block[r * k + j] < block[r * k + best] { best = j }
            labels[r] = best
            var rowNorm: S = 0
            for j in 0..<d { rowNorm += batch[r * d + j] * batch[r * d + j] }
            distances[r] = Swift.max(block[r * k + best] + rowNorm, 0)
        }
        return (labels, distances)
    }

    // MARK: Silhouette

    /// For each labeling, for every row `i` and cluster `c`, `Σ_{j: label j = c} ‖xᵢ − xⱼ‖` (row-major `n×k`,
    /// `Double`, `k` that labeling's cluster count).
    ///
    /// Distances come from GEMM blocks `‖xᵢ‖² − 2 xᵢ·xⱼ + ‖xⱼ‖²`, clipped at zero, with the diagonal set to
    /// exactly zero, then square-rooted, as scikit-learn's `pairwise_distances`, once for all labelings: choosing
    /// k measures nine labelings of the same rows, and the distances were most of each one's cost. A row's
    /// distances to one cluster are then summed in the cluster's row order through an index of its rows, in
    /// four independent lanes: adding each distance into its label's slot made every add wait on the one
    /// before through memory.
    /// - Complexity: O(n²·d) in GEMM and O(n²) square roots once, O(n²) additions per labeling; memory
    ///   O(n·(Σk + d)) plus one block per worker.
    static func _clusterDistanceSums<S: BLASScalar>(
        _ x: Matrix<S>, labelings: [[Int]], clusterCounts: [Int], workers: Int
    ) -> [[Double]] {
        let n = x.rows
        precondition(labelings.count == clusterCounts.count, "clusterDistanceSums: one cluster count per labeling")
        // Each labeling's rows grouped by cluster: cluster c's rows at positions starts[c]..<starts[c + 1] of
        // `rowAt`, in row order.
        let groupings = zip(labelings, clusterCounts).map { labels, k -> (starts: [Int], rowAt: [Int32]) in
            precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) }, "clusterDistanceSums: labels")
            var counts = [Int](repeating: 0, count: k + 1)
            for label in labels { counts[label + 1] += 1 }
            for cluster in 0..<k { counts[cluster + 1] += counts[cluster] }
            var rowAt = [Int32](repeating: 0, count: n), next = counts
            for (row, label) in labels.enumerated() {
                rowAt[next[label]] = Int32(row)
                next[label] += 1
            }
            return (counts, rowAt)
        }
        let norms = rowSquaredNorms(x, workers: 1)
        let chunk = Swift.max(1, Swift.min(256, (1 << 20) / Swift.max(n, 1)))
        let parts = Parallel.map(rangesOf: n, workers: taskCount(workers)) { range -> [[Double]] in
            var sums = clusterCounts.map { [Double](repeating: 0, count: range.count * $0) }
            var block = [S](repeating: 0, count: chunk * n)
            x.elements.withUnsafeBufferPointer { px in
            block.withUnsafeMutableBufferPointer { pb in
                let d = x.columns
                var start = range.lowerBound
                while start < range.upperBound {
                    let rows = Swift.min(chunk, range.upperBound - start)
                    S._gemm(CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d), -2, px.baseAddress! + start * d,
                            Int32(d), px.baseAddress, Int32(d), 0, pb.baseAddress, Int32(n))
                    for r in 0..<rows {
                        let i = start + r, normI = norms[i]
                        let distances = pb.baseAddress! + r * n
                        for j in 0..<n { distances[j] = Swift.max(distances[j] + normI + norms[j], 0).squareRoot() }
                        distances[i] = 0
                        for (labeling, grouping) in groupings.enumerated() {
                            let k = clusterCounts[labeling], out = (i - range.lowerBound) * k
                            grouping.rowAt.withUnsafeBufferPointer { rowAt in
                                for cluster in 0..<k {
                                    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                                    var p = grouping.starts[cluster]
                                    let end = grouping.starts[cluster + 1]
                                    while p &+ 4 <= end {
                                        s0 += Double(distances[Int(rowAt[p])])
                                        s1 += Double(distances[Int(rowAt[p &+ 1])])
                                        s2 += Double(distances[Int(rowAt[p &+ 2])])
                                        s3 += Double(distances[Int(rowAt[p &+ 3])])
                                        p &+= 4
                                    }
                                    while p < end {
                                        s0 += Double(distances[Int(rowAt[p])])
                                        p &+= 1
                                    }
                                    sums[labeling][out + cluster] = (s0 + s1) + (s2 + s3)
                                }
                            }
                        }
                    }
                    start += rows
                }
            }}
            return sums
        }
        return clusterCounts.indices.map { labeling in Array(parts.map { $0[labeling] }.joined()) }
    }

    /// For each column `r` of a `centers×rows` block holding `‖c‖² − 2 x·c`, the first row `j` minimizing
    /// `block[j, r]` (into `bestIndex[r]`) and that minimum (into `bestValue[r]`).
    ///
    /// Eight columns are carried at once in registers: eight independent compare chains per center keep the
    /// core busy where one chain would wait on each compare (about 3x faster than a column-at-a-time scan).
    /// The earliest center wins ties, as a scalar scan with strict `<`.
    @inline(__always)
    static func nearestInColumns<S: BLASScalar>(
        _ block: UnsafeMutablePointer<S>, rows: Int, centers k: Int,
        bestValue: UnsafeMutablePointer<S>, bestIndex: UnsafeMutablePointer<Int32>
    ) {
        var r = 0
        while r &+ 8 <= rows {
            let first = block + r
            var (v0, v1, v2, v3, v4, v5, v6, v7) = (first[0], first[1], first[2], first[3], first[4], first[5], first[6], first[7])
            var (i0, i1, i2, i3, i4, i5, i6, i7): (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0, 0, 0)
            var j = 1
            while j < k {
                let column = block + (j &* rows &+ r), center = Int32(truncatingIfNeeded: j)
                if column[0] < v0 { v0 = column[0]; i0 = center }
                if column[1] < v1 { v1 = column[1]; i1 = center }
                if column[2] < v2 { v2 = column[2]; i2 = center }
                if column[3] < v3 { v3 = column[3]; i3 = center }
                if column[4] < v4 { v4 = column[4]; i4 = center }
                if column[5] < v5 { v5 = column[5]; i5 = center }
                if column[6] < v6 { v6 = column[6]; i6 = center }
                if column[7] < v7 { v7 = column[7]; i7 = center }
                j &+= 1
            }
            let values = bestValue + r, indices = bestIndex + r
            (values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7]) = (v0, v1, v2, v3, v4, v5, v6, v7)
            (indices[0], indices[1], indices[2], indices[3], indices[4], indices[5], indices[6], indices[7]) = (i0, i1, i2, i3, i4, i5, i6, i7)
            r &+= 8
        }
        while r < rows {
            var value = block[r], index: Int32 = 0
            for j in 1..<Swift.max(k, 1) where block[j &* rows &+ r] < value {
                value = block[j &* rows &+ r]
                index = Int32(truncatingIfNeeded: j)
            }
            bestValue[r] = value
            bestIndex[r] = index
            r &+= 1
        }
    }

    /// `Σ a[j]·b[j]` over `count` elements with four running sums, so the additions do not wait on each
    /// other (a single running sum is bound by the latency of each add).
    @inline(__always)
    static func dotProduct<S: BLASScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, count: Int) -> S {
        var (s0, s1, s2, s3): (S, S, S, S) = (0, 0, 0, 0)
        var j = 0
        while j &+ 4 <= count {
            s0 += a[j] * b[j]
            s1 += a[j &+ 1] * b[j &+ 1]
            s2 += a[j &+ 2] * b[j &+ 2]
            s3 += a[j &+ 3] * b[j &+ 3]
            j &+= 4
        }
        while j < count {
            s0 += a[j] * b[j]
            j &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// How many row ranges a pass over the rows is split into for `workers` concurrent workers: four per
    /// worker, so a worker the operating system pauses (other processes, other work) holds up at most a
    /// quarter of its share while the others take the remaining ranges. Depends only on `workers`, so
    /// reductions in range order stay reproducible for a worker count.
    static func taskCount(_ workers: Int) -> Int { workers <= 1 ? 1 : 4 * workers }

    private static func squaredNorms<S: BLASScalar>(of matrix: Matrix<S>) -> [S] {
        (0..<matrix.rows).map { i in matrix.row(i).reduce(0) { $0 + $1 * $1 } }
    }
}

// MARK: - Entry points

// Each public kernel calls its implementation above with a concrete `Float` or `Double` (the only
// `BLASScalar`s), so the optimizer compiles the loops for that type instead of through generic witnesses,
// whatever module the generic caller lives in. The casts are identities: they only run when `S` is that type.
extension KMeansKernels {
    /// `‖xᵢ‖²` for every row. O(n·d), split across `workers`.
    package static func rowSquaredNorms<S: BLASScalar>(_ x: Matrix<S>, workers: Int) -> [S] {
        if S.self == Float.self { return same(_rowSquaredNorms(same(x) as Matrix<Float>, workers: workers)) }
        if S.self == Double.self { return same(_rowSquaredNorms(same(x) as Matrix<Double>, workers: workers)) }
        return _rowSquaredNorms(x, workers: workers)
    }

    /// `Σ wᵢ ‖xᵢ‖²` in `Double`: the part of the inertia that does not depend on the centers.
    package static func weightedSquaredNormSum<S: BLASScalar>(_ x: Matrix<S>, sampleWeights: [S]?, workers: Int) -> Double {
        if S.self == Float.self {
            return _weightedSquaredNormSum(same(x) as Matrix<Float>, sampleWeights: same(sampleWeights), workers: workers)
        }
        if S.self == Double.self {
            return _weightedSquaredNormSum(same(x) as Matrix<Double>, sampleWeights: same(sampleWeights), workers: workers)
        }
        return _weightedSquaredNormSum(x, sampleWeights: sampleWeights, workers: workers)
    }

    /// The first NaN or infinite element as `(row, column)`, or nil when all are finite.
    package static func firstNonFinite<S: BLASScalar>(_ x: Matrix<S>, workers: Int) -> (row: Int, column: Int)? {
        if S.self == Float.self { return _fusedFirstNonFinite(same(x) as Matrix<Float>, workers: workers) }
        if S.self == Double.self { return _fusedFirstNonFinite(same(x) as Matrix<Double>, workers: workers) }
        preconditionFailure("firstNonFinite: BLASScalar is Float or Double, got \(S.self)")
    }

    /// Column means and population variances (`np.var(X, axis=0)`), accumulated in `Double`.
    package static func columnMeansAndVariances<S: BLASScalar>(_ x: Matrix<S>, workers: Int) -> (means: [Double], variances: [Double]) {
        if S.self == Float.self { return _columnMeansAndVariances(same(x) as Matrix<Float>, workers: workers) }
        if S.self == Double.self { return _columnMeansAndVariances(same(x) as Matrix<Double>, workers: workers) }
        return _columnMeansAndVariances(x, workers: workers)
    }

    /// One Lloyd assignment pass: each row gets the label of its nearest center by `‖c‖² − 2 x·c` (the
    /// first minimum: ties go to the lower center index), written into `labels`, and (when
    /// `accumulateSums`) per-cluster weighted sums, reduced in worker order. `kernel` picks the fused
    /// kernel or chunked GEMM blocks `‖c‖² − 2 X·Cᵀ` (``KMeansAssignmentKernel``); both give the labels of
    /// the same distances up to rounding. O(n·k·d) plus O(n·(k + d)).
    ///
    /// With `sumChangesOnly` (and `accumulateSums`), ``KMeansAssignment/weightedSums`` and
    /// ``KMeansAssignment/clusterWeights`` hold only what an incremental update adds to the sums and weights
    /// of the labels `labels` held before the pass: for each row whose label changed, `−w·x` and `−w` in its
    /// old cluster (none when the old label is outside `0..<k`, e.g. `-1`) and `+w·x` and `+w` in its new
    /// one, in Double. Rows that keep their label cost no additions, so a pass in which few labels change
    /// costs little more than its distances.
    ///
    /// With `exactInertia`, ``KMeansAssignment/exactInertia`` is `Σ wᵢ ‖xᵢ − c_{labelᵢ}‖²` for the new labels,
    /// equal to ``exactInertia(_:centers:labels:sampleWeights:workers:)`` after the pass; the fused kernel adds
    /// it up in the same pass over X.
    package static func assign<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?,
        labels: DisjointWriteBuffer<Int32>, accumulateSums: Bool, sumChangesOnly: Bool = false,
        exactInertia: Bool = false, workers: Int, chunkRows: Int = 512, kernel: KMeansAssignmentKernel = .automatic
    ) -> KMeansAssignment {
        let fused = switch kernel {
        case .automatic: fusedAssignmentIsFaster(S.self, clusterCount: centers.rows, featureCount: x.columns)
        case .fused: true
        case .gemm: false
        }
        if S.self == Float.self {
            return assign(same(x) as Matrix<Float>, centers: same(centers), sampleWeights: same(sampleWeights),
                          labels: labels, accumulateSums: accumulateSums, sumChangesOnly: sumChangesOnly,
                          exactInertia: exactInertia, workers: workers, chunkRows: chunkRows, fused: fused)
        }
        if S.self == Double.self {
            return assign(same(x) as Matrix<Double>, centers: same(centers), sampleWeights: same(sampleWeights),
                          labels: labels, accumulateSums: accumulateSums, sumChangesOnly: sumChangesOnly,
                          exactInertia: exactInertia, workers: workers, chunkRows: chunkRows, fused: fused)
        }
        preconditionFailure("assign: BLASScalar is Float or Double, got \(S.self)")
    }

    /// ``assign(_:centers:sampleWeights:labels:accumulateSums:sumChangesOnly:exactInertia:workers:chunkRows:kernel:)``
    /// for a concrete precision, with the kernel chosen.
    private static func assign<S: FusedKMeansScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]?, labels: DisjointWriteBuffer<Int32>,
        accumulateSums: Bool, sumChangesOnly: Bool, exactInertia: Bool, workers: Int, chunkRows: Int, fused: Bool
    ) -> KMeansAssignment {
        if fused {
            return _fusedAssign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                accumulateSums: accumulateSums, sumChangesOnly: sumChangesOnly, exactInertia: exactInertia,
                                workers: workers, chunkRows: chunkRows)
        }
        var result = _gemmAssign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                 accumulateSums: accumulateSums, sumChangesOnly: sumChangesOnly, workers: workers,
                                 chunkRows: chunkRows)
        if exactInertia {
            result.exactInertia = _fusedExactInertia(x, centers: centers, labels: labels, sampleWeights: sampleWeights,
                                                     workers: workers)
        }
        return result
    }

    /// `Σ wᵢ ‖xᵢ − c_{labelᵢ}‖²`, computed directly.
    package static func exactInertia<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>, sampleWeights: [S]?, workers: Int
    ) -> Double {
        if S.self == Float.self {
            return _fusedExactInertia(same(x) as Matrix<Float>, centers: same(centers), labels: labels,
                                      sampleWeights: same(sampleWeights), workers: workers)
        }
        if S.self == Double.self {
            return _fusedExactInertia(same(x) as Matrix<Double>, centers: same(centers), labels: labels,
                                      sampleWeights: same(sampleWeights), workers: workers)
        }
        return _exactInertia(x, centers: centers, labels: labels, sampleWeights: sampleWeights, workers: workers)
    }

    /// `‖xᵢ − c_{labelᵢ}‖²` for every row, computed directly in `Double`.
    package static func squaredDistancesToAssignedCenters<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, labels: [Int], workers: Int
    ) -> [Double] {
        if S.self == Float.self {
            return _squaredDistancesToAssignedCenters(same(x) as Matrix<Float>, centers: same(centers), labels: labels,
                                                      workers: workers)
        }
        if S.self == Double.self {
            return _squaredDistancesToAssignedCenters(same(x) as Matrix<Double>, centers: same(centers), labels: labels,
                                                      workers: workers)
        }
        return _squaredDistancesToAssignedCenters(x, centers: centers, labels: labels, workers: workers)
    }

    /// Per-cluster row sums (row-major `k×d`, `Double`) and row counts.
    package static func clusterSums<S: BLASScalar>(
        _ x: Matrix<S>, labels: [Int], clusterCount k: Int, workers: Int
    ) -> (sums: [Double], counts: [Int]) {
        if S.self == Float.self { return _clusterSums(same(x) as Matrix<Float>, labels: labels, clusterCount: k, workers: workers) }
        if S.self == Double.self { return _clusterSums(same(x) as Matrix<Double>, labels: labels, clusterCount: k, workers: workers) }
        return _clusterSums(x, labels: labels, clusterCount: k, workers: workers)
    }

    /// Nearest-center labels and squared distances of the rows `rowIndices` (a mini-batch).
    package static func nearestCenters<S: BLASScalar>(
        _ x: Matrix<S>, rowIndices: [Int], centers: Matrix<S>
    ) -> (labels: [Int], squaredDistances: [S]) {
        if S.self == Float.self {
            let result = _nearestCenters(same(x) as Matrix<Float>, rowIndices: rowIndices, centers: same(centers))
            return (result.labels, same(result.squaredDistances))
        }
        if S.self == Double.self {
            let result = _nearestCenters(same(x) as Matrix<Double>, rowIndices: rowIndices, centers: same(centers))
            return (result.labels, same(result.squaredDistances))
        }
        return _nearestCenters(x, rowIndices: rowIndices, centers: centers)
    }

    /// For each labeling (its cluster count beside it), for every row and cluster, the sum of Euclidean
    /// distances from the row to the cluster's rows (row-major `n×k`), from GEMM distance blocks computed once
    /// for all labelings. O(n²·d + n²·labelings).
    package static func clusterDistanceSums<S: BLASScalar>(
        _ x: Matrix<S>, labelings: [[Int]], clusterCounts: [Int], workers: Int
    ) -> [[Double]] {
        if S.self == Float.self {
            return _clusterDistanceSums(same(x) as Matrix<Float>, labelings: labelings, clusterCounts: clusterCounts, workers: workers)
        }
        if S.self == Double.self {
            return _clusterDistanceSums(same(x) as Matrix<Double>, labelings: labelings, clusterCounts: clusterCounts, workers: workers)
        }
        return _clusterDistanceSums(x, labelings: labelings, clusterCounts: clusterCounts, workers: workers)
    }
}

/// Reinterprets a value as the same type spelled differently (`Matrix<S>` as `Matrix<Float>` when `S` is
/// `Float`); callers check that the types are equal first.
@inline(__always)
func same<A, B>(_ value: A, as _: B.Type = B.self) -> B {
    precondition(MemoryLayout<A>.size == MemoryLayout<B>.size)
    return unsafeBitCast(value, to: B.self)
}
