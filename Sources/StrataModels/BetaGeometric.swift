import Foundation
import StrataLinearAlgebra

/// The BG/NBD model of repeat visits (Fader, Hardie and Lee 2005, "Counting your customers the easy way").
///
/// While alive, a patient visits as a Poisson process of rate λ ~ Gamma(r, α); after each visit they drop out
/// with probability p ~ Beta(a, b). The likelihood of a summary row (x, tₓ, T) has the paper's closed form (6):
///
///     L = B(a, b + x)/B(a, b) · Γ(r + x)αʳ / (Γ(r)(α + T)ʳ⁺ˣ)
///       + 𝟙[x > 0] · B(a + 1, b + x − 1)/B(a, b) · Γ(r + x)αʳ / (Γ(r)(α + tₓ)ʳ⁺ˣ)
///
/// `fit` maximizes Σ ln L − n·λ_L2·(r² + α² + a² + b²) (lifetimes' penalty on the parameters in rescaled time)
/// over the log-parameters with L-BFGS and the analytic gradient.
///
/// **The boundary.** Where every patient seems to drop out with about the same probability (scheduled care in a
/// small clinic), plain maximum likelihood has no maximum inside the parameter space: a and b grow without
/// bound with a/(a + b) settling at some p, and the likelihood climbs towards its value at the limit. That
/// limit is a model of its own, BG/NBD with Beta(a, b) collapsed onto p: the same dropout probability p after
/// every visit for everyone, B(a, b + x)/B(a, b) → (1 − p)ˣ and a/(b + x − 1) → p/(1 − p) in L. When an
/// unpenalized fit ends with a and b both at least ``runOffThreshold`` (or past any finite bound), `fit` also
/// maximizes the limit's likelihood over (r, α, p) and returns the limit (``BetaGeometricModel/commonDropout``,
/// with a note in its fit diagnostics) when the likelihood rises towards it
/// (``BetaGeometricLikelihood/slopeTowardsSpread(_:)`` ≤ 0) and it is at least as likely as where the four
/// parameters stopped.
public struct BetaGeometric: Sendable {
    /// a and b both at least this at the end of an unpenalized fit make `fit` try the limit a, b → ∞. Beta(a, b)
    /// with a, b ≥ 100 spreads p by a standard deviation below √(1/4 / 201) = 0.036 (far less where a and b ran
    /// off to 10⁶); which model is returned is the likelihoods' decision, the threshold only spares ordinary
    /// fits (a and b of a few units or tens) the second fit.
    public static let runOffThreshold = 100.0

    /// The L2 penalty λ_L2 on the parameters, as lifetimes' `penalizer_coef`: the objective is the mean negative
    /// log-likelihood plus λ_L2·Σθ², with time rescaled so the largest T is 10 while fitting.
    public var penalty: Double
    /// The largest number of L-BFGS iterations.
    public var maximumIterations: Int
    /// Convergence: the largest component of the gradient of the mean objective in log-parameters.
    public var gradientTolerance: Double
    /// Concurrent workers for the likelihood sums; results are reproducible for a given count.
    public var workers: Int

    public init(penalty: Double = 0, maximumIterations: Int = 500, gradientTolerance: Double = 1e-9,
                workers: Int = Parallel.processorCount) {
        self.penalty = penalty
        self.maximumIterations = maximumIterations
        self.gradientTolerance = gradientTolerance
        self.workers = workers
    }

    /// Throws for a negative or non-finite penalty, fewer than 1 iteration or a tolerance outside (0, 1).
    public func validate() throws(LifetimeError) {
        guard penalty.isFinite, penalty >= 0 else { throw .invalidParameter(name: "penalty", value: penalty, expected: "a finite number ≥ 0") }
        guard maximumIterations >= 1 else {
            throw .invalidParameter(name: "maximumIterations", value: Double(maximumIterations), expected: "at least 1")
        }
        guard gradientTolerance > 0, gradientTolerance < 1 else {
            throw .invalidParameter(name: "gradientTolerance", value: gradientTolerance, expected: "between 0 and 1")
        }
    }

