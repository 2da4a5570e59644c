import Foundation
import StrataData
import StrataFeatures
import StrataProject
@testable import StrataSegments
import Testing

/// Campaign sends under the contact policy, through the workflow on a generated clinic with deaths: the split
/// is made on the whole audience, the send list keeps every promise of the policy (checked against the raw
/// export and the run's lists, not against the policy's code), the held-back counts add up, later refreshes
/// count the campaign's sends, and with the policy off the send list is the whole treatment as before.
@Suite("campaign sends under the contact policy", .serialized)
struct CampaignPolicyTests {
    static let segments = """
        exports: {path: exports, format: canonical}
        segments:
          - name: lapsed
            rule: days_since_last_visit >= 90
            purpose: marketing
            channels: [email, sms]
          - name: regulars
            rule: completed_visits >= 2
            purpose: marketing
            channels: [sms, email]
          - name: reminders
            rule: completed_visits >= 1
            purpose: care
            channels: [email]
        campaigns:
          - name: winback
            segment: lapsed
            channel: email
            holdout: 0.3
            outcome: {event: visit, within_days: 60}
          - name: winback-again
            segment: lapsed
            channel: email
            holdout: 0.2
            outcome: {event: visit, within_days: 60}

        """

    /// Regulars first, so that lapsed regulars are held back by priority; a window cap; quiet after visits.
    static let policy = """
        contact_policy:
          priority: [regulars]
          marketing_cap: {per_run: 1, per_window: 2, window_days: 30}
          quiet_days: {after_visit: 14, after_no_show: 0, after_message: 7}

        """

