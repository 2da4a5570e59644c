import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures

/// Lead-level features and the open-lead selection behind conversion scores, on the hand-written export:
/// L1 (P2, web_form, whitening, created 2023-11-20; P2's first completed visit 2024-03-10), L2 (no patient,
/// instagram, braces, 2024-02-01), L3 (P3, referral, cleaning, 2022-01-01; P3 never completes a visit).
@Suite("Lead features and open leads")
struct LeadFeaturesTests {
    @Test func openLeadsAreUnconvertedWithTheirWindowRunning() throws {
        let export = try FeatureFixtures.handExport()
        // T = 2024-03-01. A 111-day window: L1's runs to 2024-03-10 and P2 has not completed a visit by T;
        // L2's runs to 2024-05-21; L3's closed in 2022.
        #expect(Labels.openLeads(export, asOf: FeatureFixtures.asOf, windowDays: 111) == [0, 1])
        // 90 days: L1's window ended on 2024-02-18.
        #expect(Labels.openLeads(export, asOf: FeatureFixtures.asOf, windowDays: 90) == [1])
        // On 2024-03-10 P2 completes the visit: L1 is converted, no longer open, whatever the window.
        let later = Day(year: 2024, month: 3, day: 10)!
        #expect(Labels.openLeads(export, asOf: later, windowDays: 400) == [1])
        // Leads created after T are not there yet.
        let before = Day(year: 2024, month: 1, day: 1)!
        #expect(Labels.openLeads(export, asOf: before, windowDays: 111) == [0])
    }

    @Test func indicatorsAreOneHotOverTheTopCategoriesThenOther() throws {
        // Each lead copied 11 times, so every value has the 11 people a column needs (CategoryMinimumTests);
        // rows 0...2 are L1, L2, L3, then their copies in the same order.
        let export = try FeatureFixtures.replicatedHandExport(copies: 11)
        let rows = Array(0..<33)
        var spec = FeatureSpec.default
        spec.leads = .on(CategoryParameters(maxCategories: 2))
        let fitted = LeadFeatures.fit(export, rows: rows, spec: spec)
        // Each value occurs 11 times: the first two by name, then `other`.
        #expect(fitted.schema.names == ["lead_source.instagram", "lead_source.referral", "lead_source.other",
                                        "lead_interest.braces", "lead_interest.cleaning", "lead_interest.other"])
        #expect(fitted.leadIDs.prefix(4) == ["L1", "L2", "L3", "L1-2"])
        let raw = LeadFeatures.indicators(export, rows: rows, columns: fitted.schema.columns)
        let pattern: [Double] = [0, 0, 1, 0, 0, 1,   // L1: web_form (other), whitening (other)
                                 1, 0, 0, 1, 0, 0,   // L2: instagram, braces
                                 0, 1, 0, 0, 1, 0]   // L3: referral, cleaning
        #expect(raw.elements == Array(Array(repeating: pattern, count: 11).joined()))
        // Standardized with the fitted centers and scales: every column has mean 0 and deviation 1 here.
        for column in 0..<fitted.matrix.columns {
            let values = fitted.matrix.column(column)
            #expect(abs(values.reduce(0, +)) < 1e-12)
            #expect(abs(values.map { $0 * $0 }.reduce(0, +) / 33 - 1) < 1e-12)
        }
        // The schema alone reproduces the rows (what scoring does), and names no lead or patient.
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: JSONEncoder().encode(fitted.schema))
        #expect(try LeadFeatures.apply(schema, to: export, rows: rows).matrix == fitted.matrix)
        let text = String(decoding: try JSONEncoder().encode(schema), as: UTF8.self)
        #expect(!text.contains("L1") && !text.contains("P2"))

        // The hand export itself: one lead per value, fewer than 11 people, so every value counts in `other`.
        let hand = try FeatureFixtures.handExport()
        let folded = LeadFeatures.fit(hand, rows: [0, 1, 2], spec: spec)
        #expect(folded.schema.names == ["lead_source.other", "lead_interest.other"])
        #expect(LeadFeatures.indicators(hand, rows: [0, 1, 2], columns: folded.schema.columns).elements == [1, 1, 1, 1, 1, 1])
    }

    @Test func applyingAPatientSchemaIsRefused() throws {
        let export = try FeatureFixtures.handExport()
        let patientSchema = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf).schema
        #expect(throws: FeatureDefinitionError.self) {
            _ = try LeadFeatures.apply(patientSchema, to: export, rows: [0])
        }
    }

    @Test func conversionLabelsUseTheSameFirstVisits() throws {
        let export = try FeatureFixtures.handExport()
        // L1's visit comes 111 days after the lead (2023-11-20 10:00 → 2024-03-10): inside a 111-day window
        // only when the window reaches that time.
        let firstVisits = Labels.firstCompletedVisits(export)
        #expect(firstVisits[1] == nil && firstVisits[2] == nil)
        let l1 = try #require(firstVisits[0])
        #expect(CivilDate.day(ofTimestamp: l1) == CivilDate.days(year: 2024, month: 3, day: 10))
    }
}
