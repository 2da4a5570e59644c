import Testing
@testable import StrataCharts

@Suite struct TickTests {
    @Test func ticksAreNiceAndSpanTheData() {
        // Range 3...97 over about 5 ticks: raw step 18.8 → nice 20; first multiple at or below 3 is 0, last at
        // or above 97 is 100.
        #expect(Ticks.nice(3, 97, count: 5) == [0, 20, 40, 60, 80, 100])
        // 0...1 in 5: raw 0.2 → 0.2.
        #expect(Ticks.nice(0, 1, count: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        // 1200...5400: raw 840 → 1000 (840/100 = 8.4 → 10 × 100).
        #expect(Ticks.nice(1200, 5400, count: 5) == [1000, 2000, 3000, 4000, 5000, 6000])
    }

    @Test func tickLabelsUseAsManyDecimalsAsTheStep() {
        #expect(Ticks.label(0.4, step: 0.2) == "0.4")
        #expect(Ticks.label(0.25, step: 0.05) == "0.25")
        #expect(Ticks.label(12000, step: 2000) == "12,000")
    }
}

@Suite struct LineChartGeometryTests {
    func chart(_ points: [(x: Double, y: Double)]) -> LineChart {
        LineChart(title: "Members per run", summary: "s", x: Axis("run", includesZero: false), y: Axis("patients", unit: "people"),
                  series: [LineChart.Series("a", points: points)])
    }

    @Test func axisRangesCoverThePointsAndTicksSitOnTheAxes() throws {
        let layout = try chart([(1, 120), (2, 340), (3, 95)]).layout()
        // y includes zero: 0...340 in 5 → step 100 (68 → 50? raw 68: 68/10 = 6.8 → 5 × 10 = 50), so 0...350.
        #expect(layout.yScale.domain == 0...350)
        #expect(layout.yTicks.map(\.value) == [0, 50, 100, 150, 200, 250, 300, 350])
        // x does not include zero: 1...3, raw step 0.4 → 0.5.
        #expect(layout.xScale.domain == 1...3)
        let area = layout.plotArea
        // The lowest y tick is on the bottom edge, the highest on the top edge (y grows downwards).
        #expect(abs(layout.yTicks.first!.position - area.maxY) < 1e-9)
        #expect(abs(layout.yTicks.last!.position - area.y) < 1e-9)
        #expect(abs(layout.xTicks.first!.position - area.x) < 1e-9)
        #expect(abs(layout.xTicks.last!.position - area.maxX) < 1e-9)
        // Ticks are evenly spaced.
        let gaps = zip(layout.yTicks.dropFirst(), layout.yTicks).map { $0.position - $1.position }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 1e-9 })
    }

    @Test func everyPointIsInsideThePlotArea() throws {
        var generator = SplitMix(seed: 7)
        for _ in 0..<50 {
            let count = Int(generator.next() % 20) + 1
            let points = (0..<count).map { _ in (x: generator.uniform() * 2000 - 1000, y: generator.uniform() * 1e6 - 2e5) }
            let layout = try chart(points).layout()
            for point in layout.points[0] { #expect(layout.plotArea.contains(point.x, point.y)) }
        }
    }

    @Test func aSingleValueGetsARange() throws {
        let layout = try LineChart(title: "t", summary: "s", x: Axis("x", includesZero: false), y: Axis("y", includesZero: false),
                                   series: [LineChart.Series("a", points: [(5, 5)])]).layout()
        #expect(layout.xScale.domain.contains(5) && layout.xScale.domain.lowerBound < 5)
        #expect(layout.plotArea.contains(layout.points[0][0].x, layout.points[0][0].y))
    }

    @Test func allZeroCountsGetTheUnitRangeAboveZero() throws {
        let layout = try BarChart(title: "b", summary: "s", categories: ["x", "y"], valueAxis: Axis("records"),
                                  series: [.init("found", values: [0, 0])]).layout()
        #expect(layout.xScale.domain == 0...1)
    }

    @Test func nanAndEmptySeriesAreRefusedByName() {
        #expect(throws: ChartError.nonFinite(chart: "Members per run", series: "a", index: 1, value: .infinity)) {
            try chart([(1, 1), (2, .infinity)]).layout()
        }
        #expect(throws: ChartError.empty(chart: "Members per run", series: "a")) { try chart([]).layout() }
        let none = LineChart(title: "t", summary: "s", x: Axis("x"), y: Axis("y"), series: [])
        #expect(throws: ChartError.empty(chart: "t", series: nil)) { try none.svg() }
        do {
            _ = try chart([(1, .nan)]).layout()
            Issue.record("NaN accepted")
        } catch {
            #expect("\(error)" == "chart \"Members per run\": series \"a\" value 0 is nan; expected a finite number")
        }
    }

    @Test func svgHasTitleForScreenReadersAxisTitlesWithUnitsAndALegend() throws {
        let svg = try chart([(1, 2), (2, 3)]).svg()
        #expect(svg.contains("<title id=\"chart-members-per-run-title\">Members per run</title>"))
        #expect(svg.contains("aria-labelledby=\"chart-members-per-run-title chart-members-per-run-desc\""))
        #expect(svg.contains(">patients (people)</text>"))
        #expect(svg.contains("<polyline"))
        #expect(svg.contains("fill=\"#0072B2\""))  // the first Okabe-Ito colour, in the line and the legend
    }

    @Test func textIsEscaped() throws {
        let svg = try LineChart(title: "A < B & \"C\"", summary: "s", x: Axis("x"), y: Axis("y"),
                                series: [LineChart.Series("<script>", points: [(0, 1)])]).svg()
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("A &lt; B &amp; &quot;C&quot;"))
    }
}