    static func project(policy: String = CampaignPolicyTests.policy, persons: Int = 1_500, seed: UInt64 = 52) throws -> DeceasedWorkflowTests.Clinic {
        let clinic = try DeceasedWorkflowTests.Clinic(persons: persons, seed: seed)
        try (segments + policy).write(to: clinic.configurationFile, atomically: true, encoding: .utf8)
        // A fixed campaign secret, so the split (an HMAC under it) and every count below are the same on every run.
        let secret = CampaignSecret.url(besideStore: clinic.project.appendingPathComponent("strata.sqlite").path)
        try FileManager.default.createDirectory(at: secret.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try (String(repeating: "5a", count: 32) + "\n").write(to: secret, atomically: true, encoding: .utf8)
        return clinic
    }

    static func refresh(_ clinic: DeceasedWorkflowTests.Clinic) throws -> RefreshSummary {
        try RefreshRun.run(.init(project: clinic.project, export: clinic.export, asOf: try Day(iso: DeceasedWorkflowTests.cut), user: "tester"))
    }

    static func start(_ clinic: DeceasedWorkflowTests.Clinic, _ name: String = "winback") throws -> CampaignStartSummary {
        try CampaignStart.run(.init(project: clinic.project, name: name, export: clinic.export, user: "tester"))
    }

    /// The patient ids of a list file.
    static func listed(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
    }

    static func runList(_ clinic: DeceasedWorkflowTests.Clinic, run: Int, _ file: String) throws -> Set<String> {
        Set(try listed(clinic.project.appendingPathComponent(String(format: "lists/run-%04d/%@", run, file))))
    }

    @Test func theSendListKeepsThePolicyAndTheCountsAddUp() throws {
        let clinic = try Self.project(persons: 2_000)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try Self.refresh(clinic)
        let summary = try Self.start(clinic)
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let groups = try store.campaignGroups("winback")
        let sendList = try Self.listed(URL(fileURLWithPath: summary.list))

        // The split is the whole audience's; the policy only decides who of the treatment is sent.
        #expect(summary.treatment + summary.holdout == summary.audience)
        #expect(groups.treatment.count == summary.treatment && groups.holdout.count == summary.holdout)
        #expect(Set(sendList) == Set(groups.sent) && sendList.count == summary.sent)
        #expect(Set(groups.notSent.keys).isSubset(of: Set(groups.treatment)))
        #expect(summary.sent + summary.notSent.total == summary.treatment)
        #expect(summary.notSent == CampaignNotSent(groups.notSent))
        #expect(Set(sendList).isDisjoint(with: groups.holdout))

        // No one dead, no one within 14 days of a visit or 7 of a message, as the raw export says.
        let export = try ExportReader.read(clinic.export).export
        let asOf = try Day(iso: DeceasedWorkflowTests.cut)
        let settings = try Project(directory: clinic.project).configuration.contactPolicy
        let history = RawHistory(export, asOf: asOf, settings: settings)
        for id in sendList {
            #expect(clinic.deceased[id] == nil, "deceased \(id) on the send list")
            #expect(!history.isQuiet(export.patients.ids.index(of: id)!, settings.quietDays), "\(id) in a quiet period")
        }
        // The campaign's message is the segment's message of the run on the channel: the send list is within
        // the run's e-mail list of the segment, which no patient exceeds the caps with.
        let runEmail = try Self.runList(clinic, run: 1, "lapsed-email.csv")
        #expect(Set(sendList).isSubset(of: runEmail))
        let runSMS = try Self.runList(clinic, run: 1, "lapsed-sms.csv")
        let regulars = try Self.runList(clinic, run: 1, "regulars-sms.csv").union(try Self.runList(clinic, run: 1, "regulars-email.csv"))
        for id in sendList {
            let row = export.patients.ids.index(of: id)!
            #expect(!regulars.contains(id), "\(id) sent the campaign and listed for a higher-priority segment (1 per run)")
            #expect(history.marketingSentInWindow[row] + 1 <= 2, "\(id) over the window cap")
        }
        // Each rule's patients, recomputed: the dead, the quiet, the regulars (priority), those on the sms list
        // (routing); the rest of the treatment is sent.
        for (id, reason) in groups.notSent {
            let row = export.patients.ids.index(of: id)!
            switch reason {
            case .deceased: #expect(clinic.deceased[id] != nil)
            case .quietPeriod: #expect(clinic.deceased[id] == nil && history.isQuiet(row, settings.quietDays))
            case .cap: #expect(history.marketingSentInWindow[row] >= 2)
            case .priority: #expect(regulars.contains(id))
            case .channelRouting: #expect(runSMS.contains(id))
            }
        }
        for id in groups.treatment where groups.notSent[id] == nil { #expect(runEmail.contains(id)) }
        // Not vacuous: the policy held treatment patients back for several reasons, and sent many.
        #expect(summary.sent > 50)
        #expect([summary.notSent.deceased, summary.notSent.quietPeriod, summary.notSent.priority, summary.notSent.channelRouting]
            .filter { $0 > 0 }.count >= 3, "\(summary.notSent)")

        // The report says who was not sent and why; the groups are measured whole (intention to treat).
        let report = try CampaignReport.run(.init(project: clinic.project, name: "winback", export: clinic.export, user: "tester"))
        #expect(report.overall.treatment == summary.treatment && report.sent == summary.sent && report.notSent == summary.notSent)
        #expect(report.table.contains("\(summary.sent) sent, \(summary.notSent.total) not sent under the contact policy"))
    }

    /// A second campaign from the same run on the same segment and channel sends no one the first one sent.
    @Test func aSecondCampaignOfTheSameRunDoesNotSendTwice() throws {
        let clinic = try Self.project(persons: 800, seed: 53)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try Self.refresh(clinic)
        _ = try Self.start(clinic)
        let again = try Self.start(clinic, "winback-again")
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let first = Set(try store.campaignSent("winback")), second = try store.campaignGroups("winback-again")
        #expect(first.isDisjoint(with: second.sent))
        let repeated = second.treatment.filter(first.contains)
        #expect(!repeated.isEmpty && repeated.allSatisfy { second.notSent[$0] == .priority })
        #expect(again.sent + again.notSent.total == again.treatment)
    }

    /// A refresh after the start counts the campaign's sends as messages sent on its day: within the quiet
    /// period after a message, no one sent the campaign is on any marketing list; care lists are unaffected.
    @Test func laterRefreshesCountTheCampaignsSends() throws {
        let clinic = try Self.project(persons: 1_200, seed: 54)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try Self.refresh(clinic)
        _ = try Self.start(clinic)
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let sent = Set(try store.campaignSent("winback"))
        #expect(sent.count > 20)
        // A new run of the same export and day (the project file changed, so it is recorded).
        try (Self.segments + Self.policy + "# edited\n").write(to: clinic.configurationFile, atomically: true, encoding: .utf8)
        let second = try Self.refresh(clinic)
        #expect(!second.segments.isEmpty)
        var marketing: Set<String> = []
        for file in ["lapsed-email.csv", "lapsed-sms.csv", "regulars-sms.csv", "regulars-email.csv"] {
            marketing.formUnion(try Self.runList(clinic, run: 2, file))
        }
        #expect(marketing.isDisjoint(with: sent))
        #expect(!marketing.isEmpty)
        // Care lists are not marketing: they still reach them.
        #expect(!sent.isDisjoint(with: try Self.runList(clinic, run: 2, "reminders-email.csv")))
        let quiet = second.segments.first { $0.name == "lapsed" }!.heldBack.quietPeriod
        #expect(quiet >= sent.count, "lapsed: \(second.segments.first { $0.name == "lapsed" }!.heldBack)")
    }

    /// `contact_policy: {enabled: false}`: the send list is the whole treatment but the deceased, who are never
    /// contacted, policy or not.
    @Test func aDisabledPolicySendsTheWholeTreatmentButTheDeceased() throws {
        let clinic = try Self.project(policy: "contact_policy: {enabled: false}\n", persons: 800, seed: 55)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try Self.refresh(clinic)
        let summary = try Self.start(clinic)
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let groups = try store.campaignGroups("winback")
        let deadInTreatment = groups.treatment.filter { clinic.deceased[$0] != nil }
        #expect(!deadInTreatment.isEmpty, "the clinic's deaths must reach the treatment for this test to mean anything")
        #expect(groups.notSent == Dictionary(uniqueKeysWithValues: deadInTreatment.map { ($0, HeldBackReason.deceased) }))
        #expect(summary.notSent.total == deadInTreatment.count && summary.notSent.deceased == deadInTreatment.count)
        #expect(summary.sent == summary.treatment - deadInTreatment.count)
        // Today's list exactly: the living treatment in export order, built as campaign lists always were.
        let export = try ExportReader.read(clinic.export).export
        let rows = groups.treatment.filter { clinic.deceased[$0] == nil }.map { export.patients.ids.index(of: $0)! }.sorted()
        let expected = ContactList(campaign: "winback", rows: rows, channel: .email, purpose: .marketing, export: export,
                                   consents: ConsentLedger(everythingOnFile: export))
        #expect(try String(contentsOf: URL(fileURLWithPath: summary.list), encoding: .utf8) == expected.csv)
        // The audience is the segment's consented members; the run's e-mail list is its living part.
        let audience = Set(groups.treatment).union(groups.holdout)
        #expect(audience.filter { clinic.deceased[$0] == nil } == (try Self.runList(clinic, run: 1, "lapsed-email.csv")))
    }

    /// Under the policy a campaign must use one of its segment's channels.
    @Test func aChannelOutsideTheSegmentIsAnError() throws {
        let clinic = try Self.project(persons: 300, seed: 56)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let text = (Self.segments + Self.policy).replacingOccurrences(of: "  - name: winback\n    segment: lapsed\n    channel: email",
                                                                      with: "  - name: winback\n    segment: lapsed\n    channel: whatsapp")
        try text.write(to: clinic.configurationFile, atomically: true, encoding: .utf8)
        _ = try Self.refresh(clinic)
        #expect(throws: CampaignRunError.channelNotInSegment(campaign: "winback", channel: "whatsapp", segment: "lapsed",
                                                             channels: ["email", "sms"])) { try Self.start(clinic) }
        // Nothing recorded, nothing staged.
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        #expect(try store.campaigns().isEmpty)
        let campaigns = clinic.project.appendingPathComponent("lists/campaigns")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: campaigns.path)) ?? []).isEmpty)
    }

    /// What a killed `campaign start` leaves (its hidden staging folder, a folder set aside) is removed by the
    /// next command that takes the refresh lock: a report, a start, or a refresh.
    @Test(arguments: ["report", "start", "refresh"])
    func staleStagingIsRemovedUnderTheLock(_ command: String) throws {
        let clinic = try Self.project(policy: "contact_policy: {enabled: false}\n", persons: 300, seed: 57)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        _ = try Self.refresh(clinic)
        if command == "report" { _ = try Self.start(clinic) }
        let campaigns = clinic.project.appendingPathComponent("lists/campaigns")
        let left = [campaigns.appendingPathComponent(".winback-again.staging"), campaigns.appendingPathComponent(".winback.old")]
        for folder in left {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("patient_id,email,first_name,segment\np1,a@b.c,A,winback\n".utf8).write(to: folder.appendingPathComponent("winback-email.csv"))
        }
        switch command {
        case "report": _ = try CampaignReport.run(.init(project: clinic.project, name: "winback", export: clinic.export, user: "tester"))
        case "start": _ = try Self.start(clinic)
        default:
            try (Self.segments + "contact_policy: {enabled: false}\n# edited\n").write(to: clinic.configurationFile, atomically: true, encoding: .utf8)
            _ = try Self.refresh(clinic)
        }
        for folder in left { #expect(!FileManager.default.fileExists(atPath: folder.path), "\(command) left \(folder.lastPathComponent)") }
        let visible = try FileManager.default.contentsOfDirectory(atPath: campaigns.path).filter { !$0.hasPrefix(".") }
        #expect(visible == (command == "refresh" ? [] : ["winback"]))
    }
}

