import StrataLinearAlgebra

/// The data of one fit with what every step reuses: `Σ wᵢ ‖xᵢ‖²`, computed once. The labels buffer is
/// made by each run after seeding, so seeding's own per-row buffers are gone by then (peak memory).
struct KMeansProblem<S: BLASScalar>: Sendable {
    let x: Matrix<S>
    let sampleWeights: [S]?
    let workers: Int
    /// `Σ wᵢ ‖xᵢ‖²`, added to each assignment's `Σ wᵢ (‖c‖² − 2 xᵢ·c)` for its inertia.
    let weightedSquaredNormSum: Double

    init(x: Matrix<S>, sampleWeights: [S]?, workers: Int) {
        self.x = x
        self.sampleWeights = sampleWeights
        self.workers = workers
        weightedSquaredNormSum = KMeansKernels.weightedSquaredNormSum(x, sampleWeights: sampleWeights, workers: workers)
    }

    /// `mean(var(X, axis: 0))`, the scale of the center-shift tolerance (scikit-learn's `_tolerance`).
    func meanColumnVariance() -> Double {
        let variances = KMeansKernels.columnMeansAndVariances(x, workers: workers).variances
        return variances.reduce(0, +) / Double(variances.count)
    }

    func weight(_ i: Int) -> Double { sampleWeights.map { Double($0[i]) } ?? 1 }

