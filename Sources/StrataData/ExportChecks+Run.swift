import Foundation
import StrataLinearAlgebra

/// Runs the cross-record checks (``ExportCheck``) on an export and applies their policies.
public enum ExportChecks {
    /// Runs every check on `export`, removes what the `drop` policies remove, and reports.
    ///
    /// Every check looks at the export as read; the rows to drop are gathered first and removed together, so
    /// the order of the checks does not matter. A `fail` policy with findings does not throw here: the report's
    /// ``ExportCheckReport/error`` is what a command stops with, and `strict validate` lists every result.
    ///
    /// - Parameters:
    ///   - policies: the `checks:` section of `strata.yml`.
    ///   - strict: every check fails.
    ///   - exportDay: the day the export was taken (see ``exportDay(folderName:)``); nil skips
    ///     `events_after_export`, and ages are then taken on the last day of any record.
    ///   - today: the day birth dates are compared with (`birth_date_in_future`).
    /// - Complexity: O(rows) plus, for duplicates, sorting each patient's appointments.
    public static func run(_ export: inout ClinicExport, policies: ExportCheckPolicies = .init(), strict: Bool = false,
                           exportDay: Day? = nil, today: Day = .today) -> ExportCheckReport {
        let ageDay = exportDay ?? lastRecordDay(export) ?? today
        let identified = export.origins.identifiedTables.contains(.appointments)
        // The duplicates' sorts are most of the checks' time (0.4 of 0.6 s at 1M): they run on a thread of their
        // own beside the other checks, and what they find joins the rest (each check keeps its own rows).
        let duplicates = identified ? nil : Started { [export] in
            var found = Findings(export: export)
            found.duplicateAppointments()
            return found
        }
        var findings = Findings(export: export)
        findings.bookedAfterScheduled()
        findings.visitsBeforeBirth()
        findings.birthDatesInFuture(today: today)
        findings.agesOutOfRange(on: ageDay)
        if let exportDay { findings.eventsAfter(exportDay) }
        findings.patientsWithoutEvents()
        if let duplicates, let found = try? duplicates.value() {
            findings.rows[.duplicateAppointments] = found.rows[.duplicateAppointments]
            findings.notes[.duplicateAppointments] = found.notes[.duplicateAppointments]
        }

        var drops = Drops(export: export)
        let policyOf = { (check: ExportCheck) in policies.policy(for: check, strict: strict) }
        for check in ExportCheck.allCases where policyOf(check) == .drop {
            for row in findings.rows[check] ?? [] { drops.mark(check, row) }
        }
        let dropped = drops.apply(to: &export)

        let results = ExportCheck.allCases.map { check in
            let rows = findings.rows[check] ?? []
            return CheckResult(check: check, policy: policyOf(check), count: rows.count,
                               examples: Array(rows.prefix(CheckResult.exampleLimit)).map { findings.finding(check, $0) },
                               droppedRows: dropped[check] ?? 0,
                               notRun: check == .eventsAfterExport && exportDay == nil
                                   ? "the export's day is not known (name the export folder by the day it was taken, e.g. 2025-06-30)"
                                   : check == .duplicateAppointments && identified
                                   ? "every appointment has its own id in this export, so equal values are two visits"
                                   : nil)
        }
        return ExportCheckReport(results: results, exportDay: exportDay, ageDay: ageDay, strict: strict)
    }

    /// The day an export folder was taken, from its name: a name that is a date or starts with one
    /// (`2025-06-30`, `2025-06-30-clinic`); nil otherwise.
    public static func exportDay(folderName name: String) -> Day? {
        let prefix = String(name.prefix(10))
        guard let day = try? Day(iso: prefix) else { return nil }
        guard name.count == 10 || !(name.dropFirst(10).first?.isNumber ?? false) else { return nil }
        return day
    }

