/// Checked wrappers over LAPACKE's Cholesky routines (row-major).
public enum LAPACK {
    /// Factors a symmetric positive definite `a` in place (`potrf`): `a = L·Lᵀ` with `triangle == .lower`
    /// (or `Uᵀ·U` with `.upper`). Only `triangle` of `a` is read; on return it holds the factor and the
    /// other triangle is left as it was.
    ///
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)`` when a leading minor is not positive;
    ///   `a` is then partly overwritten.
    /// - Complexity: O(n³/3).
    public static func potrf<S: BLASScalar>(_ a: inout Matrix<S>, triangle: Triangle = .lower) throws(LinearAlgebraError) {
        guard a.rows == a.columns else { throw .notSquare(operation: "potrf", rows: a.rows, columns: a.columns) }
        let n = try blasInt(a.rows, "potrf")
        let lda = try leadingDimension(a.columns, "potrf")
        if n == 0 { return }
        let info = a.elements.withUnsafeMutableBufferPointer { pa in S._potrf(triangle.lapack, n, pa.baseAddress, lda) }
        try check(info, "potrf")
    }

    /// Solves `a·x = b` in place of `b` given `factor` from ``potrf(_:triangle:)`` (`potrs`).
    /// - Parameter b: `n×nrhs` right-hand sides; on return, the solutions.
    /// - Complexity: O(n²·nrhs).
    public static func potrs<S: BLASScalar>(
        factor: Matrix<S>, triangle: Triangle = .lower, _ b: inout Matrix<S>
    ) throws(LinearAlgebraError) {
        guard factor.rows == factor.columns else {
            throw .notSquare(operation: "potrs", rows: factor.rows, columns: factor.columns)
        }
        guard b.rows == factor.rows else {
            throw .dimensionMismatch(operation: "potrs", detail: "factor is \(factor.rows)x\(factor.columns), b is \(b.rows)x\(b.columns)")
        }
        let (n, nrhs) = (try blasInt(factor.rows, "potrs"), try blasInt(b.columns, "potrs"))
        let (lda, ldb) = (try leadingDimension(factor.columns, "potrs"), try leadingDimension(b.columns, "potrs"))
        if n == 0 || nrhs == 0 { return }
        let info = factor.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeMutableBufferPointer { pb in
                S._potrs(triangle.lapack, n, nrhs, pa.baseAddress, lda, pb.baseAddress, ldb)
            }
        }
        try check(info, "potrs")
    }

    /// Factors `a` and solves `a·x = b` in one call (`posv`); `a` becomes the factor, `b` the solution.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)``; `b` is then left unsolved.
    public static func posv<S: BLASScalar>(
        _ a: inout Matrix<S>, _ b: inout Matrix<S>, triangle: Triangle = .lower
    ) throws(LinearAlgebraError) {
        guard a.rows == a.columns else { throw .notSquare(operation: "posv", rows: a.rows, columns: a.columns) }
        guard b.rows == a.rows else {
            throw .dimensionMismatch(operation: "posv", detail: "a is \(a.rows)x\(a.columns), b is \(b.rows)x\(b.columns)")
        }
        let (n, nrhs) = (try blasInt(a.rows, "posv"), try blasInt(b.columns, "posv"))
        let (lda, ldb) = (try leadingDimension(a.columns, "posv"), try leadingDimension(b.columns, "posv"))
        if n == 0 || nrhs == 0 { return }
        let info = a.elements.withUnsafeMutableBufferPointer { pa in
            b.elements.withUnsafeMutableBufferPointer { pb in
                S._posv(triangle.lapack, n, nrhs, pa.baseAddress, lda, pb.baseAddress, ldb)
            }
        }
        try check(info, "posv")
    }

    private static func check(_ info: Int32, _ operation: String) throws(LinearAlgebraError) {
        if info > 0 { throw .notPositiveDefinite(pivot: Int(info)) }
        if info < 0 { throw .invalidArgument(operation: operation, position: Int(-info)) }
    }
}

/// The Cholesky factorization `a = L·Lᵀ` of a symmetric positive definite matrix, ready to solve with.
public struct Cholesky<Scalar: BLASScalar>: Sendable {
    /// The lower-triangular factor `L` (the strict upper triangle is zero).
    public let lower: Matrix<Scalar>

    /// Factors `a`, reading its lower triangle.
    /// - Throws: ``LinearAlgebraError/notPositiveDefinite(pivot:)`` or a shape error.
    public init(_ a: Matrix<Scalar>) throws(LinearAlgebraError) {
        var factor = a
        try LAPACK.potrf(&factor, triangle: .lower)
        for i in 0..<factor.rows {
            for j in (i + 1)..<Swift.max(i + 1, factor.columns) { factor[i, j] = 0 }
        }
        lower = factor
    }

    /// Solves `a·X = b` for a matrix of right-hand sides.
    public func solve(_ b: Matrix<Scalar>) throws(LinearAlgebraError) -> Matrix<Scalar> {
        var x = b
        try LAPACK.potrs(factor: lower, triangle: .lower, &x)
        return x
    }

    /// Solves `a·x = b` for one right-hand side.
    public func solve(_ b: [Scalar]) throws(LinearAlgebraError) -> [Scalar] {
        try solve(Matrix(rows: b.count, columns: 1, elements: b)).elements
    }
}