    /// One Lloyd step from `centers`: assign every row to its nearest center (labels buffer updated), then
    /// move each center to the weighted mean of its rows.
    ///
    /// `carried`, when not nil, must hold the weighted sums and weights of the labels the buffer holds on
    /// entry (the previous step's, before any empty-cluster relocation); the pass then only moves the rows
    /// whose label changes. Either way it leaves those of the labels the buffer holds on return, for the next step.
    ///
    /// With `bounds` the pass skips the rows whose label is known (``KMeansAlgorithm/hamerly``): the labels,
    /// sums and so the new centers are the same bit for bit; the inertia of the assignment, which needs every
    /// row's distance, is then computed from the cluster sums, `Σ wᵢ‖xᵢ‖² + Σ_c (W_c ‖c‖² − 2 c·S_c)` (equal up to
    /// rounding).
    func step(from centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>, emptyClusterPolicy: KMeansEmptyClusterPolicy,
              carried: inout KMeansCarriedTotals?, bounds: KMeansBounds? = nil) -> KMeansLloydStep<S> {
        let (k, d) = (centers.rows, x.columns)
        var assignment = if let bounds {
            KMeansKernels.boundedAssign(x, centers: centers, sampleWeights: sampleWeights, labels: labels, bounds: bounds,
                                        accumulateSums: true, sumChangesOnly: carried != nil, workers: workers)
        } else {
            KMeansKernels.assign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                 accumulateSums: true, sumChangesOnly: carried != nil, workers: workers)
        }
        if let carried {
            for index in carried.weightedSums.indices { assignment.weightedSums[index] += carried.weightedSums[index] }
            for cluster in 0..<k { assignment.clusterWeights[cluster] += carried.clusterWeights[cluster] }
            settleCarriedWeights(&assignment, labels: labels)
        }
        if bounds != nil { assignment.inertiaWithoutRowNorms = inertiaWithoutRowNorms(of: assignment, centers: centers) }
        // The totals of the labels buffer; relocation below changes only this step's copy (it moves rows to empty
        // clusters without relabelling them, as scikit-learn), so the carried totals stay those of the buffer.
        carried = KMeansCarriedTotals(weightedSums: assignment.weightedSums, clusterWeights: assignment.clusterWeights)
        let empty = (0..<k).filter { assignment.clusterWeights[$0] == 0 }
        var relocated: [Int] = []
        if !empty.isEmpty && emptyClusterPolicy == .relocateFarthestPoints {
            relocated = relocateEmptyClusters(empty, centers: centers, labels: labels, assignment: &assignment)
        }
        var newCenters = centers
        var shiftSquared = 0.0
        for cluster in 0..<k {
            let weight = assignment.clusterWeights[cluster]
            for j in 0..<d {
                let moved = weight > 0 ? S(assignment.weightedSums[cluster * d + j] / weight) : centers[cluster, j]
                let shift = Double(moved) - Double(centers[cluster, j])
                shiftSquared += shift * shift
                newCenters[cluster, j] = moved
            }
        }
        return KMeansLloydStep(centers: newCenters,
                               inertiaBeforeUpdate: weightedSquaredNormSum + assignment.inertiaWithoutRowNorms,
                               centerShiftSquared: shiftSquared, changedLabels: assignment.changedLabels,
                               emptyClusters: empty, relocatedRows: relocated)
    }

    /// `Σ_c (W_c ‖c‖² − 2 c·S_c)` from an assignment's total sums `S_c` and weights `W_c`: its
    /// `Σ wᵢ (‖c‖² − 2 xᵢ·c)` without a distance per row.
    private func inertiaWithoutRowNorms(of assignment: KMeansAssignment, centers: Matrix<S>) -> Double {
        let d = centers.columns
        var total = 0.0
        for cluster in 0..<centers.rows where assignment.clusterWeights[cluster] != 0 {
            var squaredNorm = 0.0, dot = 0.0
            for j in 0..<d {
                let coordinate = Double(centers[cluster, j])
                squaredNorm += coordinate * coordinate
                dot += coordinate * assignment.weightedSums[cluster * d + j]
            }
            total += assignment.clusterWeights[cluster] * squaredNorm - 2 * dot
        }
        return total
    }

    /// Makes carried weights exact where it matters: a cluster that lost all its rows has weight 0, not a
    /// rounding residue. Without sample weights they are counts, exact in Double. With them, when a carried
    /// weight is below a millionth of the mean cluster weight (a residue is about n·ε of the total), the
    /// weights are added up again from the labels, an O(n) pass that does not read X. An empty cluster's
    /// sums are set to 0 too.
    private func settleCarriedWeights(_ assignment: inout KMeansAssignment, labels: DisjointWriteBuffer<Int32>) {
        let k = assignment.clusterWeights.count
        if let sampleWeights {
            let suspect = 1e-6 * assignment.clusterWeights.reduce(0, +) / Double(k)
            if assignment.clusterWeights.contains(where: { $0 <= suspect }) {
                var weights = [Double](repeating: 0, count: k)
                for i in 0..<x.rows { weights[Int(labels[i])] += Double(sampleWeights[i]) }
                assignment.clusterWeights = weights
            }
        }
        let d = x.columns
        for cluster in 0..<k where assignment.clusterWeights[cluster] == 0 {
            for j in 0..<d { assignment.weightedSums[cluster * d + j] = 0 }
        }
    }

    /// Gives each empty cluster one of the rows farthest from their centers: the row's weighted coordinates
    /// leave its cluster's sums and become the empty cluster's. Returns the rows used.
    private func relocateEmptyClusters(_ empty: [Int], centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>,
                                       assignment: inout KMeansAssignment) -> [Int] {
        let d = x.columns
        let currentLabels = labels.map { Int($0) }
        let distances = KMeansKernels.squaredDistancesToAssignedCenters(x, centers: centers, labels: currentLabels,
                                                                        workers: workers)
        let farthest = largestIndices(of: distances, count: empty.count)
        for (cluster, row) in zip(empty, farthest) {
            let weight = weight(row), previous = currentLabels[row]
            for j in 0..<d {
                let contribution = Double(x[row, j]) * weight
                assignment.weightedSums[previous * d + j] -= contribution
                assignment.weightedSums[cluster * d + j] = contribution
            }
            assignment.clusterWeights[cluster] = weight
            assignment.clusterWeights[previous] -= weight
        }
        return Array(farthest.prefix(empty.count))
    }

    /// Runs Lloyd steps from `initialCenters` as scikit-learn's `_kmeans_single_lloyd`: stop when no label
    /// changes, when the squared center shift is at most `tolerance`, or after `maxIterations`; then label
    /// every row with the final centers and compute the inertia directly.
    ///
    /// The first step adds every row into the cluster sums and weights; later steps carry them over and move
    /// only the rows whose label changed, unless the previous step changed many labels (``KMeansSumUpdate``).
    ///
    /// `bounded` skips the distance computations whose outcome is known (``KMeansAlgorithm/hamerly``) where that
    /// reproduces the plain passes exactly, i.e. where they use the fused kernel; the run is then the same bit
    /// for bit, with 4 more bytes per row (the gaps) held during it.
    func lloyd(from initialCenters: Matrix<S>, maxIterations: Int, tolerance: Double,
               emptyClusterPolicy: KMeansEmptyClusterPolicy, sumUpdate: KMeansSumUpdate = .automatic,
               bounded: Bool = false) -> KMeansRun<S> {
        labelledRun { labels in
            let bounds = bounded && KMeansKernels.boundedAssignmentIsExact(S.self, clusterCount: initialCenters.rows,
                                                                           featureCount: x.columns)
                ? KMeansBounds(rows: x.rows) : nil
            // Bounds pay once few labels change: a bounded pass that computes most rows costs about three times a
            // plain one (docs/kmeans.md, "Exact bounds"), so the steps use them from the one after a step that
            // changed at most 1% of the labels (that first bounded pass computes every row) to the end.
            var boundsInUse = false
            var centers = initialCenters
            var history: [Double] = []
            var labelsMatchCenters = false
            var converged = false
            var iterations = 0
            var carried: KMeansCarriedTotals? = nil
            for iteration in 0..<maxIterations {
                let step = step(from: centers, labels: labels, emptyClusterPolicy: emptyClusterPolicy, carried: &carried,
                                bounds: boundsInUse ? bounds : nil)
                if Double(step.changedLabels) <= Self.boundsChangedFraction * Double(x.rows) { boundsInUse = true }
                if !sumUpdate.carriesSums(afterChanging: step.changedLabels, of: x.rows) { carried = nil }
                history.append(step.inertiaBeforeUpdate)
                centers = step.centers
                iterations = iteration + 1
                if step.changedLabels == 0 {
                    // Same labels as the previous step: the centers are their means, a fixed point.
                    labelsMatchCenters = true
                    converged = true
                    break
                }
                if step.centerShiftSquared <= tolerance {
                    converged = true
                    break
                }
            }
            var inertia: Double?
            if !labelsMatchCenters, boundsInUse, let bounds {
                // The final labels on the bounds too; the inertia is then added up directly by labelledRun, as
                // the fused pass would (the same per-row terms in the same order).
                _ = KMeansKernels.boundedAssign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                                bounds: bounds, accumulateSums: false, workers: workers)
            } else if !labelsMatchCenters {
                inertia = KMeansKernels.assign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                               accumulateSums: false, exactInertia: true, workers: workers).exactInertia
            }
            return (KMeansRun(centers: centers, labels: [], inertia: 0, iterations: iterations, inertiaHistory: history,
                              converged: converged), inertia)
        }
    }

    /// A bounded run uses its bounds from the step after one that changed at most this fraction of the labels.
    static var boundsChangedFraction: Double { 0.01 }

    /// A run whose `body` labels every row in the buffer it is given (which becomes the run's labels array
    /// without a copy) and returns the rest of the run with the exact inertia of those labels when its last
    /// pass computed it; otherwise it is computed here, directly from the labels and the returned centers.
    func labelledRun(_ body: (DisjointWriteBuffer<Int32>) -> (KMeansRun<S>, exactInertia: Double?)) -> KMeansRun<S> {
        var run: KMeansRun<S>?
        let labels = DisjointWriteBuffer<Int32>.makeArray(repeating: -1, count: x.rows) { labels in
            let (result, exactInertia) = body(labels)
            run = result
            run!.inertia = exactInertia ?? KMeansKernels.exactInertia(x, centers: result.centers, labels: labels,
                                                                      sampleWeights: sampleWeights, workers: workers)
        }
        run!.labels = labels
        return run!
    }
}

