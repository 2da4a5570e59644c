import CStrataBLAS

extension Float: BLASScalar {
    public static func _gemm(
        _ transA: CBLAS_TRANSPOSE, _ transB: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
        _ alpha: Float, _ a: UnsafePointer<Float>?, _ lda: Int32, _ b: UnsafePointer<Float>?, _ ldb: Int32,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>?, _ ldc: Int32
    ) {
        cblas_sgemm(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    public static func _gemv(
        _ trans: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Float, _ a: UnsafePointer<Float>?,
        _ lda: Int32, _ x: UnsafePointer<Float>?, _ beta: Float, _ y: UnsafeMutablePointer<Float>?
    ) {
        cblas_sgemv(CblasRowMajor, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }

    public static func _syrk(
        _ uplo: CBLAS_UPLO, _ trans: CBLAS_TRANSPOSE, _ n: Int32, _ k: Int32, _ alpha: Float,
        _ a: UnsafePointer<Float>?, _ lda: Int32, _ beta: Float, _ c: UnsafeMutablePointer<Float>?, _ ldc: Int32
    ) {
        cblas_ssyrk(CblasRowMajor, uplo, trans, n, k, alpha, a, lda, beta, c, ldc)
    }

    public static func _dot(_ n: Int32, _ x: UnsafePointer<Float>?, _ y: UnsafePointer<Float>?) -> Float {
        cblas_sdot(n, x, 1, y, 1)
    }

    public static func _axpy(_ n: Int32, _ alpha: Float, _ x: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>?) {
        cblas_saxpy(n, alpha, x, 1, y, 1)
    }

    public static func _nrm2(_ n: Int32, _ x: UnsafePointer<Float>?) -> Float {
        cblas_snrm2(n, x, 1)
    }

    public static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>?, _ lda: Int32) -> Int32 {
        LAPACKE_spotrf(Int32(LAPACK_ROW_MAJOR), uplo, n, a, lda)
    }

    public static func _potrs(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafePointer<Float>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Float>?, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_spotrs(Int32(LAPACK_ROW_MAJOR), uplo, n, nrhs, a, lda, b, ldb)
    }

    public static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>?, _ lda: Int32,
        _ b: UnsafeMutablePointer<Float>?, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_sposv(Int32(LAPACK_ROW_MAJOR), uplo, n, nrhs, a, lda, b, ldb)
    }
}
