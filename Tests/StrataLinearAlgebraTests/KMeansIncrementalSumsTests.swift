@testable import StrataLinearAlgebra
import Testing

/// Assignment passes with `sumChangesOnly` (only rows whose label changed move between the Double sums)
/// against full sums, over several passes with moving centers, on every kernel path.
@Suite("k-means incremental cluster sums")
struct KMeansIncrementalSumsTests {
    typealias Path = KMeansKernelTests.Path

    static func pass<S: FusedKMeansScalar>(
        _ path: Path, _ x: Matrix<S>, centers: Matrix<S>, weights: [S]?, labels: DisjointWriteBuffer<Int32>,
        changesOnly: Bool, workers: Int
    ) -> KMeansAssignment {
        switch path {
        case .fusedVector, .fusedPortable:
            KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: weights, labels: labels, accumulateSums: true,
                                       sumChangesOnly: changesOnly, workers: workers, chunkRows: 512,
                                       portable: path == .fusedPortable)
        case .gemm:
            KMeansKernels.assign(x, centers: centers, sampleWeights: weights, labels: labels, accumulateSums: true,
                                 sumChangesOnly: changesOnly, workers: workers, kernel: .gemm)
        }
    }

    /// Centers that drift a little each pass, so some labels change every time (and, from pass 0, all of them).
    static func centers<S: BLASScalar>(_ base: Matrix<S>, pass: Int) -> Matrix<S> {
        Matrix(rows: base.rows, columns: base.columns,
               elements: base.elements.enumerated().map { index, value in
                   value + S(0.15 * Double(pass) * (index % 3 == 0 ? 1 : -0.5))
               })
    }

    func carriedSumsMatchFullSums<S: FusedKMeansScalar>(_: S.Type, path: Path) {
        var rng = SplitMix64(seed: 23)
        for (n, d, k) in [(1500, 32, 16), (777, 7, 5), (300, 33, 17)] {
            let x: Matrix<S> = Reference.random(n, d, using: &rng)
            let base: Matrix<S> = Reference.random(k, d, using: &rng)
            let weights: [S] = (0..<n).map { _ in S(Double.random(in: 0...2, using: &rng)) }
            for workers in 1...3 {
                let carriedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: n)
                let fullLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: n)
                var carried = [Double](repeating: 0, count: k * d)
                var carriedWeights = [Double](repeating: 0, count: k)
                for pass in 0..<6 {
                    let centers = Self.centers(base, pass: pass)
                    let changes = Self.pass(path, x, centers: centers, weights: weights, labels: carriedLabels,
                                            changesOnly: true, workers: workers)
                    let full = Self.pass(path, x, centers: centers, weights: weights, labels: fullLabels,
                                         changesOnly: false, workers: workers)
                    for index in carried.indices { carried[index] += changes.weightedSums[index] }
                    for c in 0..<k { carriedWeights[c] += changes.clusterWeights[c] }
                    #expect(carriedLabels.toArray() == fullLabels.toArray(), "n \(n) workers \(workers) pass \(pass)")
                    #expect(changes.changedLabels == full.changedLabels)
                    // Carried weights add and subtract Double weights; full ones add each row once.
                    for c in 0..<k {
                        #expect(abs(carriedWeights[c] - full.clusterWeights[c]) <= 1e-12 * Double(n),
                                "n \(n) workers \(workers) pass \(pass) weight \(c): \(carriedWeights[c]) vs \(full.clusterWeights[c])")
                    }
                    #expect(changes.inertiaWithoutRowNorms == full.inertiaWithoutRowNorms)
                    if pass > 0 { #expect(changes.changedLabels < n, "the centers should keep most labels") }
                    // Full sums round in the working precision per chunk; carried ones only in Double.
                    let tolerance = Double(S.ulpOfOne) * 8 * 512 * 2  // |w·x| <= 2, 512-row chunks
                    for index in carried.indices {
                        #expect(abs(carried[index] - full.weightedSums[index]) <= tolerance,
                                "n \(n) workers \(workers) pass \(pass) sum \(index): \(carried[index]) vs \(full.weightedSums[index])")
                    }
                }
            }
        }
    }

    @Test(arguments: Path.allCases) func floatCarriedSumsMatchFullSums(_ path: Path) {
        carriedSumsMatchFullSums(Float.self, path: path)
    }
    @Test(arguments: Path.allCases) func doubleCarriedSumsMatchFullSums(_ path: Path) {
        carriedSumsMatchFullSums(Double.self, path: path)
    }

    /// From labels of -1 (no cluster) every row is moved in, so the changes are the full sums and weights in Double;
    /// the fused kernel and GEMM give the same changes (same rows, same order, same Double arithmetic).
    @Test func firstPassChangesAreFullSumsOnEveryPath() {
        var rng = SplitMix64(seed: 29)
        let x: Matrix<Double> = Reference.random(901, 12, using: &rng)
        let centers: Matrix<Double> = Reference.random(6, 12, using: &rng)
        var results: [KMeansAssignment] = []
        for path in Path.allCases {
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            results.append(Self.pass(path, x, centers: centers, weights: nil, labels: labels, changesOnly: true, workers: 2))
        }
        let reference = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
        let full = Self.pass(.fusedVector, x, centers: centers, weights: nil, labels: reference, changesOnly: false, workers: 2)
        for result in results {
            #expect(result.weightedSums == results[0].weightedSums)
            #expect(result.clusterWeights == full.clusterWeights, "every row joins its cluster: the changes are the counts")
            for index in full.weightedSums.indices {
                #expect(abs(result.weightedSums[index] - full.weightedSums[index]) <= 1e-12)
            }
        }
    }

    /// The same passes with the same worker count give bit-identical changes (range-order reduction).
    @Test(arguments: [1, 2, 3]) func changesAreReproducibleForAWorkerCount(_ workers: Int) {
        var rng = SplitMix64(seed: 31)
        let x: Matrix<Float> = Reference.random(2503, 32, using: &rng)
        let base: Matrix<Float> = Reference.random(16, 32, using: &rng)
        let weights: [Float] = (0..<x.rows).map { _ in Float(Double.random(in: 0...2, using: &rng)) }
        func run() -> [[Double]] {
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            return (0..<4).map { pass in
                Self.pass(.fusedVector, x, centers: Self.centers(base, pass: pass), weights: weights, labels: labels,
                          changesOnly: true, workers: workers).weightedSums
            }
        }
        #expect(run() == run())
    }
}
