import Foundation
import Testing
@testable import StrataData

/// The cross-record checks (issue 14, item 5) on the fixture corpus `Fixtures/checks/<check>/` (written by
/// `Fixtures/make_checks.py`): each export is `Fixtures/valid/` with one contradicting record, and its check
/// names the record by file and physical line (the fixture has a quoted field spanning two lines and a blank
/// line, so lines are not rows + 2).
@Suite("Cross-record checks")
struct ExportChecksTests {
    /// A fixed "today", so `birth_date_in_future` does not depend on the clock.
    static let today = Day(year: 2026, month: 12, day: 3)!

    static func folder(_ check: ExportCheck) -> URL {
        let folder = DataFixtures.folder.appendingPathComponent("checks").appendingPathComponent(check.rawValue)
        return check == .eventsAfterExport ? folder.appendingPathComponent("2024-03-31") : folder
    }

    /// Reads a fixture and runs the checks as a command does: the export's day from the folder's name.
    static func check(_ folder: URL, policies: ExportCheckPolicies = .init(), strict: Bool = false)
        throws -> (export: ClinicExport, report: ExportCheckReport) {
        var export = try ExportReader.read(folder).export
        let report = ExportChecks.run(&export, policies: policies, strict: strict,
                                      exportDay: ExportChecks.exportDay(folderName: folder.lastPathComponent), today: today)
        return (export, report)
    }

    static func result(_ report: ExportCheckReport, _ check: ExportCheck) -> CheckResult {
        report.results.first { $0.check == check }!
    }

    /// Each check's first finding on its fixture, worked out from the fixture's text (see make_checks.py).
    static let expectedFirstFinding: [ExportCheck: String] = [
        .bookedAfterScheduled: "appointments.csv:6: booked after scheduled: found booked_at 2024-01-16T08:00:00Z, scheduled_at 2024-01-15T10:00:00Z, expected a booking on or before the day of the visit",
        .visitBeforeBirth: "appointments.csv:8: visit before birth: found scheduled_at 2023-11-01T09:00:00Z, birth_date 2023-12-01 of P3 (patients.csv:4), expected a visit on or after the patient's birth date",
        .birthDateInFuture: "patients.csv:3: birth date in future: found birth_date 2199-06-15 of P2, expected a birth date on or before today, 2026-12-03",
        // 1900-01-01 to the last record (a reply on 2024-03-02): 124 whole years.
        .ageOutOfRange: "patients.csv:2: age out of range: found birth_date 1900-01-01 of P1: age 124 on 2024-03-02, expected an age from 0 to 120 years",
        .duplicateAppointments: "appointments.csv:9: duplicate appointments: found the same values as appointments.csv:2 (P1, 2023-03-01T10:00:00Z), expected each appointment once",
        // 2024-04-02T10:00:00+01:00 is 09:00 UTC.
        .eventsAfterExport: "appointments.csv:5: events after export: found scheduled_at 2024-04-02T09:00:00Z (completed), expected records dated on or before the export's day, 2024-03-31 (a booked visit may be later)",
        .patientsWithoutEvents: "patients.csv:5: patients without events: found P4, expected at least one appointment, message, consent, condition or lead",
    ]

    @Test(arguments: ExportCheck.allCases)
    func eachCheckNamesItsRecordByFileAndLine(check: ExportCheck) throws {
        let (_, report) = try Self.check(Self.folder(check))
        let result = Self.result(report, check)
        #expect(result.count == 1)
        #expect(result.examples.map(\.description) == [Self.expectedFirstFinding[check]!])
        #expect(result.severity == check.severity && result.policy == check.defaultPolicy)
    }

    @Test func theValidExportPassesEveryCheck() throws {
        let (export, report) = try Self.check(DataFixtures.valid)
        #expect(report.results.map(\.check) == ExportCheck.allCases)
        #expect(report.results.allSatisfy { $0.count == 0 })
        #expect(report.passes && report.error == nil)
        // Without a dated folder the export's day is unknown: events after it cannot be told.
        #expect(report.exportDay == nil)
        #expect(Self.result(report, .eventsAfterExport).notRun != nil)
        #expect(report.ageDay == Day(year: 2024, month: 3, day: 2)!)
        #expect(export.appointments.count == 5)
    }

