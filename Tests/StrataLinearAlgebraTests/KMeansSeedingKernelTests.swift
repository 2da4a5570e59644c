@testable import StrataLinearAlgebra
import Testing

/// The k-means++ seeding kernels (AVX2 and portable paths) against a naive reference in Double: the pending
/// center's lowering of the closest distances, the block sums of every column, and the draws, with and without
/// weights, for odd and even candidate counts, feature counts that leave vector tails, and 1 or 3 workers.
@Suite("k-means++ seeding kernels")
struct KMeansSeedingKernelTests {
    static let shapes: [(n: Int, d: Int, m: Int)] = [(1, 1, 1), (7, 3, 2), (300, 32, 4), (513, 33, 5), (257, 7, 1),
                                                     (40, 16, 6), (600, 40, 3)]

    /// `max(‖x‖² − 2x·c + ‖c‖², 0)` in Double.
    static func distance<S: BLASScalar>(_ x: Matrix<S>, _ i: Int, _ center: [S]) -> Double {
        var (norm, dot, centerNorm) = (0.0, 0.0, 0.0)
        for j in 0..<x.columns {
            norm += Double(x[i, j]) * Double(x[i, j])
            dot += Double(x[i, j]) * Double(center[j])
            centerNorm += Double(center[j]) * Double(center[j])
        }
        return Swift.max(norm - 2 * dot + centerNorm, 0)
    }

