import Foundation
@testable import StrataModels
import Testing

/// Properties of the lifetime models that hold at any parameters: gradients equal finite differences,
/// probabilities lie in [0, 1], the sums do not depend on how rows are split.
@Suite("Lifetime model properties")
struct LifetimePropertyTests {
    /// A small hand-made summary: one-time, regular and lapsed patients.
    static let summary = try! LifetimeSummary(
        frequency: [0, 0, 1, 2, 5, 3, 0, 8, 1, 4],
        recency: [0, 0, 3.5, 20, 30, 10, 0, 38, 1, 25],
        age: [40, 12, 40, 39, 31, 38, 5, 40, 30, 26],
        monetaryValue: [0, 0, 20, 35, 12, 50, 0, 18, 80, 22])

    @Test(arguments: [[0.24, 4.4, 0.79, 2.4], [1.7, 0.3, 3.1, 0.6], [0.05, 25, 0.2, 9]])
    func betaGeometricGradientEqualsCentralDifferences(_ parameters: [Double]) {
        let likelihood = BetaGeometricLikelihood(Self.summary, timeScale: 1, workers: 2)
        Self.expectGradientEqualsCentralDifferences(parameters, likelihood.evaluate)
    }

    /// Each component of `evaluate`'s gradient at `parameters` against (ln L(θ + h) − ln L(θ − h))/(2h) with
    /// h = 10⁻⁶·θⱼ.
    static func expectGradientEqualsCentralDifferences(_ parameters: [Double], _ evaluate: ([Double]) -> BetaGeometricLikelihood.Sums,
                                                       sourceLocation: SourceLocation = #_sourceLocation) {
        let analytic = evaluate(parameters).gradient
        for j in parameters.indices {
            let h = 1e-6 * parameters[j]
            var up = parameters, down = parameters
            up[j] += h; down[j] -= h
            let numeric = (evaluate(up).logLikelihood - evaluate(down).logLikelihood) / (2 * h)
            // Central differences are exact to O(h²) ≈ 1e-12 relative, plus rounding ε·|LL|/h.
            #expect(abs(analytic[j] - numeric) <= 1e-5 * max(1, abs(numeric)), "∂/∂θ[\(j)]", sourceLocation: sourceLocation)
        }
    }

    @Test func betaGeometricLikelihoodIsTheSumOfRowsFromThePaper() {
        // Equation (6) of the paper row by row with Foundation's lgamma, against the vectorized sums.
        let (r, alpha, a, b) = (0.6, 3.0, 1.2, 2.5)
        var expected = 0.0
        for i in 0..<Self.summary.count {
            let x = Self.summary.frequency[i], tx = Self.summary.recency[i], t = Self.summary.age[i]
            let logBeta = { (p: Double, q: Double) in lgamma(p) + lgamma(q) - lgamma(p + q) }
            let common = lgamma(r + x) - lgamma(r) + r * log(alpha)
            var likelihood = exp(logBeta(a, b + x) - logBeta(a, b) + common - (r + x) * log(alpha + t))
            if x > 0 { likelihood += exp(logBeta(a + 1, b + x - 1) - logBeta(a, b) + common - (r + x) * log(alpha + tx)) }
            expected += log(likelihood)
        }
        let model = BetaGeometricModel(r: r, alpha: alpha, a: a, b: b)
        #expect(abs(model.logLikelihood(Self.summary, workers: 1) - expected) <= 1e-11 * abs(expected))
        #expect(abs(model.logLikelihood(Self.summary, workers: 4) - expected) <= 1e-11 * abs(expected))
    }

