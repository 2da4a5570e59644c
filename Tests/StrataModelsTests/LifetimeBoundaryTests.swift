import Foundation
import StrataFeatures
@testable import StrataModels
import Testing

/// BG/NBD's boundary a, b → ∞ with a/(a + b) = p: the limit model's likelihood and predictions are those of
/// BG/NBD with a, b large along that ray, its gradient is exact, and it survives a model file. (Its detection
/// on a generated small clinic: `StrataProjectTests/LifetimeBoundaryTrainingTests`.)
@Suite("BG/NBD limit a, b → ∞")
struct LifetimeBoundaryTests {
    static let summary = LifetimePropertyTests.summary

    @Test(arguments: [[0.24, 4.4, 0.08], [1.7, 0.3, 0.5], [0.05, 25, 0.93]])
    func commonDropoutGradientEqualsCentralDifferences(_ parameters: [Double]) {
        let likelihood = BetaGeometricLikelihood(Self.summary, timeScale: 1, workers: 2)
        LifetimePropertyTests.expectGradientEqualsCentralDifferences(parameters, likelihood.evaluateCommonDropout)
    }

    @Test(arguments: [[0.24, 4.4, 0.08], [1.7, 0.3, 0.5], [0.8, 6, 0.2]])
    func slopeTowardsSpreadEqualsTheDifferenceAlongTheRay(_ parameters: [Double]) {
        // (ln L(ε) − ln L(0))/ε along a = p/ε, b = (1 − p)/ε is the slope plus O(ε); at ε = 10⁻⁵ the four-parameter
        // sum loses about ε_machine·ln Γ(10⁵)·n ≈ 2e-9 to rounding, 2e-4 of the difference.
        let likelihood = BetaGeometricLikelihood(Self.summary, timeScale: 1, workers: 2)
        let (r, alpha, p) = (parameters[0], parameters[1], parameters[2])
        let slope = likelihood.slopeTowardsSpread(parameters)
        let epsilon = 1e-5
        let difference = (likelihood.evaluate([r, alpha, p / epsilon, (1 - p) / epsilon]).logLikelihood
            - likelihood.evaluateCommonDropout(parameters).logLikelihood) / epsilon
        #expect(abs(difference - slope) <= 2e-3 * max(1, abs(slope)), "\(difference) against \(slope)")
    }

    @Test(arguments: [0.08, 0.5])
    func theLimitIsBetaGeometricWithLargeAAndB(p: Double) throws {
        // Along a = p·s, b = (1 − p)·s every term of L moves by O(x²/s) (B(a, b + x)/B(a, b) = (1 − p)ˣ·(1 + O(x²/s))),
        // so at s = 10⁷ the four-parameter values equal the limit's to about 1e-6 relative; the lgamma
        // differences at 10⁷ lose about ε·ln Γ(10⁷) ≈ 4e-8 each.
        let (r, alpha, s) = (0.8, 6.0, 1e7)
        let limit = BetaGeometricModel(r: r, alpha: alpha, commonDropout: p)
        let near = BetaGeometricModel(r: r, alpha: alpha, a: p * s, b: (1 - p) * s)
        let limitLogLikelihood = limit.logLikelihood(Self.summary, workers: 1)
        #expect(abs(limitLogLikelihood - near.logLikelihood(Self.summary, workers: 1)) <= 1e-6 * abs(limitLogLikelihood))
        for i in 0..<Self.summary.count {
            let (x, tx, t) = (Self.summary.frequency[i], Self.summary.recency[i], Self.summary.age[i])
            let alive = limit.probabilityAlive(frequency: x, recency: tx, age: t)
            #expect(abs(alive - near.probabilityAlive(frequency: x, recency: tx, age: t)) <= 1e-6)
            for horizon in [5.0, 50, 500] {
                let expected = try limit.conditionalExpectedVisits(within: horizon, frequency: x, recency: tx, age: t)
                let reference = try near.conditionalExpectedVisits(within: horizon, frequency: x, recency: tx, age: t)
                #expect(abs(expected - reference) <= 1e-5 * reference, "x \(x), tₓ \(tx), T \(t), t \(horizon)")
            }
        }
        for horizon in [5.0, 50, 500] {
            let expected = try limit.expectedVisits(within: horizon), reference = try near.expectedVisits(within: horizon)
            #expect(abs(expected - reference) <= 1e-5 * reference, "t \(horizon)")
        }
        // For small t, (1/p)·(1 − (1 + pt/α)⁻ʳ) = (r·t/α)·(1 − (r + 1)·pt/(2α) + O((pt/α)²)): a new patient
        // visits at the mean rate r/α at first. At t = 10⁻⁶ the O(·) term is below 10⁻¹⁴.
        let small = 1e-6, start = r * small / alpha * (1 - (r + 1) * p * small / (2 * alpha))
        #expect(abs(try limit.expectedVisits(within: small) - start) <= 1e-12 * start)
    }

    @Test func theLimitModelIsWrittenWithoutAAndBAndReadBack() throws {
        var visits = BetaGeometricModel(r: 1.41, alpha: 150.2, commonDropout: 0.078)
        visits.fit = .init(logLikelihood: -4684.8, iterations: 60, converged: true, seconds: 0.1, note: "the limit")
        let parameters = LifetimeParameters(timeUnit: .days, visits: visits, spend: nil, penalty: 0)
        // A model file refuses infinities (JSONEncoder's .throw), so a and b must be left out.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .throw
        let data = try encoder.encode(parameters)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let written = try #require(object["visits"] as? [String: Any])
        #expect(written["a"] == nil && written["b"] == nil && written["common_dropout"] as? Double == 0.078)
        #expect((written["fit"] as? [String: Any])?["note"] as? String == "the limit")
        let read = try JSONDecoder().decode(LifetimeParameters.self, from: data)
        #expect(read == parameters && read.visits.a == .infinity && read.visits.b == .infinity)
        try read.validate(against: .plain(names: ["frequency", "recency", "T"]))
        // A dropout probability outside (0, 1) is refused with its field.
        var bad = parameters
        bad.visits.commonDropout = 1.5
        #expect(throws: ModelFileFieldError(field: "parameters.visits.common_dropout",
                                            problem: "1.5; expected a probability strictly between 0 and 1")) {
            try bad.validate(against: .plain(names: ["frequency", "recency", "T"]))
        }
        // A model with finite a and b is written as before: a and b, no common_dropout, no note.
        let ordinary = try JSONSerialization.jsonObject(with: encoder.encode(BetaGeometricModel(r: 1, alpha: 2, a: 3, b: 4))) as? [String: Any]
        #expect(ordinary?["a"] as? Double == 3 && ordinary?["b"] as? Double == 4 && ordinary?["common_dropout"] == nil)
    }

    @Test func anOrdinaryFitIsNotTheLimit() throws {
        // CDNOW's fit (a 0.79, b 2.43) is far from the boundary: no second fit, no note (its values:
        // LifetimeGoldenTests, unchanged).
        let model = try BetaGeometric(workers: 2).fit(LifetimeGoldenTests.cdnow)
        #expect(model.commonDropout == nil && model.fit?.note == nil && model.a < BetaGeometric.runOffThreshold)
    }
}
