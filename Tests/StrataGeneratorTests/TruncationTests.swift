import Foundation
import Testing
@testable import StrataGenerator
import StrataData

/// `--to` only cuts: the export at an earlier date equals a later export of the same clinic restricted to
/// what was known by then (`docs/export-format.md`, "Time semantics").
@Suite("--to is a pure cut")
struct TruncationTests {
    @Test(arguments: [("2023-06-30", ClinicKind.orthodontic, Behaviour.idealized), ("2024-11-15", .primaryCare, .idealized),
                      ("2021-01-01", .aesthetic, .idealized), ("2023-06-30", .orthodontic, .realistic),
                      ("2024-11-15", .primaryCare, .realistic), ("2022-08-15", .multiSpecialty, .realistic)])
    func earlierExportIsTheLaterOneRestricted(earlierCut: String, kind: ClinicKind, behaviour: Behaviour) throws {
        let earlier = try GeneratedExport.make(persons: 400, seed: 31, kind: kind, to: earlierCut, asOf: "2021-01-01",
                                               behaviour: behaviour)
        let later = try GeneratedExport.make(persons: 400, seed: 31, kind: kind, to: "2025-12-31", asOf: "2021-01-01",
                                             behaviour: behaviour)
        defer { earlier.remove(); later.remove() }
        for table in CanonicalTable.allCases {
            let restricted = Self.restrict(later.table(table), of: table, to: earlierCut, patients: later.table(.patients))
            let actual = earlier.table(table)
            #expect(actual.header == restricted.header)
            #expect(actual.rows.count == restricted.rows.count, "\(table): \(actual.rows.count) vs \(restricted.rows.count)")
            #expect(actual.rows == restricted.rows, "\(table) differs from the later export cut at \(earlierCut)")
        }
    }

    /// What of `table` was known by the end of `day`, following the documented rules.
    static func restrict(_ table: GeneratedExport.Table, of kind: CanonicalTable, to day: String,
                         patients: GeneratedExport.Table) -> GeneratedExport.Table {
        let knownPatients = Set(patients.rows.filter { isOnOrBefore($0[patients.column("created_at")], day) }
            .map { $0[patients.column("patient_id")] })
        func column(_ name: String) -> Int { table.column(name) }
        var rows: [[String]] = []
        for var row in table.rows {
            switch kind {
            case .patients:
                guard isOnOrBefore(row[column("created_at")], day) else { continue }
                // A death after the cut was not known at the cut.
                if !row[column("deceased_at")].isEmpty && !isOnOrBefore(row[column("deceased_at")], day) {
                    row[column("deceased_at")] = ""
                }
            case .appointments:
                guard isOnOrBefore(row[column("booked_at")], day) else { continue }
                if !isOnOrBefore(row[column("scheduled_at")], day) {
                    row[column("status")] = "booked"
                    row[column("amount")] = ""
                }
            case .communications:
                guard isOnOrBefore(row[column("sent_at")], day) else { continue }
                for name in ["opened_at", "clicked_at", "responded_at"] where !row[column(name)].isEmpty {
                    if !isOnOrBefore(row[column(name)], day) { row[column(name)] = "" }
                }
            case .consents:
                guard isOnOrBefore(row[column("recorded_at")], day) else { continue }
            case .conditions:
                guard knownPatients.contains(row[column("patient_id")]), isOnOrBefore(row[column("onset_date")], day) else { continue }
            case .leads:
                guard isOnOrBefore(row[column("created_at")], day) else { continue }
                if !knownPatients.contains(row[column("patient_id")]) { row[column("patient_id")] = "" }
            }
            rows.append(row)
        }
        return GeneratedExport.Table(header: table.header, rows: rows)
    }

    @Test func bookedAppointmentsAppearAtTheCut() throws {
        let export = try GeneratedExport.make(persons: 300, seed: 32, to: "2024-03-31")
        defer { export.remove() }
        let appointments = export.table(.appointments)
        let booked = appointments.rows.filter { $0[appointments.column("status")] == "booked" }
        #expect(!booked.isEmpty)
        for row in booked {
            #expect(isOnOrBefore(row[appointments.column("booked_at")], "2024-03-31"))
            #expect(!isOnOrBefore(row[appointments.column("scheduled_at")], "2024-03-31"))
            #expect(row[appointments.column("amount")].isEmpty)
        }
        // Everything else in the export happened by the cut.
        for row in appointments.rows where row[appointments.column("status")] != "booked" {
            #expect(isOnOrBefore(row[appointments.column("scheduled_at")], "2024-03-31"))
        }
    }
}
