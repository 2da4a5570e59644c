/// Lines through points, one per series (sizes across runs, curves): both axes linear.
public struct LineChart: Sendable {
    /// A named line; points are drawn in the order given.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(_ name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    /// What the chart shows, in a sentence: the `<desc>` a screen reader reads after the title.
    public var summary: String
    public var xAxis: Axis
    public var yAxis: Axis
    public var series: [Series]
    /// Fixed axis ranges (curves: 0...1); nil: nice ranges over the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// A dashed line from the plot's bottom left to its top right (chance on a ROC curve, perfect calibration).
    public var diagonal: String?
    /// Draws a dot on each point.
    public var markers = true
    public var identifier: String
    public var width: Double = 640
    public var height: Double = 360

    public init(title: String, summary: String, x: Axis, y: Axis, series: [Series], identifier: String? = nil) {
        self.title = title
        self.summary = summary
        self.xAxis = x
        self.yAxis = y
        self.series = series
        self.identifier = identifier ?? chartIdentifier(title)
    }

    /// The chart's geometry: nice ticks spanning every point (or the fixed ranges), the plot area, and each
    /// point's position.
    /// - Throws: ``ChartError/empty(chart:series:)`` without series or with a series without points,
    ///   ``ChartError/nonFinite(chart:series:index:value:)`` for a NaN or infinite coordinate.
    public func layout() throws(ChartError) -> ChartLayout {
        guard !series.isEmpty else { throw .empty(chart: title, series: nil) }
        for line in series {
            guard !line.points.isEmpty else { throw .empty(chart: title, series: line.name) }
            try AxesDrawing.checkFinite(line.points.map(\.x), chart: title, series: line.name)
            try AxesDrawing.checkFinite(line.points.map(\.y), chart: title, series: line.name)
        }
        for (name, range) in [("x", xRange), ("y", yRange)] {
            if let range, !(range.lowerBound < range.upperBound) {
                throw .badRange(chart: title, axis: name, lower: range.lowerBound, upper: range.upperBound)
            }
        }
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let xLayout = AxisLayout.make(xs.min()!, xs.max()!, axis: xAxis, fixed: xRange)
        let yLayout = AxisLayout.make(ys.min()!, ys.max()!, axis: yAxis, fixed: yRange)
        let area = Rect(x: 64, y: 52, width: width - 64 - 20, height: height - 52 - 48)
        let xScale = LinearScale(domain: xLayout.domain, range: (area.x, area.maxX))
        let yScale = LinearScale(domain: yLayout.domain, range: (area.maxY, area.y))
        return ChartLayout(width: width, height: height, plotArea: area, xScale: xScale, yScale: yScale,
                           xTicks: AxesDrawing.ticks(xLayout, xScale), yTicks: AxesDrawing.ticks(yLayout, yScale),
                           points: series.map { $0.points.map { (xScale($0.x), yScale($0.y)) } })
    }

    /// The chart as a standalone SVG document.
    public func svg() throws(ChartError) -> String {
        let layout = try layout()
        return svgDocument(identifier: identifier, width: width, height: height, title: title, summary: summary) { svg in
            AxesDrawing.axes(&svg, layout, x: xAxis, y: yAxis)
            let area = layout.plotArea
            if let diagonal {
                svg.element("line", [("x1", coordinate(area.x)), ("y1", coordinate(area.maxY)), ("x2", coordinate(area.maxX)),
                                     ("y2", coordinate(area.y)), ("stroke", "#777777"), ("stroke-dasharray", "4 4")])
                svg.element("text", [("x", coordinate(area.maxX - 4)), ("y", coordinate(area.y + 12)), ("text-anchor", "end"),
                                     ("fill", "#555555")], text: diagonal)
            }
            for (index, points) in layout.points.enumerated() {
                let colour = Palette.series(index)
                let path = points.map { "\(coordinate($0.x)),\(coordinate($0.y))" }.joined(separator: " ")
                svg.element("polyline", [("points", path), ("fill", "none"), ("stroke", colour), ("stroke-width", "2"),
                                         ("class", "series")])
                if markers {
                    for point in points {
                        svg.element("circle", [("cx", coordinate(point.x)), ("cy", coordinate(point.y)), ("r", "3"), ("fill", colour)])
                    }
                }
            }
            AxesDrawing.legend(&svg, series.enumerated().map { ($0.element.name, Palette.series($0.offset)) }, left: area.x)
        }
    }
}
