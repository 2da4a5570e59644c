import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures

/// The features that say whether a patient is still coming back: a visit booked within N days, the next
/// visit due within N days, and recall messages since the last visit. Hand-computed on the hand export as of
/// T = 2024-03-01 (see Fixtures/hand/README.md).
@Suite("Booked, due and outreach features")
struct ChurnSignalFeatureTests {
    func raw(_ definitions: [FeatureDefinition]) throws -> [[Double]] {
        let export = try FeatureFixtures.handExport()
        let values = FeatureExtractor.rawValues(export, asOf: FeatureFixtures.asOf, definitions: definitions, workers: 2)
        return (0..<values.rows).map { Array(values.row($0)) }
    }

    @Test func bookedWithinCountsVisitsBookedByTInTheWindow() throws {
        // P1's cleaning on 2024-06-01 was booked on 2024-02-20: 92 days after T (31 + 30 + 31).
        // P2's 2024-03-10 visit and P5's 2024-03-02 one were booked after T: not known at T.
        let values = try raw([.bookedWithin(days: 90), .bookedWithin(days: 91), .bookedWithin(days: 92), .bookedWithin(days: 180)])
        #expect(values[0] == [0, 0, 1, 1])
        for patient in 1...4 { #expect(values[patient] == [0, 0, 0, 0]) }
    }

    @Test func dueWithinUsesTheUsualInterval() throws {
        // P1: visits 2023-03-01, 2023-09-01 (184 days), 2024-02-29 (181 days): usual interval 182.5 days,
        // 1 day since the last, so the next is due in 181.5 days. P5's single visit on T gives no interval;
        // P2, P3 and P4 have no completed visit by T.
        let values = try raw([.dueWithin(days: 181), .dueWithin(days: 182), .dueWithin(days: 180)])
        #expect(values[0] == [0, 1, 0])
        for patient in 1...4 { #expect(values[patient] == [0, 0, 0]) }
    }

    @Test func overdueIsNotDue() throws {
        // As of 2024-09-15 P1 is 199 days past the last visit, 16.5 days overdue: due within no window.
        let export = try FeatureFixtures.handExport()
        let later = Day(year: 2024, month: 9, day: 15)!
        let values = FeatureExtractor.rawValues(export, asOf: later, definitions: [.dueWithin(days: 365)], workers: 1)
        #expect(values.row(0).first == 0)
    }

    @Test func outreachCountsTheNamedCampaignsSinceTheLastVisit() throws {
        // P2 has no visit before T: its recall of 2024-02-28 counts; the one of 2024-03-05 is after T.
        #expect(try raw([.outreachSinceLastVisit(campaigns: ["recall"])]).map(\.[0]) == [0, 1, 0, 0, 0])
        // P1's newsletters (2024-01-01, 2024-02-01) went out before the visit of 2024-02-29.
        #expect(try raw([.outreachSinceLastVisit(campaigns: ["newsletter", "recall"])]).map(\.[0]) == [0, 1, 0, 0, 0])
        // A campaign the export never names counts nothing.
        #expect(try raw([.outreachSinceLastVisit(campaigns: ["winback"])]).map(\.[0]) == [0, 0, 0, 0, 0])
    }

    @Test func columnsComeFromTheSpecAndSurviveTheSchema() throws {
        let configuration = try ProjectConfiguration.parse("""
            features:
              upcoming: {windows: [30, 92]}
              visit_intervals: {due_windows: [182]}
              outreach: {campaigns: [recall]}
            """)
        let export = try FeatureFixtures.handExport()
        let fitted = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf, spec: configuration.features)
        let names = fitted.schema.names
        for name in ["booked_within_30d", "booked_within_92d", "due_within_182d", "outreach_since_last_visit"] {
            #expect(names.contains(name))
        }
        // A model file's schema recomputes the same columns.
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: JSONEncoder().encode(fitted.schema))
        #expect(try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf).matrix == fitted.matrix)
        // The families turn off, and the campaign column is read only when outreach is on.
        let off = try ProjectConfiguration.parse("features: {outreach: false, upcoming: {windows: []}, visit_intervals: {due_windows: []}}\n")
        let offNames = try FeaturePipeline.plan(export, asOf: FeatureFixtures.asOf, spec: off.features).map(\.name)
        #expect(!offNames.contains { $0.hasPrefix("booked_within_") || $0.hasPrefix("due_within_") || $0.hasPrefix("outreach") })
        #expect(off.features.unusedTextColumns[.communications]?.contains("campaign") == true)
        #expect(configuration.features.unusedTextColumns[.communications]?.contains("campaign") != true)
    }

    @Test func badParametersAreNamed() {
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("features: {upcoming: {windows: [0]}}\n") }
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("features: {outreach: {campaigns: []}}\n") }
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("features: {visit_intervals: {due_window: [3]}}\n") }
    }
}