/// The per-cluster weighted sums `Σ wᵢ xᵢ` (row-major `k×d`) and weights `Σ wᵢ` of the labels a buffer holds,
/// carried from one Lloyd step to the next (``KMeansSumUpdate``).
struct KMeansCarriedTotals: Sendable {
    var weightedSums: [Double]
    var clusterWeights: [Double]
}

/// The indices of the `count` largest values, largest first (ties: lower index first).
func largestIndices(of values: [Double], count: Int) -> [Int] {
    var kept: [Int] = []  // sorted by value descending
    for index in values.indices {
        if kept.count == count, let last = kept.last, !(values[index] > values[last]) { continue }
        let position = kept.firstIndex { values[index] > values[$0] } ?? kept.count
        kept.insert(index, at: position)
        if kept.count > count { kept.removeLast() }
    }
    return kept
}

/// One finished run: centers, labels from them, and how it got there.
struct KMeansRun<S: BLASScalar>: Sendable {
    var centers: Matrix<S>
    var labels: [Int32]
    var inertia: Double
    var iterations: Int
    var inertiaHistory: [Double]
    var converged: Bool
}

/// The outcome of one Lloyd step (see ``KMeans/lloydStep(_:centers:sampleWeights:emptyClusterPolicy:workers:)``).
public struct KMeansLloydStep<S: BLASScalar>: Sendable {
    /// The centers after the update.
    public var centers: Matrix<S>
    /// `Σ wᵢ ‖xᵢ − c‖²` of the assignment to the centers the step started from (GEMM form).
    public var inertiaBeforeUpdate: Double
    /// `Σⱼ ‖cⱼ' − cⱼ‖²`.
    public var centerShiftSquared: Double
    /// Rows whose label differs from the previous step's (all rows on a first step).
    public var changedLabels: Int
    /// Clusters that received no rows in the assignment.
    public var emptyClusters: [Int]
    /// The rows that re-seeded them (relocation policy only), farthest first.
    public var relocatedRows: [Int]
}

