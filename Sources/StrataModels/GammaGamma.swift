import Foundation

/// The Gamma-Gamma model of spend per visit (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie's
/// note "The Gamma-Gamma model of monetary value").
///
/// A patient's visit amounts are Gamma(p, ν) with ν ~ Gamma(q, γ) across patients; the mean m̄ of x visits has
///
///     ln f(m̄ | x) = ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln γ + (px − 1) ln m̄ + px ln x − (px + q) ln(x·m̄ + γ).
///
/// `fit` maximizes it over the patients with x > 0 and m̄ > 0 (lifetimes' objective and penalty, in log-parameters, with
/// L-BFGS and the analytic gradient). The model assumes spend is independent of visit frequency:
/// ``GammaGammaModel/frequencySpendCorrelation`` reports the Pearson correlation to check.
public struct GammaGamma: Sendable {
    /// The L2 penalty on (p, q, γ), as lifetimes' `penalizer_coef`.
    public var penalty: Double
    public var maximumIterations: Int
    public var gradientTolerance: Double

    public init(penalty: Double = 0, maximumIterations: Int = 500, gradientTolerance: Double = 1e-10) {
        self.penalty = penalty
        self.maximumIterations = maximumIterations
        self.gradientTolerance = gradientTolerance
    }

    /// Fits (p, q, γ) to the rows of `summary` with x > 0 and a monetary value > 0.
    public func fit(_ summary: LifetimeSummary) throws(LifetimeError) -> GammaGammaModel {
        guard penalty.isFinite, penalty >= 0 else { throw .invalidParameter(name: "penalty", value: penalty, expected: "a finite number ≥ 0") }
        guard maximumIterations >= 1 else {
            throw .invalidParameter(name: "maximumIterations", value: Double(maximumIterations), expected: "at least 1")
        }
        guard let monetary = summary.monetaryValue else {
            throw .fitFailed(model: "Gamma-Gamma", reason: "the summary has no monetary value column")
        }
        let rows = summary.spendRows
        guard rows.count >= 3 else { throw .tooFewRows(what: "patients with repeat visits and spend", count: rows.count, minimum: 3) }
        let clock = ContinuousClock.now
        let x = rows.map { summary.frequency[$0] }, m = rows.map { monetary[$0] }
        let logX = x.map { Foundation.log($0) }, logM = m.map { Foundation.log($0) }
        let n = Double(rows.count), penalty = self.penalty
        let minimizer = LifetimeMinimizer(maximumIterations: maximumIterations, gradientTolerance: gradientTolerance)
        let result = minimizer.minimize(from: [0, 0, 0]) { logParameters in
            let parameters = logParameters.map { Foundation.exp($0) }
            let (logLikelihood, gradient) = Self.logLikelihood(parameters, x: x, m: m, logX: logX, logM: logM)
            var value = -logLikelihood / n
            var scaled = [0.0, 0.0, 0.0]
            for j in 0..<3 {
                value += penalty * parameters[j] * parameters[j]
                scaled[j] = parameters[j] * (-gradient[j] / n + 2 * penalty * parameters[j])
            }
            return .init(value: value.isNaN ? .infinity : value, gradient: scaled)
        }
        let fitted = result.parameters.map { Foundation.exp($0) }
        guard fitted.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e12 }), result.value.isFinite else {
            // Spend that barely varies between visits and patients (fixed prices) has its maximum at p → ∞.
            let shown = fitted.map { $0.isFinite ? String(format: "%.4g", $0) : "\($0)" }
            throw .fitFailed(model: "Gamma-Gamma", reason: "p, q, γ ran off to \(shown.joined(separator: ", ")) (spend per visit "
                + "varies too little for a Gamma spread, e.g. fixed prices; a penalty such as 0.01 keeps them finite)")
        }
        var model = GammaGammaModel(p: fitted[0], q: fitted[1], gamma: fitted[2])
        model.fit = .init(logLikelihood: Self.logLikelihood(fitted, x: x, m: m, logX: logX, logM: logM).value,
                          iterations: result.iterations, converged: result.converged, seconds: (ContinuousClock.now - clock).seconds,
                          patients: rows.count, frequencySpendCorrelation: Self.correlation(x, m))
        return model
    }

    /// Σ ln f(m̄ | x) and its gradient in (p, q, γ).
    static func logLikelihood(_ parameters: [Double], x: [Double], m: [Double], logX: [Double], logM: [Double])
        -> (value: Double, gradient: [Double]) {
        let p = parameters[0], q = parameters[1], gamma = parameters[2]
        let logGammaQ = LifetimeMath.logGamma(q), psiQ = LifetimeMath.digamma(q), logG = Foundation.log(gamma)
        var value = 0.0, dp = 0.0, dq = 0.0, dGamma = 0.0
        for i in x.indices {
            let px = p * x[i], logTotal = Foundation.log(x[i] * m[i] + gamma)
            value += LifetimeMath.logGamma(px + q) - LifetimeMath.logGamma(px) - logGammaQ + q * logG
                + (px - 1) * logM[i] + px * logX[i] - (px + q) * logTotal
            let psiPXQ = LifetimeMath.digamma(px + q)
            dp += x[i] * (psiPXQ - LifetimeMath.digamma(px) + logM[i] + logX[i] - logTotal)
            dq += psiPXQ - psiQ + logG - logTotal
            dGamma += q / gamma - (px + q) / (x[i] * m[i] + gamma)
        }
        return (value, [dp, dq, dGamma])
    }

    /// Pearson's correlation of `a` and `b`; 0 when either is constant.
    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let meanA = a.reduce(0, +) / n, meanB = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            let da = a[i] - meanA, db = b[i] - meanB
            sab += da * db; saa += da * da; sbb += db * db
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}

