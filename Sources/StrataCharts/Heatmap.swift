/// A grid of coloured cells with their values written in (clusters × features, segment moves from → to).
public struct Heatmap: Sendable {
    /// How values map to colours.
    public enum ColourScale: Sendable {
        /// Blue below zero, orange above, white at zero; ±`limit` and beyond take the full colour
        /// (standardized means: limit 2 standard deviations).
        case diverging(limit: Double)
        /// White at zero to full blue at the largest value (counts).
        case sequential
    }

    public var title: String
    public var summary: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// Row-major, `rows × columns`; nil: no value (suppressed), drawn grey with `missingMark`.
    public var values: [[Double?]]
    /// The text in each cell (e.g. the original-unit value); nil: the value itself, formatted.
    public var cellText: [[String]]?
    public var colourScale: ColourScale
    public var rowAxis: String
    public var columnAxis: String
    public var missingMark = "n/a"
    public var identifier: String

    public init(title: String, summary: String, rows: [String], columns: [String], values: [[Double?]],
                cellText: [[String]]? = nil, colourScale: ColourScale, rowAxis: String, columnAxis: String,
                identifier: String? = nil) {
        self.title = title
        self.summary = summary
        self.rowLabels = rows
        self.columnLabels = columns
        self.values = values
        self.cellText = cellText
        self.colourScale = colourScale
        self.rowAxis = rowAxis
        self.columnAxis = columnAxis
        self.identifier = identifier ?? chartIdentifier(title)
    }

    static let cellWidth = 76.0, cellHeight = 26.0

    var labelWidth: Double { Swift.min(220, 24 + Double(rowLabels.map(\.count).max() ?? 0) * 6.5) }
    var headerHeight: Double { 52 + 16 + Swift.min(130, Double(columnLabels.map(\.count).max() ?? 0) * 5.2) }
    public var width: Double { labelWidth + Double(columnLabels.count) * Self.cellWidth + 20 }
    public var height: Double { headerHeight + Double(rowLabels.count) * Self.cellHeight + 20 }

    /// The geometry: `points[r][c]` is the centre of cell (r, c); the plot area is the grid.
    /// - Throws: ``ChartError/empty(chart:series:)`` without rows or columns,
    ///   ``ChartError/lengthMismatch(chart:what:expected:found:)`` for a ragged grid or cell texts,
    ///   ``ChartError/nonFinite(chart:series:index:value:)`` (series: the row) for NaN or infinities.
    public func layout() throws(ChartError) -> ChartLayout {
        guard !rowLabels.isEmpty, !columnLabels.isEmpty else { throw .empty(chart: title, series: nil) }
        guard values.count == rowLabels.count else {
            throw .lengthMismatch(chart: title, what: "values", expected: rowLabels.count, found: values.count)
        }
        for (r, row) in values.enumerated() {
            guard row.count == columnLabels.count else {
                throw .lengthMismatch(chart: title, what: "values row \"\(rowLabels[r])\"", expected: columnLabels.count, found: row.count)
            }
            try AxesDrawing.checkFinite(row.map { $0 ?? 0 }, chart: title, series: rowLabels[r])
            if let cellText, cellText.count != rowLabels.count || cellText[r].count != columnLabels.count {
                throw .lengthMismatch(chart: title, what: "cell texts", expected: rowLabels.count * columnLabels.count,
                                      found: cellText.reduce(0) { $0 + $1.count })
            }
        }
        let area = Rect(x: labelWidth, y: headerHeight, width: Double(columnLabels.count) * Self.cellWidth,
                        height: Double(rowLabels.count) * Self.cellHeight)
        let xScale = LinearScale(domain: 0...Double(columnLabels.count), range: (area.x, area.maxX))
        let yScale = LinearScale(domain: 0...Double(rowLabels.count), range: (area.y, area.maxY))
        let points = rowLabels.indices.map { r in columnLabels.indices.map { c in (x: xScale(Double(c) + 0.5), y: yScale(Double(r) + 0.5)) } }
        return ChartLayout(width: width, height: height, plotArea: area, xScale: xScale, yScale: yScale, xTicks: [], yTicks: [],
                           points: points)
    }

    /// The fill of a value.
    func colour(_ value: Double, largest: Double) -> String {
        switch colourScale {
        case let .diverging(limit): Palette.diverging(value / limit)
        case .sequential: largest > 0 ? Palette.diverging(-Swift.max(0, value) / largest * 0.85) : "#ffffff"
        }
    }

    public func svg() throws(ChartError) -> String {
        let layout = try layout()
        let largest = values.flatMap { $0.compactMap { $0 } }.max() ?? 0
        return svgDocument(identifier: identifier, width: width, height: height, title: title, summary: summary) { svg in
            let area = layout.plotArea
            svg.element("text", [("x", "12"), ("y", "40"), ("fill", "#555555")], text: "rows: \(rowAxis); columns: \(columnAxis)")
            for (c, label) in columnLabels.enumerated() {
                let x = layout.points[0][c].x, y = area.y - 6
                svg.element("text", [("x", coordinate(x)), ("y", coordinate(y)), ("transform", "rotate(-40 \(coordinate(x)) \(coordinate(y)))")],
                            text: label)
            }
            for (r, label) in rowLabels.enumerated() {
                let y = layout.points[r][0].y
                svg.element("text", [("x", coordinate(area.x - 6)), ("y", coordinate(y + 4)), ("text-anchor", "end")], text: label)
                for c in columnLabels.indices {
                    let point = layout.points[r][c]
                    let value = values[r][c]
                    let fill = value.map { colour($0, largest: largest) } ?? "#d9d9d9"
                    svg.element("rect", [("x", coordinate(point.x - Self.cellWidth / 2)), ("y", coordinate(point.y - Self.cellHeight / 2)),
                                         ("width", coordinate(Self.cellWidth)), ("height", coordinate(Self.cellHeight)),
                                         ("fill", fill), ("stroke", "#ffffff"), ("class", "cell")])
                    let text = value == nil ? missingMark : cellText?[r][c] ?? Ticks.label(value!, step: 0.01)
                    svg.element("text", [("x", coordinate(point.x)), ("y", coordinate(point.y + 4)), ("text-anchor", "middle")],
                                text: text)
                }
            }
        }
    }
}
