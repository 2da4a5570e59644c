/// Horizontal bars: one row per category, one bar per series in each row (members, entered, exited per
/// segment; sizes per cluster). A missing value (nil: suppressed or not measured) draws no bar and is marked.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// One value per category; nil draws no bar.
        public var values: [Double?]

        public init(_ name: String, values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var summary: String
    public var categories: [String]
    /// The value axis (horizontal).
    public var valueAxis: Axis
    public var series: [Series]
    /// The text drawn where a value is missing (e.g. "<11").
    public var missingMark = "n/a"
    public var identifier: String
    public var width: Double = 640

    public init(title: String, summary: String, categories: [String], valueAxis: Axis, series: [Series],
                identifier: String? = nil) {
        self.title = title
        self.summary = summary
        self.categories = categories
        self.valueAxis = valueAxis
        self.series = series
        self.identifier = identifier ?? chartIdentifier(title)
    }

    /// The height grows with the rows: 16 units per bar and 10 between categories.
    public var height: Double { 52 + 48 + Double(categories.count) * (Double(series.count) * 16 + 10) }

    /// The left margin: room for the longest category name.
    var labelWidth: Double { Swift.min(220, 24 + Double(categories.map(\.count).max() ?? 0) * 6.5) }

    /// The geometry: `points[s][c]` is the end of series `s`'s bar in category `c` (its middle, vertically);
    /// a missing value's point is at the axis's zero.
    /// - Throws: ``ChartError/empty(chart:series:)`` without categories, series or any value,
    ///   ``ChartError/lengthMismatch(chart:what:expected:found:)`` when a series' values are not one per category,
    ///   ``ChartError/nonFinite(chart:series:index:value:)`` for NaN or infinities.
    public func layout() throws(ChartError) -> ChartLayout {
        guard !categories.isEmpty, !series.isEmpty else { throw .empty(chart: title, series: nil) }
        for bars in series {
            guard bars.values.count == categories.count else {
                throw .lengthMismatch(chart: title, what: "series \"\(bars.name)\"", expected: categories.count, found: bars.values.count)
            }
            try AxesDrawing.checkFinite(bars.values.map { $0 ?? 0 }, chart: title, series: bars.name)
        }
        let values = series.flatMap { $0.values.compactMap { $0 } }
        guard !values.isEmpty else { throw .empty(chart: title, series: nil) }
        let axis = AxisLayout.make(values.min()!, values.max()!, axis: valueAxis, fixed: nil)
        let area = Rect(x: labelWidth, y: 52, width: width - labelWidth - 24, height: height - 52 - 48)
        let xScale = LinearScale(domain: axis.domain, range: (area.x, area.maxX))
        let rowHeight = area.height / Double(categories.count)
        let yScale = LinearScale(domain: 0...Double(categories.count), range: (area.y, area.maxY))
        let points = series.indices.map { s in
            categories.indices.map { c in
                (x: xScale(series[s].values[c] ?? 0), y: area.y + Double(c) * rowHeight + 5 + (Double(s) + 0.5) * 16)
            }
        }
        return ChartLayout(width: width, height: height, plotArea: area, xScale: xScale, yScale: yScale,
                           xTicks: AxesDrawing.ticks(axis, xScale), yTicks: [], points: points)
    }

    public func svg() throws(ChartError) -> String {
        let layout = try layout()
        let zero = layout.xScale(Swift.max(layout.xScale.domain.lowerBound, Swift.min(0, layout.xScale.domain.upperBound)))
        return svgDocument(identifier: identifier, width: width, height: height, title: title, summary: summary) { svg in
            AxesDrawing.axes(&svg, layout, x: valueAxis, y: Axis(""))
            let area = layout.plotArea, rowHeight = area.height / Double(categories.count)
            for (c, category) in categories.enumerated() {
                let middle = area.y + (Double(c) + 0.5) * rowHeight
                svg.element("text", [("x", coordinate(area.x - 6)), ("y", coordinate(middle + 4)), ("text-anchor", "end")],
                            text: category)
            }
            for (s, bars) in series.enumerated() {
                for c in categories.indices {
                    let point = layout.points[s][c]
                    guard bars.values[c] != nil else {
                        svg.element("text", [("x", coordinate(zero + 4)), ("y", coordinate(point.y + 4)), ("fill", "#555555")],
                                    text: missingMark)
                        continue
                    }
                    svg.element("rect", [("x", coordinate(Swift.min(zero, point.x))), ("y", coordinate(point.y - 7)),
                                         ("width", coordinate(Swift.abs(point.x - zero))), ("height", "14"),
                                         ("fill", Palette.series(s)), ("class", "bar")])
                }
            }
            AxesDrawing.legend(&svg, series.enumerated().map { ($0.element.name, Palette.series($0.offset)) }, left: area.x)
        }
    }
}
