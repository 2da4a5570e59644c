import StrataLinearAlgebra
import Testing

/// Cholesky factor and solves on random symmetric positive definite matrices `B·Bᵀ + n·I`, checked by
/// residual: ‖A·x − b‖∞ ≤ 1e3·ε (values are O(1), n ≤ 12, condition number ≤ a few).
@Suite("Cholesky (LAPACK)")
struct CholeskyTests {
    static func spd<S: BLASScalar>(_ n: Int, using rng: inout SplitMix64) throws -> Matrix<S> {
        let b: Matrix<S> = Reference.random(n, n, using: &rng)
        var a = Matrix<S>.identity(n)
        for i in 0..<n { a[i, i] = S(n) }
        try BLAS.gemm(b, b, transB: .transpose, beta: 1, into: &a)
        return a
    }

    func checkSolves<S: BLASScalar>(_: S.Type) throws {
        var rng = SplitMix64(seed: 21)
        let tolerance = S.ulpOfOne * 1000
        for n in [0, 1, 2, 5, 12] {
            let a: Matrix<S> = try Self.spd(n, using: &rng)
            let b: Matrix<S> = Reference.random(n, 3, using: &rng)

            let x = try Cholesky(a).solve(b)
            let residual = Reference.gemm(a, .none, x, .none, alpha: 1, beta: -1, c: b)
            #expect(residual.elements.allSatisfy { abs($0) <= tolerance }, "potrf+potrs n=\(n)")

            // The factor reproduces A.
            let factor = try Cholesky(a).lower
            let product = try BLAS.product(factor, factor, transB: .transpose)
            #expect(Reference.maxDifference(product.elements, a.elements) <= tolerance * S(max(n, 1)), "L·Lᵀ n=\(n)")

            for triangle in [Triangle.lower, .upper] {
                var factored = a, solution = b
                try LAPACK.posv(&factored, &solution, triangle: triangle)
                #expect(Reference.maxDifference(solution.elements, x.elements) <= tolerance, "posv \(triangle) n=\(n)")

                var factorOnly = a, viaPotrs = b
                try LAPACK.potrf(&factorOnly, triangle: triangle)
                try LAPACK.potrs(factor: factorOnly, triangle: triangle, &viaPotrs)
                #expect(Reference.maxDifference(viaPotrs.elements, x.elements) <= tolerance, "potrf/potrs \(triangle) n=\(n)")
            }
        }
    }

    @Test func solvesFloat() throws { try checkSolves(Float.self) }
    @Test func solvesDouble() throws { try checkSolves(Double.self) }

    @Test func vectorSolve() throws {
        let x = try Cholesky(Matrix<Double>([[4, 2], [2, 3]])).solve([2, 1])
        #expect(abs(x[0] - 0.5) < 1e-15 && abs(x[1]) < 1e-15)
    }

    /// The first leading minor that is not positive is reported 1-based, as LAPACK counts.
    @Test(arguments: [
        ([[-1.0]], 1),
        ([[1.0, 2], [2, 1]], 2),
        ([[4.0, 0, 0], [0, 9, 0], [0, 0, 0]], 3),
        ([[1.0, 1], [1, 1]], 2),
    ])
    func notPositiveDefiniteIsATypedError(_ rows: [[Double]], _ pivot: Int) {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: pivot)) { try Cholesky(Matrix(rows)) }
        var a = Matrix(rows), b = Matrix<Double>(rows: rows.count, columns: 1, repeating: 1)
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: pivot)) { try LAPACK.posv(&a, &b) }
        var f = Matrix(rows.map { $0.map(Float.init) })
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: pivot)) { try LAPACK.potrf(&f) }
    }

    @Test func shapeErrors() {
        var rectangular = Matrix<Double>(rows: 2, columns: 3)
        #expect(throws: LinearAlgebraError.notSquare(operation: "potrf", rows: 2, columns: 3)) {
            try LAPACK.potrf(&rectangular)
        }
        var square = Matrix<Double>.identity(3), b = Matrix<Double>(rows: 2, columns: 1)
        #expect(throws: LinearAlgebraError.self) { try LAPACK.posv(&square, &b) }
        #expect(throws: LinearAlgebraError.self) { try LAPACK.potrs(factor: .identity(3), &b) }
    }
}
