import Foundation
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures
import Testing

/// The empirical-Bayes prior of the no-show and cancellation rates (``PopulationPrior``): the estimator on
/// counts worked out by hand, and the rates of an export without a single cancellation.
@Suite("population priors")
struct PopulationPriorTests {
    @Test func methodOfMomentsByHand() {
        // (x, n) = (0, 2), (2, 2), (1, 2), (1, 2): p = 4/8 = 0.5; S = 2·0.25 + 2·0.25 + 0 + 0 = 1;
        // k = 4, N = 8, Σn²/N = 16/8 = 2, denominator 8 − 4 − 2 + 1 = 3;
        // ρ = (1 / 0.25 − 3) / 3 = 1/3, w = 1/ρ − 1 = 2. The patient without appointments is ignored.
        let prior = PopulationPrior(events: [0, 2, 1, 1, 0], trials: [2, 2, 2, 2, 0], fallbackWeight: 7)
        #expect(prior.rate == 0.5)
        #expect(abs(prior.weight - 2) < 1e-12)
        #expect(prior.weightEstimated)
    }

    @Test func noMoreSpreadThanChanceGivesTheLargestWeight() {
        // Every patient 1 of 4: S = 0, ρ = (0 − 2) / (12 − 3 − 4 + 1) < 0: everyone is the population.
        let prior = PopulationPrior(events: [1, 1, 1], trials: [4, 4, 4], fallbackWeight: 7)
        #expect(prior.rate == 0.25 && prior.weight == StrataLimits.maximumPriorWeight)
    }

    @Test func unidentifiableSpreadFallsBack() {
        // One appointment each: the denominator N − k − Σn²/N + 1 = 3 − 3 − 1 + 1 = 0.
        let single = PopulationPrior(events: [1, 0, 0], trials: [1, 1, 1], fallbackWeight: 7)
        #expect(abs(single.rate - 1.0 / 3) < 1e-15 && single.weight == 7 && !single.weightEstimated)
        // No event at all: the rate is 0, whatever the weight.
        let none = PopulationPrior(events: [0, 0], trials: [3, 5], fallbackWeight: 7)
        #expect(none.rate == 0 && none.weight == 7)
        // No appointment at all.
        #expect(PopulationPrior(events: [0], trials: [0], fallbackWeight: 7).rate == 0)
    }

    /// Three patients, completed visits and no-shows, never a cancellation.
    static func exportWithoutCancellations() -> ClinicExport {
        func at(_ day: Int) -> Int64 { Int64(day) * 86_400 + 36_000 }  // days since 1970 at 10:00
        let statuses: [AppointmentStatus] = [.completed, .noShow, .completed, .completed, .completed, .noShow, .noShow]
        let patients: [Int32] = [0, 0, 0, 1, 1, 2, 2]
        return ClinicExport(
            patients: Patients(ids: PatientIdentifiers(["A", "B", "C"]), birthDate: [3_000, 4_000, 5_000],
                               sex: [.female, .male, .female], createdAt: [at(19_000), at(19_000), at(19_000)],
                               postalCode: CategoryColumn(codes: [-1, -1, -1]), preferredChannel: [nil, nil, nil],
                               source: CategoryColumn(codes: [-1, -1, -1])),
            appointments: Appointments(patient: patients, scheduledAt: (0..<7).map { at(19_500 + 10 * $0) },
                                       bookedAt: (0..<7).map { at(19_490 + 10 * $0) }, status: statuses,
                                       service: CategoryColumn(codes: Array(repeating: 0, count: 7), levels: ["checkup"]),
                                       provider: CategoryColumn(codes: Array(repeating: -1, count: 7)),
                                       amount: Array(repeating: 50, count: 7)))
    }

