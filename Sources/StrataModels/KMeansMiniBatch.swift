import StrataLinearAlgebra

extension KMeansProblem {
    /// Mini-batch k-means as scikit-learn's `MiniBatchKMeans`.
    ///
    /// Seeds on a random subset of `min(n, 3 · batchSize)` rows (at least `k`), then runs up to
    /// `maxIterations · ⌈n / batchSize⌉` steps. Each step draws a batch uniformly with replacement, assigns
    /// it, and moves every center `c` that received batch weight `b` (sum `s`) to `(c · W + s) / (W + b)`
    /// where `W` is the weight it has seen so far. Every `10·k` rows, centers whose `W` is below
    /// `reassignmentRatio · max W` move to random batch rows. It stops when the squared center shift is at
    /// most `tolerance` (when positive) or the smoothed batch inertia has not reached a new low for
    /// `maxNoImprovement` steps; then every row is labelled with the final centers.
    func miniBatch(_ configuration: KMeans.Configuration, options: KMeansMiniBatchOptions, tolerance: Double,
                   using rng: inout some RandomNumberGenerator) -> KMeansRun<S> {
        let (n, d, k) = (x.rows, x.columns, configuration.clusterCount)
        let batchSize = min(options.batchSize, n)
        var centers = seedOnSubset(configuration, size: max(min(n, 3 * options.batchSize), k), using: &rng)
        var seenWeight = [Double](repeating: 0, count: k)
        let steps = configuration.maxIterations * ((n + batchSize - 1) / batchSize)
        var smoothedInertia: Double?
        var lowestSmoothed = Double.infinity
        var stepsWithoutImprovement = 0
        var rowsSinceReassignment = 0
        var history: [Double] = []
        var converged = false
        var stepsRun = 0
        for _ in 0..<steps {
            let batch = (0..<batchSize).map { _ in Int.random(in: 0..<n, using: &rng) }
            let nearest = KMeansKernels.nearestCenters(x, rowIndices: batch, centers: centers)
            var batchWeight = [Double](repeating: 0, count: k)
            var batchSums = [Double](repeating: 0, count: k * d)
            var batchInertia = 0.0
            for (r, row) in batch.enumerated() {
                let cluster = nearest.labels[r], w = weight(row)
                batchWeight[cluster] += w
                batchInertia += w * Double(nearest.squaredDistances[r])
                for j in 0..<d { batchSums[cluster * d + j] += w * Double(x[row, j]) }
            }
            let previous = centers
            for cluster in 0..<k where batchWeight[cluster] > 0 {
                let total = seenWeight[cluster] + batchWeight[cluster]
                for j in 0..<d {
                    centers[cluster, j] = S((Double(centers[cluster, j]) * seenWeight[cluster]
                                             + batchSums[cluster * d + j]) / total)
                }
                seenWeight[cluster] = total
            }
            rowsSinceReassignment += batchSize
            if options.reassignmentRatio > 0 && (seenWeight.contains(0) || rowsSinceReassignment >= 10 * k) {
                rowsSinceReassignment = 0
                reassignSmallClusters(&centers, seenWeight: &seenWeight, ratio: options.reassignmentRatio,
                                      batch: batch, using: &rng)
            }
            stepsRun += 1
            var shiftSquared = 0.0
            for index in centers.elements.indices {
                let shift = Double(centers.elements[index]) - Double(previous.elements[index])
                shiftSquared += shift * shift
            }
            let perRow = batchInertia / Double(batchSize)
            let alpha = min(1, Double(batchSize) * 2 / Double(n + 1))
            let smoothed = smoothedInertia.map { $0 * (1 - alpha) + perRow * alpha } ?? perRow
            smoothedInertia = smoothed
            history.append(smoothed)
            if tolerance > 0 && shiftSquared <= tolerance {
                converged = true
                break
            }
            if smoothed < lowestSmoothed {
                lowestSmoothed = smoothed
                stepsWithoutImprovement = 0
            } else {
                stepsWithoutImprovement += 1
                if stepsWithoutImprovement >= options.maxNoImprovement {
                    converged = true
                    break
                }
            }
        }
        return labelledRun { labels in
            let inertia = KMeansKernels.assign(x, centers: centers, sampleWeights: sampleWeights, labels: labels,
                                               accumulateSums: false, exactInertia: true, workers: workers).exactInertia
            return (KMeansRun(centers: centers, labels: [], inertia: 0, iterations: stepsRun, inertiaHistory: history,
                              converged: converged), inertia)
        }
    }

    /// Seeds on `size` distinct random rows (all rows when `size == n`).
    private func seedOnSubset(_ configuration: KMeans.Configuration, size: Int,
                              using rng: inout some RandomNumberGenerator) -> Matrix<S> {
        guard size < x.rows, case .kMeansPlusPlus = configuration.initialization else {
            return initialCenters(configuration, using: &rng)
        }
        let subset = randomDistinctRows(count: size, using: &rng)
        let subproblem = KMeansProblem(x: rows(subset), sampleWeights: sampleWeights.map { w in subset.map { w[$0] } },
                                       workers: workers)
        return subproblem.initialCenters(configuration, using: &rng)
    }

    /// Moves centers that have seen less than `ratio · max W` weight onto random rows of the batch, and gives
    /// them the smallest weight among the kept centers (scikit-learn's random reassignment).
    private func reassignSmallClusters(_ centers: inout Matrix<S>, seenWeight: inout [Double], ratio: Double,
                                       batch: [Int], using rng: inout some RandomNumberGenerator) {
        let threshold = ratio * (seenWeight.max() ?? 0)
        var small = seenWeight.indices.filter { seenWeight[$0] < threshold }
        // Never move more than half the batch's worth of centers; keep the heaviest of the small ones.
        if small.count > batch.count / 2 {
            small = Array(small.sorted { seenWeight[$0] < seenWeight[$1] }.prefix(batch.count / 2))
        }
        guard !small.isEmpty, small.count < centers.rows else { return }
        let kept = seenWeight.indices.filter { !small.contains($0) }
        let floor = kept.map { seenWeight[$0] }.min() ?? 0
        var used = Set<Int>()
        for cluster in small {
            var position = Int.random(in: 0..<batch.count, using: &rng)
            while used.contains(position) && used.count < batch.count { position = (position + 1) % batch.count }
            used.insert(position)
            for j in 0..<x.columns { centers[cluster, j] = x[batch[position], j] }
            seenWeight[cluster] = floor
        }
    }
}
