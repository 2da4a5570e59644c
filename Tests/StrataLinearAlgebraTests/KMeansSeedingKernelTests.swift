@testable import StrataLinearAlgebra
import Testing

/// The k-means++ seeding kernels (AVX2 and portable paths) against a naive reference in Double: the lowered
/// closest distances and potentials of `updateClosest`, and the candidate potentials, with and without
/// weights, for odd and even candidate counts and feature counts that leave vector tails.
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

    func kernelsMatchTheReference<S: FusedKMeansScalar>(_: S.Type, portable: Bool) {
        var rng = SplitMix64(seed: 41)
        let tolerance = S.self == Float.self ? 2e-5 : 1e-12
        for shape in Self.shapes {
            let x: Matrix<S> = Reference.random(shape.n, shape.d, using: &rng)
            let candidates: Matrix<S> = Reference.random(shape.m, shape.d, using: &rng)
            let start: [S] = Reference.vector(shape.n, using: &rng).map { abs($0) * S(shape.d) }
            for weights in [nil, (0..<shape.n).map { _ in S(Double.random(in: 0...2, using: &rng)) }] as [[S]?] {
                for workers in [1, 3] {
                    let weight = { (i: Int) in weights.map { Double($0[i]) } ?? 1 }
                    // Candidate potentials against closest distances that some candidates lower and some do not.
                    let closest = DisjointWriteBuffer<S>(repeating: 0, count: shape.n)
                    for i in 0..<shape.n { closest[i] = start[i] }
                    let potentials = KMeansKernels._candidatePotentials(x, candidates: candidates, closest: closest,
                                                                        sampleWeights: weights, workers: workers,
                                                                        portable: portable)
                    for c in 0..<shape.m {
                        let center = Array(candidates.row(c))
                        let expected = (0..<shape.n).reduce(0.0) { sum, i in
                            sum + weight(i) * Swift.min(Double(start[i]), Self.distance(x, i, center))
                        }
                        #expect(abs(potentials[c] - expected) <= tolerance * Swift.max(1, expected) * Double(shape.d),
                                "\(shape) candidate \(c): \(potentials[c]) vs \(expected)")
                    }
                    // updateClosest lowers each closest distance to the distance to the center.
                    let center = Array(candidates.row(0))
                    let potential = KMeansKernels._updateClosest(x, center: center, closest: closest,
                                                                 sampleWeights: weights, workers: workers,
                                                                 portable: portable)
                    var expected = 0.0
                    for i in 0..<shape.n {
                        let lowered = Swift.min(Double(start[i]), Self.distance(x, i, center))
                        #expect(abs(Double(closest[i]) - lowered) <= tolerance * Swift.max(1, lowered) * Double(shape.d),
                                "\(shape) row \(i): \(closest[i]) vs \(lowered)")
                        expected += weight(i) * lowered
                    }
                    #expect(abs(potential - expected) <= tolerance * Swift.max(1, expected) * Double(shape.d))
                }
            }
        }
    }

    @Test(arguments: [false, true]) func floatKernelsMatchTheReference(_ portable: Bool) {
        kernelsMatchTheReference(Float.self, portable: portable)
    }

    @Test(arguments: [false, true]) func doubleKernelsMatchTheReference(_ portable: Bool) {
        kernelsMatchTheReference(Double.self, portable: portable)
    }

    /// The same data and worker count give bit-identical potentials (ranges are added in order).
    @Test func candidatePotentialsAreReproducible() {
        var rng = SplitMix64(seed: 43)
        let x: Matrix<Float> = Reference.random(1000, 32, using: &rng)
        let candidates: Matrix<Float> = Reference.random(5, 32, using: &rng)
        let closest = DisjointWriteBuffer<Float>(repeating: 100, count: 1000)
        let first = KMeansKernels._candidatePotentials(x, candidates: candidates, closest: closest, sampleWeights: nil,
                                                       workers: 2)
        let second = KMeansKernels._candidatePotentials(x, candidates: candidates, closest: closest, sampleWeights: nil,
                                                        workers: 2)
        #expect(first == second)
    }
}
