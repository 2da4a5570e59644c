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
    /// With a, b, c > 0 and 0 < z < 1 every term is positive and, from term n on, each later ratio of terms
    /// (a + k)(b + k) z / ((c + k)(k + 1)) is at most ρₙ = z · max(1, (a + n)/(n + 1)) · max(1, (b + n)/(c + n))
    /// (both factors move toward 1 as k grows), so once ρₙ < 1 the rest of the series is below
    /// termₙ · ρₙ / (1 − ρₙ) and the sum stops when that is below ε · sum. Otherwise it stops past the
    /// largest term (n > |a| + |b| + |c|) when a term no longer moves the sum. The bound matters when b and c
    /// are huge (a BG/NBD fit whose b ran off to 10⁷): the largest term then comes early, long before n > b.
    ///
    /// - Returns: nil when the series has not settled within `maximumTerms` (z too close to 1).
    /// - Complexity: about ln(ε) / ln(z) terms once n exceeds a, b and c, or once ρₙ < 1.
    static func hypergeometric2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double,
                                  maximumTerms: Int = 1_000_000) -> Double? {
        if z == 0 { return 1 }
        let positive = a > 0 && b > 0 && c > 0 && z > 0 && z < 1
        var term = 1.0, sum = 1.0
        for n in 0..<maximumTerms {
            let k = Double(n)
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            let next = sum + term
            if positive {
                let k1 = k + 1
                let rho = z * Swift.max(1, (a + k1) / (k1 + 1)) * Swift.max(1, (b + k1) / (c + k1))
                if rho < 1 && term * rho / (1 - rho) <= 0x1p-53 * next { return next }
            }
            // Past the largest term the terms shrink geometrically; stop when one no longer moves the sum.
            if next == sum && k > Swift.abs(a) + Swift.abs(b) + Swift.abs(c) { return sum }
            sum = next
            if !sum.isFinite { return nil }
        }
        return nil
    }
}
