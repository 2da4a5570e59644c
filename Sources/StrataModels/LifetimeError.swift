/// Why a lifetime model could not be fitted or applied.
public enum LifetimeError: Error, Equatable, CustomStringConvertible {
    /// A summary value that no purchase history could produce: `row` counts from 0 over the summary's rows.
    case invalidSummary(row: Int, column: String, value: Double, expected: String)
    /// Columns of different lengths.
    case columnLengths(column: String, count: Int, expected: Int)
    /// A hyperparameter out of its range.
    case invalidParameter(name: String, value: Double, expected: String)
    /// Too few rows to fit: `what` says which rows (patients, patients with repeat visits).
    case tooFewRows(what: String, count: Int, minimum: Int)
    /// The optimizer ended on a point that is not a maximum (non-finite values, or a parameter running off).
    case fitFailed(model: String, reason: String)
    /// A prediction that does not exist at these parameters (e.g. the mean of a spend model with q ≤ 1).
    case undefined(what: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSummary(row, column, value, expected):
            "summary row \(row + 1): \(column) is \(value); expected \(expected)"
        case let .columnLengths(column, count, expected):
            "summary column \(column) has \(count) values; expected \(expected), one per patient"
        case let .invalidParameter(name, value, expected): "\(name) is \(value); expected \(expected)"
        case let .tooFewRows(what, count, minimum): "\(count) \(what); at least \(minimum) are needed to fit"
        case let .fitFailed(model, reason): "\(model) fit failed: \(reason)"
        case let .undefined(what, reason): "\(what) is undefined: \(reason)"
        }
    }
}
