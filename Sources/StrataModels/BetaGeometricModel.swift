import Foundation
import StrataLinearAlgebra

/// A fitted BG/NBD model: the population's visit rate λ ~ Gamma(r, α) (α in the summary's time unit) and
/// dropout probability p ~ Beta(a, b), with per-patient predictions from (x, tₓ, T).
public struct BetaGeometricModel: Codable, Sendable, Equatable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double
    /// How the fit went; nil for a model made from given parameters.
    public var fit: FitDiagnostics?

    public struct FitDiagnostics: Codable, Sendable, Equatable {
        /// Σ ln L over the training summary in its time unit, without the penalty.
        public var logLikelihood: Double
        public var iterations: Int
        public var converged: Bool
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case logLikelihood = "log_likelihood", iterations, converged, seconds
        }
    }

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// Σ ln L of `summary` at these parameters (the paper's equation (6), in `summary`'s time unit).
    public func logLikelihood(_ summary: LifetimeSummary, workers: Int = Parallel.processorCount) -> Double {
        BetaGeometricLikelihood(summary, timeScale: 1, workers: workers).evaluate([r, alpha, a, b]).logLikelihood
    }

    /// P(alive | x, tₓ, T) = 1 / (1 + 𝟙[x > 0] · a/(b + x − 1) · ((α + T)/(α + tₓ))ʳ⁺ˣ) (the paper's (13)).
    public func probabilityAlive(frequency x: Double, recency: Double, age: Double) -> Double {
        guard x > 0 else { return 1 }
        let logOdds = (r + x) * Foundation.log((alpha + age) / (alpha + recency)) + Foundation.log(a / (b + x - 1))
        // The logistic of −logOdds, written to stay in [0, 1] for any logOdds.
        return logOdds >= 0 ? Foundation.exp(-logOdds) / (1 + Foundation.exp(-logOdds)) : 1 / (1 + Foundation.exp(logOdds))
    }

    /// E[X(t)] for a new patient: (a + b − 1)/(a − 1) · (1 − (α/(α + t))ʳ · ₂F₁(r, b; a + b − 1; t/(α + t))) (the paper's (9)).
    public func expectedVisits(within t: Double) throws(LifetimeError) -> Double {
        let z = t / (alpha + t)
        guard let hypergeometric = LifetimeMath.hypergeometric2F1(r, b, a + b - 1, z) else {
            throw .undefined(what: "expected visits within \(t)", reason: "₂F₁(\(r), \(b); \(a + b - 1); \(z)) does not converge")
        }
        return (a + b - 1) / (a - 1) * (1 - hypergeometric * Foundation.pow(alpha / (alpha + t), r))
    }

    /// E[Y(t) | x, tₓ, T]: the expected visits in the next `t` of a patient with this history (the paper's (10)),
    /// computed as lifetimes' `conditional_expected_number_of_purchases_up_to_time`.
    public func conditionalExpectedVisits(within t: Double, frequency x: Double, recency: Double, age: Double)
        throws(LifetimeError) -> Double {
        let hypergeometricA = r + x, hypergeometricB = b + x, c = a + b + x - 1
        let z = t / (alpha + age + t)
        var logHypergeometric: Double
        if let value = LifetimeMath.hypergeometric2F1(hypergeometricA, hypergeometricB, c, z), value.isFinite, value > 0 {
            logHypergeometric = Foundation.log(value)
        } else if let value = LifetimeMath.hypergeometric2F1(c - hypergeometricA, c - hypergeometricB, c, z), value > 0 {
            // Euler's transformation ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z), in logs.
            logHypergeometric = Foundation.log(value) + (c - hypergeometricA - hypergeometricB) * Foundation.log1p(-z)
        } else {
            throw .undefined(what: "conditional expected visits within \(t)",
                             reason: "₂F₁(\(hypergeometricA), \(hypergeometricB); \(c); \(z)) does not converge")
        }
        let first = (a + b + x - 1) / (a - 1)
        let second = -Foundation.expm1(logHypergeometric + (r + x) * Foundation.log((alpha + age) / (alpha + t + age)))
        let denominator = 1 + (x > 0 ? a / (b + x - 1) * Foundation.pow((alpha + age) / (alpha + recency), r + x) : 0)
        return first * second / denominator
    }
}