    @Test func repeatedHistoriesAreSummedOncePerDistinctHistoryWithTheirCounts() {
        // The hand-made summary's rows repeated 1, 2, 3, ... times in a scrambled order: the grouped likelihood
        // must equal the row-by-row sum (each row's paper value times its repetitions), gradient included.
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = []
        for repetition in 0..<10 {
            for i in 0..<Self.summary.count where i >= repetition {
                let row = (i * 7 + repetition) % Self.summary.count
                frequency.append(Self.summary.frequency[row]); recency.append(Self.summary.recency[row]); age.append(Self.summary.age[row])
            }
        }
        let repeated = try! LifetimeSummary(frequency: frequency, recency: recency, age: age)
        let histories = BetaGeometricHistories(repeated)
        #expect(histories.rows == repeated.count && histories.count.reduce(0, +) == Double(repeated.count))
        #expect(histories.distinctCount == Self.summary.count)
        for h in 0..<histories.distinctCount {
            let rows = repeated.frequency.indices.filter {
                repeated.frequency[$0] == histories.frequency[h] && repeated.recency[$0] == histories.recency[h] && repeated.age[$0] == histories.age[h]
            }
            #expect(Double(rows.count) == histories.count[h])
        }
        let parameters = [0.6, 3.0, 1.2, 2.5]
        for workers in [1, 3] {
            let grouped = BetaGeometricLikelihood(repeated, timeScale: 0.5, workers: workers).evaluate(parameters)
            var expected = BetaGeometricLikelihood.Sums()
            for i in 0..<repeated.count {
                let one = try! LifetimeSummary(frequency: [repeated.frequency[i]], recency: [repeated.recency[i]], age: [repeated.age[i]])
                let term = BetaGeometricLikelihood(one, timeScale: 0.5, workers: 1).evaluate(parameters)
                expected.logLikelihood += term.logLikelihood
                for j in 0..<4 { expected.gradient[j] += term.gradient[j] }
            }
            #expect(abs(grouped.logLikelihood - expected.logLikelihood) <= 1e-12 * abs(expected.logLikelihood))
            for j in 0..<4 {
                #expect(abs(grouped.gradient[j] - expected.gradient[j]) <= 1e-11 * max(1, abs(expected.gradient[j])), "∂/∂θ[\(j)]")
            }
        }
    }

    @Test(arguments: [(10.773915862988344, 8540744.254702328, 8933599.986286202, 0.3996413558203674),
                      (2.5, 300.0, 320.0, 0.4), (0.3, 2.0, 5.5, 0.9), (12.0, 1.5, 4.0, 0.05)])
    func hypergeometricSeriesStopsWhenItsTailIsNegligible(a: Double, b: Double, c: Double, z: Double) throws {
        // A BG/NBD fit whose b ran off to 10⁷ (an orthodontic clinic of 200 people) gave the first case, which
        // the old stopping rule (only past n > a + b + c) could not sum in a million terms. Reference: the
        // series summed term by term for a fixed 5,000 terms, far past where each case's terms vanish.
        var term = 1.0, reference = 1.0
        for n in 0..<5_000 {
            let k = Double(n)
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            reference += term
        }
        let value = try #require(LifetimeMath.hypergeometric2F1(a, b, c, z))
        #expect(abs(value - reference) <= 4e-16 * reference, "\(value) against \(reference)")
    }

