import Foundation
import StrataData
@testable import StrataProject
import StrataSegments
import Testing

/// `campaign report` keeps only its own campaign's messages (the others are read and checked, then left out):
/// the report must be the one the whole export gives, including how far the export reaches when its last
/// record is another campaign's message.
@Suite("a campaign report keeps only its own messages", .serialized)
struct CampaignReportRowsTests {
    @Test func theReportIsTheOneEveryMessageKeptGives() throws {
        let clinic = try CampaignPolicyTests.project(persons: 600)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try CampaignPolicyTests.refresh(clinic)
        _ = try CampaignPolicyTests.start(clinic)
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let campaign = try #require(try store.campaign(named: "winback"))
        let groups = try store.campaignGroups("winback")
        try #require(groups.treatment.count >= 40 && groups.holdout.count >= 3)

        // A later export, not named by a day: the same tables plus winback messages (a name the generator's
        // campaigns use too) to 40 treated patients
        // (every other one opened) and to 3 held-out ones, and, the last record of all, a newsletter 40 days
        // after the cut.
        let later = clinic.project.appendingPathComponent("exports/later")
        try FileManager.default.copyItem(at: clinic.export, to: later)
        let file = later.appendingPathComponent("communications.csv")
        var text = try String(contentsOf: file, encoding: .utf8)
        let header = text.prefix { $0 != "\n" }.split(separator: ",").map(String.init)
        let cut = try Day(iso: DeceasedWorkflowTests.cut)
        func row(_ patient: String, sent: Int64, campaign: String, opened: Bool) -> String {
            let values = ["patient_id": patient, "sent_at": CivilDate.isoString(timestamp: sent), "channel": "email",
                          "campaign": campaign, "opened_at": opened ? CivilDate.isoString(timestamp: sent + 600) : ""]
            return header.map { values[$0] ?? "" }.joined(separator: ",") + "\n"
        }
        if !text.hasSuffix("\n") { text += "\n" }
        for (index, id) in groups.treatment.prefix(40).enumerated() {
            text += row(id, sent: (cut + 2).startTimestamp + 3_600, campaign: "winback", opened: index % 2 == 0)
        }
        for id in groups.holdout.prefix(3) { text += row(id, sent: (cut + 2).startTimestamp, campaign: "winback", opened: false) }
        text += row(groups.treatment[0], sent: (cut + 40).startTimestamp + 3_600, campaign: "newsletter", opened: false)
        try text.write(to: file, atomically: true, encoding: .utf8)

        // The report as the command makes it ...
        let report = try CampaignReport.run(.init(project: clinic.project, name: "winback", export: later, user: "tester"))
        // ... and the report of the export read with every message kept.
        let tables: Set<CanonicalTable> = [.patients, .appointments, .communications]
        let unused: [CanonicalTable: Set<String>] = [.patients: ["first_name", "postal_code", "email", "phone"], .appointments: ["provider", "service"]]
        var whole = try ExportReader.read(later, tables: tables, unusedTextColumns: unused, checkingOthers: false)
        _ = ExportChecks.run(&whole.export)
        var expected = try CampaignReport.measure(campaign, groups: groups, export: whole.export)
        expected.export = "later"
        #expect(report == expected)
        #expect(report.exportLastDay == (cut + 40).description)
        #expect(report.responses.sent >= 40 && report.responses.opened >= 20 && report.responses.holdoutContacted >= 3)

        // Not vacuous: the command's read keeps the winback messages only (the generator's own and the 43
        // added), and without the last day of those it left out, the export would end earlier.
        let messages = whole.export.communications
        let winback = (0..<messages.count).filter { messages.campaign[$0] == "winback" }.count
        #expect(winback >= 43 && winback < messages.count / 10)
        let filter = CampaignReport.messageFilter("winback", checks: ExportCheckPolicies())
        let kept = try ExportReader.read(later, tables: tables, unusedTextColumns: unused, checkingOthers: false, keepingRows: filter)
        #expect(kept.export.communications.count == winback)
        #expect(kept.leftOut[.communications]?.count == messages.count - winback)
        #expect(try CampaignReport.measure(campaign, groups: groups, export: kept.export).exportLastDay != report.exportLastDay)
        // A check that sees every message and does more than keep what it finds: every message is kept.
        #expect(CampaignReport.messageFilter("winback", checks: ExportCheckPolicies([.eventsAfterExport: .fail])).isEmpty)
        #expect(CampaignReport.messageFilter("winback", checks: ExportCheckPolicies([.patientsWithoutEvents: .drop])).isEmpty)
        #expect(CampaignReport.messageFilter("winback", checks: ExportCheckPolicies([.ageOutOfRange: .drop])).isEmpty)
    }

    /// `strata report` shows each started campaign measured on the run's export, as `campaign report` does.
    @Test func theReportShowsTheCampaignAsCampaignReportMeasuresIt() throws {
        let clinic = try CampaignPolicyTests.project(persons: 600)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try CampaignPolicyTests.refresh(clinic)
        let started = try CampaignPolicyTests.start(clinic)
        let summary = try ReportRun.run(.init(project: clinic.project, user: "tester"))
        #expect(summary.sections.last == "campaigns" && summary.aggregates.contains("aggregates/campaigns.csv"))
        let lines = try String(contentsOf: URL(fileURLWithPath: summary.folder).appendingPathComponent("aggregates/campaigns.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        let measured = try CampaignReport.run(.init(project: clinic.project, name: "winback", export: clinic.export, user: "tester")).overall
        #expect(lines.count == 2 && row["campaign"] == "winback" && row["segment"] == "lapsed")
        #expect(row["treatment"] == String(started.treatment) && row["holdout"] == String(started.holdout))
        #expect(row["treatment"] == String(measured.treatment) && row["treatment_outcomes"] == String(measured.treatmentOutcomes))
        #expect(row["holdout"] == String(measured.holdout) && row["holdout_outcomes"] == String(measured.holdoutOutcomes))
    }
}
