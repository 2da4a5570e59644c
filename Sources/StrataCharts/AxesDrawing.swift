/// Drawing shared by the charts with two axes: the frame, grid lines, ticks, axis titles and the legend.
enum AxesDrawing {
    static func axes(_ svg: inout SVGWriter, _ layout: ChartLayout, x: Axis, y: Axis) {
        let area = layout.plotArea
        for tick in layout.yTicks {
            svg.element("line", [("x1", coordinate(area.x)), ("x2", coordinate(area.maxX)), ("y1", coordinate(tick.position)),
                                 ("y2", coordinate(tick.position)), ("stroke", "#e5e5e5")])
            svg.element("text", [("x", coordinate(area.x - 6)), ("y", coordinate(tick.position + 4)), ("text-anchor", "end")],
                        text: tick.label)
        }
        for tick in layout.xTicks {
            svg.element("line", [("x1", coordinate(tick.position)), ("x2", coordinate(tick.position)), ("y1", coordinate(area.maxY)),
                                 ("y2", coordinate(area.maxY + 5)), ("stroke", "#333333")])
            svg.element("text", [("x", coordinate(tick.position)), ("y", coordinate(area.maxY + 18)), ("text-anchor", "middle")],
                        text: tick.label)
        }
        svg.element("rect", [("x", coordinate(area.x)), ("y", coordinate(area.y)), ("width", coordinate(area.width)),
                             ("height", coordinate(area.height)), ("fill", "none"), ("stroke", "#333333")])
        svg.element("text", [("x", coordinate(area.x + area.width / 2)), ("y", coordinate(area.maxY + 36)),
                             ("text-anchor", "middle")], text: x.title)
        let middle = area.y + area.height / 2
        svg.element("text", [("x", "14"), ("y", coordinate(middle)), ("text-anchor", "middle"),
                             ("transform", "rotate(-90 14 \(coordinate(middle)))")], text: y.title)
    }

    /// One swatch and name per entry, in a row under the title.
    static func legend(_ svg: inout SVGWriter, _ entries: [(name: String, colour: String)], left: Double) {
        var x = left
        for entry in entries {
            svg.element("rect", [("x", coordinate(x)), ("y", "30"), ("width", "10"), ("height", "10"), ("fill", entry.colour)])
            svg.element("text", [("x", coordinate(x + 14)), ("y", "39")], text: entry.name)
            x += 24 + Double(entry.name.count) * 6.5
        }
    }

    static func ticks(_ axis: AxisLayout, _ scale: LinearScale) -> [Tick] {
        axis.ticks.map { Tick(value: $0, position: scale($0), label: Ticks.label($0, step: axis.step)) }
    }

    static func checkFinite(_ values: [Double], chart: String, series: String) throws(ChartError) {
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(chart: chart, series: series, index: index, value: values[index])
        }
    }
}