    func passMatchesTheReference<S: SeedingKMeansScalar>(_: S.Type, portable: Bool) {
        var rng = SplitMix64(seed: 41)
        let tolerance = S.self == Float.self ? 2e-5 : 1e-12
        for shape in Self.shapes {
            let x: Matrix<S> = Reference.random(shape.n, shape.d, using: &rng)
            let candidates: Matrix<S> = Reference.random(shape.m, shape.d, using: &rng)
            let pending: [S] = Reference.vector(shape.d, using: &rng)
            let start: [S] = Reference.vector(shape.n, using: &rng).map { abs($0) * S(shape.d) }
            for weights in [nil, (0..<shape.n).map { _ in S(Double.random(in: 0...2, using: &rng)) }] as [[S]?] {
                for workers in [1, 3] {
                    let weight = { (i: Int) in weights.map { Double($0[i]) } ?? 1 }
                    let closest = DisjointWriteBuffer<S>(repeating: 0, count: shape.n)
                    for i in 0..<shape.n { closest[i] = start[i] }
                    let sums = KMeansKernels._seedingPass(x, pending: pending, candidates: candidates, closest: closest,
                                                          sampleWeights: weights, workers: workers, portable: portable)
                    // Blocks of at most 256 rows cover the rows in order.
                    #expect(sums.blockStarts.first == 0 && sums.blockStarts.last == shape.n)
                    #expect(zip(sums.blockStarts, sums.blockStarts.dropFirst()).allSatisfy { $0 < $1 && $1 - $0 <= 256 })
                    // The pending center lowered every closest distance; column 0 sums them.
                    var lowered = [Double](repeating: 0, count: shape.n)
                    for i in 0..<shape.n {
                        lowered[i] = Swift.min(Double(start[i]), Self.distance(x, i, pending))
                        #expect(abs(Double(closest[i]) - lowered[i]) <= tolerance * Swift.max(1, lowered[i]) * Double(shape.d),
                                "\(shape) row \(i): \(closest[i]) vs \(lowered[i])")
                    }
                    let potential = (0..<shape.n).reduce(0.0) { $0 + weight($1) * lowered[$1] }
                    #expect(abs(sums.total(0) - potential) <= tolerance * Swift.max(1, potential) * Double(shape.d))
                    for c in 0..<shape.m {
                        let center = Array(candidates.row(c))
                        let expected = (0..<shape.n).reduce(0.0) { $0 + weight($1) * Swift.min(lowered[$1], Self.distance(x, $1, center)) }
                        #expect(abs(sums.total(1 + c) - expected) <= tolerance * Swift.max(1, expected) * Double(shape.d),
                                "\(shape) candidate \(c): \(sums.total(1 + c)) vs \(expected)")
                        // Block by block too.
                        for block in 0..<sums.blockCount {
                            let rows = sums.blockStarts[block]..<sums.blockStarts[block + 1]
                            let blockExpected = rows.reduce(0.0) { $0 + weight($1) * Swift.min(lowered[$1], Self.distance(x, $1, center)) }
                            let got = sums.sums[(1 + c) * sums.blockCount + block]
                            #expect(abs(got - blockExpected) <= tolerance * Swift.max(1, blockExpected) * Double(shape.d))
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [false, true]) func floatPassMatchesTheReference(_ portable: Bool) {
        passMatchesTheReference(Float.self, portable: portable)
    }

    @Test(arguments: [false, true]) func doublePassMatchesTheReference(_ portable: Bool) {
        passMatchesTheReference(Double.self, portable: portable)
    }

    /// Draws are `searchsorted(cumsum(values), target)`: a target halfway into a row's share of the running sum
    /// picks that row; a target beyond the total picks the last row.
    @Test(arguments: [false, true]) func drawsPickTheRowWhoseShareHoldsTheTarget(_ portable: Bool) {
        var rng = SplitMix64(seed: 44)
        let (n, d) = (700, 9)
        let x: Matrix<Double> = Reference.random(n, d, using: &rng)
        let weights = (0..<n).map { i in i % 5 == 0 ? 0 : Double.random(in: 0.5...2, using: &rng) }
        let closest = DisjointWriteBuffer<Double>(repeating: .infinity, count: n)
        let first = Array(x.row(3)), candidate = Array(x.row(500))
        let sums = KMeansKernels._seedingPass(x, pending: first, candidates: Matrix(rows: 1, columns: d, elements: candidate),
                                              closest: closest, sampleWeights: weights, workers: 3, portable: portable)
        for (column, center) in [(0, nil), (1, candidate)] as [(Int, [Double]?)] {
            var values = (0..<n).map { weights[$0] * Double(closest[$0]) }
            if let center { values = (0..<n).map { weights[$0] * Swift.min(Double(closest[$0]), Self.distance(x, $0, center)) } }
            var running = 0.0, targets: [Double] = [], expected: [Int] = []
            for i in 0..<n {
                if values[i] > 1e-6 * running && i % 7 == 0 {
                    targets.append(running + values[i] / 2)
                    expected.append(i)
                }
                running += values[i]
            }
            targets.append(running * 2)
            expected.append(n - 1)
            let drawn = KMeansKernels._seedingDraws(x, sums: sums, column: column, center: center, closest: closest,
                                                    sampleWeights: weights, targets: targets, portable: portable)
            #expect(drawn == expected, "column \(column)")
            #expect(drawn.dropLast().allSatisfy { weights[$0] > 0 })
        }
    }

    /// Deferring a chosen candidate's lowering to the next pass changes nothing: drawing from the candidate's
    /// column (lowering computed on the fly) picks exactly the rows that drawing from column 0 picks after the
    /// next pass has applied it, and leaves the same potential, bit for bit. The candidates' column comes from
    /// the pass's two-rows-at-a-time dots and the applied lowering from its one-row dots: an odd row count and
    /// feature counts with vector tails (33) check that the two give the same bits.
    @Test(arguments: [false, true]) func deferredLoweringDrawsTheSameRows(_ portable: Bool) {
        deferredLoweringDrawsTheSameRows(Float.self, rows: 2000, features: 32, portable: portable)
        deferredLoweringDrawsTheSameRows(Float.self, rows: 1999, features: 33, portable: portable)
        deferredLoweringDrawsTheSameRows(Double.self, rows: 2001, features: 33, portable: portable)
        deferredLoweringDrawsTheSameRows(Double.self, rows: 300, features: 7, portable: portable)
    }

    func deferredLoweringDrawsTheSameRows<S: SeedingKMeansScalar>(_: S.Type, rows n: Int, features d: Int, portable: Bool) {
        var rng = SplitMix64(seed: 45)
        let x: Matrix<S> = Reference.random(n, d, using: &rng)
        let closest = DisjointWriteBuffer<S>(repeating: .infinity, count: n)
        let candidates = Matrix(rows: 4, columns: d, elements: [7, n / 2, n * 3 / 4, n - 1].flatMap { x.row($0) })
        let none = Matrix<S>(rows: 0, columns: d, elements: [])
        _ = KMeansKernels._seedingPass(x, pending: Array(x.row(0)), candidates: none,
                                       closest: closest, sampleWeights: nil, workers: 2, portable: portable)
        let sums = KMeansKernels._seedingPass(x, pending: nil, candidates: candidates, closest: closest, sampleWeights: nil,
                                              workers: 2, portable: portable)
        let chosen = Array(candidates.row(2))
        let targets = (0..<50).map { _ in Double.random(in: 0..<1, using: &rng) * sums.total(3) }
        let deferred = KMeansKernels._seedingDraws(x, sums: sums, column: 3, center: chosen, closest: closest,
                                                   sampleWeights: nil, targets: targets, portable: portable)
        let applied = KMeansKernels._seedingPass(x, pending: chosen, candidates: none,
                                                 closest: closest, sampleWeights: nil, workers: 2, portable: portable)
        #expect(applied.total(0) == sums.total(3), "\(S.self) \(n)x\(d)")
        #expect(applied.sums == Array(sums.sums[(3 * sums.blockCount)...].prefix(sums.blockCount)), "\(S.self) \(n)x\(d)")
        let direct = KMeansKernels._seedingDraws(x, sums: applied, column: 0, center: nil, closest: closest,
                                                 sampleWeights: nil, targets: targets, portable: portable)
        #expect(deferred == direct, "\(S.self) \(n)x\(d)")
    }

    /// The same data and worker count give bit-identical sums (blocks are added in order).
    @Test func passIsReproducible() {
        var rng = SplitMix64(seed: 43)
        let x: Matrix<Float> = Reference.random(1000, 32, using: &rng)
        let candidates: Matrix<Float> = Reference.random(5, 32, using: &rng)
        let sums = (0..<2).map { _ in
            KMeansKernels._seedingPass(x, pending: nil, candidates: candidates, closest: DisjointWriteBuffer<Float>(repeating: 100, count: 1000),
                                       sampleWeights: nil, workers: 2, portable: false).sums
        }
        #expect(sums[0] == sums[1])
    }
}
