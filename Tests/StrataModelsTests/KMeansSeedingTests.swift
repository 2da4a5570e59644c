import Foundation
import StrataLinearAlgebra
@testable import StrataModels
import Testing

/// Greedy k-means++ against a plain transcription of scikit-learn's `_kmeans_plusplus` (Double distances
/// `‖x − c‖²`, a cumulative sum searched for each target, the candidate with the lowest potential kept) that
/// draws the same random numbers in the same order: the same rows must be chosen, whatever the kernels' single
/// pass per step, block sums and worker count do.
@Suite("k-means++ seeding")
struct KMeansSeedingTests {
    /// scikit-learn's algorithm step by step, with Strata's first draw (`Int.random` without weights, a
    /// weighted draw with).
    static func reference(_ x: Matrix<Double>, weights: [Double]?, k: Int, trials: Int,
                          using rng: inout Xoshiro256StarStar) -> [Int] {
        let n = x.rows
        let w = weights ?? Array(repeating: 1, count: n)
        func distance(_ i: Int, _ c: Int) -> Double {
            (0..<x.columns).reduce(0.0) { $0 + (x[i, $1] - x[c, $1]) * (x[i, $1] - x[c, $1]) }
        }
        var first = n - 1
        if weights == nil {
            first = Int.random(in: 0..<n, using: &rng)
        } else {
            let target = Double.random(in: 0..<1, using: &rng) * w.reduce(0, +)
            var running = 0.0
            for i in 0..<n {
                running += w[i]
                if running > target && w[i] > 0 { first = i; break }
            }
        }
        var chosen = [first]
        var closest = (0..<n).map { distance($0, first) }
        var potential = zip(w, closest).reduce(0.0) { $0 + $1.0 * $1.1 }
        for _ in 1..<k {
            let targets = (0..<trials).map { _ in Double.random(in: 0..<1, using: &rng) * potential }
            var cumulative: [Double] = [], running = 0.0
            for i in 0..<n { running += w[i] * closest[i]; cumulative.append(running) }
            let candidates = targets.map { t in cumulative.firstIndex { $0 >= t } ?? n - 1 }
            let lowered = candidates.map { c in (0..<n).map { Swift.min(closest[$0], distance($0, c)) } }
            let potentials = lowered.map { zip(w, $0).reduce(0.0) { $0 + $1.0 * $1.1 } }
            let best = potentials.indices.min { potentials[$0] < potentials[$1] }!
            chosen.append(candidates[best])
            (closest, potential) = (lowered[best], potentials[best])
        }
        return chosen
    }

    @Test(arguments: [1, 3])
    func chosenRowsEqualScikitLearnsAlgorithm(workers: Int) {
        for seed in UInt64(0)..<6 {
            let (x, _) = KMeansTestData.blobs(Double.self, rows: 600, columns: 5, clusters: 7, separation: 4, seed: 100 + seed)
            var weightRng = Xoshiro256StarStar(seed: seed)
            let weights = seed % 2 == 0 ? nil : (0..<600).map { i in i % 9 == 0 ? 0 : Double.random(in: 0.2...3, using: &weightRng) }
            for (k, trials) in [(7, 3), (12, 1), (2, 5)] {
                var ours = Xoshiro256StarStar(seed: seed), theirs = Xoshiro256StarStar(seed: seed)
                let centers = KMeans.plusPlusCenters(x, clusterCount: k, localTrials: trials, sampleWeights: weights,
                                                     workers: workers, using: &ours)
                let expected = Self.reference(x, weights: weights, k: k, trials: trials, using: &theirs)
                #expect(centers.elements == expected.flatMap { x.row($0) }, "seed \(seed), k \(k), trials \(trials)")
                // Both consumed the same random numbers.
                #expect(ours.next() == theirs.next())
            }
        }
    }

    @Test func floatSeedingPicksTheSameRowsAsDouble() {
        // Float distances round differently, but on well-separated blobs no draw sits on a boundary.
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 2000, columns: 8, clusters: 5, separation: 6, seed: 7)
        let single = Matrix(rows: x.rows, columns: x.columns, elements: x.elements.map { Float($0) })
        var first = Xoshiro256StarStar(seed: 3), second = Xoshiro256StarStar(seed: 3)
        let double = KMeans.plusPlusCenters(x, clusterCount: 9, workers: 2, using: &first)
        let float = KMeans.plusPlusCenters(single, clusterCount: 9, workers: 2, using: &second)
        #expect(float.elements == double.elements.map { Float($0) })
    }
}
