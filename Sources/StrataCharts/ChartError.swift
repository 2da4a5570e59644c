/// Why a chart cannot be drawn. Each case names the chart (its title), and the series and place at fault.
public enum ChartError: Error, Equatable, CustomStringConvertible {
    /// A chart with nothing to draw: no series, or a series without points.
    case empty(chart: String, series: String?)
    /// A value that is NaN or infinite.
    case nonFinite(chart: String, series: String, index: Int, value: Double)
    /// Two lists that must have one entry per category (or row, column) differ in length.
    case lengthMismatch(chart: String, what: String, expected: Int, found: Int)
    /// A value outside the range the chart draws (curves: 0 to 1).
    case outOfRange(chart: String, series: String, index: Int, value: Double, expected: ClosedRange<Double>)
    /// An axis range that is empty or reversed.
    case badRange(chart: String, axis: String, lower: Double, upper: Double)

    public var description: String {
        switch self {
        case let .empty(chart, series?): "chart \"\(chart)\": series \"\(series)\" has no points; expected at least one"
        case let .empty(chart, nil): "chart \"\(chart)\": nothing to draw; expected at least one series with points"
        case let .nonFinite(chart, series, index, value):
            "chart \"\(chart)\": series \"\(series)\" value \(index) is \(value); expected a finite number"
        case let .lengthMismatch(chart, what, expected, found):
            "chart \"\(chart)\": \(what) has \(found) entries; expected \(expected)"
        case let .outOfRange(chart, series, index, value, expected):
            "chart \"\(chart)\": series \"\(series)\" value \(index) is \(value); expected \(expected.lowerBound) to \(expected.upperBound)"
        case let .badRange(chart, axis, lower, upper):
            "chart \"\(chart)\": \(axis) axis range \(lower)...\(upper) is empty; expected lower < upper"
        }
    }
}
