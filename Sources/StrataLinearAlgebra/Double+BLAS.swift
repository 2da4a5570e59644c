import CStrataBLAS

extension Double: BLASScalar {
    public static func _gemm(
        _ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
        _ alpha: Double, _ a: UnsafePointer<Double>?, _ lda: Int32, _ b: UnsafePointer<Double>?, _ ldb: Int32,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>?, _ ldc: Int32
    ) {
        cblas_dgemm(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func _gemv(
        _ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Double, _ a: UnsafePointer<Double>?,
        _ lda: Int32, _ x: UnsafePointer<Double>?, _ beta: Double, _ y: UnsafeMutablePointer<Double>?
    ) {
        cblas_dgemv(CblasRowMajor, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }

    public static func _syrk(
        _ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Double,
        _ a: UnsafePointer<Double>?, _ lda: Int32, _ beta: Double, _ c: UnsafeMutablePointer<Double>?, _ ldc: Int32
    ) {
        cblas_dsyrk(CblasRowMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc)
    }

    public static func _dot(_ n: Int32, _ x: UnsafePointer<Double>?, _ y: UnsafePointer<Double>?) -> Double {
        cblas_ddot(n, x, 1, y, 1)
    }

    public static func _axpy(_ n: Int32, _ alpha: Double, _ x: UnsafePointer<Double>?, _ y: UnsafeMutablePointer<Double>?) {
        cblas_daxpy(n, alpha, x, 1, y, 1)
    }

    public static func _nrm2(_ n: Int32, _ x: UnsafePointer<Double>?) -> Double {
        cblas_dnrm2(n, x, 1)
    }

    public static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>?, _ lda: Int32) -> Int32 {
        LAPACKE_dpotrf(Int32(LAPACK_ROW_MAJOR), uplo, n, a, lda)
    }

    public static func _potrs(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Double>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Double>?, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_dpotrs(Int32(LAPACK_ROW_MAJOR), uplo, n, nrhs, a, lda, b, ldb)
    }

    public static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Double>?, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_dposv(Int32(LAPACK_ROW_MAJOR), uplo, n, nrhs, a, lda, b, ldb)
    }
}
