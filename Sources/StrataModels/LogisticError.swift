import StrataLinearAlgebra

/// Why a logistic regression could not be fitted or applied. Each case names the offending value and what
/// was expected.
public enum LogisticError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The design matrix has no rows.
    case noRows
    /// `x` has `rows` rows but `other` (targets, sample weights) has `count` values.
    case rowCountMismatch(rows: Int, other: String, count: Int)
    /// A target is not 0 or 1.
    case targetNotBinary(index: Int, value: Double)
    /// All targets are the same class: nothing to separate.
    case oneClass(label: Double, count: Int)
    /// A matrix element is NaN or infinite.
    case nonFiniteInput(row: Int, column: Int, value: Double)
    /// A sample weight is negative, NaN or infinite.
    case invalidSampleWeight(index: Int, value: Double)
    /// All sample weights (after class weights) are zero.
    case zeroTotalWeight
    /// A hyperparameter is out of range.
    case invalidConfiguration(parameter: String, value: String, expected: String)
    /// A model applied to a matrix with the wrong number of columns.
    case columnCountMismatch(expected: Int, found: Int)
    /// The objective overflowed although the input is finite (values too large to fit).
    case numericalOverflow(detail: String)
    /// A linear-algebra call failed.
    case linearAlgebra(LinearAlgebraError)

    public var description: String {
        switch self {
        case .noRows:
            "logistic regression: the input matrix has no rows"
        case let .rowCountMismatch(rows, other, count):
            "logistic regression: the input has \(rows) rows but \(other) has \(count) values; expected one per row"
        case let .targetNotBinary(index, value):
            "logistic regression: target \(index) is \(value); expected 0 or 1"
        case let .oneClass(label, count):
            "logistic regression: all \(count) targets are \(label); expected both classes 0 and 1"
        case let .nonFiniteInput(row, column, value):
            "logistic regression: input row \(row), column \(column) is \(value); expected a finite number"
        case let .invalidSampleWeight(index, value):
            "logistic regression: sample weight \(index) is \(value); expected a finite number >= 0"
        case .zeroTotalWeight:
            "logistic regression: the sample weights sum to zero; expected a positive total"
        case let .invalidConfiguration(parameter, value, expected):
            "logistic regression: \(parameter) = \(value); expected \(expected)"
        case let .columnCountMismatch(expected, found):
            "logistic model: the input has \(found) columns; the model was fitted on \(expected)"
        case let .numericalOverflow(detail):
            "logistic regression: numerical overflow: \(detail)"
        case let .linearAlgebra(error):
            "logistic regression: \(error)"
        }
    }
}
