import StrataLinearAlgebra

/// Naive, obviously correct implementations the BLAS wrappers are checked against.
enum Reference {
    static func random<S: BLASScalar>(_ rows: Int, _ columns: Int, using rng: inout SplitMix64) -> Matrix<S> {
        Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in S(Double.random(in: -1...1, using: &rng)) })
    }

    static func vector<S: BLASScalar>(_ count: Int, using rng: inout SplitMix64) -> [S] {
        (0..<count).map { _ in S(Double.random(in: -1...1, using: &rng)) }
    }

    /// op(a)(i, j) for a transpose flag.
    static func element<S: BLASScalar>(_ a: Matrix<S>, _ trans: Transpose, _ i: Int, _ j: Int) -> S {
        trans == .none ? a[i, j] : a[j, i]
    }

    static func gemm<S: BLASScalar>(_ a: Matrix<S>, _ transA: Transpose, _ b: Matrix<S>, _ transB: Transpose,
                                    alpha: S, beta: S, c: Matrix<S>) -> Matrix<S> {
        let m = transA == .none ? a.rows : a.columns
        let k = transA == .none ? a.columns : a.rows
        let n = transB == .none ? b.columns : b.rows
        var result = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: S = 0
                for p in 0..<k { sum += element(a, transA, i, p) * element(b, transB, p, j) }
                result[i, j] = alpha * sum + beta * c[i, j]
            }
        }
        return result
    }

    /// Largest absolute difference between two equally shaped collections.
    static func maxDifference<S: BLASScalar, C1: Collection<S>, C2: Collection<S>>(_ x: C1, _ y: C2) -> S {
        zip(x, y).reduce(S(0)) { Swift.max($0, abs($1.0 - $1.1)) }
    }
}

/// Tolerances for sums of at most a few dozen products of values in [-1, 1]: about 100 ulps of the result.
extension BLASScalar {
    static var testTolerance: Self { Self.ulpOfOne * 256 }
}
