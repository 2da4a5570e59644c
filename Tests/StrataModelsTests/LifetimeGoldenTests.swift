import Foundation
import StrataModels
import Testing

/// BG/NBD and Gamma-Gamma on the CDNOW sample against Fader, Hardie and Lee (2005) and lifetimes 0.11.3
/// (golden values from `Fixtures/lifetime/make_golden.py`).
@Suite("Lifetime models against the paper and lifetimes")
struct LifetimeGoldenTests {
    static let golden = try! LifetimeGolden.load()
    static let cdnow = try! LifetimeGolden.cdnow()

    @Test func betaGeometricFitMatchesThePaper() throws {
        let model = try BetaGeometric(workers: 2).fit(Self.cdnow)
        // FHL 2005, section 5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4 (stated tolerance 1e-3, 0.1).
        #expect(abs(model.r - 0.243) <= 1e-3)
        #expect(abs(model.alpha - 4.414) <= 1e-3)
        #expect(abs(model.a - 0.793) <= 1e-3)
        #expect(abs(model.b - 2.426) <= 1e-3)
        let fit = try #require(model.fit)
        #expect(abs(fit.logLikelihood - -9582.4) <= 0.1)
        #expect(fit.converged)
        // Against lifetimes' own optimum: the same maximum to 1e-4 relative in the parameters, 1e-9 in LL.
        let expected = Self.golden.bgnbd
        for (value, reference) in [(model.r, expected.r), (model.alpha, expected.alpha), (model.a, expected.a), (model.b, expected.b)] {
            #expect(abs(value - reference) <= 1e-4 * reference)
        }
        #expect(fit.logLikelihood >= expected.logLikelihood - 1e-9 * abs(expected.logLikelihood))
    }

    @Test func logLikelihoodAtLifetimesParametersMatchesLifetimes() {
        let expected = Self.golden.bgnbd
        let model = BetaGeometricModel(r: expected.r, alpha: expected.alpha, a: expected.a, b: expected.b)
        #expect(abs(model.logLikelihood(Self.cdnow, workers: 3) - expected.logLikelihood) <= 1e-10 * abs(expected.logLikelihood))
    }

    @Test func penalizedFitMatchesLifetimes() throws {
        let model = try BetaGeometric(penalty: 0.1, workers: 2).fit(Self.cdnow)
        let expected = Self.golden.bgnbdPenalized
        // lifetimes' penalty acts in its rescaled time (largest T = 10), as ours does. The golden is the minimum of
        // lifetimes' own objective (its BFGS stops short here: 2.8014 against 2.7250; see make_golden.py).
        for (value, reference) in [(model.r, expected.r), (model.alpha, expected.alpha), (model.a, expected.a), (model.b, expected.b)] {
            #expect(abs(value - reference) <= 1e-4 * reference)
        }
        // That objective at our optimum: the mean negative log-likelihood in rescaled time plus 0.1·Σθ².
        let scale = 10 / Self.cdnow.age.max()!
        let repeatVisits = Self.cdnow.frequency.reduce(0, +), n = Double(Self.cdnow.count)
        let scaledLogLikelihood = model.logLikelihood(Self.cdnow) - repeatVisits * log(scale)
        let objective = -scaledLogLikelihood / n + 0.1 * (model.r * model.r + pow(model.alpha * scale, 2) + model.a * model.a + model.b * model.b)
        #expect(objective <= expected.objective + 1e-9)
    }

    @Test func gammaGammaMatchesLifetimes() throws {
        let model = try GammaGamma().fit(Self.cdnow)
        let expected = Self.golden.gammaGamma
        // Stated tolerance: 1e-2 absolute (the issue's); the optimum agrees far closer.
        #expect(abs(model.p - expected.p) <= 1e-2)
        #expect(abs(model.q - expected.q) <= 1e-2)
        #expect(abs(model.gamma - expected.gamma) <= 1e-2)
        let fit = try #require(model.fit)
        #expect(fit.patients == expected.patients)
        #expect(abs(fit.frequencySpendCorrelation - expected.frequencySpendCorrelation) <= 1e-12)
    }

