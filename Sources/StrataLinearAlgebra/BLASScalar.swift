import CStrataBLAS

/// A floating-point type OpenBLAS and LAPACKE compute with: `Float` (the `s` routines) and `Double` (`d`).
///
/// The underscored requirements are the raw C entry points. They are public only because protocol
/// requirements must be; code outside this module calls the checked wrappers in ``BLAS`` and ``LAPACK``.
public protocol BLASScalar: BinaryFloatingPoint, Codable, Sendable, LosslessStringConvertible {
    static func _gemm(
        _ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
        _ alpha: Self, _ a: UnsafePointer<Self>?, _ lda: Int32, _ b: UnsafePointer<Self>?, _ ldb: Int32,
        _ beta: Self, _ c: UnsafeMutablePointer<Self>?, _ ldc: Int32)
    static func _gemv(
        _ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Self, _ a: UnsafePointer<Self>?,
        _ lda: Int32, _ x: UnsafePointer<Self>?, _ beta: Self, _ y: UnsafeMutablePointer<Self>?)
    static func _syrk(
        _ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Self,
        _ a: UnsafePointer<Self>?, _ lda: Int32, _ beta: Self, _ c: UnsafeMutablePointer<Self>?, _ ldc: Int32)
    static func _dot(_ n: Int32, _ x: UnsafePointer<Self>?, _ y: UnsafePointer<Self>?) -> Self
    static func _axpy(_ n: Int32, _ alpha: Self, _ x: UnsafePointer<Self>?, _ y: UnsafeMutablePointer<Self>?)
    static func _nrm2(_ n: Int32, _ x: UnsafePointer<Self>?) -> Self
    static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>?, _ lda: Int32) -> Int32
    static func _potrs(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Self>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Self>?, _ ldb: Int32) -> Int32
    static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Self>?, _ ldb: Int32) -> Int32
}