    @Test func withoutASingleCancellationEveryCancellationRateIsZero() throws {
        let export = Self.exportWithoutCancellations()
        let asOf = Day(daysSince1970: 19_600)
        let table = try FeaturePipeline.fit(export, asOf: asOf, spec: FeatureSpec(standardize: false))
        let index = try #require(table.schema.names.firstIndex(of: "cancellation_rate"))
        #expect(table.schema.columns[index].parameters?["prior_rate"] == 0)
        #expect((0..<3).map { table.matrix[$0, index] } == [0, 0, 0])
        // No-shows: A 1 of 3, B 0 of 2, C 2 of 2; p = 3/7, shrunk towards it with the estimated weight.
        let noShow = try #require(table.schema.names.firstIndex(of: "no_show_rate"))
        let parameters = try #require(table.schema.columns[noShow].parameters)
        #expect(abs(try #require(parameters["prior_rate"]) - 3.0 / 7) < 1e-15)
        let w = try #require(parameters["prior_weight"]), p = 3.0 / 7
        let expected = [(1.0 + w * p) / (3 + w), (0 + w * p) / (2 + w), (2 + w * p) / (2 + w)]
        for row in 0..<3 { #expect(abs(table.matrix[row, noShow] - expected[row]) < 1e-12) }
        // The fixed prior of earlier versions still gives 0.1 towards which rates shrink.
        let fixed = FeatureSpec(attendance: .on(AttendanceParameters(prior: .fixed)), standardize: false)
        let old = try FeaturePipeline.fit(export, asOf: asOf, spec: fixed)
        #expect(old.matrix[0, try #require(old.schema.names.firstIndex(of: "cancellation_rate"))] == 0.2 / 5)
    }

    @Test func aPriorRateMeansAFixedPriorAndContradictsAPopulationOne() throws {
        #expect(throws: ConfigurationError.self) {
            _ = try ProjectConfiguration.parse("features: {attendance: {prior: population, prior_no_show_rate: 0.2}}\n")
        }
        let spec = try ProjectConfiguration.parse("features: {attendance: {prior: fixed, prior_no_show_rate: 0.2}}\n").features
        #expect(spec.attendance.parameters?.prior == .fixed && spec.attendance.parameters?.priorNoShowRate == 0.2)
        // A rate without `prior` is what strata.yml and model files written before the population prior meant.
        let older = try ProjectConfiguration.parse("features: {attendance: {prior_weight: 2, prior_no_show_rate: 0.1}}\n").features
        #expect(older.attendance.parameters?.prior == .fixed && older.attendance.parameters?.priorNoShowRate == 0.1)
        #expect(FeatureSpec().attendance.parameters?.prior == .population)
    }
}

/// The `attributes` section: names, kinds and their settings.
@Suite("attribute declarations")
struct AttributeDeclarationTests {
    @Test func declarationsParseInNameOrder() throws {
        let configuration = try ProjectConfiguration.parse("""
            attributes:
              neighbourhood: {type: category, column: Area, max_categories: 4}
              chronic: {type: flag}
              income: {type: number, missing: mean}
            """)
        #expect(configuration.attributes.map(\.name) == ["chronic", "income", "neighbourhood"])
        #expect(configuration.attributes[2].column == "Area" && configuration.attributes[2].maxCategories == 4)
        #expect(configuration.attributes[0].missing == .zero && configuration.attributes[1].missing == .mean)
        #expect(configuration.features.extraColumns[.patients]?.map(\.column) == ["chronic", "income", "Area"])
    }

    @Test func badDeclarationsAreErrorsWithTheirPlace() {
        for (text, words) in [
            ("attributes:\n  sex: {type: category}\n", "already a patient column"),
            ("attributes:\n  Insurance: {type: category}\n", "cannot name an attribute"),
            ("attributes:\n  plan: {type: flag, max_categories: 3}\n", "category attributes only"),
            ("attributes:\n  plan: {type: category, missing: zero}\n", "number and flag attributes"),
            ("attributes:\n  plan: {type: text}\n", "plan"),
            ("attributes:\n  plan: {kind: category}\n", "unknown key"),
        ] {
            let error = #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse(text) }
            #expect(error?.line == 2, "\(text)")
            #expect(error?.message.contains(words) == true, "\(text): \(String(describing: error))")
        }
    }
}