/// The policy's two additions for campaigns, on a generated clinic: the plan explains the members it held back
/// of the segments asked (and plans the same lists), and campaign sends count as messages already sent unless
/// the export's communications show them.
@Suite("contact policy: explained rows and campaign sends", .serialized)
struct ContactPolicyCampaignSendsTests {
    @Test func explainedRowsMatchTheCountsAndChangeNothing() throws {
        let clinic = try ContactPolicyPropertyTests.Clinic(persons: 600, seed: 61)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let export = clinic.export, asOf = try Day(iso: ContactPolicyPropertyTests.asOf)
        let segments = ContactPolicyPropertyTests.segments(export.patients.count, seed: 61)
        let consents = ConsentLedger(everythingOnFile: export)
        let settings = ContactPolicyPropertyTests.policies[1]
        let plain = try ContactPolicy.plan(segments, export: export, consents: consents, asOf: asOf, settings: settings)
        let names = Set(segments.map(\.definition.name))
        let explained = try ContactPolicy.plan(segments, export: export, consents: consents, asOf: asOf, settings: settings, explaining: names)
        for (segment, (before, after)) in zip(segments, zip(plain.segments, explained.segments)) {
            #expect(before.rows.map(\.rows) == after.rows.map(\.rows) && before.held == after.held && before.heldRows.isEmpty)
            let channels = segment.definition.channels.map { name in Channel.allCases.first { $0.name == name }! }
            let purpose: ConsentPurpose = segment.definition.purpose == .marketing ? .marketing : .care
            // Contacts per held row: its consented channels with an address; per reason they sum to the count.
            var contacts = HeldBack()
            for (row, reason) in after.heldRows {
                let possible = channels.filter { channel in
                    consents.allows(row, channel, purpose)
                        && (channel == .email ? export.patients.email.hasValue(row) : export.patients.phone.hasValue(row))
                }.count
                #expect(possible > 0)
                contacts[reason] += possible
                #expect(after.rows.allSatisfy { !$0.rows.contains(row) }, "held row \(row) is listed")
            }
            for reason in HeldBackReason.allCases where reason != .channelRouting {
                #expect(contacts[reason] == after.held[reason], "\(segment.definition.name) \(reason)")
            }
            #expect(after.heldRows.map(\.row) == after.heldRows.map(\.row).sorted())
        }
        #expect(explained.segments.contains { !$0.heldRows.isEmpty })
    }

