import Foundation
import StrataLinearAlgebra

/// A fitted BG/NBD model: the population's visit rate λ ~ Gamma(r, α) (α in the summary's time unit) and
/// dropout probability p ~ Beta(a, b), with per-patient predictions from (x, tₓ, T).
///
/// Or the limit of that model as a, b → ∞ with a/(a + b) = p (``commonDropout``): every patient drops out with
/// the same probability p after each visit. `BetaGeometric.fit` returns it when plain maximum likelihood runs a
/// and b off (see there); every formula below then takes its limit.
public struct BetaGeometricModel: Codable, Sendable, Equatable {
    public var r: Double
    public var alpha: Double
    /// Beta(a, b) of the dropout probability; both +∞ in the limit model (then ``commonDropout`` is p). A model
    /// file leaves them out there (JSON has no infinity).
    public var a: Double
    public var b: Double
    /// p of the limit a, b → ∞ with a/(a + b) = p, where every patient has the same dropout probability p;
    /// nil for a model with finite a and b.
    public var commonDropout: Double?
    /// How the fit went; nil for a model made from given parameters.
    public var fit: FitDiagnostics?

    public struct FitDiagnostics: Codable, Sendable, Equatable {
        /// Σ ln L over the training summary in its time unit, without the penalty.
        public var logLikelihood: Double
        public var iterations: Int
        public var converged: Bool
        public var seconds: Double
        /// What a person should know about the fit: why the model is the limit a, b → ∞. Nil for an ordinary fit.
        public var note: String?

        public init(logLikelihood: Double, iterations: Int, converged: Bool, seconds: Double, note: String? = nil) {
            self.logLikelihood = logLikelihood
            self.iterations = iterations
            self.converged = converged
            self.seconds = seconds
            self.note = note
        }

        enum CodingKeys: String, CodingKey {
            case logLikelihood = "log_likelihood", iterations, converged, seconds, note
        }
    }

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// The limit model: a = b = +∞ with a/(a + b) = `commonDropout`, the dropout probability of every patient.
    public init(r: Double, alpha: Double, commonDropout: Double) {
        self.init(r: r, alpha: alpha, a: .infinity, b: .infinity)
        self.commonDropout = commonDropout
    }

    enum CodingKeys: String, CodingKey {
        case r, alpha, a, b, commonDropout = "common_dropout", fit
    }

    /// a and b are read when there is no `common_dropout` (every model file before the limit model had them).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        r = try container.decode(Double.self, forKey: .r)
        alpha = try container.decode(Double.self, forKey: .alpha)
        commonDropout = try container.decodeIfPresent(Double.self, forKey: .commonDropout)
        a = commonDropout == nil ? try container.decode(Double.self, forKey: .a) : .infinity
        b = commonDropout == nil ? try container.decode(Double.self, forKey: .b) : .infinity
        fit = try container.decodeIfPresent(FitDiagnostics.self, forKey: .fit)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(r, forKey: .r)
        try container.encode(alpha, forKey: .alpha)
        if let commonDropout {
            try container.encode(commonDropout, forKey: .commonDropout)
        } else {
            try container.encode(a, forKey: .a)
            try container.encode(b, forKey: .b)
        }
        try container.encodeIfPresent(fit, forKey: .fit)
    }

    /// Σ ln L of `summary` at these parameters (the paper's equation (6), in `summary`'s time unit).
    public func logLikelihood(_ summary: LifetimeSummary, workers: Int = Parallel.processorCount) -> Double {
        let likelihood = BetaGeometricLikelihood(summary, timeScale: 1, workers: workers)
        if let commonDropout { return likelihood.evaluateCommonDropout([r, alpha, commonDropout]).logLikelihood }
        return likelihood.evaluate([r, alpha, a, b]).logLikelihood
    }

    /// ln(a/(b + x − 1)), the odds of "dropped out right after the last visit" against "still alive" before
    /// the times enter; ln(p/(1 − p)) in the limit model.
    func logDropoutOdds(frequency x: Double) -> Double {
        if let p = commonDropout { return Foundation.log(p) - Foundation.log1p(-p) }
        return Foundation.log(a / (b + x - 1))
    }

    /// P(alive | x, tₓ, T) = 1 / (1 + 𝟙[x > 0] · a/(b + x − 1) · ((α + T)/(α + tₓ))ʳ⁺ˣ) (the paper's (13));
    /// in the limit model a/(b + x − 1) is p/(1 − p).
    public func probabilityAlive(frequency x: Double, recency: Double, age: Double) -> Double {
        guard x > 0 else { return 1 }
        let logOdds = (r + x) * Foundation.log((alpha + age) / (alpha + recency)) + logDropoutOdds(frequency: x)
        // The logistic of −logOdds, written to stay in [0, 1] for any logOdds.
        return logOdds >= 0 ? Foundation.exp(-logOdds) / (1 + Foundation.exp(-logOdds)) : 1 / (1 + Foundation.exp(logOdds))
    }

    /// E[X(t)] for a new patient: (a + b − 1)/(a − 1) · (1 − (α/(α + t))ʳ · ₂F₁(r, b; a + b − 1; t/(α + t))) (the paper's (9)).
    ///
    /// In the limit model (1/p) · (1 − (α/(α + pt))ʳ: (a + b − 1)/(a − 1) → 1/p, and ₂F₁(r, b; a + b − 1; z) →
    /// Σ (r)ₙ((1 − p)z)ⁿ/n! = (1 − (1 − p)z)⁻ʳ, with 1 − (1 − p)·t/(α + t) = (α + pt)/(α + t).
    public func expectedVisits(within t: Double) throws(LifetimeError) -> Double {
        if let p = commonDropout { return -Foundation.expm1(-r * Foundation.log1p(p * t / alpha)) / p }
        let z = t / (alpha + t)
        guard let hypergeometric = LifetimeMath.hypergeometric2F1(r, b, a + b - 1, z) else {
            throw .undefined(what: "expected visits within \(t)", reason: "₂F₁(\(r), \(b); \(a + b - 1); \(z)) does not converge")
        }
        return (a + b - 1) / (a - 1) * (1 - hypergeometric * Foundation.pow(alpha / (alpha + t), r))
    }

    /// E[Y(t) | x, tₓ, T]: the expected visits in the next `t` of a patient with this history (the paper's (10)),
    /// computed as lifetimes' `conditional_expected_number_of_purchases_up_to_time`.
    ///
    /// In the limit model, as for ``expectedVisits(within:)``: (1/p) · (1 − ((α + T)/(α + T + pt))ʳ⁺ˣ) divided by
    /// 1 + 𝟙[x > 0] · p/(1 − p) · ((α + T)/(α + tₓ))ʳ⁺ˣ, the odds of having dropped out.
    public func conditionalExpectedVisits(within t: Double, frequency x: Double, recency: Double, age: Double)
        throws(LifetimeError) -> Double {
        if let p = commonDropout {
            let visitsIfAlive = -Foundation.expm1(-(r + x) * Foundation.log1p(p * t / (alpha + age))) / p
            let dropoutOdds = x > 0 ? Foundation.exp(logDropoutOdds(frequency: x) + (r + x) * Foundation.log((alpha + age) / (alpha + recency))) : 0
            return visitsIfAlive / (1 + dropoutOdds)
        }
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
