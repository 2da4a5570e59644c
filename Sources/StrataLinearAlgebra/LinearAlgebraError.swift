/// Why a linear-algebra call did not run or did not succeed. LAPACK's `info` codes arrive here, typed.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Operand shapes do not fit the operation; `detail` names the shapes.
    case dimensionMismatch(operation: String, detail: String)
    /// A dimension exceeds what a 32-bit BLAS/LAPACK integer holds.
    case dimensionTooLarge(operation: String, value: Int)
    /// The operation needs a square matrix.
    case notSquare(operation: String, rows: Int, columns: Int)
    /// Cholesky failed: the leading minor of order `pivot` (1-based, as LAPACK counts) is not positive.
    case notPositiveDefinite(pivot: Int)
    /// LAPACK rejected argument number `position` (a bug in the wrapper, reported rather than trapped).
    case invalidArgument(operation: String, position: Int)

    public var description: String {
        switch self {
        case let .dimensionMismatch(operation, detail):
            return "\(operation): dimension mismatch: \(detail)"
        case let .dimensionTooLarge(operation, value):
            return "\(operation): dimension \(value) exceeds the 32-bit BLAS limit \(Int32.max)"
        case let .notSquare(operation, rows, columns):
            return "\(operation): needs a square matrix, got \(rows)x\(columns)"
        case let .notPositiveDefinite(pivot):
            return "matrix is not positive definite: leading minor of order \(pivot) is not positive"
        case let .invalidArgument(operation, position):
            return "\(operation): LAPACK rejected argument \(position)"
        }
    }
}

/// Converts a dimension to BLAS's 32-bit integer; the one place this conversion happens.
@inline(__always)
func blasInt(_ value: Int, _ operation: String) throws(LinearAlgebraError) -> Int32 {
    guard let converted = Int32(exactly: value) else {
        throw .dimensionTooLarge(operation: operation, value: value)
    }
    return converted
}

/// BLAS requires a leading dimension of at least 1, even for empty matrices.
@inline(__always)
func leadingDimension(_ columns: Int, _ operation: String) throws(LinearAlgebraError) -> Int32 {
    try blasInt(Swift.max(columns, 1), operation)
}