    /// The last day of any record: visits that took place (or were missed or cancelled) and every booking,
    /// messages and their replies, consents, conditions, leads, patients' creation; nil without any.
    static func lastRecordDay(_ export: ClinicExport) -> Day? {
        var latest = Int64.min
        let appointments = export.appointments
        for row in 0..<appointments.count {
            if appointments.status[row] != .booked { latest = max(latest, appointments.scheduledAt[row]) }
            latest = max(latest, appointments.bookedAt[row])
        }
        let communications = export.communications
        for column in [communications.sentAt, communications.openedAt, communications.clickedAt, communications.respondedAt] {
            for time in column { latest = max(latest, time) }
        }
        for time in export.consents.recordedAt { latest = max(latest, time) }
        for time in export.leads.createdAt { latest = max(latest, time) }
        for time in export.patients.createdAt { latest = max(latest, time) }
        var day = latest == .min ? Int32.min : CivilDate.day(ofTimestamp: latest)
        for onset in export.conditions.onsetDate { day = max(day, onset) }
        return day == Int32.min ? nil : Day(daysSince1970: day)
    }
}

extension Day {
    /// The current day in UTC.
    public static var today: Day { Day(containing: Int64(Date().timeIntervalSince1970.rounded(.down))) }
}

/// A row of one table.
struct TableRow: Hashable, Sendable {
    var table: CanonicalTable
    var row: Int
}

/// The rows each check finds, in file order (table order, then row order), with what to say about them.
struct Findings {
    let export: ClinicExport
    var rows: [ExportCheck: [TableRow]] = [:]
    /// What was found, for the rows whose message needs more than the row (the first copy of a duplicate,
    /// the column of a late event): only kept for the first examples.
    var notes: [ExportCheck: [TableRow: String]] = [:]
    var exportDay: Day?
    var ageDay = Day(daysSince1970: 0)
    var today = Day(daysSince1970: 0)

    init(export: ClinicExport) { self.export = export }

    private mutating func add(_ check: ExportCheck, _ table: CanonicalTable, _ row: Int, note: @autoclosure () -> String? = nil) {
        let found = TableRow(table: table, row: row)
        rows[check, default: []].append(found)
        if (rows[check]?.count ?? 0) <= CheckResult.exampleLimit, let note = note() { notes[check, default: [:]][found] = note }
    }

    private static func days(_ timestamp: Int64) -> Int32 { CivilDate.day(ofTimestamp: timestamp) }
    private static func time(_ timestamp: Int64) -> String { CivilDate.isoString(timestamp: timestamp) }
    private static func date(_ day: Int32) -> String { CivilDate.isoString(days: day) }

    // MARK: The checks

    /// A booking on a later day than the visit. Same-day bookings pass whatever the time: a date-only visit
    /// day means the whole day, and walk-ins are booked on the day.
    mutating func bookedAfterScheduled() {
        let appointments = export.appointments
        for row in 0..<appointments.count {
            let booked = appointments.bookedAt[row], scheduled = appointments.scheduledAt[row]
            guard booked != ClinicExport.missingTimestamp, scheduled != ClinicExport.missingTimestamp else { continue }
            if Self.days(booked) > Self.days(scheduled) { add(.bookedAfterScheduled, .appointments, row) }
        }
    }

    /// An appointment on a day before the patient's birth date.
    mutating func visitsBeforeBirth() {
        let appointments = export.appointments, birth = export.patients.birthDate
        for row in 0..<appointments.count {
            let patient = Int(appointments.patient[row]), scheduled = appointments.scheduledAt[row]
            guard patient >= 0, scheduled != ClinicExport.missingTimestamp, birth[patient] != ClinicExport.missingDate else { continue }
            if Self.days(scheduled) < birth[patient] { add(.visitBeforeBirth, .appointments, row) }
        }
    }

    mutating func birthDatesInFuture(today: Day) {
        self.today = today
        for (row, birth) in export.patients.birthDate.enumerated() where birth != ClinicExport.missingDate {
            if birth > today.daysSince1970 { add(.birthDateInFuture, .patients, row) }
        }
    }

