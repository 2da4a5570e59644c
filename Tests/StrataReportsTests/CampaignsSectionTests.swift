import Foundation
import StrataData
import StrataSegments
import Testing
@testable import StrataReports

/// The campaigns section: each campaign's groups, rates, lift and interval, with small cells suppressed.
@Suite struct CampaignsSectionTests {
    static func campaign(_ name: String) -> CampaignRecord {
        CampaignRecord(name: name, segment: "lapsed", channel: "email", purpose: "marketing", holdoutShare: 0.2, outcomeEvent: "visit",
                       outcomeDays: 60, subgroups: [], startedRun: 1, startedAsOf: "2025-01-31", startedAt: "2025-02-01T09:00:00Z")
    }

    static func inputs(_ campaigns: [CampaignInput]) throws -> ReportInputs {
        let run = try JSONDecoder().decode(RunRecord.self, from: Data("""
            {"id": 2, "recordedAt": "2025-05-01T09:00:00Z", "asOf": "2025-04-30", "exportFingerprint": "e",
             "configurationFingerprint": "c", "modelVersions": {}, "patientCount": 5000}
            """.utf8))
        var inputs = ReportInputs(run: run, runs: [run], exportName: "2025-04-30", checks: nil, segments: [], export: nil,
                                  asOf: try Day(iso: "2025-04-30"), clusters: nil, scores: [], minCellSize: 11)
        inputs.campaigns = campaigns
        return inputs
    }

    @Test func groupsLiftAndIntervalWithSmallCellsSuppressed() throws {
        // measured: 500 treated, 100 with a visit; 200 held out, 20 with a visit; the window has passed.
        let measured = ProportionComparison(treatedOutcomes: 100, treatedSize: 500, holdoutOutcomes: 20, holdoutSize: 200)
        // small: 8 held-out visits (< 11), so its rates, which would give the 8 back, are hidden too.
        let small = ProportionComparison(treatedOutcomes: 60, treatedSize: 400, holdoutOutcomes: 8, holdoutSize: 100)
        // early: the window ends after the export, so no lift yet.
        let early = ProportionComparison(treatedOutcomes: 30, treatedSize: 300, holdoutOutcomes: 12, holdoutSize: 150)
        let section = try #require(try CampaignsSection().section(try Self.inputs([
            CampaignInput(campaign: Self.campaign("measured"), comparison: measured, windowEnds: "2025-04-01", complete: true),
            CampaignInput(campaign: Self.campaign("small"), comparison: small, windowEnds: "2025-04-01", complete: true),
            CampaignInput(campaign: Self.campaign("early"), comparison: early, windowEnds: "2025-06-29", complete: false),
        ])))
        #expect(section.id == "campaigns")
        let table = try #require(section.aggregates.first { $0.name == "campaigns" })
        let rows = Dictionary(uniqueKeysWithValues: table.rows.map { ($0[0], Dictionary(uniqueKeysWithValues: zip(table.columns, $0))) })
        // 100/500 = 0.2 and 20/200 = 0.1: a lift of 0.1, with the comparison's own interval and p-value.
        let interval = try #require(measured.interval())
        let expected = ["treatment": "500", "treatment_outcomes": "100", "treatment_rate": "0.2000", "holdout": "200",
                        "holdout_outcomes": "20", "holdout_rate": "0.1000", "absolute_lift": "0.1000",
                        "interval_lower": String(format: "%.4f", interval.lower), "interval_upper": String(format: "%.4f", interval.upper),
                        "p_value": String(format: "%.4f", measured.pValue!), "n": "700", "complete": "yes"]
        for (column, value) in expected { #expect(rows["measured"]?[column] == value, "\(column)") }
        #expect(interval.lower > 0 && interval.lower < 0.1 && interval.upper > 0.1)
        // 8 is hidden, and with it the 92 held out without a visit (100 − 92 = 8) or the 100; no rate or lift.
        #expect(rows["small"]?["holdout_outcomes"] == "<11")
        #expect(rows["small"]?["holdout"] == "<11" || rows["small"]?["n"] == "<11" || rows["small"]?["holdout_rate"] == "<11")
        for column in ["treatment_rate", "holdout_rate", "absolute_lift", "interval_lower", "interval_upper", "p_value"] {
            #expect(rows["small"]?[column] == "<11", "\(column)")
        }
        // early: rates so far, nothing inferential.
        #expect(rows["early"]?["treatment_rate"] == "0.1000" && rows["early"]?["holdout_rate"] == "0.0800")
        #expect(rows["early"]?["absolute_lift"] == "" && rows["early"]?["p_value"] == "" && rows["early"]?["complete"] == "no")
        // No count of 1 to 10 anywhere.
        for row in table.rows { for cell in row { if let value = Int(cell) { #expect(value == 0 || value >= 11) } } }
        #expect(section.reading.contains { $0.hasPrefix("measured") && $0.contains("+10.0 points") })
        #expect(section.reading.contains { $0.hasPrefix("small") && $0.contains("too small") })
        #expect(section.reading.contains { $0.hasPrefix("early") && $0.contains("not yet available") })
    }

    @Test func noCampaignsNoSection() throws {
        #expect(try CampaignsSection().section(try Self.inputs([])) == nil)
    }
}