@Suite struct CurveChartGeometryTests {
    @Test func curvesAreOnTheUnitSquareWithTheDiagonal() throws {
        let curve = CurveChart(title: "ROC", summary: "s", x: Axis("false positive rate"), y: Axis("true positive rate"),
                               series: [LineChart.Series("churn", points: [(0, 0), (0.1, 0.5), (1, 1)])], diagonal: "chance")
        let layout = try curve.layout()
        #expect(layout.xScale.domain == 0...1 && layout.yScale.domain == 0...1)
        #expect(layout.xTicks.map(\.value) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        // (0, 0) is the bottom-left corner, (1, 1) the top-right one.
        #expect(layout.points[0][0] == (layout.plotArea.x, layout.plotArea.maxY))
        #expect(layout.points[0][2] == (layout.plotArea.maxX, layout.plotArea.y))
        #expect(try curve.svg().contains("stroke-dasharray"))
    }

    @Test func pointsOffTheSquareAreRefused() {
        let curve = CurveChart(title: "ROC", summary: "s", x: Axis("x"), y: Axis("y"),
                               series: [LineChart.Series("churn", points: [(0, 0), (0.5, 1.2)])], diagonal: "chance")
        #expect(throws: ChartError.outOfRange(chart: "ROC", series: "churn", index: 1, value: 1.2, expected: 0...1)) {
            try curve.layout()
        }
    }
}

@Suite struct BarChartGeometryTests {
    @Test func barsStartAtZeroAndEndAtTheirValue() throws {
        let chart = BarChart(title: "Members", summary: "s", categories: ["lapsing", "new", "vip"], valueAxis: Axis("patients"),
                             series: [BarChart.Series("members", values: [40, nil, 125]), BarChart.Series("entered", values: [12, 30, 0])])
        let layout = try chart.layout()
        // 0...125 in 5: raw 25 → 20 (2.5 → 2), ticks 0...140.
        #expect(layout.xScale.domain == 0...140)
        #expect(abs(layout.points[0][0].x - layout.xScale(40)) < 1e-9)
        #expect(abs(layout.points[0][1].x - layout.xScale(0)) < 1e-9)  // missing: at zero
        for series in layout.points { for point in series { #expect(layout.plotArea.contains(point.x, point.y)) } }
        // Rows go down in category order.
        #expect(layout.points[0][0].y < layout.points[0][1].y && layout.points[0][1].y < layout.points[0][2].y)
        let svg = try chart.svg()
        #expect(svg.components(separatedBy: "class=\"bar\"").count - 1 == 5)  // 6 values, 1 missing
        #expect(svg.contains(">n/a</text>"))
    }

    @Test func refusesRaggedSeriesNaNAndNothingToDraw() {
        #expect(throws: ChartError.lengthMismatch(chart: "b", what: "series \"m\"", expected: 2, found: 1)) {
            try BarChart(title: "b", summary: "s", categories: ["x", "y"], valueAxis: Axis("v"), series: [.init("m", values: [1])]).layout()
        }
        #expect(throws: ChartError.nonFinite(chart: "b", series: "m", index: 0, value: .infinity)) {
            try BarChart(title: "b", summary: "s", categories: ["x"], valueAxis: Axis("v"), series: [.init("m", values: [.infinity])]).layout()
        }
        #expect(throws: ChartError.empty(chart: "b", series: nil)) {
            try BarChart(title: "b", summary: "s", categories: ["x"], valueAxis: Axis("v"), series: [.init("m", values: [nil])]).layout()
        }
    }
}

@Suite struct HeatmapGeometryTests {
    @Test func cellsTileThePlotAreaInRowMajorOrder() throws {
        let map = Heatmap(title: "Clusters", summary: "s", rows: ["a", "b"], columns: ["x", "y", "z"],
                          values: [[-1, 0, 2], [nil, 0.5, -3]], colourScale: .diverging(limit: 2), rowAxis: "cluster", columnAxis: "feature")
        let layout = try map.layout()
        #expect(layout.plotArea.width == 3 * Heatmap.cellWidth && layout.plotArea.height == 2 * Heatmap.cellHeight)
        #expect(layout.points[1][2] == (layout.plotArea.x + 2.5 * Heatmap.cellWidth, layout.plotArea.y + 1.5 * Heatmap.cellHeight))
        let svg = try map.svg()
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 6)
        #expect(svg.contains("fill=\"#d9d9d9\""))  // the missing cell
        #expect(svg.contains("fill=\"#d55e00\""))  // 2 (at the limit) and -3 clamp to the ends
        #expect(svg.contains("fill=\"#0072b2\""))
    }

    @Test func refusesRaggedGridsAndNaN() {
        #expect(throws: ChartError.lengthMismatch(chart: "h", what: "values row \"a\"", expected: 2, found: 1)) {
            try Heatmap(title: "h", summary: "s", rows: ["a"], columns: ["x", "y"], values: [[1]], colourScale: .sequential,
                        rowAxis: "r", columnAxis: "c").layout()
        }
        // NaN is not equal to itself: compare the case's other fields.
        do {
            _ = try Heatmap(title: "h", summary: "s", rows: ["a"], columns: ["x", "y"], values: [[1, .nan]], colourScale: .sequential,
                            rowAxis: "r", columnAxis: "c").layout()
            Issue.record("NaN accepted")
        } catch let ChartError.nonFinite(chart, series, index, value) {
            #expect(chart == "h" && series == "a" && index == 1 && value.isNaN)
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: ChartError.empty(chart: "h", series: nil)) {
            try Heatmap(title: "h", summary: "s", rows: [], columns: ["x"], values: [], colourScale: .sequential,
                        rowAxis: "r", columnAxis: "c").layout()
        }
    }
}

/// A seeded generator for the random layouts (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