    /// Whole years on `day` below 0 or above 120.
    mutating func agesOutOfRange(on day: Day) {
        ageDay = day
        for (row, birth) in export.patients.birthDate.enumerated() where birth != ClinicExport.missingDate {
            let age = CivilDate.wholeYears(from: birth, to: day.daysSince1970)
            if age < 0 || age > 120 { add(.ageOutOfRange, .patients, row, note: "age \(age)") }
        }
    }

    /// Appointment rows equal in every column to an earlier row; the first is not a finding.
    mutating func duplicateAppointments() {
        let appointments = export.appointments
        let count = appointments.count, patients = export.patients.count
        guard count > 1 else { return }
        // Rows grouped by patient (a counting sort, in row order within each patient), then each patient's
        // rows sorted by every column: copies end up next to each other.
        var starts = [Int](repeating: 0, count: patients + 2)
        for patient in appointments.patient { starts[Int(patient) + 2] += 1 }
        for index in 1..<starts.count { starts[index] += starts[index - 1] }
        var order = [Int32](repeating: 0, count: count)
        for row in 0..<count {
            let slot = Int(appointments.patient[row]) + 1
            order[starts[slot]] = Int32(row)
            starts[slot] += 1
        }
        // The columns as locals: read through `appointments`, every comparison of the sort below copied the
        // whole table value (a retain and a release per column).
        let scheduled = appointments.scheduledAt, booked = appointments.bookedAt, status = appointments.status
        let service = appointments.service.codes, provider = appointments.provider.codes, amount = appointments.amount
        func key(_ row: Int) -> (Int64, Int64, UInt8, Int32, Int32, UInt64) {
            (scheduled[row], booked[row], status[row].rawValue, service[row], provider[row], amount[row].bitPattern)
        }
        // Each copy with the first row of its run of equal rows.
        var copies: [(row: Int, first: Int)] = []
        var groupStart = 0
        for slot in 0...patients {
            let groupEnd = starts[slot]
            defer { groupStart = groupEnd }
            guard groupEnd - groupStart > 1 else { continue }
            let group = order[groupStart..<groupEnd].sorted { a, b in
                let ka = key(Int(a)), kb = key(Int(b))
                return ka != kb ? ka < kb : a < b
            }
            var runStart = 0
            for index in 1..<group.count {
                if key(Int(group[index])) == key(Int(group[index - 1])) {
                    copies.append((Int(group[index]), Int(group[runStart])))
                } else {
                    runStart = index
                }
            }
        }
        copies.sort { $0.row < $1.row }
        rows[.duplicateAppointments] = copies.map { TableRow(table: .appointments, row: $0.row) }
        for copy in copies.prefix(CheckResult.exampleLimit) {
            notes[.duplicateAppointments, default: [:]][TableRow(table: .appointments, row: copy.row)] = "\(copy.first)"
        }
    }