    @Test func campaignSendsCountUnlessTheExportShowsThem() throws {
        let clinic = try ContactPolicyPropertyTests.Clinic(persons: 600, seed: 62)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let export = clinic.export, asOf = try Day(iso: ContactPolicyPropertyTests.asOf)
        // One marketing segment of everyone alive, e-mail; no quiet period, 2 messages in 30 days.
        let alive = (0..<export.patients.count).filter { !clinic.deceased.contains($0) }
        let definition = SegmentDefinition(name: "all", rule: "true", purpose: .marketing, channels: ["email"])
        let segment = SegmentMembers(definition: definition, recordedRows: alive)
        let consents = ConsentLedger(everythingOnFile: export)
        let settings = ContactPolicySettings(marketingCap: .init(perRun: 1, perWindow: 2, windowDays: 30), quietDays: .init(afterMessage: 0))
        let history = RawHistory(export, asOf: asOf, settings: settings)
        let before = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: settings)
        let listed = before.segments[0].rows[0].rows
        #expect(listed.count > 40)
        // A campaign sent every listed patient on the window's first day, under the name the communications use
        // most in the window: a patient the export shows it sent to (on or after that day) is counted once, by
        // the export; the others once more, by the store's sends.
        let communications = export.communications, day = asOf - 29
        var uses: [Int32: Int] = [:]
        for row in 0..<communications.count where communications.campaign.codes[row] >= 0
            && communications.sentAt[row] >= day.startTimestamp && communications.sentAt[row] < asOf.endTimestamp {
            uses[communications.campaign.codes[row], default: 0] += 1
        }
        let code = try #require(uses.max { $0.value < $1.value }?.key)
        var shown: Set<Int> = []
        for row in 0..<communications.count where communications.campaign.codes[row] == code
            && communications.sentAt[row] >= day.startTimestamp && communications.sentAt[row] < asOf.endTimestamp {
            shown.insert(Int(communications.patient[row]))
        }
        let sends = CampaignSends(campaign: communications.campaign.levels[Int(code)], day: day, purpose: .marketing, rows: listed)
        let after = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: settings, sent: [sends])
        let stillListed = Set(after.segments[0].rows[0].rows)
        var shownAndListed = 0, filled = 0
        for row in listed {
            let inWindow = history.marketingSentInWindow[row] + (shown.contains(row) ? 0 : 1)
            #expect(stillListed.contains(row) == (inWindow < 2), "row \(row): \(history.marketingSentInWindow[row]) sent, shown \(shown.contains(row))")
            if shown.contains(row) && stillListed.contains(row) { shownAndListed += 1 }
            if !stillListed.contains(row) { filled += 1 }
        }
        #expect(shownAndListed > 0 && filled > 0, "the test must meet both cases")
        #expect(after.segments[0].held.cap == before.segments[0].held.cap + filled)
        let sentRows = listed
        // Outside the window (40 days ago) or after the as-of day, a send counts for nothing.
        for day in [asOf - 40, asOf + 1] {
            let other = CampaignSends(campaign: "elsewhere", day: day, purpose: .marketing, rows: sentRows)
            let plan = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: settings, sent: [other])
            #expect(plan.segments[0].rows[0].rows == listed)
        }
        // A care campaign's sends count towards the care cap, not the marketing one.
        let care = CampaignSends(campaign: "elsewhere", day: asOf - 10, purpose: .care, rows: sentRows)
        let carePlan = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: settings, sent: [care])
        #expect(carePlan.segments[0].rows[0].rows == listed)
        // A quiet period after a message: a send 3 days ago with 7 quiet days holds the patient back.
        let quiet = ContactPolicySettings(quietDays: .init(afterMessage: 7))
        let quietBefore = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: quiet)
        let recent = CampaignSends(campaign: "elsewhere", day: asOf - 3, purpose: .marketing, rows: sentRows)
        let quietAfter = try ContactPolicy.plan([segment], export: export, consents: consents, asOf: asOf, settings: quiet, sent: [recent])
        let heldNow = Set(quietBefore.segments[0].rows[0].rows).subtracting(quietAfter.segments[0].rows[0].rows)
        #expect(heldNow == Set(sentRows).intersection(quietBefore.segments[0].rows[0].rows) && !heldNow.isEmpty)
    }
}