/// A fitted Gamma-Gamma spend model.
public struct GammaGammaModel: Codable, Sendable, Equatable {
    public var p: Double
    public var q: Double
    public var gamma: Double
    public var fit: FitDiagnostics?

    public struct FitDiagnostics: Codable, Sendable, Equatable {
        public var logLikelihood: Double
        public var iterations: Int
        public var converged: Bool
        public var seconds: Double
        /// The patients with repeat visits it was fitted on.
        public var patients: Int
        /// Pearson's correlation of frequency and mean spend over those patients; the model assumes none, and
        /// a magnitude above about 0.3 says its spend predictions are biased.
        public var frequencySpendCorrelation: Double

        enum CodingKeys: String, CodingKey {
            case logLikelihood = "log_likelihood", iterations, converged, seconds, patients
            case frequencySpendCorrelation = "frequency_spend_correlation"
        }
    }

    public init(p: Double, q: Double, gamma: Double) {
        self.p = p
        self.q = q
        self.gamma = gamma
    }

    /// The population mean spend per visit, γp/(q − 1); needs q > 1.
    public func populationMeanSpend() throws(LifetimeError) -> Double {
        guard q > 1 else { throw .undefined(what: "the mean spend per visit", reason: "q is \(q); the mean exists only for q > 1") }
        return gamma * p / (q - 1)
    }

    /// E[M | x, m̄]: the weighted mean of the population mean and the patient's own, with weight
    /// px/(px + q − 1) on the patient's (lifetimes' `conditional_expected_average_profit`). For x = 0 the
    /// population mean.
    public func conditionalExpectedSpend(frequency x: Double, monetaryValue: Double) throws(LifetimeError) -> Double {
        let populationMean = try populationMeanSpend()
        let weight = p * x / (p * x + q - 1)
        return (1 - weight) * populationMean + weight * monetaryValue
    }

    /// Customer lifetime value over `months` months, discounted monthly (lifetimes' `customer_lifetime_value`):
    /// Σₖ₌₁..months E[M] · (E[Y(k·u)] − E[Y((k−1)·u)]) / (1 + d)ᵏ, with u = `timeUnitsPerMonth` (30 for days,
    /// 4.345 for weeks) and E[Y] the visits model's conditional expectation.
    public func lifetimeValue(months: Int, monthlyDiscountRate: Double, timeUnitsPerMonth: Double, visits: BetaGeometricModel,
                              frequency x: Double, recency: Double, age: Double, monetaryValue: Double) throws(LifetimeError) -> Double {
        let spend = try conditionalExpectedSpend(frequency: x, monetaryValue: monetaryValue)
        var value = 0.0, previous = 0.0
        for month in stride(from: 1, through: months, by: 1) {
            let expected = try visits.conditionalExpectedVisits(within: Double(month) * timeUnitsPerMonth, frequency: x,
                                                                recency: recency, age: age)
            value += spend * (expected - previous) / Foundation.pow(1 + monthlyDiscountRate, Double(month))
            previous = expected
        }
        return value
    }
}
