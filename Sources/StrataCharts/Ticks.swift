import Foundation

/// Axis ticks at "nice" values: steps of 1, 2 or 5 times a power of ten.
public enum Ticks {
    /// About `count` ticks covering `lower...upper`: the step is the nice number nearest `(upper − lower) / count`,
    /// the first tick the largest multiple of the step at or below `lower`, the last the smallest at or above
    /// `upper`, so the ticks span the data.
    ///
    /// - Precondition: `lower < upper`, both finite, `count >= 1`.
    public static func nice(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
        precondition(lower < upper && lower.isFinite && upper.isFinite && count >= 1)
        let step = niceStep((upper - lower) / Double(count))
        let first = (lower / step).rounded(.down), last = (upper / step).rounded(.up)
        return stride(from: first, through: last, by: 1).map { ($0 * step).roundedToStep(step) }
    }

    /// The nice number (1, 2, 5 × 10^k) nearest `raw` on a log scale.
    static func niceStep(_ raw: Double) -> Double {
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10
        return nice * power
    }

    /// A tick's text: no more decimals than the step needs (`0.25`, `1.5`, `2000`; thousands with commas).
    public static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : Int((-log10(step)).rounded(.up))
        if decimals == 0 {
            let formatter = NumberFormatter()
            formatter.numberStyle = .decimal
            formatter.usesGroupingSeparator = true
            formatter.groupingSeparator = ","
            formatter.maximumFractionDigits = 0
            return formatter.string(from: NSNumber(value: value)) ?? String(Int(value))
        }
        return String(format: "%.\(decimals)f", value)
    }
}

extension Double {
    /// The value with the rounding noise of `k × step` removed (0.30000000000000004 → 0.3).
    func roundedToStep(_ step: Double) -> Double {
        let decimals = Swift.max(0, Int((-log10(step)).rounded(.up)) + 1)
        let factor = pow(10, Double(decimals))
        return (self * factor).rounded() / factor
    }
}
