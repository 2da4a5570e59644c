import Foundation

/// Special functions the lifetime models need and Foundation lacks.
enum LifetimeMath {
    /// ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic
    /// series ln x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ) to x⁻¹⁴ (the next term is below 10⁻¹⁶ there).
    static func digamma(_ x: Double) -> Double {
        var x = x, shift = 0.0
        while x < 10 {
            shift -= 1 / x
            x += 1
        }
        let f = 1 / (x * x)
        let series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760 - f / 12))))))
        return shift + Foundation.log(x) - 0.5 / x - series
    }

    /// ln Γ(x) for x > 0.
    static func logGamma(_ x: Double) -> Double { Foundation.lgamma(x) }

    /// The Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series
    /// Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, summed until a term no longer changes the sum.
    ///
    /// - Returns: nil when the series has not settled within `maximumTerms` (z too close to 1).
    /// - Complexity: about ln(ε) / ln(z) terms once n exceeds a, b and c.
    static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double,
                                  maximumTerms: Int = 1_000_000) -> Double? {
        if z == 0 { return 1 }
        var term = 1.0, sum = 1.0
        for n in 0..<maximumTerms {
            let k = Double(n)
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            let next = sum + term
            // Past the largest term the terms shrink geometrically; stop when one no longer moves the sum.
            if next == sum && k > Swift.abs(a) + Swift.abs(b) + Swift.abs(c) { return sum }
            sum = next
            if !sum.isFinite { return nil }
        }
        return nil
    }
}
