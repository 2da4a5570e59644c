import CStrataBLAS
import Foundation

/// Whether an operand enters a product as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transpose

    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Which triangle of a symmetric matrix is referenced or written.
public enum Triangle: Sendable {
    case lower
    case upper

    var cblas: CBLAS_UPLO { self == .lower ? CblasLower : CblasUpper }
    var lapack: CChar { self == .lower ? CChar(UInt8(ascii: "L")) : CChar(UInt8(ascii: "U")) }
}

/// Checked wrappers over OpenBLAS (CBLAS, row-major). Every call validates shapes first and throws
/// ``LinearAlgebraError`` instead of letting BLAS read or write out of bounds.
public enum BLAS {
    // MARK: Threads

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses for one call (process-wide).
    ///
    /// Model code that splits rows across its own workers sets this to 1: threaded OpenBLAS on small
    /// per-chunk products is several times slower than one BLAS thread per worker.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        openblas_set_num_threads(Int32(clamping: count))
    }

    /// Runs `body` with OpenBLAS set to at most `count` threads, then restores the count from before.
    ///
    /// OpenBLAS's count is one setting for the whole process, so regions opened by several threads at once
    /// (two models fitted side by side, tests running in parallel) share it: while any region is open, the
    /// count is the smallest any open region asked for, and the last region to close restores the count that
    /// was set before the first opened. Without this, a region closing on one thread would hand the full
    /// count back to workers still inside another region, changing how OpenBLAS splits their calls (and
    /// with it the last bits of some results) halfway through a fit.
    public static func withThreadCount<R, E: Error>(_ count: Int, _ body: () throws(E) -> R) throws(E) -> R {
        precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
        ThreadRegions.shared.open(count)
        defer { ThreadRegions.shared.close(count) }
        return try body()
    }

    // MARK: Level 3

    /// General matrix product: `c ← alpha · op(a) · op(b) + beta · c`.
    ///
    /// - Parameters:
    ///   - a: an `m×k` matrix (`k×m` when `transA` is `.transpose`).
    ///   - b: a `k×n` matrix (`n×k` when `transB` is `.transpose`).
    ///   - c: the `m×n` result; read only when `beta` is not zero.
    /// - Complexity: O(m·n·k).
    public static func gemm<A: DenseMatrix, B: DenseMatrix>(
        _ a: A, _ b: B, transA: Transpose = .none, transB: Transpose = .none,
        alpha: A.Scalar = 1, beta: A.Scalar = 0, into c: inout Matrix<A.Scalar>
    ) throws(LinearAlgebraError) where A.Scalar == B.Scalar {
        let (m, k) = transA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = transB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        guard k == kb, c.rows == m, c.columns == n else {
            throw .dimensionMismatch(operation: "gemm", detail:
                "op(a) is \(m)x\(k), op(b) is \(kb)x\(n), c is \(c.rows)x\(c.columns)")
        }
        let (m32, n32, k32) = (try blasInt(m, "gemm"), try blasInt(n, "gemm"), try blasInt(k, "gemm"))
        let (lda, ldb, ldc) = (try leadingDimension(a.columns, "gemm"), try leadingDimension(b.columns, "gemm"),
                               try leadingDimension(c.columns, "gemm"))
        if m == 0 || n == 0 { return }
        if k == 0 { scale(&c.elements, by: beta); return }
        a.contiguousElements.withUnsafeBufferPointer { pa in
            b.contiguousElements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    A.Scalar._gemm(transA.cblas, transB.cblas, m32, n32, k32, alpha, pa.baseAddress, lda,
                                   pb.baseAddress, ldb, beta, pc.baseAddress, ldc)
                }
            }
        }
    }

    /// The product `op(a) · op(b)` as a new matrix.
    public static func product<A: DenseMatrix, B: DenseMatrix>(
        _ a: A, _ b: B, transA: Transpose = .none, transB: Transpose = .none
    ) throws(LinearAlgebraError) -> Matrix<A.Scalar> where A.Scalar == B.Scalar {
        let m = transA == .none ? a.rows : a.columns
        let n = transB == .none ? b.columns : b.rows
        var c = Matrix<A.Scalar>(rows: m, columns: n)
        try gemm(a, b, transA: transA, transB: transB, into: &c)
        return c
    }

    /// Symmetric rank-k update: `c ← alpha · op(a) · op(a)ᵀ + beta · c`, writing only `triangle` of `c`.
    ///
    /// With `.none`, `a` is `n×k` and the result is `a·aᵀ`; with `.transpose`, `a` is `k×n` and the result is
    /// `aᵀ·a` (the Gram matrix of the columns, as in a Hessian `Xᵀ W X`).
    /// - Complexity: O(n²·k), half of the equivalent ``gemm``.
    public static func syrk<A: DenseMatrix>(
        _ a: A, trans: Transpose = .none, alpha: A.Scalar = 1, beta: A.Scalar = 0,
        triangle: Triangle = .lower, into c: inout Matrix<A.Scalar>
    ) throws(LinearAlgebraError) {
        let (n, k) = trans == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        guard c.rows == n, c.columns == n else {
            throw .dimensionMismatch(operation: "syrk", detail: "op(a) is \(n)x\(k), c is \(c.rows)x\(c.columns)")
        }
        let (n32, k32) = (try blasInt(n, "syrk"), try blasInt(k, "syrk"))
        let (lda, ldc) = (try leadingDimension(a.columns, "syrk"), try leadingDimension(c.columns, "syrk"))
        if n == 0 { return }
        if k == 0 {
            // Only the referenced triangle is written, as BLAS does.
            for i in 0..<n {
                for j in (triangle == .lower ? 0..<(i + 1) : i..<n) { c[i, j] = beta == 0 ? 0 : beta * c[i, j] }
            }
            return
        }
        a.contiguousElements.withUnsafeBufferPointer { pa in
            c.elements.withUnsafeMutableBufferPointer { pc in
                A.Scalar._syrk(triangle.cblas, trans.cblas, n32, k32, alpha, pa.baseAddress, lda, beta,
                               pc.baseAddress, ldc)
            }
        }
    }

    // MARK: Level 2

    /// Matrix-vector product: `y ← alpha · op(a) · x + beta · y`.
    ///
    /// - Parameters:
    ///   - a: an `m×n` matrix.
    ///   - x: `n` elements (`m` when `trans` is `.transpose`); any contiguous collection.
    ///   - y: `m` elements (`n` when transposed); read only when `beta` is not zero.
    public static func gemv<A: DenseMatrix, X: Collection<A.Scalar>>(
        _ a: A, _ x: X, trans: Transpose = .none, alpha: A.Scalar = 1, beta: A.Scalar = 0,
        into y: inout [A.Scalar]
    ) throws(LinearAlgebraError) {
        let (xCount, yCount) = trans == .none ? (a.columns, a.rows) : (a.rows, a.columns)
        guard x.count == xCount, y.count == yCount else {
            throw .dimensionMismatch(operation: "gemv", detail:
                "a is \(a.rows)x\(a.columns)\(trans == .transpose ? " (transposed)" : ""), x has \(x.count), y has \(y.count)")
        }
        let (m32, n32) = (try blasInt(a.rows, "gemv"), try blasInt(a.columns, "gemv"))
        let lda = try leadingDimension(a.columns, "gemv")
        if yCount == 0 { return }
        if xCount == 0 { scale(&y, by: beta); return }
        withContiguous(x) { px in
            a.contiguousElements.withUnsafeBufferPointer { pa in
                y.withUnsafeMutableBufferPointer { py in
                    A.Scalar._gemv(trans.cblas, m32, n32, alpha, pa.baseAddress, lda, px.baseAddress, beta,
                                   py.baseAddress)
                }
            }
        }
    }

    // MARK: Level 1

    /// The dot product `xᵀy`.
    public static func dot<S: BLASScalar, X: Collection<S>, Y: Collection<S>>(
        _ x: X, _ y: Y
    ) throws(LinearAlgebraError) -> S {
        guard x.count == y.count else {
            throw .dimensionMismatch(operation: "dot", detail: "x has \(x.count), y has \(y.count)")
        }
        let n = try blasInt(x.count, "dot")
        return withContiguous(x) { px in withContiguous(y) { py in S._dot(n, px.baseAddress, py.baseAddress) } }
    }

    /// `y ← alpha · x + y`.
    public static func axpy<S: BLASScalar, X: Collection<S>>(
        _ alpha: S, _ x: X, _ y: inout [S]
    ) throws(LinearAlgebraError) {
        guard x.count == y.count else {
            throw .dimensionMismatch(operation: "axpy", detail: "x has \(x.count), y has \(y.count)")
        }
        let n = try blasInt(x.count, "axpy")
        withContiguous(x) { px in
            y.withUnsafeMutableBufferPointer { py in S._axpy(n, alpha, px.baseAddress, py.baseAddress) }
        }
    }

    /// The Euclidean norm `‖x‖₂`, computed without overflow for large elements.
    public static func nrm2<S: BLASScalar, X: Collection<S>>(_ x: X) throws(LinearAlgebraError) -> S {
        let n = try blasInt(x.count, "nrm2")
        return withContiguous(x) { px in S._nrm2(n, px.baseAddress) }
    }

    // MARK: Helpers

    private static func scale<S: BLASScalar>(_ values: inout [S], by beta: S) {
        if beta == 0 {
            for i in values.indices { values[i] = 0 }
        } else if beta != 1 {
            for i in values.indices { values[i] *= beta }
        }
    }
}

/// Runs `body` over `collection`'s contiguous storage, copying only when it has none.
@inline(__always)
func withContiguous<C: Collection, R>(_ collection: C, _ body: (UnsafeBufferPointer<C.Element>) -> R) -> R {
    if let result = collection.withContiguousStorageIfAvailable(body) { return result }
    return Array(collection).withUnsafeBufferPointer(body)
}

/// The open ``BLAS/withThreadCount(_:_:)`` regions of the process: how many asked for each count, and the
/// count to restore when the last closes.
private final class ThreadRegions: @unchecked Sendable {
    static let shared = ThreadRegions()

    private let lock = NSLock()
    private var open: [Int: Int] = [:]  // asked count → regions open with it
    private var before = 1  // the count set before the first open region

    func open(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        if open.isEmpty { before = BLAS.threadCount }
        open[count, default: 0] += 1
        apply()
    }

    func close(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        open[count]! -= 1
        if open[count] == 0 { open[count] = nil }
        apply()
    }

    /// Under the lock: the smallest open count, or the one from before when none is open.
    private func apply() {
        let count = open.keys.min() ?? before
        if BLAS.threadCount != count { BLAS.setThreadCount(count) }
    }
}
