@testable import StrataLinearAlgebra
import Testing

/// The fused k-means assignment kernel (both its AVX2 and portable paths) and the GEMM path against a naive
/// reference in `Double`, on shapes that hit the edges of the kernel's tiles: `n` not a multiple of the
/// 6-row (Float) or 3-row (Double) tile or of the 512-row chunk, `d` not a multiple of the vector width,
/// `k` below, at and above the 16-center register step and up to past the Double crossover (after the full steps,
/// a last step of one, two and three Double vectors: `k` = 17, 24, 27), `k = 1`, `d = 1`, and exact ties.
@Suite("k-means assignment kernels")
struct KMeansKernelTests {
    enum Path: CaseIterable { case fusedVector, fusedPortable, gemm }

    static let shapes: [(n: Int, d: Int, k: Int)] = [
        (1, 1, 1), (7, 1, 3), (13, 3, 1), (50, 5, 2), (37, 8, 8), (101, 7, 9), (513, 13, 16), (1031, 32, 16),
        (600, 33, 17), (257, 16, 24), (129, 9, 31), (300, 40, 33), (211, 20, 48), (190, 12, 64), (95, 2, 5), (77, 11, 27),
        (64, 3, 130), (40, 16, 64), (45, 1, 16384),
    ]

    static func run<S: FusedKMeansScalar>(
        _ path: Path, _ x: Matrix<S>, centers: Matrix<S>, weights: [S]?, labels: DisjointWriteBuffer<Int32>,
        workers: Int, chunkRows: Int = 512
    ) -> KMeansAssignment {
        switch path {
        case .fusedVector:
            KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: weights, labels: labels, accumulateSums: true,
                                       workers: workers, chunkRows: chunkRows)
        case .fusedPortable:
            KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: weights, labels: labels, accumulateSums: true,
                                       workers: workers, chunkRows: chunkRows, portable: true)
        case .gemm:
            KMeansKernels.assign(x, centers: centers, sampleWeights: weights, labels: labels, accumulateSums: true,
                                 workers: workers, chunkRows: chunkRows, kernel: .gemm)
        }
    }

    /// `‖c‖² − 2 x·c` in `Double` for every center.
    static func referenceDistances<S: BLASScalar>(_ x: Matrix<S>, row i: Int, centers: Matrix<S>) -> [Double] {
        (0..<centers.rows).map { c in
            var value = 0.0
            for j in 0..<x.columns {
                let (xj, cj) = (Double(x[i, j]), Double(centers[c, j]))
                value += cj * cj - 2 * xj * cj
            }
            return value
        }
    }

    func matchesReference<S: FusedKMeansScalar>(_: S.Type, path: Path) {
        var rng = SplitMix64(seed: 5)
        for (shapeIndex, shape) in Self.shapes.enumerated() {
            let x: Matrix<S> = Reference.random(shape.n, shape.d, using: &rng)
            let centers: Matrix<S> = Reference.random(shape.k, shape.d, using: &rng)
            let weights: [S]? = shapeIndex % 2 == 0 ? nil : (0..<shape.n).map { _ in S(Double.random(in: 0...2, using: &rng)) }
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: shape.n)
            let workers = shapeIndex % 3 + 1
            // A chunk shorter than the rows (and not a multiple of the tile) on some shapes folds sums mid-range.
            let result = Self.run(path, x, centers: centers, weights: weights, labels: labels, workers: workers,
                                  chunkRows: shapeIndex % 4 == 0 ? 64 : 512)
            let scale = Double(shape.d) * 4  // |‖c‖² − 2x·c| ≤ 3d for elements in [-1, 1]
            let slack = Double(S.ulpOfOne) * scale * 8
            var sums = [Double](repeating: 0, count: shape.k * shape.d)
            var clusterWeights = [Double](repeating: 0, count: shape.k)
            var inertia = 0.0
            for i in 0..<shape.n {
                let label = Int(labels[i])
                let distances = Self.referenceDistances(x, row: i, centers: centers)
                let best = distances.min()!
                #expect((0..<shape.k).contains(label), "shape \(shape) row \(i) label \(label)")
                guard (0..<shape.k).contains(label) else { return }
                // The chosen center is nearest up to rounding; any center clearly nearer would be a wrong label.
                #expect(distances[label] <= best + slack, "shape \(shape) row \(i): \(distances[label]) vs \(best)")
                let weight = weights.map { Double($0[i]) } ?? 1
                for j in 0..<shape.d { sums[label * shape.d + j] += weight * Double(x[i, j]) }
                clusterWeights[label] += weight
                inertia += weight * distances[label]
            }
            #expect(result.changedLabels == shape.n)
            let sumTolerance = Double(S.ulpOfOne) * Double(shape.n) * 4
            for index in sums.indices {
                #expect(abs(result.weightedSums[index] - sums[index]) <= sumTolerance, "shape \(shape) sum \(index)")
            }
            for c in 0..<shape.k {
                #expect(abs(result.clusterWeights[c] - clusterWeights[c]) <= 1e-9 * Double(shape.n), "shape \(shape) weight \(c)")
            }
            #expect(abs(result.inertiaWithoutRowNorms - inertia) <= slack * Double(shape.n) * 2, "shape \(shape) inertia")
            // A second pass from the same centers changes nothing.
            let again = Self.run(path, x, centers: centers, weights: weights, labels: labels, workers: workers)
            #expect(again.changedLabels == 0, "shape \(shape)")
        }
    }

    @Test(arguments: Path.allCases) func floatMatchesReference(_ path: Path) { matchesReference(Float.self, path: path) }
    @Test(arguments: Path.allCases) func doubleMatchesReference(_ path: Path) { matchesReference(Double.self, path: path) }

    /// Exact ties (duplicate centers give bit-identical distances in the fused kernel) go to the lowest index,
    /// in every lane position and across the 16-center steps. Not checked for the GEMM path: OpenBLAS's sgemm
    /// rounds the same center differently depending on its position in the micro-tile, so duplicates there
    /// are not exact ties.
    func tiesGoToTheLowestIndex<S: FusedKMeansScalar>(_: S.Type, path: Path) {
        var rng = SplitMix64(seed: 11)
        for (k, d) in [(2, 1), (9, 3), (16, 8), (17, 5), (40, 11)] {
            let distinct: Matrix<S> = Reference.random(k, d, using: &rng)
            // Center c + k duplicates center c: every nearest center has a later tie, in another lane or step.
            var elements = distinct.elements
            elements += distinct.elements
            let centers = Matrix<S>(rows: 2 * k, columns: d, elements: elements)
            let x: Matrix<S> = Reference.random(97, d, using: &rng)
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            _ = Self.run(path, x, centers: centers, weights: nil, labels: labels, workers: 2)
            for i in 0..<x.rows { #expect(labels[i] < Int32(k), "k \(k) d \(d) row \(i): label \(labels[i])") }
            // Rows equal to a center: distance ties with its later duplicate, label is the first.
            let onCenters = Matrix<S>(rows: k, columns: d, elements: distinct.elements)
            let onLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: k)
            _ = Self.run(path, onCenters, centers: centers, weights: nil, labels: onLabels, workers: 1)
            for c in 0..<k { #expect(onLabels[c] < Int32(k), "k \(k) d \(d) center row \(c): \(onLabels[c])") }
        }
        // All centers equal: every row gets label 0.
        let same = Matrix<S>(rows: 20, columns: 3, elements: (0..<60).map { S($0 % 3) })
        let x: Matrix<S> = Reference.random(50, 3, using: &rng)
        let labels = DisjointWriteBuffer<Int32>(repeating: 5, count: 50)
        let result = Self.run(path, x, centers: same, weights: nil, labels: labels, workers: 2)
        #expect(labels.toArray() == Array(repeating: 0, count: 50))
        #expect(result.changedLabels == 50)
        #expect(result.clusterWeights[0] == 50)
    }

    @Test(arguments: [Path.fusedVector, .fusedPortable])
    func floatTiesGoToTheLowestIndex(_ path: Path) { tiesGoToTheLowestIndex(Float.self, path: path) }
    @Test(arguments: [Path.fusedVector, .fusedPortable])
    func doubleTiesGoToTheLowestIndex(_ path: Path) { tiesGoToTheLowestIndex(Double.self, path: path) }

    /// The same data, centers and worker count give bit-identical results (the reduction is in range order).
    @Test func fusedIsReproducibleForAWorkerCount() {
        var rng = SplitMix64(seed: 3)
        let x: Matrix<Float> = Reference.random(3001, 19, using: &rng)
        let centers: Matrix<Float> = Reference.random(21, 19, using: &rng)
        let first = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
        let second = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
        let a = KMeansKernels.assign(x, centers: centers, sampleWeights: nil, labels: first, accumulateSums: true,
                                     workers: 2, kernel: .fused)
        let b = KMeansKernels.assign(x, centers: centers, sampleWeights: nil, labels: second, accumulateSums: true,
                                     workers: 2, kernel: .fused)
        #expect(first.toArray() == second.toArray())
        #expect(a.weightedSums == b.weightedSums)
        #expect(a.inertiaWithoutRowNorms == b.inertiaWithoutRowNorms)
    }

    /// The vectorized exact inertia equals the plain Swift loop up to rounding, with and without weights.
    func exactInertiaMatchesTheSwiftLoop<S: FusedKMeansScalar>(_: S.Type) {
        var rng = SplitMix64(seed: 17)
        for (n, d, k) in [(1, 1, 1), (50, 7, 3), (301, 16, 5), (700, 33, 9), (64, 40, 2)] {
            let x: Matrix<S> = Reference.random(n, d, using: &rng)
            let centers: Matrix<S> = Reference.random(k, d, using: &rng)
            let labels = DisjointWriteBuffer<Int32>(repeating: 0, count: n)
            for i in 0..<n { labels[i] = Int32(truncatingIfNeeded: (i * 7) % k) }
            for weights in [nil, (0..<n).map { _ in S(Double.random(in: 0...3, using: &rng)) }] as [[S]?] {
                let fused = KMeansKernels._fusedExactInertia(x, centers: centers, labels: labels, sampleWeights: weights,
                                                             workers: 2)
                let plain = KMeansKernels._exactInertia(x, centers: centers, labels: labels, sampleWeights: weights,
                                                        workers: 2)
                #expect(abs(fused - plain) <= Double(S.ulpOfOne) * 64 * Swift.max(plain, 1), "n \(n) d \(d) k \(k)")
            }
        }
    }

    @Test func exactInertiaMatchesTheSwiftLoopFloat() { exactInertiaMatchesTheSwiftLoop(Float.self) }
    @Test func exactInertiaMatchesTheSwiftLoopDouble() { exactInertiaMatchesTheSwiftLoop(Double.self) }

    /// The blocked non-finite scan finds the first NaN or infinity wherever it is: first and last element,
    /// either side of a 256-element block boundary and of a worker's range, several at once.
    func firstNonFiniteFindsTheFirst<S: FusedKMeansScalar>(_: S.Type) {
        let (n, d) = (300, 7)
        let clean = Matrix<S>(rows: n, columns: d, elements: (0..<(n * d)).map { S($0 % 13) - 6 })
        #expect(KMeansKernels._fusedFirstNonFinite(clean, workers: 3) == nil)
        let bad: [S] = [.nan, -.nan, .infinity, -.infinity, .signalingNaN]
        for position in [0, 1, 255, 256, 257, 699, 700, 1049, 1050, n * d - 1] {
            for value in bad {
                var elements = clean.elements
                elements[position] = value
                if position + 300 < n * d { elements[position + 300] = .nan }
                let found = KMeansKernels._fusedFirstNonFinite(Matrix(rows: n, columns: d, elements: elements), workers: 3)
                #expect(found?.row == position / d && found?.column == position % d, "position \(position) \(value)")
            }
        }
        // Largest finite values are not flagged.
        let extremes = Matrix<S>(rows: 2, columns: 2, elements: [S.greatestFiniteMagnitude, -S.greatestFiniteMagnitude,
                                                                  S.leastNonzeroMagnitude, 0])
        #expect(KMeansKernels._fusedFirstNonFinite(extremes, workers: 1) == nil)
    }

    @Test func firstNonFiniteFindsTheFirstFloat() { firstNonFiniteFindsTheFirst(Float.self) }
    @Test func firstNonFiniteFindsTheFirstDouble() { firstNonFiniteFindsTheFirst(Double.self) }

    /// The automatic choice is the fused kernel up to the measured crossover and GEMM beyond it.
    @Test func automaticChoiceFollowsTheCrossover() {
        #expect(KMeansKernels.fusedAssignmentIsFaster(Float.self, clusterCount: 16, featureCount: 32))
        #expect(KMeansKernels.fusedAssignmentIsFaster(Float.self, clusterCount: 1, featureCount: 1))
        #expect(KMeansKernels.fusedAssignmentIsFaster(Float.self, clusterCount: 512, featureCount: 32))
        #expect(!KMeansKernels.fusedAssignmentIsFaster(Float.self, clusterCount: 256, featureCount: 128))
        #expect(KMeansKernels.fusedAssignmentIsFaster(Double.self, clusterCount: 16, featureCount: 64))
        #expect(!KMeansKernels.fusedAssignmentIsFaster(Double.self, clusterCount: 16, featureCount: 128))
        #expect(!KMeansKernels.fusedAssignmentIsFaster(Float.self, clusterCount: Int.max, featureCount: 2))
    }

    /// An assignment pass asked for the exact inertia gives, in the same pass, the sum
    /// `exactInertia(x, centers, labels)` gives after it: the same rows in the same order, bit for bit.
    func exactInertiaInThePass<S: FusedKMeansScalar>(_: S.Type) {
        var rng = SplitMix64(seed: 47)
        for shape in Self.shapes where shape.k <= 64 {
            let x: Matrix<S> = Reference.random(shape.n, shape.d, using: &rng)
            let centers: Matrix<S> = Reference.random(shape.k, shape.d, using: &rng)
            for weights in [nil, (0..<shape.n).map { _ in S(Double.random(in: 0...2, using: &rng)) }] as [[S]?] {
                for path in Path.allCases {
                    let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: shape.n)
                    let pass: KMeansAssignment
                    switch path {
                    case .fusedVector, .fusedPortable:
                        pass = KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: weights, labels: labels,
                                                          accumulateSums: false, exactInertia: true, workers: 3,
                                                          chunkRows: 512, portable: path == .fusedPortable)
                    case .gemm:
                        pass = KMeansKernels.assign(x, centers: centers, sampleWeights: weights, labels: labels,
                                                    accumulateSums: false, exactInertia: true, workers: 3, kernel: .gemm)
                    }
                    let after = path == .fusedPortable
                        ? portableExactInertia(x, centers: centers, labels: labels, weights: weights, workers: 3)
                        : KMeansKernels.exactInertia(x, centers: centers, labels: labels, sampleWeights: weights, workers: 3)
                    #expect(pass.exactInertia == after, "\(shape) \(path) weighted \(weights != nil)")
                }
            }
        }
    }

    /// The portable C loops' exact inertia, range by range as the passes split the rows.
    func portableExactInertia<S: FusedKMeansScalar>(_ x: Matrix<S>, centers: Matrix<S>, labels: DisjointWriteBuffer<Int32>,
                                                     weights: [S]?, workers: Int) -> Double {
        let d = x.columns
        return Parallel.partition(x.rows, into: KMeansKernels.taskCount(workers)).reduce(0.0) { total, range in
            x.elements.withUnsafeBufferPointer { px in
                centers.elements.withUnsafeBufferPointer { pc in
                    var part = 0.0
                    KMeansKernels.withRowWeights(weights, from: range.lowerBound) { rowWeights in
                        part = S._kmeansExactInertia(px.baseAddress! + range.lowerBound * d, rows: range.count, features: d,
                                                     centers: pc.baseAddress!, labels: labels.storage + range.lowerBound,
                                                     weights: rowWeights, portable: true)
                    }
                    return total + part
                }
            }
        }
    }

    @Test func floatExactInertiaInThePass() { exactInertiaInThePass(Float.self) }
    @Test func doubleExactInertiaInThePass() { exactInertiaInThePass(Double.self) }

    /// A buffer made by `makeArray` writes straight into the returned array, from several workers.
    @Test func makeArrayReturnsWhatTheBufferHolds() {
        let array = DisjointWriteBuffer<Int32>.makeArray(repeating: -1, count: 1000) { buffer in
            Parallel.forEach(rangesOf: 1000, workers: 3) { range in
                for i in range where i % 3 != 0 { buffer.storage[i] = Int32(i) }
            }
        }
        let expected: [Int32] = (0..<1000).map { i in i % 3 == 0 ? -1 : Int32(i) }
        #expect(array == expected)
        var called = false
        #expect(DisjointWriteBuffer<Int32>.makeArray(repeating: 7, count: 0) { called = $0.count == 0 }.isEmpty)
        #expect(called)
    }
}