    @Test(arguments: golden.customers.indices)
    func predictionsMatchLifetimesAtTheSameParameters(_ index: Int) throws {
        let customer = Self.golden.customers[index]
        let b = Self.golden.bgnbd, g = Self.golden.gammaGamma
        let visits = BetaGeometricModel(r: b.r, alpha: b.alpha, a: b.a, b: b.b)
        let spend = GammaGammaModel(p: g.p, q: g.q, gamma: g.gamma)
        let (x, recency, age) = (customer.frequency, customer.recency, customer.T)
        // Stated tolerance: 1e-9 relative.
        #expect(isRelativelyClose(visits.probabilityAlive(frequency: x, recency: recency, age: age), customer.pAlive))
        for (t, expected) in customer.expectedVisits {
            let value = try visits.conditionalExpectedVisits(within: Double(t)!, frequency: x, recency: recency, age: age)
            #expect(isRelativelyClose(value, expected), "t = \(t)")
        }
        if let expectedSpend = customer.expectedSpend {
            #expect(isRelativelyClose(try spend.conditionalExpectedSpend(frequency: x, monetaryValue: customer.monetaryValue), expectedSpend))
        }
        let clv = try spend.lifetimeValue(months: 12, monthlyDiscountRate: 0.01, timeUnitsPerMonth: 4.345, visits: visits,
                                          frequency: x, recency: recency, age: age, monetaryValue: customer.monetaryValue)
        #expect(isRelativelyClose(clv, customer.clv12Months))
    }

    @Test func unconditionalExpectedVisitsMatchLifetimes() throws {
        let b = Self.golden.bgnbd
        let visits = BetaGeometricModel(r: b.r, alpha: b.alpha, a: b.a, b: b.b)
        for (t, expected) in b.expectedVisitsUnconditional {
            #expect(isRelativelyClose(try visits.expectedVisits(within: Double(t)!), expected), "t = \(t)")
        }
    }

    func isRelativelyClose(_ value: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
        abs(value - expected) <= tolerance * max(abs(expected), 1e-300)
    }
}

/// `Fixtures/lifetime/golden.json`.
struct LifetimeGolden: Decodable {
    struct BGNBD: Decodable {
        var r: Double, alpha: Double, a: Double, b: Double
        var logLikelihood: Double
        var expectedVisitsUnconditional: [String: Double]
        enum CodingKeys: String, CodingKey {
            case r, alpha, a, b, logLikelihood = "log_likelihood", expectedVisitsUnconditional = "expected_visits_unconditional"
        }
    }

    struct Penalized: Decodable { var r: Double, alpha: Double, a: Double, b: Double, objective: Double }

    struct GG: Decodable {
        var p: Double, q: Double, gamma: Double, patients: Int, frequencySpendCorrelation: Double
        enum CodingKeys: String, CodingKey {
            case p, q, gamma, patients, frequencySpendCorrelation = "frequency_spend_correlation"
        }
    }

    struct Customer: Decodable {
        var frequency: Double, recency: Double, T: Double, monetaryValue: Double
        var pAlive: Double
        var expectedVisits: [String: Double]
        var expectedSpend: Double?
        var clv12Months: Double
        enum CodingKeys: String, CodingKey {
            case frequency, recency, T, monetaryValue = "monetary_value", pAlive = "p_alive", expectedVisits = "expected_visits"
            case expectedSpend = "expected_spend", clv12Months = "clv_12_months"
        }
    }

    var bgnbd: BGNBD
    var bgnbdPenalized: Penalized
    var gammaGamma: GG
    var customers: [Customer]

    enum CodingKeys: String, CodingKey {
        case bgnbd, bgnbdPenalized = "bgnbd_penalized_0_1", gammaGamma = "gamma_gamma", customers
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/lifetime")

    static func load() throws -> LifetimeGolden {
        try JSONDecoder().decode(LifetimeGolden.self, from: Data(contentsOf: folder.appendingPathComponent("golden.json")))
    }

    /// The CDNOW calibration summary in weeks (x, t_x, T, zbar).
    static func cdnow() throws -> LifetimeSummary {
        let text = try String(contentsOf: folder.appendingPathComponent("cdnow_customers_summary_with_transactions.csv"), encoding: .utf8)
        var columns: [[Double]] = [[], [], [], []]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",").map { Double($0)! }
            for k in 0..<4 { columns[k].append(fields[k + 1]) }
        }
        return try LifetimeSummary(frequency: columns[0], recency: columns[1], age: columns[2], monetaryValue: columns[3])
    }
}
