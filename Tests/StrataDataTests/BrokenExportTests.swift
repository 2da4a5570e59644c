import Foundation
import Testing
@testable import StrataData

/// The broken-file corpus (`Fixtures/broken/<kind>/`, written by `Fixtures/make_broken.py`): each export has
/// one defect, and reading it gives exactly the documented message (`docs/validation.md`).
@Suite("Broken exports")
struct BrokenExportTests {
    static let expectedMessages: [String: String] = [
        "unterminated-quote": #"appointments.csv:9:65: unterminated quote: found ""Dr A,10", expected a closing " before the end of the file"#,
        "stray-quote": #"appointments.csv:5:74: quote inside an unquoted field: found "Dr "B",300", expected a field with quotes to be quoted as a whole, with inner quotes doubled ("a ""b""")"#,
        "wrong-field-count": #"appointments.csv:2:1: wrong field count: found "8 fields: P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,clean", expected 7 fields, as in the header"#,
        "bad-date": #"patients.csv:3:8: bad date: found "2023-02-29", expected a date like 2024-02-29 (YYYY-MM-DD)"#,
        "bad-timestamp": #"appointments.csv:3:4: bad timestamp: found "2023-13-01T10:00:00Z", expected a date and time like 2024-02-29T14:30:00Z (ISO-8601 with Z or an offset)"#,
        "not-a-number": #"appointments.csv:4:14: not a number: found "$120.50", expected a decimal number like 120.50"#,
        "unknown-value": #"appointments.csv:3:46: unknown value: found "attended", expected one of completed, no_show, cancelled, booked"#,
        "duplicate-id": #"patients.csv:5:1: duplicate id: found "P2", expected each patient_id once"#,
        "unknown-patient": #"communications.csv:4:1: unknown patient: found "P9", expected a patient_id listed in patients.csv"#,
        "missing-required-column": #"appointments.csv:1: missing required column: found "status", expected a column "status" in the header (patient_id,scheduled_at,booked_at,service,provider,amount)"#,
        "unknown-column": #"consents.csv:1:47: unknown column: found "notes", expected one of patient_id, channel, purpose, status, recorded_at"#,
        "empty-file": #"communications.csv:1: empty file: expected a header row naming the columns"#,
        "empty-required-field": #"appointments.csv:5:61: empty required field: found "", expected a value (the column is required)"#,
        "missing-table": #"{folder}: missing table: found "consents.csv", expected the required tables patients.csv, appointments.csv, communications.csv, consents.csv"#,
    ]

    @Test(arguments: expectedMessages.keys.sorted())
    func brokenExportGivesItsMessage(kind: String) throws {
        let folder = DataFixtures.broken(kind)
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        let expected = Self.expectedMessages[kind]!.replacingOccurrences(of: "{folder}", with: folder.path)
        #expect(error?.description == expected)
    }

    @Test func everyFailureKindOfTheIssueHasACase() throws {
        let kinds = try FileManager.default.contentsOfDirectory(atPath: DataFixtures.folder.appendingPathComponent("broken").path)
        #expect(Set(kinds) == Set(Self.expectedMessages.keys))
    }

    @Test func maxBadRowsSkipsAndReports() throws {
        // Row-level problems are skipped and counted; the rest of the export is read.
        let result = try ExportReader.read(DataFixtures.broken("unknown-value"), policy: IngestPolicy(maxBadRows: 1))
        #expect(result.badRows.count == 1)
        #expect(result.badRows.examples.map(\.kind) == [.unknownValue])
        #expect(result.export.appointments.count == 4)
        #expect(result.export.appointments.status == [.completed, .completed, .cancelled, .noShow])
        // Columns stay aligned after a skipped row.
        #expect(result.export.appointments.amount.count == 4)
        #expect(result.export.appointments.service.codes.count == 4)
        #expect(!ExportSummary(result).isClean)

        let duplicates = try ExportReader.read(DataFixtures.broken("duplicate-id"), policy: IngestPolicy(maxBadRows: 3))
        #expect(duplicates.export.patients.count == 3)
        #expect(duplicates.export.patients.birthDate.count == 3)
        #expect(duplicates.badRows.count == 1)
    }

    @Test func tooManyBadRowsStillFails() throws {
        let error = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(DataFixtures.broken("unknown-patient"), policy: IngestPolicy(maxBadRows: 0))
        }
        #expect(error?.kind == .unknownPatient)
    }

    @Test func fileLevelProblemsAreNeverSkipped() throws {
        let error = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(DataFixtures.broken("missing-required-column"), policy: IngestPolicy(maxBadRows: 100))
        }
        #expect(error?.kind == .missingRequiredColumn)
    }
}
