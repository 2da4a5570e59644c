import StrataLinearAlgebra

extension KMeansProblem {
    /// The first centers of one run, as the configuration's ``KMeansInitialization`` says.
    func initialCenters(_ configuration: KMeans.Configuration, using rng: inout some RandomNumberGenerator) -> Matrix<S> {
        let k = configuration.clusterCount
        switch configuration.initialization {
        case let .kMeansPlusPlus(localTrials):
            return kMeansPlusPlus(clusterCount: k,
                                  localTrials: KMeansInitialization.plusPlusTrials(localTrials, clusterCount: k),
                                  using: &rng)
        case .random:
            return rows(randomDistinctRows(count: k, using: &rng))
        case let .centers(given):
            return Matrix(rows: given.rows, columns: given.columns, elements: given.elements.map { S($0) })
        }
    }

    /// The rows `indices` of `x`, copied into a matrix.
    func rows(_ indices: [Int]) -> Matrix<S> {
        Matrix(rows: indices.count, columns: x.columns, elements: indices.flatMap { x.row($0) })
    }

    /// Greedy k-means++ as scikit-learn's `_kmeans_plusplus`: each step draws `localTrials` candidates with
    /// probability `w · D(x)² / Σ w · D(x)²` and keeps the one whose potential `Σ w · min(D(x)², ‖x − c‖²)` is
    /// lowest.
    ///
    /// One pass over the rows per step (``KMeansKernels/seedingPass(_:pending:candidates:closest:sampleWeights:workers:portable:)``):
    /// the closest distances are lowered to a chosen center's at the start of the next step's pass, and the
    /// next draws find their rows from the chosen candidate's block sums, so the last center's lowering is
    /// never done. The draws, candidates and centers are those of a plain two-pass implementation with the
    /// same random numbers (up to how the Double sums round).
    /// - Complexity: O(k · (localTrials + 2) · n·d), k reads of the rows.
    func kMeansPlusPlus(clusterCount k: Int, localTrials: Int, using rng: inout some RandomNumberGenerator) -> Matrix<S> {
        // The closest distances live only while seeding (the run's labels come after); the kernels compute
        // each ‖xᵢ‖² as they read the row, so seeding keeps one per-row buffer, not two (peak memory).
        let closest = DisjointWriteBuffer<S>(repeating: .infinity, count: x.rows)
        let noCandidates = Matrix<S>(rows: 0, columns: x.columns, elements: [])
        let first = weightedChoice(using: &rng)
        var chosen = [first]
        // The pass of the first center lowers every distance from infinity; its column 0 is what step 1 draws from.
        var sums = KMeansKernels.seedingPass(x, pending: Array(x.row(first)), candidates: noCandidates, closest: closest,
                                             sampleWeights: sampleWeights, workers: workers)
        var potential = sums.total(0), column = 0
        var pending: [S]? = nil
        for _ in 1..<k {
            let targets = (0..<localTrials).map { _ in Double.random(in: 0..<1, using: &rng) * potential }
            let candidates = KMeansKernels.seedingDraws(x, sums: sums, column: column, center: pending, closest: closest,
                                                        sampleWeights: sampleWeights, targets: targets)
            sums = KMeansKernels.seedingPass(x, pending: pending, candidates: rows(candidates), closest: closest,
                                             sampleWeights: sampleWeights, workers: workers)
            let potentials = (0..<candidates.count).map { sums.total(1 + $0) }
            let best = potentials.indices.min { potentials[$0] < potentials[$1] }!
            chosen.append(candidates[best])
            (potential, column, pending) = (potentials[best], 1 + best, Array(x.row(candidates[best])))
        }
        return rows(chosen)
    }

    /// One row drawn with probability proportional to its weight (uniformly without weights).
    func weightedChoice(using rng: inout some RandomNumberGenerator) -> Int {
        guard let sampleWeights else { return Int.random(in: 0..<x.rows, using: &rng) }
        let total = sampleWeights.reduce(0.0) { $0 + Double($1) }
        let target = Double.random(in: 0..<1, using: &rng) * total
        var running = 0.0
        for (i, weight) in sampleWeights.enumerated() {
            running += Double(weight)
            if running > target && weight > 0 { return i }
        }
        return sampleWeights.lastIndex { $0 > 0 }!
    }

    /// `count` distinct rows: uniformly (Floyd's algorithm, O(count)) or, with weights, drawn one at a time
    /// proportionally to the weights of the rows not yet drawn.
    func randomDistinctRows(count: Int, using rng: inout some RandomNumberGenerator) -> [Int] {
        let n = x.rows
        guard let sampleWeights else {
            var picked = Set<Int>(), order: [Int] = []
            for upper in (n - count)..<n {
                let candidate = Int.random(in: 0...upper, using: &rng)
                let row = picked.contains(candidate) ? upper : candidate
                picked.insert(row)
                order.append(row)
            }
            return order
        }
        var remaining = sampleWeights.map { Double($0) }
        var order: [Int] = []
        for _ in 0..<count {
            let total = remaining.reduce(0, +)
            guard total > 0 else {
                // Fewer rows of positive weight than clusters: fill with unpicked rows in order.
                order.append(remaining.indices.first { !order.contains($0) }!)
                continue
            }
            let target = Double.random(in: 0..<1, using: &rng) * total
            var running = 0.0, row = remaining.lastIndex { $0 > 0 }!
            for (i, weight) in remaining.enumerated() where weight > 0 {
                running += weight
                if running > target { row = i; break }
            }
            order.append(row)
            remaining[row] = 0
        }
        return order
    }
}

extension KMeans {
    /// Greedy k-means++ centers of `x` alone, as a fit would seed them (for the seeding benchmark, which compares
    /// their potential and the Lloyd iterations they lead to with scikit-learn's `kmeans_plusplus`).
    /// - Parameter localTrials: nil for `2 + ⌊ln k⌋`.
    /// - Returns: `k×d` centers; `x` must have at least `k` rows.
    package static func plusPlusCenters<S: BLASScalar>(
        _ x: Matrix<S>, clusterCount k: Int, localTrials: Int? = nil, sampleWeights: [S]? = nil, workers: Int,
        using rng: inout some RandomNumberGenerator
    ) -> Matrix<S> {
        precondition(k >= 1 && x.rows >= k, "plusPlusCenters: \(x.rows) rows for k = \(k)")
        return BLAS.withThreadCount(1) {
            KMeansProblem(x: x, sampleWeights: sampleWeights, workers: workers)
                .kMeansPlusPlus(clusterCount: k, localTrials: KMeansInitialization.plusPlusTrials(localTrials, clusterCount: k),
                                using: &rng)
        }
    }
}