    @Test func onlyTheDefectsOfEachFixtureAreFound() throws {
        // A birth in 2199 is also after P2's visit and makes P2 -176 years old on the export's last day.
        let extra: [ExportCheck: Set<ExportCheck>] = [.birthDateInFuture: [.visitBeforeBirth, .ageOutOfRange]]
        for check in ExportCheck.allCases {
            let (_, report) = try Self.check(Self.folder(check))
            let found = Set(report.results.filter { $0.count > 0 }.map(\.check))
            #expect(found == Set([check]).union(extra[check] ?? []), "\(check)")
        }
    }

    @Test func aFailingCheckStopsWithItsFirstFindingAndTheSettingThatDecides() throws {
        let (_, report) = try Self.check(Self.folder(.bookedAfterScheduled))
        #expect(!report.passes)
        #expect(report.error?.description == Self.expectedFirstFinding[.bookedAfterScheduled]!
            + " (check booked_after_scheduled: 1 row; policy fail: set checks.booked_after_scheduled to drop or keep in strata.yml to go on without them)")
    }

    @Test func keptFindingsAreReportedAndChangeNothing() throws {
        let (export, report) = try Self.check(Self.folder(.bookedAfterScheduled), policies: .init([.bookedAfterScheduled: .keep]))
        #expect(report.passes)
        #expect(Self.result(report, .bookedAfterScheduled).count == 1)
        #expect(Self.result(report, .bookedAfterScheduled).droppedRows == 0)
        #expect(export.appointments.count == 5)
        // Nothing changed: the other commands say nothing; validate lists it.
        #expect(report.messages.isEmpty)
    }

    @Test func strictMakesEveryCheckFail() throws {
        // Duplicates are dropped by default; strict reading fails on them.
        let folder = Self.folder(.duplicateAppointments)
        #expect(try Self.check(folder).report.passes)
        let (_, strict) = try Self.check(folder, strict: true)
        #expect(strict.results.allSatisfy { $0.policy == .fail })
        #expect(strict.failures.map(\.check) == [.duplicateAppointments])
        #expect(strict.error?.description.hasSuffix("(check duplicate_appointments: 1 row; strict: every check fails)") == true)
        // A clean export passes strict reading too.
        #expect(try Self.check(DataFixtures.valid, strict: true).report.passes)
    }

    @Test func droppedDuplicatesLeaveTheFirstCopy() throws {
        let (export, report) = try Self.check(Self.folder(.duplicateAppointments))
        #expect(Self.result(report, .duplicateAppointments).droppedRows == 1)
        #expect(export.appointments.count == 5)
        #expect(export.origins.tables[.appointments]?.lines.lines == [2, 3, 5, 6, 8])
        #expect(export.appointments.amount.prefix(3) == [100, 120.5, 300])
        #expect(report.messages == [Self.expectedFirstFinding[.duplicateAppointments]!
            + " (check duplicate_appointments: 1 row dropped; `strata validate` lists them)"])
    }

    @Test func droppingAPatientDropsEveryRowOfTheirsAndRenumbersTheRest() throws {
        // P1 (born 1900) has 3 appointments, 1 message and 1 consent: 6 rows go, P2 and P3 stay, renumbered.
        let (export, report) = try Self.check(Self.folder(.ageOutOfRange), policies: .init([.ageOutOfRange: .drop]))
        #expect(Self.result(report, .ageOutOfRange).droppedRows == 6)
        #expect(export.patients.ids.all == ["P2", "P3"])
        #expect(export.patients.birthDate == [CivilDate.days(year: 1990, month: 6, day: 15), CivilDate.days(year: 2000, month: 3, day: 1)])
        #expect(export.patients.email[1] == "cy@example.com")
        #expect(export.patients.ids.index(of: "P3") == 1)
        let ids = export.patients.ids
        #expect(export.appointments.patient.map { ids[Int($0)] } == ["P2", "P3"])
        #expect(export.appointments.status == [.cancelled, .noShow])
        #expect(export.communications.patient.map { ids[Int($0)] } == ["P2"])
        #expect(export.consents.patient.map { ids[Int($0)] } == ["P2"])
        #expect(export.consents.status == [.optOut])
        // Places still point at the rows left.
        #expect(export.origins.tables[.patients]?.lines.lines == [3, 4])
        #expect(export.origins.tables[.appointments]?.lines.lines == [6, 8])
        #expect(export.origins.tables[.communications]?.lines.lines == [3])
    }

    @Test func droppedVisitsBeforeBirthGoAloneAndThePatientStays() throws {
        let (export, report) = try Self.check(Self.folder(.visitBeforeBirth), policies: .init([.visitBeforeBirth: .drop]))
        #expect(report.passes)
        #expect(Self.result(report, .visitBeforeBirth).droppedRows == 1)
        #expect(export.patients.count == 3)
        #expect(export.appointments.count == 4)
        #expect(!export.appointments.status.contains(.noShow))
    }

    @Test func leadsOfADroppedPatientGoWithThem() throws {
        var export = try ExportReader.read(DataFixtures.valid).export
        // A lead converted into P2 and one that never converted.
        export.leads = Leads(ids: TextColumn(["L1", "L2"]), patient: [1, -1], createdAt: [0, 0],
                             source: CategoryColumn(codes: [-1, -1]), interest: CategoryColumn(codes: [-1, -1]))
        export.patients.birthDate[1] = CivilDate.days(year: 2199, month: 1, day: 1)
        let report = ExportChecks.run(&export, policies: .init([.birthDateInFuture: .drop, .visitBeforeBirth: .keep]),
                                      today: Self.today)
        #expect(report.passes)
        #expect(export.patients.ids.all == ["P1", "P3"])
        #expect(export.leads.ids[0] == "L2" && export.leads.count == 1 && export.leads.patient == [-1])
    }

    @Test func aSameDayBookingIsNotAfterItsVisit() throws {
        // Walk-ins: a visit on 2024-01-15 at 09:00 booked at 14:00 the same day, and a date-only visit day
        // (midnight) booked later that day, pass; one booked on the 16th does not.
        var export = try ExportReader.read(DataFixtures.valid).export
        let day = Int64(CivilDate.days(year: 2024, month: 1, day: 15)) * 86_400
        export.appointments.scheduledAt[0] = day + 9 * 3600
        export.appointments.bookedAt[0] = day + 14 * 3600
        export.appointments.scheduledAt[1] = day
        export.appointments.bookedAt[1] = day + 86_399
        export.appointments.scheduledAt[2] = day + 23 * 3600
        export.appointments.bookedAt[2] = day + 86_400
        let report = ExportChecks.run(&export, policies: .init([.bookedAfterScheduled: .keep]), today: Self.today)
        #expect(Self.result(report, .bookedAfterScheduled).examples.map(\.line) == [5])
    }

    @Test func aMappedFileWithDateOnlyVisitDaysHasNoFalseBookingsAfterTheVisit() throws {
        // The practice-management layout of Fixtures/mapped: a booking timestamp, a date-only visit day.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-checks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
            PatientId,ScheduledDay,AppointmentDay,No-show
            101,25/04/2016 08:15,2016-04-29,No
            102,29/04/2016 16:40,2016-04-29,No
            101,11/05/2016 07:00,2016-05-10,Yes
            """.appending("\n").write(to: folder.appendingPathComponent("visits.csv"), atomically: true, encoding: .utf8)
        let mapping = ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"), "birth_date": .init(constant: "1980-01-01"),
                "sex": .init(constant: "unknown"),
                "created_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "scheduled_at": .init(column: "AppointmentDay", format: "yyyy-MM-dd"),
                "booked_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
                "status": .init(column: "No-show", values: ["Yes": "no_show", "No": "completed"]),
                "service": .init(constant: "consultation"),
            ]),
        ])
        var export = try ExportReader.read(folder, format: .mapped, mapping: mapping).export
        let report = ExportChecks.run(&export, today: Self.today)
        // The same-day booking (line 3) passes; the booking a day after its visit (line 4) is found.
        #expect(Self.result(report, .bookedAfterScheduled).examples.map(\.description) == [
            "visits.csv:4: booked after scheduled: found booked_at 2016-05-11T07:00:00Z, scheduled_at 2016-05-10T00:00:00Z, expected a booking on or before the day of the visit",
        ])
    }

    @Test func eventsAfterTheExportDayInEveryTableButNotPlannedVisits() throws {
        var export = try ExportReader.read(DataFixtures.valid).export
        // Taken on 2024-02-29: the reply of 2024-03-02 (communications.csv:3) is later; P1's visit of
        // 2024-02-29T10:00+01:00 is that day. A visit still booked for later is planned, not late.
        export.appointments.status[3] = .booked
        export.appointments.scheduledAt[3] = Int64(CivilDate.days(year: 2024, month: 6, day: 1)) * 86_400
        let report = ExportChecks.run(&export, exportDay: Day(year: 2024, month: 2, day: 29)!, today: Self.today)
        #expect(Self.result(report, .eventsAfterExport).examples.map(\.place) == ["communications.csv:3"])
        #expect(Self.result(report, .eventsAfterExport).examples.first?.found == "responded_at 2024-03-02T08:00:00Z")
    }

    @Test func theFirstFiveExamplesOfManyAreKeptInFileOrder() throws {
        var export = try ExportReader.read(DataFixtures.valid).export
        // Seven more copies of P2's row (the fourth): the copies are found, the first is kept.
        var keep = export.appointments
        for _ in 0..<7 {
            keep.patient.append(keep.patient[3]); keep.scheduledAt.append(keep.scheduledAt[3]); keep.bookedAt.append(keep.bookedAt[3])
            keep.status.append(keep.status[3]); keep.service.codes.append(keep.service.codes[3])
            keep.provider.codes.append(keep.provider.codes[3]); keep.amount.append(keep.amount[3])
        }
        export.appointments = keep
        let report = ExportChecks.run(&export, policies: .init([.duplicateAppointments: .keep]), today: Self.today)
        let result = Self.result(report, .duplicateAppointments)
        #expect(result.count == 7)
        #expect(result.examples.map(\.row) == [5, 6, 7, 8, 9])
        // Rows added in code have no line: they are named by row.
        #expect(result.examples.first?.place == "appointments.csv (row 6)")
        #expect(result.examples.first?.found.hasPrefix("the same values as appointments.csv:6 (P2,") == true)
    }

    @Test func lineIndexKeepsRunsOfConsecutiveLines() {
        // Lines 2, 3, (a record on 3-4), 5, 6, (blank 7), 8, 9: three runs.
        let lines = [2, 3, 5, 6, 8, 9]
        let index = LineIndex(lines)
        #expect(index.count == 6)
        #expect((0..<6).map { index[$0] } == lines)
        #expect(index.lines == lines)
        #expect(index.filtered(keeping: [false, true, true, false, true, false]).lines == [3, 5, 8])
        #expect(index.runCount == 3)
        // A file of one-line records is one run, whatever its size.
        #expect(LineIndex(Array(2...100_001)).runCount == 1)
    }

    @Test func theExportDayIsTheFolderNameWhenItIsADate() {
        #expect(ExportChecks.exportDay(folderName: "2025-06-30") == Day(year: 2025, month: 6, day: 30))
        #expect(ExportChecks.exportDay(folderName: "2025-06-30-clinic") == Day(year: 2025, month: 6, day: 30))
        #expect(ExportChecks.exportDay(folderName: "2025-06-301") == nil)
        #expect(ExportChecks.exportDay(folderName: "2025-02-30") == nil)
        #expect(ExportChecks.exportDay(folderName: "export") == nil)
    }

    @Test func policiesReadFromTheChecksSection() throws {
        let decoded = try JSONDecoder().decode(ExportCheckPolicies.self, from: Data(#"{"booked_after_scheduled": "drop"}"#.utf8))
        #expect(decoded.policy(for: .bookedAfterScheduled) == .drop)
        #expect(decoded.policy(for: .visitBeforeBirth) == .fail)
        #expect(decoded.policy(for: .bookedAfterScheduled, strict: true) == .fail)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExportCheckPolicies.self, from: Data(#"{"booked_late": "drop"}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExportCheckPolicies.self, from: Data(#"{"booked_after_scheduled": "ignore"}"#.utf8)) }
    }

    @Test func validateSummaryListsTheChecksBeforeTheProblems() throws {
        var result = try ExportReader.read(Self.folder(.bookedAfterScheduled))
        let report = ExportChecks.run(&result.export, today: Self.today)
        let summary = ExportSummary(result, checks: report)
        #expect(!summary.isClean)
        #expect(summary.text.hasSuffix("""
            date range: 2020-01-01 to 2024-02-29
            checks:
              booked_after_scheduled  1 row, error, fail
                \(Self.expectedFirstFinding[.bookedAfterScheduled]!)
              (nothing found by the other 5; events_after_export not run: the export's day is not known (name the export folder by the day it was taken, e.g. 2025-06-30))
            problems: failed checks (listed under checks): booked_after_scheduled (1 row)
            """))
        let json = ValidationReport(summary)
        #expect(!json.clean)
        #expect(json.checks.first?.examples == [ValidationReport.Example(file: "appointments.csv", line: 6, row: 4,
                                                                        message: Self.expectedFirstFinding[.bookedAfterScheduled]!)])
    }
}