    /// Records dated after the export's day. A booked visit is planned and may be later; its booking may not.
    mutating func eventsAfter(_ day: Day) {
        exportDay = day
        let end = day.endTimestamp
        func late(_ time: Int64) -> Bool { time != ClinicExport.missingTimestamp && time >= end }
        for (row, created) in export.patients.createdAt.enumerated() where late(created) {
            add(.eventsAfterExport, .patients, row, note: "created_at \(Self.time(created))")
        }
        let appointments = export.appointments
        for row in 0..<appointments.count {
            let scheduled = appointments.scheduledAt[row], booked = appointments.bookedAt[row]
            if appointments.status[row] != .booked && late(scheduled) {
                add(.eventsAfterExport, .appointments, row,
                    note: "scheduled_at \(Self.time(scheduled)) (\(appointments.status[row].name))")
            } else if late(booked) {
                add(.eventsAfterExport, .appointments, row, note: "booked_at \(Self.time(booked))")
            }
        }
        let communications = export.communications
        let messageColumns = [("sent_at", communications.sentAt), ("opened_at", communications.openedAt),
                              ("clicked_at", communications.clickedAt), ("responded_at", communications.respondedAt)]
        for row in 0..<communications.count {
            if let (name, column) = messageColumns.first(where: { late($0.1[row]) }) {
                add(.eventsAfterExport, .communications, row, note: "\(name) \(Self.time(column[row]))")
            }
        }
        for (row, recorded) in export.consents.recordedAt.enumerated() where late(recorded) {
            add(.eventsAfterExport, .consents, row, note: "recorded_at \(Self.time(recorded))")
        }
        for (row, onset) in export.conditions.onsetDate.enumerated() where onset != ClinicExport.missingDate && onset > day.daysSince1970 {
            add(.eventsAfterExport, .conditions, row, note: "onset_date \(Self.date(onset))")
        }
        for (row, created) in export.leads.createdAt.enumerated() where late(created) {
            add(.eventsAfterExport, .leads, row, note: "created_at \(Self.time(created))")
        }
    }

    /// Patients no row of any other table refers to.
    mutating func patientsWithoutEvents() {
        var seen = [Bool](repeating: false, count: export.patients.count)
        for column in [export.appointments.patient, export.communications.patient, export.consents.patient,
                       export.conditions.patient, export.leads.patient] {
            for patient in column where patient >= 0 { seen[Int(patient)] = true }
        }
        for (row, isSeen) in seen.enumerated() where !isSeen { add(.patientsWithoutEvents, .patients, row) }
    }

    // MARK: Messages

    /// The finding for `found`, with its place and what was found and expected.
    func finding(_ check: ExportCheck, _ found: TableRow) -> CheckFinding {
        let (file, line) = export.origins.place(found.table, row: found.row)
        let row = found.row
        let note = notes[check]?[found]
        let patients = export.patients, appointments = export.appointments
        let text: String, expected: String
        switch check {
        case .bookedAfterScheduled:
            text = "booked_at \(Self.time(appointments.bookedAt[row])), scheduled_at \(Self.time(appointments.scheduledAt[row]))"
            expected = "a booking on or before the day of the visit"
        case .visitBeforeBirth:
            let patient = Int(appointments.patient[row])
            text = "scheduled_at \(Self.time(appointments.scheduledAt[row])), birth_date \(Self.date(patients.birthDate[patient]))"
                + " of \(patients.ids[patient]) (\(place(.patients, patient)))"
            expected = "a visit on or after the patient's birth date"
        case .birthDateInFuture:
            text = "birth_date \(Self.date(patients.birthDate[row])) of \(patients.ids[row])"
            expected = "a birth date on or before today, \(today)"
        case .ageOutOfRange:
            text = "birth_date \(Self.date(patients.birthDate[row])) of \(patients.ids[row]): \(note ?? "age") on \(ageDay)"
            expected = "an age from 0 to 120 years"
        case .duplicateAppointments:
            let first = note.flatMap(Int.init).map { place(.appointments, $0) } ?? "an earlier row"
            text = "the same values as \(first) (\(patients.ids[Int(appointments.patient[row])]), \(Self.time(appointments.scheduledAt[row])))"
            expected = "each appointment once"
        case .eventsAfterExport:
            text = note ?? "a record"
            expected = "records dated on or before the export's day, \(exportDay.map(\.description) ?? "unknown")"
                + (found.table == .appointments ? " (a booked visit may be later)" : "")
        case .patientsWithoutEvents:
            text = "\(patients.ids[row])"
            expected = "at least one appointment, message, consent, condition or lead"
        }
        return CheckFinding(check, file: file, line: line, row: row, found: text, expected: expected)
    }

    private func place(_ table: CanonicalTable, _ row: Int) -> String {
        let (file, line) = export.origins.place(table, row: row)
        return line > 0 ? "\(file):\(line)" : "\(file) row \(row + 1)"
    }
}
