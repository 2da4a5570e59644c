import Foundation
import Testing
import StrataData

/// Inputs the fuzzers found (`Fuzz/crashes/<target>/`, see `Fuzz/README.md`), each fed through the same
/// public API as its fuzz target: reading must end in a result or an ``IngestError``, never a trap.
@Suite("Fuzz regressions: CSV readers")
struct CSVFuzzRegressionTests {
    // MARK: csv-canonical (first byte: the table, and +6 for up to 3 bad rows; the rest: that table's file)

    /// A header of 70 columns: the field splitter kept at most 64 fields and then read past them (SIGILL).
    /// The canonical reader now splits it and names the first column it does not know.
    @Test func canonicalHeaderWiderThan64Columns() throws {
        let extra = (1...60).map { "extra_\($0)" }.joined(separator: ",")
        let header = "patient_id,first_name,birth_date,sex,postal_code,created_at,email,phone,preferred_channel,source,\(extra)"
        let row = "P1,Ada,1980-02-29,female,10001,2020-01-01T09:00:00Z,,,,," + String(repeating: ",", count: 59)
        let error = #expect(throws: IngestError.self) {
            _ = try FuzzHarness.readCanonical(table: .patients, file: Data("\(header)\n\(row)\n".utf8))
        }
        #expect(error?.kind == .unknownColumn)
        #expect(error?.found == "extra_1")
    }

    /// Lone CR line ends make the whole file one record, far wider than 64 fields: the same trap.
    @Test func canonicalLoneCarriageReturns() throws {
        let rows = (1...30).map { "P\($0),Name,1980-01-01,female,1000\($0),2020-01-01T09:00:00Z,,,," }
        let text = (["patient_id,first_name,birth_date,sex,postal_code,created_at,email,phone,preferred_channel,source"] + rows)
            .joined(separator: "\r") + "\r"
        #expect(throws: IngestError.self) { _ = try FuzzHarness.readCanonical(table: .patients, file: Data(text.utf8)) }
    }

    /// Found by the fuzzer (minimized): a communications.csv whose header is 65 empty fields (the first
    /// byte, a comma, picks communications and the lenient policy). Wide headers read now, and then the
    /// canonical reader names the missing columns.
    @Test func canonicalHeaderOf65EmptyFields() throws {
        let input = try FuzzHarness.crash("csv-canonical", "header-65-empty-fields")
        let error = #expect(throws: IngestError.self) { _ = try FuzzHarness.readCanonical(input) }
        #expect(error?.file == "communications.csv")
    }

    // MARK: csv-mapped (first byte: mapping 0 or 1, and +2 for up to 3 bad rows; the rest: visits.csv)

    /// Found by the fuzzer (minimized): a visits.csv whose header is `P` and 64 empty fields, read strictly through the no-shows mapping.
    /// Wide headers read now; this one has none of the mapped columns.
    @Test func mappedHeaderOf65EmptyFields() throws {
        let input = try FuzzHarness.crash("csv-mapped", "header-65-empty-fields")
        #expect(throws: IngestError.self) { _ = try FuzzHarness.readMapped(input) }
    }

    /// A real-looking wide export (100 columns, as clinic systems write) reads through a mapping.
    @Test func mappedExportWith100Columns() throws {
        let extra = (1...92).map { "Extra\($0)" }
        let header = ["PatientId", "AppointmentID", "Gender", "ScheduledDay", "AppointmentDay", "Age", "Neighbourhood", "No-show"] + extra
        let rows = ["101,5001,F,25/04/2016 08:15,2016-04-29,62,JARDIM,No", "102,5002,M,26/04/2016 09:00,2016-04-29,56,CENTRO,Yes"]
            .map { $0 + String(repeating: ",x", count: extra.count) }
        let file = ([header.joined(separator: ",")] + rows).joined(separator: "\n") + "\n"
        let result = try FuzzHarness.readMapped(Data([0]) + Data(file.utf8))
        #expect(result.export.patients.ids.all == ["101", "102"])
        #expect(result.export.appointments.count == 2)
    }
}

/// The fuzz targets' inputs decoded as `Fuzz/Sources/FuzzCSVCanonical` and `FuzzCSVMapped` decode them.
enum FuzzHarness {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A committed fuzzer finding, `Fuzz/crashes/<target>/<name>`.
    static func crash(_ target: String, _ name: String) throws -> Data {
        try Data(contentsOf: repository.appendingPathComponent("Fuzz/crashes/\(target)/\(name)"))
    }

    /// A canonical-target input: its first byte picks the table and the bad-row policy.
    static func readCanonical(_ input: Data) throws(IngestError) -> ExportReadResult {
        let selector = Int(input.first ?? 0)
        let tables = CanonicalTable.allCases
        let policy = (selector / tables.count) % 2 == 0 ? IngestPolicy.strict : IngestPolicy(maxBadRows: 3)
        return try readCanonical(table: tables[selector % tables.count], file: input.dropFirst(), policy: policy)
    }

    /// The small valid export of the ingest tests with `table`'s file replaced by `file`.
    static func readCanonical(table: CanonicalTable, file: Data, policy: IngestPolicy = .strict) throws(IngestError) -> ExportReadResult {
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["patients", "appointments", "communications", "consents"] {
            try? FileManager.default.copyItem(at: DataFixtures.valid.appendingPathComponent("\(name).csv"),
                                              to: folder.appendingPathComponent("\(name).csv"))
        }
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(table.fileName))
        try? Data(file).write(to: folder.appendingPathComponent(table.fileName))
        return try ExportReader.read(folder, policy: policy)
    }

    /// A mapped-target input: its first byte picks the mapping and the policy; the rest is `visits.csv`.
    static func readMapped(_ input: Data) throws(IngestError) -> ExportReadResult {
        let selector = Int(input.first ?? 0)
        let policy = (selector / mappings.count) % 2 == 0 ? IngestPolicy.strict : IngestPolicy(maxBadRows: 3)
        let folder = scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try? Data(input.dropFirst()).write(to: folder.appendingPathComponent("visits.csv"))
        return try ExportReader.read(folder, format: .mapped, mapping: mappings[selector % mappings.count], policy: policy)
    }

    /// The mapped target's two mappings: the no-shows layout, and ISO timestamps with communications.
    static let mappings: [ExportMapping] = [
        ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "birth_date": .init(constant: "1900-01-01"),
                "sex": .init(column: "Gender", values: ["F": "female", "M": "male"]),
                "created_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "scheduled_at": .init(column: "AppointmentDay", format: "yyyy-MM-dd"),
                "booked_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
                "status": .init(column: "No-show", values: ["Yes": "no_show", "No": "completed"]),
                "service": .init(constant: "consultation"),
                "amount": .init(column: "Age"),
            ]),
        ]),
        ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "birth_date": .init(column: "BirthDate", format: "yyyy-MM-dd"),
                "sex": .init(column: "Gender", values: ["F": "female", "M": "male", "X": "other"]),
                "created_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                "email": .init(column: "Email"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "scheduled_at": .init(column: "AppointmentDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                "booked_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                "status": .init(column: "Status", values: ["done": "completed", "missed": "no_show", "off": "cancelled"]),
                "service": .init(column: "Service"),
                "amount": .init(column: "Amount"),
            ]),
            "communications": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "sent_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
                "channel": .init(constant: "email"),
            ]),
        ]),
    ]

    private static func scratchFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fuzz-regression-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