extension KMeans {
    /// One Lloyd step on its own: assign the rows of `x` to `centers`, then move each center to its rows'
    /// weighted mean. For studying convergence; ``fit(_:sampleWeights:using:)`` runs these in a loop.
    /// - Returns: the new centers, the inertia of the assignment, the center shift and any empty clusters.
    public static func lloydStep<S: BLASScalar>(
        _ x: Matrix<S>, centers: Matrix<S>, sampleWeights: [S]? = nil,
        emptyClusterPolicy: KMeansEmptyClusterPolicy = .relocateFarthestPoints, workers: Int = Parallel.processorCount
    ) throws(KMeansError) -> KMeansLloydStep<S> {
        guard workers >= 1 else { throw .invalidParameter(name: "workers", value: "\(workers)", expected: "at least 1") }
        try checkData(x, clusterCount: centers.rows, workers: workers)
        try checkWeights(sampleWeights, rows: x.rows)
        guard centers.columns == x.columns else { throw .featureCountMismatch(expected: centers.columns, found: x.columns) }
        return BLAS.withThreadCount(1) {
            var nothingCarried: KMeansCarriedTotals? = nil  // a step on its own adds every row
            return KMeansProblem(x: x, sampleWeights: sampleWeights, workers: workers)
                .step(from: centers, labels: DisjointWriteBuffer(repeating: -1, count: x.rows),
                      emptyClusterPolicy: emptyClusterPolicy, carried: &nothingCarried)
        }
    }
}