    /// Fits (r, α, a, b) to `summary`.
    ///
    /// - Returns: the model with the log-likelihood in `summary`'s time unit (unpenalized).
    /// - Complexity: O(n) to group the rows by history, then O(h) per evaluation for h distinct (x, tₓ, T),
    ///   split over `workers`; terms that depend on x alone are computed once per distinct frequency.
    public func fit(_ summary: LifetimeSummary) throws(LifetimeError) -> BetaGeometricModel {
        try validate()
        guard summary.count >= 4 else { throw .tooFewRows(what: "patients", count: summary.count, minimum: 4) }
        guard summary.frequency.contains(where: { $0 > 0 }) else {
            throw .fitFailed(model: "BG/NBD", reason: "no patient has a repeat visit, so the visit rate and the dropout are not identified")
        }
        let oldest = summary.age.max()!
        guard oldest > 0 else {
            throw .fitFailed(model: "BG/NBD", reason: "every patient has T = 0, so nothing was observed")
        }
        let clock = ContinuousClock.now
        let scale = 10 / oldest
        let histories = BetaGeometricHistories(summary, workers: workers)
        let likelihood = BetaGeometricLikelihood(histories, timeScale: scale, workers: workers)
        let minimizer = LifetimeMinimizer(maximumIterations: maximumIterations, gradientTolerance: gradientTolerance)
        let penalty = self.penalty, n = Double(summary.count)
        let result = minimizer.minimize(from: [0, 0, 0, 0]) { logParameters in
            let parameters = logParameters.map { Foundation.exp($0) }
            let sums = likelihood.evaluate(parameters)
            var gradient = [Double](repeating: 0, count: 4)
            var value = -sums.logLikelihood / n
            for j in 0..<4 {
                value += penalty * parameters[j] * parameters[j]
                gradient[j] = parameters[j] * (-sums.gradient[j] / n + 2 * penalty * parameters[j])
            }
            return .init(value: value.isNaN ? .infinity : value, gradient: gradient)
        }
        let fitted = result.parameters.map { Foundation.exp($0) }
        let finite = fitted.allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e12 }) && result.value.isFinite
        let unscaled = BetaGeometricLikelihood(histories, timeScale: 1, workers: workers)
        // The four-parameter objective at a, b ~ 10⁷ is only good to about ε·ln Γ(a + b) per term (its ln Γ
        // differences cancel), so a limit within that of it counts as at least as likely.
        if penalty == 0, fitted[2] >= Self.runOffThreshold, fitted[3] >= Self.runOffThreshold,
           let limit = commonDropoutFit(likelihood, minimizer: minimizer, rows: n), limit.slopeTowardsSpread <= 0,
           !finite || limit.value <= result.value + 4 * Double.ulpOfOne * LifetimeMath.logGamma(fitted[2] + fitted[3]) {
            var model = BetaGeometricModel(r: limit.parameters[0], alpha: limit.parameters[1] / scale, commonDropout: limit.parameters[2])
            let stoppedAt = String(format: "%.3g, %.3g with a/(a + b) = %.4f", fitted[2], fitted[3], fitted[2] / (fitted[2] + fitted[3]))
            model.fit = .init(logLikelihood: unscaled.evaluateCommonDropout([model.r, model.alpha, limit.parameters[2]]).logLikelihood,
                              iterations: result.iterations + limit.iterations, converged: limit.converged,
                              seconds: (ContinuousClock.now - clock).seconds,
                              note: "plain maximum likelihood has no maximum inside the parameter space: a and b grew without "
                                  + "bound (to \(stoppedAt)), so the model is their limit, the same dropout probability "
                                  + String(format: "p = %.4f after each visit for every patient", limit.parameters[2]))
            return model
        }
        guard finite else {
            throw .fitFailed(model: "BG/NBD", reason: "parameters ran off to \(fitted) (the data may not show dropout; try a penalty)")
        }
        var model = BetaGeometricModel(r: fitted[0], alpha: fitted[1] / scale, a: fitted[2], b: fitted[3])
        model.fit = .init(logLikelihood: unscaled.evaluate([model.r, model.alpha, model.a, model.b]).logLikelihood,
                          iterations: result.iterations,
                          converged: result.converged, seconds: (ContinuousClock.now - clock).seconds)
        return model
    }

    /// The limit a, b → ∞ with a/(a + b) = p fitted: the mean negative log-likelihood (rescaled time, no penalty)
    /// minimized over (ln r, ln α, logit p) from r = α = 1, p = ½.
    ///
    /// - Returns: r, α (rescaled), p with the minimum and the iterations, and at that point
    ///   ``BetaGeometricLikelihood/slopeTowardsSpread(_:)``; nil when r or α runs off or p reaches 0 or 1
    ///   (another boundary: no dropout, or dropout after the first visit for everyone).
    func commonDropoutFit(_ likelihood: BetaGeometricLikelihood, minimizer: LifetimeMinimizer, rows n: Double)
        -> (parameters: [Double], value: Double, iterations: Int, converged: Bool, slopeTowardsSpread: Double)? {
        let result = minimizer.minimize(from: [0, 0, 0]) { unconstrained in
            let r = Foundation.exp(unconstrained[0]), alpha = Foundation.exp(unconstrained[1])
            let p = 1 / (1 + Foundation.exp(-unconstrained[2]))
            let sums = likelihood.evaluateCommonDropout([r, alpha, p])
            // d/d ln r = r·∂/∂r, d/d ln α = α·∂/∂α, d/d logit p = p(1 − p)·∂/∂p.
            let gradient = [-r * sums.gradient[0] / n, -alpha * sums.gradient[1] / n, -p * (1 - p) * sums.gradient[2] / n]
            let value = -sums.logLikelihood / n
            return .init(value: value.isNaN ? .infinity : value, gradient: gradient)
        }
        let r = Foundation.exp(result.parameters[0]), alpha = Foundation.exp(result.parameters[1])
        let p = 1 / (1 + Foundation.exp(-result.parameters[2]))
        guard result.value.isFinite, [r, alpha].allSatisfy({ $0.isFinite && $0 > 0 && $0 < 1e12 }),
              p > 1e-12, p < 1 - 1e-12 else { return nil }
        return ([r, alpha, p], result.value, result.iterations, result.converged, likelihood.slopeTowardsSpread([r, alpha, p]))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// Σ ln L and its gradient in (r, α, a, b) over a summary, with time multiplied by `timeScale`.
///
/// It sums over the summary's distinct histories (``BetaGeometricHistories``), each term times its row count.
struct BetaGeometricLikelihood: Sendable {
    struct Sums: Sendable {
        var logLikelihood = 0.0
        /// ∂/∂r, ∂/∂α, ∂/∂a, ∂/∂b.
        var gradient = [0.0, 0.0, 0.0, 0.0]
    }

    /// Per-history partial sums (each times the history's count): ln L without the x-only terms, ∂/∂r, ∂/∂α,
    /// Σ w₄ and Σ w₄ times a weight per frequency (1/(b + x − 1) for ∂/∂b), where w₄ is the share of the
    /// "dropped out after the last visit" term in L.
    private struct Partial: Sendable {
        var logLikelihood = 0.0, dr = 0.0, dAlpha = 0.0, w4 = 0.0, weightedW4 = 0.0
    }

    /// The distinct histories, time scaled, with their row counts.
    let frequency: [Double], recency: [Double], age: [Double], count: [Double]
    /// The summary's row count.
    let rows: Int
    /// Each history's index into `distinctFrequencies`.
    let frequencyIndex: [Int32]
    /// The distinct frequencies and how many rows (not histories) have each.
    let distinctFrequencies: [Double], frequencyCounts: [Double]
    /// Ages and recencies counted in whole days or weeks take few distinct values (at most the days of history),
    /// so `ln(α + T)` and `ln(α + tₓ)` are taken once per distinct value: each history's index into them, or
    /// empty when the values are too varied for a table to pay.
    let ages: DistinctValues, recencies: DistinctValues
    let workers: Int

    init(_ summary: LifetimeSummary, timeScale: Double, workers: Int) {
        self.init(BetaGeometricHistories(summary, workers: workers), timeScale: timeScale, workers: workers)
    }

    init(_ histories: BetaGeometricHistories, timeScale: Double, workers: Int) {
        frequency = histories.frequency
        recency = timeScale == 1 ? histories.recency : histories.recency.map { $0 * timeScale }
        age = timeScale == 1 ? histories.age : histories.age.map { $0 * timeScale }
        count = histories.count
        rows = histories.rows
        var distinct: [Double] = [], counts: [Double] = []
        var index = [Int32](repeating: 0, count: histories.distinctCount)
        // Frequencies are whole numbers: a direct table up to the largest one when it is small, else a dictionary.
        let largest = histories.frequency.max() ?? 0
        if largest <= 1_000_000 {
            var slot = [Int32](repeating: -1, count: Int(largest) + 1)
            for (row, x) in histories.frequency.enumerated() {
                let value = Int(x)
                if slot[value] < 0 {
                    slot[value] = Int32(distinct.count)
                    distinct.append(x)
                    counts.append(0)
                }
                index[row] = slot[value]
                counts[Int(slot[value])] += histories.count[row]
            }
        } else {
            var indexOf: [Double: Int32] = [:]
            for (row, x) in histories.frequency.enumerated() {
                let k = indexOf[x] ?? {
                    let k = Int32(distinct.count)
                    indexOf[x] = k
                    distinct.append(x)
                    counts.append(0)
                    return k
                }()
                index[row] = k
                counts[Int(k)] += histories.count[row]
            }
        }
        frequencyIndex = index
        distinctFrequencies = distinct
        frequencyCounts = counts
        ages = DistinctValues(age)
        recencies = DistinctValues(recency)
        self.workers = workers
    }

    /// The sums at (r, α, a, b).
    func evaluate(_ parameters: [Double]) -> Sums {
        let r = parameters[0], alpha = parameters[1], a = parameters[2], b = parameters[3]
        let logA = Foundation.log(a)
        // Terms of x alone, once per distinct frequency.
        let logBx1 = distinctFrequencies.map { $0 > 0 ? Foundation.log(b + $0 - 1) : 0 }
        let invBx1 = distinctFrequencies.map { $0 > 0 ? 1 / (b + $0 - 1) : 0 }
        let total = historySums(r: r, alpha: alpha, logDropoutOdds: logBx1.map { logA - $0 }, shareWeights: invBx1)
        let n = Double(rows)
        let lgR = LifetimeMath.logGamma(r), lgB = LifetimeMath.logGamma(b), lgAB = LifetimeMath.logGamma(a + b)
        let psiR = LifetimeMath.digamma(r), psiB = LifetimeMath.digamma(b), psiAB = LifetimeMath.digamma(a + b)
        var sums = Sums()
        sums.logLikelihood = total.logLikelihood + n * (r * Foundation.log(alpha) + lgAB - lgR - lgB)
        sums.gradient = [total.dr + n * (Foundation.log(alpha) - psiR), total.dAlpha + n * r / alpha,
                         total.w4 / a + n * psiAB, -total.weightedW4 + n * (psiAB - psiB)]
        for (k, x) in distinctFrequencies.enumerated() {
            let count = frequencyCounts[k]
            sums.logLikelihood += count * (LifetimeMath.logGamma(r + x) + LifetimeMath.logGamma(b + x) - LifetimeMath.logGamma(a + b + x))
            let psiABx = LifetimeMath.digamma(a + b + x)
            sums.gradient[0] += count * LifetimeMath.digamma(r + x)
            sums.gradient[2] -= count * psiABx
            sums.gradient[3] += count * (LifetimeMath.digamma(b + x) - psiABx)
        }
        return sums
    }

    /// The sums of the limit a, b → ∞ with a/(a + b) = p at (r, α, p), the gradient's third entry ∂/∂p: in L,
    /// B(a, b + x)/B(a, b) becomes (1 − p)ˣ and a/(b + x − 1) becomes p/(1 − p), so
    /// ln L = ln Γ(r + x) − ln Γ(r) + r ln α + x ln(1 − p) + ln(e^A₃ + e^A₄) with A₃ = −(r + x) ln(α + T) and
    /// A₄ = ln(p/(1 − p)) − (r + x) ln(α + tₓ) for x > 0, and ∂ ln L/∂p = w₄/(p(1 − p)) − x/(1 − p).
    func evaluateCommonDropout(_ parameters: [Double]) -> Sums {
        let r = parameters[0], alpha = parameters[1], p = parameters[2]
        let logOdds = Foundation.log(p) - Foundation.log1p(-p), logStay = Foundation.log1p(-p)
        let total = historySums(r: r, alpha: alpha, logDropoutOdds: distinctFrequencies.map { _ in logOdds },
                                shareWeights: distinctFrequencies.map { _ in 0 })
        let n = Double(rows)
        var sums = Sums()
        sums.logLikelihood = total.logLikelihood + n * (r * Foundation.log(alpha) - LifetimeMath.logGamma(r))
        var visits = 0.0
        sums.gradient = [total.dr + n * (Foundation.log(alpha) - LifetimeMath.digamma(r)), total.dAlpha + n * r / alpha, 0]
        for (k, x) in distinctFrequencies.enumerated() {
            let count = frequencyCounts[k]
            sums.logLikelihood += count * (LifetimeMath.logGamma(r + x) + x * logStay)
            sums.gradient[0] += count * LifetimeMath.digamma(r + x)
            visits += count * x
        }
        sums.gradient[2] = total.w4 / (p * (1 - p)) - visits / (1 - p)
        return sums
    }

    /// d Σ ln L/dε at ε = 0 along a = p/ε, b = (1 − p)/ε, at the limit's (r, α, p): how the log-likelihood
    /// changes when the common dropout p gets a little spread (Beta(a, b) of variance p(1 − p)ε + O(ε²)).
    ///
    /// Each L is E[(1 − π)ˣ]·A + E[π(1 − π)ˣ⁻¹]·B over π ~ Beta(a, b), and E[g(π)] = g(p) + ½g''(p)·p(1 − p)ε
    /// + O(ε²); with the shares w₃ + w₄ = 1 of the two terms, d ln L/dε = (x − 1)(x·p − 2w₄)/(2(1 − p)) (0
    /// for x ≤ 1). At most 0: the likelihood rises towards the limit, which is then a maximum of BG/NBD's
    /// likelihood at its boundary (r, α and p are at the limit's maximum already).
    func slopeTowardsSpread(_ parameters: [Double]) -> Double {
        let r = parameters[0], alpha = parameters[1], p = parameters[2]
        let logOdds = Foundation.log(p) - Foundation.log1p(-p)
        // Σ w₄·(x − 1) through the per-frequency weights of the shares.
        let total = historySums(r: r, alpha: alpha, logDropoutOdds: distinctFrequencies.map { _ in logOdds },
                                shareWeights: distinctFrequencies.map { $0 - 1 })
        var pairs = 0.0
        for (k, x) in distinctFrequencies.enumerated() { pairs += frequencyCounts[k] * x * (x - 1) }
        return (p * pairs - 2 * total.weightedW4) / (2 * (1 - p))
    }

    /// Σ over the histories of each one's count times its terms that involve the times: ln(e^A₃ + e^A₄) with
    /// A₃ = −(r + x) ln(α + T), A₄ = `logDropoutOdds[k]` − (r + x) ln(α + tₓ) for x > 0 (k the history's
    /// frequency's index), their derivatives in r and α, the shares w₄ of A₄ and Σ w₄·`shareWeights[k]`.
    private func historySums(r: Double, alpha: Double, logDropoutOdds: [Double], shareWeights: [Double]) -> Partial {
        let frequency = frequency, recency = recency, age = age, count = count, index = frequencyIndex
        let ages = ages, recencies = recencies
        let logAlphaAges = ages.values.map { Foundation.log(alpha + $0) }
        let logAlphaRecencies = recencies.values.map { Foundation.log(alpha + $0) }
        let partials = Parallel.map(rangesOf: frequency.count, workers: workers) { range -> Partial in
            var p = Partial()
            for i in range {
                let x = frequency[i], k = Int(index[i]), c = count[i]
                let rx = r + x
                let alphaT = alpha + age[i]
                let logAlphaT = ages.index.isEmpty ? Foundation.log(alphaT) : logAlphaAges[Int(ages.index[i])]
                let a3 = -rx * logAlphaT
                if x == 0 {
                    p.logLikelihood += c * a3
                    p.dr -= c * logAlphaT
                    p.dAlpha -= c * rx / alphaT
                    continue
                }
                let alphaRecency = alpha + recency[i]
                let logAlphaRecency = recencies.index.isEmpty ? Foundation.log(alphaRecency)
                                                              : logAlphaRecencies[Int(recencies.index[i])]
                let a4 = logDropoutOdds[k] - rx * logAlphaRecency
                // ln(e^A3 + e^A4) and the shares w3, w4 without overflow.
                // The shares w3, w4 are times the history's count c.
                let w3: Double, w4: Double
                if a4 > a3 {
                    let e = Foundation.exp(a3 - a4), share = c / (1 + e)
                    p.logLikelihood += c * (a4 + Foundation.log1p(e))
                    w3 = e * share; w4 = share
                } else {
                    let e = Foundation.exp(a4 - a3), share = c / (1 + e)
                    p.logLikelihood += c * (a3 + Foundation.log1p(e))
                    w4 = e * share; w3 = share
                }
                p.dr -= w3 * logAlphaT + w4 * logAlphaRecency
                p.dAlpha -= rx * (w3 / alphaT + w4 / alphaRecency)
                p.w4 += w4
                p.weightedW4 += w4 * shareWeights[k]
            }
            return p
        }
        var total = Partial()
        for p in partials {
            total.logLikelihood += p.logLikelihood; total.dr += p.dr; total.dAlpha += p.dAlpha
            total.w4 += p.w4; total.weightedW4 += p.weightedW4
        }
        return total
    }
}

/// The distinct values of a column and each row's index into them, kept only when there are at most a quarter
/// as many distinct values as rows (else both are empty and a caller computes from the rows).
struct DistinctValues: Sendable {
    let values: [Double]
    let index: [Int32]

    init(_ column: [Double]) {
        var slots: [Double: Int32] = [:]
        var values: [Double] = []
        var index: [Int32] = []
        index.reserveCapacity(column.count)
        for value in column {
            if let slot = slots[value] {
                index.append(slot)
                continue
            }
            guard values.count < column.count / 4 else {
                (self.values, self.index) = ([], [])
                return
            }
            slots[value] = Int32(values.count)
            index.append(Int32(values.count))
            values.append(value)
        }
        (self.values, self.index) = (values, index)
    }
}

