/// A curve on the unit square (ROC, reliability, cumulative gains): both axes 0 to 1, with the diagonal a
/// useless or perfectly calibrated score would follow.
public struct CurveChart: Sendable {
    public var chart: LineChart

    /// - Parameters:
    ///   - diagonal: the reference line's name (e.g. "chance", "perfect calibration").
    public init(title: String, summary: String, x: Axis, y: Axis, series: [LineChart.Series], diagonal: String,
                identifier: String? = nil) {
        chart = LineChart(title: title, summary: summary, x: x, y: y, series: series, identifier: identifier)
        chart.xRange = 0...1
        chart.yRange = 0...1
        chart.diagonal = diagonal
    }

    /// The geometry; see ``LineChart/layout()``. Points outside the unit square are refused as out of range.
    public func layout() throws(ChartError) -> ChartLayout {
        let layout = try chart.layout()  // refuses empty series and NaN first
        for line in chart.series {
            for (index, point) in line.points.enumerated() {
                for value in [point.x, point.y] where !(0...1).contains(value) {
                    throw .outOfRange(chart: chart.title, series: line.name, index: index, value: value, expected: 0...1)
                }
            }
        }
        return layout
    }

    public func svg() throws(ChartError) -> String {
        _ = try layout()
        return try chart.svg()
    }
}
