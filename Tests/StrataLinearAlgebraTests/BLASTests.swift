import Foundation
import StrataLinearAlgebra
import Testing

/// Every BLAS wrapper against the naive reference, on random shapes including empty, 1xN, Nx1 and
/// non-square, for Float and Double. Tolerance: 256 ulps of 1 (values are in [-1, 1], sums of <= 17 terms).
@Suite("BLAS wrappers")
struct BLASTests {
    /// (m, n, k) triples: empty in each dimension, vectors, non-square.
    static let shapes: [(Int, Int, Int)] = [
        (0, 0, 0), (0, 3, 2), (3, 0, 2), (3, 2, 0), (1, 1, 1), (1, 7, 3), (7, 1, 3), (4, 5, 1),
        (5, 3, 7), (2, 9, 4), (16, 17, 15),
    ]

    func checkGemm<S: BLASScalar>(_: S.Type) throws {
        var rng = SplitMix64(seed: 7)
        for (m, n, k) in Self.shapes {
            for transA in [Transpose.none, .transpose] {
                for transB in [Transpose.none, .transpose] {
                    let a: Matrix<S> = transA == .none ? Reference.random(m, k, using: &rng) : Reference.random(k, m, using: &rng)
                    let b: Matrix<S> = transB == .none ? Reference.random(k, n, using: &rng) : Reference.random(n, k, using: &rng)
                    let c0: Matrix<S> = Reference.random(m, n, using: &rng)
                    for (alpha, beta) in [(S(1), S(0)), (S(-0.5), S(2))] {
                        var c = c0
                        try BLAS.gemm(a, b, transA: transA, transB: transB, alpha: alpha, beta: beta, into: &c)
                        let expected = Reference.gemm(a, transA, b, transB, alpha: alpha, beta: beta, c: c0)
                        #expect(Reference.maxDifference(c.elements, expected.elements) <= S.testTolerance,
                                "gemm \(m)x\(n)x\(k) \(transA) \(transB) alpha \(alpha) beta \(beta)")
                    }
                }
            }
        }
    }

    @Test func gemmFloat() throws { try checkGemm(Float.self) }
    @Test func gemmDouble() throws { try checkGemm(Double.self) }

    @Test func productOfRowViewsMatchesCopies() throws {
        var rng = SplitMix64(seed: 11)
        let x: Matrix<Double> = Reference.random(10, 4, using: &rng)
        let centers: Matrix<Double> = Reference.random(3, 4, using: &rng)
        let view = try BLAS.product(x.rows(2..<7), centers, transB: .transpose)
        let copy = try BLAS.product(x.rows(2..<7).copy(), centers, transB: .transpose)
        #expect(view == copy)
        #expect(view.rows == 5 && view.columns == 3)
    }

    func checkGemv<S: BLASScalar>(_: S.Type) throws {
        var rng = SplitMix64(seed: 3)
        for (m, n, _) in Self.shapes {
            let a: Matrix<S> = Reference.random(m, n, using: &rng)
            for trans in [Transpose.none, .transpose] {
                let (xCount, yCount) = trans == .none ? (n, m) : (m, n)
                let x: [S] = Reference.vector(xCount, using: &rng)
                let y0: [S] = Reference.vector(yCount, using: &rng)
                var y = y0
                try BLAS.gemv(a, x, trans: trans, alpha: 2, beta: S(-1), into: &y)
                let expected = Reference.gemm(a, trans, Matrix(rows: xCount, columns: 1, elements: x), .none,
                                              alpha: 2, beta: -1, c: Matrix(rows: yCount, columns: 1, elements: y0))
                #expect(Reference.maxDifference(y, expected.elements) <= S.testTolerance, "gemv \(m)x\(n) \(trans)")
            }
        }
    }

    @Test func gemvFloat() throws { try checkGemv(Float.self) }
    @Test func gemvDouble() throws { try checkGemv(Double.self) }

    func checkSyrk<S: BLASScalar>(_: S.Type) throws {
        var rng = SplitMix64(seed: 5)
        for (n, _, k) in Self.shapes {
            for trans in [Transpose.none, .transpose] {
                let a: Matrix<S> = trans == .none ? Reference.random(n, k, using: &rng) : Reference.random(k, n, using: &rng)
                let c0: Matrix<S> = Reference.random(n, n, using: &rng)
                for triangle in [Triangle.lower, .upper] {
                    var c = c0
                    try BLAS.syrk(a, trans: trans, alpha: 1.5, beta: 0.5, triangle: triangle, into: &c)
                    let full = Reference.gemm(a, trans, a, trans == .none ? .transpose : .none, alpha: 1.5, beta: 0.5, c: c0)
                    for i in 0..<n {
                        for j in 0..<n {
                            let written = triangle == .lower ? j <= i : j >= i
                            let expected = written ? full[i, j] : c0[i, j]  // the other triangle is untouched
                            #expect(abs(c[i, j] - expected) <= S.testTolerance, "syrk \(n)x\(k) \(trans) \(triangle) (\(i),\(j))")
                        }
                    }
                }
            }
        }
    }

    @Test func syrkFloat() throws { try checkSyrk(Float.self) }
    @Test func syrkDouble() throws { try checkSyrk(Double.self) }

    func checkLevel1<S: BLASScalar>(_: S.Type) throws {
        var rng = SplitMix64(seed: 9)
        for count in [0, 1, 2, 17, 100] {
            let x: [S] = Reference.vector(count, using: &rng)
            let y0: [S] = Reference.vector(count, using: &rng)
            let dot = try BLAS.dot(x, y0)
            #expect(abs(dot - zip(x, y0).reduce(0) { $0 + $1.0 * $1.1 }) <= S.testTolerance, "dot \(count)")
            var y = y0
            try BLAS.axpy(-3, x, &y)
            #expect(Reference.maxDifference(y, zip(x, y0).map { -3 * $0.0 + $0.1 }) <= S.testTolerance, "axpy \(count)")
            let norm = try BLAS.nrm2(x)
            #expect(abs(norm - x.reduce(0) { $0 + $1 * $1 }.squareRoot()) <= S.testTolerance, "nrm2 \(count)")
            // Slices are read in place. Not bit for bit: the SSE2 dot kernel OpenBLAS 0.3.21 falls back to on a
            // CPU it does not know (Prescott, on a Xeon of model 207) sums in an order that depends on the
            // address's alignment, and a slice one element in starts 8 bytes off its copy's.
            if count > 2 {
                let inPlace = try BLAS.dot(x[1...], y0[1...]), copied = try BLAS.dot(Array(x[1...]), Array(y0[1...]))
                #expect(abs(inPlace - copied) <= S.testTolerance, "dot of a slice \(count)")
            }
        }
        // nrm2 does not overflow where the naive sum of squares would.
        #expect(try BLAS.nrm2([S.greatestFiniteMagnitude / 2, S.greatestFiniteMagnitude / 2]).isFinite)
    }

    @Test func level1Float() throws { try checkLevel1(Float.self) }
    @Test func level1Double() throws { try checkLevel1(Double.self) }

    @Test func mismatchedShapesThrowBeforeCallingBLAS() throws {
        let a = Matrix<Double>(rows: 2, columns: 3), b = Matrix<Double>(rows: 2, columns: 3)
        var c = Matrix<Double>(rows: 2, columns: 3)
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "gemm", detail: "op(a) is 2x3, op(b) is 2x3, c is 2x3")) {
            try BLAS.gemm(a, b, into: &c)
        }
        var y = [Double](repeating: 0, count: 5)
        #expect(throws: LinearAlgebraError.self) { try BLAS.gemv(a, [1, 2, 3], into: &y) }
        #expect(throws: LinearAlgebraError.self) { try BLAS.syrk(a, into: &c) }
        #expect(throws: LinearAlgebraError.dimensionMismatch(operation: "dot", detail: "x has 2, y has 3")) {
            try BLAS.dot([1.0, 2], [1.0, 2, 3])
        }
        var short = [1.0]
        #expect(throws: LinearAlgebraError.self) { try BLAS.axpy(1, [1.0, 2], &short) }
    }

    @Test func threadCountIsRestored() {
        let before = BLAS.threadCount
        let inside = BLAS.withThreadCount(1) { BLAS.threadCount }
        #expect(inside == 1)
        #expect(BLAS.threadCount == before)
    }

    /// Regions on two threads that overlap: the one closing first must not hand the full count back to the
    /// other while it is still inside (every region in the process asks for 1, so inside is always 1).
    @Test func overlappingRegionsKeepTheirCountUntilTheLastCloses() {
        let opened = DispatchSemaphore(value: 0), firstClosed = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seenAfterTheOtherClosed = 0
        BLAS.withThreadCount(1) {
            Thread {
                BLAS.withThreadCount(1) {
                    opened.signal()
                    firstClosed.wait()
                    seenAfterTheOtherClosed = BLAS.threadCount
                }
                done.signal()
            }.start()
            opened.wait()
        }
        firstClosed.signal()
        done.wait()
        #expect(seenAfterTheOtherClosed == 1)
    }
}

@Suite("heap")
struct HeapTests {
    /// Memory freed in the heap's middle (blocks under glibc's mmap threshold) goes back: a 64 MB run of
    /// 64 KB blocks is allocated, all but the last freed, and the trim reports memory returned.
    @Test func freedMemoryGoesBackToTheSystem() {
        var blocks: [UnsafeMutableRawPointer] = (0..<1024).map { _ in
            let block = malloc(64 * 1024)!
            memset(block, 1, 64 * 1024)
            return block
        }
        let last = blocks.removeLast()
        for block in blocks { free(block) }
        #expect(Heap.releaseFree())
        free(last)
    }
}
