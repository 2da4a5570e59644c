/// A rectangle in SVG user units (y grows downwards).
public struct Rect: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }

    /// Whether `(px, py)` lies in the rectangle, edges included (within a hundredth of a unit).
    public func contains(_ px: Double, _ py: Double) -> Bool {
        px >= x - 0.01 && px <= maxX + 0.01 && py >= y - 0.01 && py <= maxY + 0.01
    }
}

/// An axis: what it measures and in what unit (shown as "label (unit)").
public struct Axis: Sendable, Equatable {
    public var label: String
    public var unit: String?
    /// Whether the range starts at (or reaches) zero: counts and shares do, dates do not.
    public var includesZero: Bool

    public init(_ label: String, unit: String? = nil, includesZero: Bool = true) {
        self.label = label
        self.unit = unit
        self.includesZero = includesZero
    }

    /// The axis title as drawn.
    public var title: String { unit.map { "\(label) (\($0))" } ?? label }
}

/// A tick: its value, its position along the axis (SVG units) and its text.
public struct Tick: Sendable, Equatable {
    public var value: Double
    public var position: Double
    public var label: String
}

/// A linear map from a data range onto a pixel range.
public struct LinearScale: Sendable, Equatable {
    public var domain: ClosedRange<Double>
    /// Pixel positions of `domain.lowerBound` and `domain.upperBound` (the second may be smaller: y axes).
    public var range: (Double, Double)

    public init(domain: ClosedRange<Double>, range: (Double, Double)) {
        self.domain = domain
        self.range = range
    }

    public func callAsFunction(_ value: Double) -> Double {
        let t = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        return range.0 + t * (range.1 - range.0)
    }

    public static func == (lhs: LinearScale, rhs: LinearScale) -> Bool {
        lhs.domain == rhs.domain && lhs.range.0 == rhs.range.0 && lhs.range.1 == rhs.range.1
    }
}

/// Where an axis runs: the data range its ticks span, and the ticks.
struct AxisLayout {
    var domain: ClosedRange<Double>
    var ticks: [Double]
    var step: Double

    /// Nice ticks over the data's `lower...upper` (widened to zero when the axis includes it; a single value
    /// gets a unit range: 0...1 for a zero on an axis from zero, else one either side), or exactly over `fixed` when given.
    static func make(_ lower: Double, _ upper: Double, axis: Axis, fixed: ClosedRange<Double>?, count: Int = 5) -> AxisLayout {
        if let fixed {
            let ticks = Ticks.nice(fixed.lowerBound, fixed.upperBound, count: count).filter { fixed.contains($0) }
            return AxisLayout(domain: fixed, ticks: ticks, step: Ticks.niceStep((fixed.upperBound - fixed.lowerBound) / Double(count)))
        }
        var low = lower, high = upper
        if axis.includesZero { low = Swift.min(low, 0); high = Swift.max(high, 0) }
        if low == high {
            // A single value: a unit range above zero when it is zero on an axis from zero, else around it.
            if axis.includesZero && low == 0 { high = 1 } else { low -= 1; high += 1 }
        }
        let ticks = Ticks.nice(low, high, count: count)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        return AxisLayout(domain: ticks.first!...ticks.last!, ticks: ticks, step: step)
    }
}

/// The geometry of a drawn chart, computed before any SVG is written: what the tests check.
public struct ChartLayout: Sendable {
    public var width: Double
    public var height: Double
    /// The area inside the axes where data are drawn.
    public var plotArea: Rect
    public var xScale: LinearScale
    public var yScale: LinearScale
    public var xTicks: [Tick]
    public var yTicks: [Tick]
    /// Each series' points in SVG units, in series order (bars: the end of each bar).
    public var points: [[(x: Double, y: Double)]]
}
