import Foundation

/// Two groups' outcome counts compared: a treated group (contacted) and a holdout (not contacted).
///
/// - The lift is the difference of the outcome rates, `d = p₁ − p₀` (treated minus holdout), and relative to
///   the holdout's rate, `d / p₀`.
/// - The 95% interval for `d` is Newcombe's hybrid score interval (Newcombe 1998, method 10): with Wilson
///   score limits `(l₁, u₁)` and `(l₀, u₀)` for each rate,
///   `d − √((p₁ − l₁)² + (u₀ − p₀)²)` to `d + √((u₁ − p₁)² + (p₀ − l₀)²)`. It stays inside [−1, 1], is not
///   degenerate at rates of 0 or 1, and keeps close to 95% coverage for small groups, where the simple
///   `d ± 1.96·se` does not.
/// - The p-value is the two-sided pooled score (z) test of `p₁ = p₀`.
/// - The minimum detectable lift is the smallest `|d|` a two-sided 5% test would find with 80% power
///   given the group sizes, at the pooled rate: `(z₀.₉₇₅ + z₀.₈) · √(p̄(1 − p̄)(1/n₁ + 1/n₀))`.
public struct ProportionComparison: Sendable, Equatable, Codable {
    public var treatedOutcomes: Int
    public var treatedSize: Int
    public var holdoutOutcomes: Int
    public var holdoutSize: Int

    /// z for a two-sided 95% interval, Φ⁻¹(0.975).
    public static let z95 = 1.959963984540054
    /// Φ⁻¹(0.8), for 80% power.
    static let z80 = 0.8416212335729143

    public init(treatedOutcomes: Int, treatedSize: Int, holdoutOutcomes: Int, holdoutSize: Int) {
        precondition(0 <= treatedOutcomes && treatedOutcomes <= treatedSize && 0 <= holdoutOutcomes && holdoutOutcomes <= holdoutSize,
                     "outcome counts must be between 0 and the group size")
        self.treatedOutcomes = treatedOutcomes
        self.treatedSize = treatedSize
        self.holdoutOutcomes = holdoutOutcomes
        self.holdoutSize = holdoutSize
    }

    /// The treated group's outcome rate; nil for an empty group.
    public var treatedRate: Double? { treatedSize > 0 ? Double(treatedOutcomes) / Double(treatedSize) : nil }
    /// The holdout's outcome rate; nil for an empty group.
    public var holdoutRate: Double? { holdoutSize > 0 ? Double(holdoutOutcomes) / Double(holdoutSize) : nil }

    /// `p₁ − p₀`; nil when a group is empty.
    public var difference: Double? {
        guard let treatedRate, let holdoutRate else { return nil }
        return treatedRate - holdoutRate
    }

    /// `(p₁ − p₀) / p₀`; nil when a group is empty or the holdout had no outcome.
    public var relativeLift: Double? {
        guard let difference, let holdoutRate, holdoutRate > 0 else { return nil }
        return difference / holdoutRate
    }

    /// Newcombe's hybrid score interval for `p₁ − p₀` (see the type's description); nil when a group is empty.
    public func interval(z: Double = Self.z95) -> (lower: Double, upper: Double)? {
        guard let treatedRate, let holdoutRate, let difference,
              let treated = Self.wilson(treatedOutcomes, of: treatedSize, z: z),
              let holdout = Self.wilson(holdoutOutcomes, of: holdoutSize, z: z) else { return nil }
        let below = ((treatedRate - treated.lower) * (treatedRate - treated.lower)
                     + (holdout.upper - holdoutRate) * (holdout.upper - holdoutRate)).squareRoot()
        let above = ((treated.upper - treatedRate) * (treated.upper - treatedRate)
                     + (holdoutRate - holdout.lower) * (holdoutRate - holdout.lower)).squareRoot()
        return (difference - below, difference + above)
    }

    /// The two-sided p-value of the pooled score test of equal rates: `2(1 − Φ(|d| / se))`, with
    /// `se = √(p̄(1 − p̄)(1/n₁ + 1/n₀))`. 1 when the rates are equal (also when every or no patient had the
    /// outcome); nil when a group is empty.
    public var pValue: Double? {
        guard let difference, let standardError = pooledStandardError else { return nil }
        guard standardError > 0 else { return difference == 0 ? 1 : 0 }
        return erfc(abs(difference) / standardError / 2.0.squareRoot())
    }

    /// The smallest absolute lift a two-sided 5% test detects with 80% power at these group sizes and the
    /// pooled rate; nil when a group is empty or the pooled rate is 0 or 1 (nothing to scale by yet).
    public var minimumDetectableLift: Double? {
        guard let standardError = pooledStandardError, standardError > 0 else { return nil }
        return (Self.z95 + Self.z80) * standardError
    }

    private var pooledStandardError: Double? {
        guard treatedSize > 0, holdoutSize > 0 else { return nil }
        let pooled = Double(treatedOutcomes + holdoutOutcomes) / Double(treatedSize + holdoutSize)
        return (pooled * (1 - pooled) * (1 / Double(treatedSize) + 1 / Double(holdoutSize))).squareRoot()
    }

    /// The Wilson score interval of `successes` out of `trials`:
    /// `(x + z²/2 ± z·√(x(n − x)/n + z²/4)) / (n + z²)`; nil for no trials.
    public static func wilson(_ successes: Int, of trials: Int, z: Double = z95) -> (lower: Double, upper: Double)? {
        guard trials > 0 else { return nil }
        let x = Double(successes), n = Double(trials), zz = z * z
        let center = x + zz / 2
        let half = z * (x * (n - x) / n + zz / 4).squareRoot()
        return (max(0, (center - half) / (n + zz)), min(1, (center + half) / (n + zz)))
    }
}
