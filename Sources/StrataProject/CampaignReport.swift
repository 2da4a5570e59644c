import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// `strata campaign report NAME`: a started campaign measured on a later export.
///
/// Each patient of both groups has the outcome when the export shows the campaign's event inside the window
/// (start day, start day + `within_days`]: a completed visit scheduled in it (`visit`), an appointment
/// booked in it (`booking`), or the patient's first completed visit ever in it (`conversion`). Patients
/// missing from the later export, and treatment patients the contact policy kept off the send list, stay in
/// their group (intention to treat; the report counts those not sent, by rule). The groups
/// are compared with ``ProportionComparison``; before the export reaches the window's last day the rates so
/// far are shown and the interval, p-value and lift are marked not yet available.
public enum CampaignReport {
    /// Cells smaller than this are suppressed in sub-group results.
    public static let smallestCell = 11
    /// The sub-group of the clusters the start recorded (see `CampaignStart+Clusters.swift`): reported for
    /// every campaign, after its own sub-groups, or marked unavailable with the reason.
    public static let clusterSubgroup = "cluster"

    public static func run(_ configuration: CampaignWorkflow.Configuration) throws -> CampaignReportSummary {
        let project = try Project(directory: configuration.project)
        // Outcomes need appointments, responses the communications' campaign column; the other tables are not
        // read (the checks see only the tables kept, so their verdicts and drops are the same either way).
        let (folder, exportFingerprint, export, leftOut) = try CampaignWorkflow.readExport(
            project, explicit: configuration.export, tables: [.patients, .appointments, .communications],
            unusedTextColumns: [.patients: ["first_name", "postal_code", "email", "phone"], .appointments: ["provider", "service"]],
            checkingOthers: false, keepingRows: messageFilter(configuration.name, checks: project.configuration.checks))
        return try CampaignWorkflow.withStore(project, lockTimeout: configuration.lockTimeout) { store in
            guard let campaign = try store.campaign(named: configuration.name) else {
                throw CampaignRunError.notStarted(configuration.name, started: try store.campaigns().map(\.name))
            }
            let fingerprint = try store.campaignFingerprint(campaign.name)
            let recorded = try store.auditEntries().last { $0.action == "campaign start" && $0.outputFingerprints["campaign:" + campaign.name] != nil }
            guard let recorded, recorded.outputFingerprints["campaign:" + campaign.name] == fingerprint else {
                throw CampaignRunError.groupsChanged(campaign.name)
            }
            let leftOutLast = leftOut[.communications].map(\.latestTimestamp).flatMap {
                $0 == ClinicExport.missingTimestamp ? nil : Day(containing: $0)
            }
            var summary = try measure(campaign, groups: try store.campaignGroups(campaign.name), export: export,
                                      exportDay: ExportChecks.exportDay(folderName: folder.lastPathComponent),
                                      leftOutLastDay: leftOutLast)
            summary.export = folder.lastPathComponent
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let reportData = try encoder.encode(summary)
            try store.exclusively { session in
                try session.audit(action: "campaign report", user: configuration.user,
                                  inputs: ["campaign:" + campaign.name: fingerprint ?? "", "export": exportFingerprint],
                                  outputs: ["report": Fingerprint.of(reportData)])
            }
            return summary
        }
    }

    /// The rows of communications a report keeps: the campaign's own messages, which are all its responses
    /// read. The other messages (at 1M patients, 12 million rows and half a gigabyte once converted) are still
    /// read and checked, but kept only when a check could see them: `events_after_export` and
    /// `patients_without_events` look at every message, and `age_out_of_range` takes ages on the last day of
    /// any record when the export's day is not known. When all three keep what they find, their findings
    /// change nothing a report shows, and the messages are left out (none when `checks` says otherwise).
    static func messageFilter(_ campaign: String, checks: ExportCheckPolicies) -> [CanonicalTable: RowFilter] {
        let seeingEveryMessage: [ExportCheck] = [.eventsAfterExport, .patientsWithoutEvents, .ageOutOfRange]
        guard seeingEveryMessage.allSatisfy({ checks.policy(for: $0) == .keep }) else { return [:] }
        return [.communications: RowFilter(column: "campaign", values: [campaign])]
    }