    @Test func historiesGroupedInSharesEqualOneTasksGrouping() throws {
        // 100,000 rows (enough to split) drawn from a few thousand histories by a fixed LCG: every split gives
        // the histories, their counts and their first-row order of a single task.
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = []
        var state: UInt64 = 12345
        func next(_ bound: Int) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int(state >> 33) % bound)
        }
        for _ in 0..<100_000 {
            let x = next(12), t = 1 + next(300)
            frequency.append(x); age.append(t); recency.append(x == 0 ? 0 : min(t, 1 + next(300)))
        }
        let summary = try LifetimeSummary(frequency: frequency, recency: recency, age: age)
        let single = BetaGeometricHistories(summary, workers: 1)
        #expect(single.count.reduce(0, +) == 100_000 && single.distinctCount > 1000)
        for workers in [2, 3, 16] {
            #expect(BetaGeometricHistories(summary, workers: workers) == single, "\(workers) workers")
        }
        // The first history is row 0's.
        #expect(single.frequency[0] == frequency[0] && single.recency[0] == recency[0] && single.age[0] == age[0])
    }

    @Test func logsTakenOncePerDistinctAgeAndRecencyEqualThePerRowOnes() throws {
        // Whole-day ages and recencies, as summaries of exports have: 4 ages and 3 recencies over 224 distinct
        // histories, so the likelihood takes ln(α + T) and ln(α + tₓ) from tables; each history evaluated on its
        // own (one row: no table) must give the same terms.
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = []
        for x in 0..<29 {
            for t in [10.0, 20, 30, 40] {
                for tx in x == 0 ? [0.0] : [5.0, 10] {
                    frequency.append(Double(x)); recency.append(tx); age.append(t)
                }
            }
        }
        let summary = try LifetimeSummary(frequency: frequency, recency: recency, age: age)
        let parameters = [0.6, 3.0, 1.2, 2.5]
        let likelihood = BetaGeometricLikelihood(summary, timeScale: 1, workers: 2)
        #expect(likelihood.ages.values.count == 4 && likelihood.recencies.values.count == 3)
        #expect(likelihood.ages.index.count == summary.count && likelihood.recencies.index.count == summary.count)
        let grouped = likelihood.evaluate(parameters)
        var expected = BetaGeometricLikelihood.Sums()
        for i in 0..<summary.count {
            let one = try LifetimeSummary(frequency: [frequency[i]], recency: [recency[i]], age: [age[i]])
            let single = BetaGeometricLikelihood(one, timeScale: 1, workers: 1)
            #expect(single.ages.index.isEmpty)
            let term = single.evaluate(parameters)
            expected.logLikelihood += term.logLikelihood
            for j in 0..<4 { expected.gradient[j] += term.gradient[j] }
        }
        #expect(abs(grouped.logLikelihood - expected.logLikelihood) <= 1e-12 * abs(expected.logLikelihood))
        for j in 0..<4 {
            #expect(abs(grouped.gradient[j] - expected.gradient[j]) <= 1e-11 * max(1, abs(expected.gradient[j])), "∂/∂θ[\(j)]")
        }
        // Too varied to pay: no table.
        #expect(DistinctValues((0..<100).map(Double.init)).index.isEmpty)
        #expect(DistinctValues([1, 2, 1, 2, 1, 2, 1, 2]).values == [1, 2])
    }

    @Test func gammaGammaGradientEqualsCentralDifferences() {
        let rows = Self.summary.spendRows
        let x = rows.map { Self.summary.frequency[$0] }, m = rows.map { Self.summary.monetaryValue![$0] }
        let logX = x.map { log($0) }, logM = m.map { log($0) }
        let parameters = [2.5, 3.7, 15.0]
        let analytic = GammaGamma.logLikelihood(parameters, x: x, m: m, logX: logX, logM: logM).gradient
        for j in 0..<3 {
            let h = 1e-6 * parameters[j]
            var up = parameters, down = parameters
            up[j] += h; down[j] -= h
            let numeric = (GammaGamma.logLikelihood(up, x: x, m: m, logX: logX, logM: logM).value
                - GammaGamma.logLikelihood(down, x: x, m: m, logX: logX, logM: logM).value) / (2 * h)
            #expect(abs(analytic[j] - numeric) <= 1e-5 * max(1, abs(numeric)), "∂/∂θ[\(j)]")
        }
    }

    @Test func digammaMatchesKnownValues() {
        // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 ln 2, ψ(x + 1) = ψ(x) + 1/x.
        let eulerGamma = 0.57721566490153286
        #expect(abs(LifetimeMath.digamma(1) + eulerGamma) <= 1e-14)
        #expect(abs(LifetimeMath.digamma(0.5) + eulerGamma + 2 * log(2.0)) <= 1e-14)
        for x in [0.013, 0.7, 3.3, 9.99, 42.0, 1e4] {
            #expect(abs(LifetimeMath.digamma(x + 1) - LifetimeMath.digamma(x) - 1 / x) <= 1e-12 * max(1, 1 / x))
        }
    }

    @Test func hypergeometricMatchesClosedForms() throws {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z; ₂F₁(a, b; b; z) = (1 − z)^(−a).
        for z in [0.1, 0.5, 0.9, 0.99] {
            let value = try #require(LifetimeMath.hypergeometric2F1(1, 1, 2, z))
            #expect(abs(value - -log1p(-z) / z) <= 1e-13 * value)
            let power = try #require(LifetimeMath.hypergeometric2F1(0.7, 2.5, 2.5, z))
            #expect(abs(power - pow(1 - z, -0.7)) <= 1e-13 * power)
        }
    }

    @Test func probabilitiesAndExpectationsAreSensible() throws {
        let model = BetaGeometricModel(r: 0.24, alpha: 4.4, a: 0.79, b: 2.4)
        for i in 0..<Self.summary.count {
            let x = Self.summary.frequency[i], tx = Self.summary.recency[i], t = Self.summary.age[i]
            let alive = model.probabilityAlive(frequency: x, recency: tx, age: t)
            #expect((0...1).contains(alive))
            if x == 0 { #expect(alive == 1) }
            // More time ahead means more expected visits.
            let soon = try model.conditionalExpectedVisits(within: 5, frequency: x, recency: tx, age: t)
            let later = try model.conditionalExpectedVisits(within: 50, frequency: x, recency: tx, age: t)
            #expect(soon >= 0 && later > soon)
        }
        // A longer silence since the last visit lowers P(alive).
        #expect(model.probabilityAlive(frequency: 3, recency: 10, age: 40) < model.probabilityAlive(frequency: 3, recency: 35, age: 40))
    }

    @Test func fitIsReproducibleAndNearlyIndependentOfWorkerCount() throws {
        let one = try BetaGeometric(workers: 1).fit(Self.summary)
        let again = try BetaGeometric(workers: 1).fit(Self.summary)
        #expect(one.r == again.r && one.alpha == again.alpha && one.a == again.a && one.b == again.b)
        let three = try BetaGeometric(workers: 3).fit(Self.summary)
        #expect(abs(one.fit!.logLikelihood - three.fit!.logLikelihood) <= 1e-9 * abs(one.fit!.logLikelihood))
    }

    @Test func summaryRejectsImpossibleRows() {
        #expect(throws: LifetimeError.invalidSummary(row: 1, column: "frequency", value: 1.5,
                                                     expected: "a whole number of repeat visits from 0 to 1e9")) {
            try LifetimeSummary(frequency: [0, 1.5], recency: [0, 2], age: [3, 3])
        }
        #expect(throws: LifetimeError.invalidSummary(row: 0, column: "recency", value: 4, expected: "from 0 to T (3.0)")) {
            try LifetimeSummary(frequency: [1], recency: [4], age: [3])
        }
        #expect(throws: LifetimeError.invalidSummary(row: 0, column: "recency", value: 2, expected: "0 when frequency is 0")) {
            try LifetimeSummary(frequency: [0], recency: [2], age: [3])
        }
        #expect(throws: LifetimeError.columnLengths(column: "T", count: 1, expected: 2)) {
            try LifetimeSummary(frequency: [0, 1], recency: [0, 2], age: [3])
        }
        #expect(throws: LifetimeError.invalidSummary(row: 0, column: "monetary_value", value: -1, expected: "a finite amount ≥ 0")) {
            try LifetimeSummary(frequency: [1], recency: [2], age: [3], monetaryValue: [-1])
        }
    }

    @Test func fitWithoutRepeatVisitsSaysWhy() {
        let summary = try! LifetimeSummary(frequency: [0, 0, 0, 0], recency: [0, 0, 0, 0], age: [1, 2, 3, 4])
        #expect(throws: LifetimeError.self) { try BetaGeometric().fit(summary) }
        #expect(throws: LifetimeError.invalidParameter(name: "penalty", value: -1, expected: "a finite number ≥ 0")) {
            try BetaGeometric(penalty: -1).fit(Self.summary)
        }
    }

    /// The hand-made summary where every repeat visit costs exactly 40 (fixed prices).
    static let fixedPrices = try! LifetimeSummary(frequency: summary.frequency, recency: summary.recency, age: summary.age,
                                                  monetaryValue: summary.frequency.map { $0 > 0 ? 40 : 0 })

    @Test func spendFitThatDivergesKeepsTheVisitsModelAndSaysWhy() throws {
        // Spend without any spread: Gamma-Gamma's likelihood grows without bound as p → ∞, so the plain fit fails.
        #expect(throws: LifetimeError.self) { try GammaGamma().fit(Self.fixedPrices) }
        let model = try LifetimeModel.fit(Self.fixedPrices, timeUnit: .days, workers: 2)
        #expect(model.parameters.spend == nil)
        let why = try #require(model.parameters.spendNotFitted)
        #expect(why.hasPrefix("Gamma-Gamma fit failed: p, q, γ ran off to"), "\(why)")
        #expect(model.parameters.lifetimeValueUnavailable == "the spend model was not fitted: \(why)")
        // The visits model is the one BG/NBD fits on its own.
        let visits = try BetaGeometric(workers: 2).fit(Self.fixedPrices)
        #expect(model.parameters.visits.r == visits.r && model.parameters.visits.alpha == visits.alpha)
        #expect(model.parameters.visits.a == visits.a && model.parameters.visits.b == visits.b)
        // Predictions: no CLV column.
        #expect(try model.apply(Self.fixedPrices, horizonDays: 90).map(\.name) == ["p_alive", "expected_visits_90d"])
        // The reason is stored with the parameters (the model file), and a file without the key still reads.
        let data = try JSONEncoder().encode(model.parameters)
        #expect(try JSONDecoder().decode(LifetimeParameters.self, from: data) == model.parameters)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["spendNotFitted"] as? String == why)
        object["spendNotFitted"] = nil
        let older = try JSONDecoder().decode(LifetimeParameters.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(older.spendNotFitted == nil && older.lifetimeValueUnavailable == "the model has no spend model (the summary had no spend)")
    }

    @Test func applyNamesItsColumnsAndDiscountsClv() throws {
        let visits = BetaGeometricModel(r: 0.24, alpha: 4.4 * 7, a: 0.79, b: 2.4)
        let spend = GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.4)
        let daySummary = try LifetimeSummary(frequency: [0, 3], recency: [0, 200], age: [280, 280], monetaryValue: [0, 30])
        let model = LifetimeModel(LifetimeParameters(timeUnit: .days, visits: visits, spend: spend, penalty: 0))
        let columns = try model.apply(daySummary, horizonDays: 365, monthlyDiscountRate: 0)
        #expect(columns.map(\.name) == ["p_alive", "expected_visits_365d", "clv_365d"])
        // Undiscounted, CLV is the expected spend per visit times the expected visits over the whole horizon.
        for row in 0..<2 {
            let perVisit = try spend.conditionalExpectedSpend(frequency: daySummary.frequency[row], monetaryValue: daySummary.monetaryValue![row])
            #expect(abs(columns[2].values[row] - perVisit * columns[1].values[row]) <= 1e-9 * columns[2].values[row])
        }
        let discounted = try model.apply(daySummary, horizonDays: 365, monthlyDiscountRate: 0.05)
        #expect(discounted[2].values[1] < columns[2].values[1])
        // A week-unit model with α in weeks gives the same predictions on the same history in weeks.
        let weekModel = LifetimeModel(LifetimeParameters(timeUnit: .weeks, visits: BetaGeometricModel(r: 0.24, alpha: 4.4, a: 0.79, b: 2.4),
                                                         spend: nil, penalty: 0))
        let weekSummary = try LifetimeSummary(frequency: [0, 3], recency: [0, 200.0 / 7], age: [40, 40])
        let weekColumns = try weekModel.apply(weekSummary, horizonDays: 365)
        #expect(weekColumns.count == 2)
        for row in 0..<2 { #expect(abs(weekColumns[1].values[row] - columns[1].values[row]) <= 1e-9 * columns[1].values[row]) }
    }
}