    /// The report of `campaign` with `groups` on `export` (no store, no audit: the computation alone).
    /// - Parameters:
    ///   - exportDay: the day the export was taken when its folder is named by it: an export may end with
    ///     quiet days, so its last record alone may understate how far it reaches.
    ///   - leftOutLastDay: the last day of the records read but not kept (``messageFilter(_:checks:)``), so
    ///     that the export reaches as far as it would with every record kept.
    ///   - subgroups: the sub-group columns to break the results down by; nil: the campaign's, then `cluster`.
    public static func measure(_ campaign: CampaignRecord, groups: CampaignGroups, export: ClinicExport,
                               exportDay: Day? = nil, leftOutLastDay: Day? = nil,
                               subgroups: [String]? = nil) throws -> CampaignReportSummary {
        let start = try Day(iso: campaign.startedAsOf)
        let window = start.window(days: campaign.outcomeDays)
        let lastDay = [ExportDates(export)?.last, exportDay, leftOutLastDay].compactMap { $0 }.max()
        let complete = lastDay.map { $0 >= window.last } ?? false
        let event = CampaignOutcome.Event(rawValue: campaign.outcomeEvent) ?? .visit
        let outcomes = Self.outcomes(event, in: window, export: export)
        let ids = export.patients.ids
        let treatmentRows = groups.treatment.map { ids.index(of: $0) }
        let holdoutRows = groups.holdout.map { ids.index(of: $0) }
        func count(_ rows: [Int?]) -> Int { rows.reduce(0) { $0 + (($1.map { outcomes[$0] }) == true ? 1 : 0) } }

        let overall = ProportionComparison(treatedOutcomes: count(treatmentRows), treatedSize: treatmentRows.count,
                                           holdoutOutcomes: count(holdoutRows), holdoutSize: holdoutRows.count)
        var summary = CampaignReportSummary(
            campaign: campaign.name, segment: campaign.segment, channel: campaign.channel, outcome: campaign.outcomeEvent,
            startedAsOf: campaign.startedAsOf, windowEnds: window.last.description, exportLastDay: lastDay?.description ?? "",
            complete: complete, overall: CampaignReportSummary.Result(overall, complete: complete))
        summary.missingFromExport = (treatmentRows + holdoutRows).filter { $0 == nil }.count
        summary.notSent = CampaignNotSent(groups.notSent)
        summary.sent = groups.treatment.count - summary.notSent.total

        let columns = subgroups ?? campaign.subgroupColumns + (campaign.subgroupColumns.contains(clusterSubgroup) ? [] : [clusterSubgroup])
        for column in columns {
            // The value of a group member (patient id, export row).
            let value: (String, Int) -> String
            if column == clusterSubgroup {
                switch groups.clusters {
                case let .recorded(_, clusters)?:
                    value = { patient, _ in clusters[patient] ?? "missing" }
                case let .unavailable(reason)?:
                    summary.unavailableSubgroups.append(.init(column: column, reason: "no clusters were recorded at the start: \(reason)"))
                    continue
                case nil:
                    summary.unavailableSubgroups.append(.init(column: column, reason: "the campaign was started before Strata recorded its audience's clusters"))
                    continue
                }
            } else {
                let values = try Self.subgroupValues(column, campaign: campaign.name, export: export)
                value = { _, row in values[row] }
            }
            var cells: [String: (treated: Int, treatedOutcomes: Int, held: Int, heldOutcomes: Int)] = [:]
            for (patient, row) in zip(groups.treatment, treatmentRows) {
                guard let row else { continue }
                let cell = value(patient, row)
                cells[cell, default: (0, 0, 0, 0)].treated += 1
                if outcomes[row] { cells[cell, default: (0, 0, 0, 0)].treatedOutcomes += 1 }
            }
            for (patient, row) in zip(groups.holdout, holdoutRows) {
                guard let row else { continue }
                let cell = value(patient, row)
                cells[cell, default: (0, 0, 0, 0)].held += 1
                if outcomes[row] { cells[cell, default: (0, 0, 0, 0)].heldOutcomes += 1 }
            }
            for (value, cell) in cells.sorted(by: { $0.key < $1.key }) {
                let counts = [cell.treated, cell.treatedOutcomes, cell.treated - cell.treatedOutcomes,
                              cell.held, cell.heldOutcomes, cell.held - cell.heldOutcomes]
                let suppressed = counts.contains { $0 < smallestCell }
                let comparison = ProportionComparison(treatedOutcomes: cell.treatedOutcomes, treatedSize: cell.treated,
                                                      holdoutOutcomes: cell.heldOutcomes, holdoutSize: cell.held)
                summary.subgroups.append(CampaignReportSummary.Subgroup(
                    column: column, value: value, suppressed: suppressed,
                    result: suppressed ? nil : CampaignReportSummary.Result(comparison, complete: complete)))
            }
        }
        summary.responses = Self.responses(campaign.name, groups: (treatmentRows, holdoutRows), export: export)
        if summary.responses.holdoutContacted > 0 {
            summary.warnings.append("\(summary.responses.holdoutContacted) held-out patients were sent '\(campaign.name)' according to the communications table: the holdout was contacted, so the lift is underestimated")
        }
        return summary
    }

    /// Per patient row of `export`: whether the outcome happened inside `window`.
    static func outcomes(_ event: CampaignOutcome.Event, in window: Day.Window, export: ClinicExport) -> [Bool] {
        var hit = [Bool](repeating: false, count: export.patients.count)
        let appointments = export.appointments
        switch event {
        case .visit:
            for index in 0..<appointments.count where appointments.status[index] == .completed && window.contains(appointments.scheduledAt[index]) {
                hit[Int(appointments.patient[index])] = true
            }
        case .booking:
            for index in 0..<appointments.count
            where appointments.bookedAt[index] != ClinicExport.missingTimestamp && window.contains(appointments.bookedAt[index]) {
                hit[Int(appointments.patient[index])] = true
            }
        case .conversion:
            var first = [Int64](repeating: .max, count: export.patients.count)
            for index in 0..<appointments.count where appointments.status[index] == .completed {
                let patient = Int(appointments.patient[index])
                first[patient] = min(first[patient], appointments.scheduledAt[index])
            }
            for patient in 0..<first.count where first[patient] != .max { hit[patient] = window.contains(first[patient]) }
        }
        return hit
    }

    /// The sub-group columns a report can break results down by, on `export`.
    static func subgroupColumns(_ export: ClinicExport) -> [String] {
        ["sex", "preferred_channel", "source"] + export.patients.extra.filter {
            if case .number = $0.value { return false } else { return true }
        }.keys.sorted()
    }

    static func checkSubgroups(_ columns: [String], campaign: String, export: ClinicExport) throws {
        let known = subgroupColumns(export) + [clusterSubgroup]
        for column in columns where !known.contains(column) {
            throw CampaignRunError.unknownSubgroup(campaign: campaign, column: column, known: known)
        }
    }

    /// Each patient's value of sub-group `column` ("missing" where the export has none).
    static func subgroupValues(_ column: String, campaign: String, export: ClinicExport) throws -> [String] {
        let patients = export.patients
        switch column {
        case "sex": return patients.sex.map(\.name)
        case "preferred_channel": return patients.preferredChannel.map { $0?.name ?? "missing" }
        case "source": return (0..<patients.count).map { patients.source[$0] ?? "missing" }
        default:
            switch patients.extra[column] {
            case let .text(values)?: return (0..<patients.count).map { values[$0] ?? "missing" }
            case let .flag(values)?: return values.map { $0.map { $0 ? "yes" : "no" } ?? "missing" }
            default: throw CampaignRunError.unknownSubgroup(campaign: campaign, column: column, known: subgroupColumns(export))
            }
        }
    }

    /// The communications table's rows for this campaign (its `campaign` column naming it): how many treated
    /// patients were sent it and opened, clicked or responded, and how many held-out patients were sent it.
    static func responses(_ campaign: String, groups: (treatment: [Int?], holdout: [Int?]), export: ClinicExport) -> CampaignReportSummary.Responses {
        var responses = CampaignReportSummary.Responses()
        let communications = export.communications
        guard let code = communications.campaign.code(of: campaign) else { return responses }
        // Per patient: 1 sent, 2 opened, 4 clicked, 8 responded.
        var seen = [UInt8](repeating: 0, count: export.patients.count)
        for index in 0..<communications.count where communications.campaign.codes[index] == code {
            var flags: UInt8 = 1
            if communications.openedAt[index] != ClinicExport.missingTimestamp { flags |= 2 }
            if communications.clickedAt[index] != ClinicExport.missingTimestamp { flags |= 4 }
            if communications.respondedAt[index] != ClinicExport.missingTimestamp { flags |= 8 }
            seen[Int(communications.patient[index])] |= flags
        }
        for row in groups.treatment.compactMap({ $0 }) where seen[row] != 0 {
            responses.sent += 1
            if seen[row] & 2 != 0 { responses.opened += 1 }
            if seen[row] & 4 != 0 { responses.clicked += 1 }
            if seen[row] & 8 != 0 { responses.responded += 1 }
        }
        responses.holdoutContacted = groups.holdout.compactMap { $0 }.filter { seen[$0] != 0 }.count
        return responses
    }
}
