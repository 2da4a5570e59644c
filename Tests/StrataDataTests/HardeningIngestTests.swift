import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataData

/// A small canonical export in a fresh folder: the valid fixture's files, with `replacing` written over them
/// byte for byte (so line ends and the final newline are exactly as given).
private func export(replacing files: [String: String]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hardening-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in try FileManager.default.contentsOfDirectory(atPath: DataFixtures.valid.path) where name.hasSuffix(".csv") {
        try FileManager.default.copyItem(at: DataFixtures.valid.appendingPathComponent(name), to: folder.appendingPathComponent(name))
    }
    for (name, text) in files {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }
    return folder
}

private let appointmentsHeader = "patient_id,scheduled_at,booked_at,status,service,provider,amount\n"

/// Issue 16, rows 3, 13, 15 and 20: wide files, lone CRs, files cut short, out-of-range values, and one
/// verdict whatever tables a command keeps.
@Suite("Hardened ingest (issue 16)")
struct HardeningIngestTests {
    // MARK: Row 3: any width; lone CR line ends

    @Test func headerOfAHundredAndFiftyColumnsIsRead() throws {
        // The header used to be split into at most 64 fields and then read past them (a trap).
        let names = (1...150).map { "c\($0)" }
        let row = (1...150).map { "v\($0)" }
        let url = try temporaryFile(names.joined(separator: ",") + "\n" + row.joined(separator: ",") + "\n")
        defer { removeTemporaryFile(url) }
        let (header, records, lines) = try readAll(url)
        #expect(header == names)
        #expect(records == [row])
        #expect(lines == [2])
    }

    @Test func wideRecordsOfEveryReaderAreCountedNotReadPastTheSplitter() throws {
        // A splitter stores at most its capacity and counts the rest; readers compare the count first. A
        // header of 100 quoted and unquoted names, and rows wider and narrower than it, through forEachRecord.
        let names = (0..<100).map { $0 % 7 == 0 ? "\"q,\($0)\"" : "n\($0)" }
        let url = try temporaryFile(names.joined(separator: ",") + ",\n" + String(repeating: "x,", count: 300) + "\n")
        defer { removeTemporaryFile(url) }
        let reader = try CSVReader(url: url, file: "t.csv")
        #expect(reader.header.count == 101)
        #expect(reader.header[7] == "q,7" && reader.header[99] == "n99" && reader.header[100] == "")
        let error = #expect(throws: IngestError.self) { try reader.forEachRecord { _, _ in } }
        #expect(error?.found.hasPrefix("301 fields: ") == true)
        let batch = CSVBatch(file: "t.csv", bytes: try Data(contentsOf: url), contentStart: 0, recordStarts: [0],
                             recordEnds: [10], recordLines: [1], endsWithoutLineEnd: false)
        var splitter = CSVFieldSplitter(capacity: 2)
        #expect(try splitter.split(batch, record: 0) == 3)  // `"q,0",n1,n`: the quoted comma is data
    }

    @Test func canonicalExportWithAHundredAndFiftyColumnsNamesTheFirstUnknownOne() throws {
        let extra = (1...143).map { "extra_\($0)" }
        let header = String(appointmentsHeader.dropLast()) + "," + extra.joined(separator: ",") + "\n"
        let row = "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00," + extra.map { _ in "x" }.joined(separator: ",") + "\n"
        let folder = try export(replacing: ["appointments.csv": header + row])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.kind == .unknownColumn)
        #expect(error?.found == "extra_1")
        #expect(error?.place == "appointments.csv:1:\(appointmentsHeader.count + 1)")
    }

    @Test func mappedExportWithAHundredAndFiftyColumnsReadsTheMappedOnes() throws {
        // 150 columns, the mapped ones spread among unknown ones (the last at column 150).
        var names = (1...150).map { "unused_\($0)" }
        names[9] = "PatientId"
        names[70] = "Gender"
        names[100] = "When"
        names[149] = "Status"
        func row(_ id: String, _ gender: String, _ when: String, _ status: String) -> String {
            var fields = (1...150).map { "u\($0)" }
            fields[9] = id
            fields[70] = gender
            fields[100] = when
            fields[149] = status
            return fields.joined(separator: ",")
        }
        let text = names.joined(separator: ",") + "\n" + row("101", "F", "2016-04-29", "No") + "\n" + row("102", "M", "2016-05-02", "Yes") + "\n"
        let folder = try temporaryFile(text, name: "visits.csv").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mapping = ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "birth_date": .init(constant: "1950-01-01"),
                "sex": .init(column: "Gender", values: ["F": "female", "M": "male"]),
                "created_at": .init(column: "When", format: "yyyy-MM-dd"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "scheduled_at": .init(column: "When", format: "yyyy-MM-dd"),
                "booked_at": .init(column: "When", format: "yyyy-MM-dd"),
                "status": .init(column: "Status", values: ["Yes": "no_show", "No": "completed"]),
                "service": .init(constant: "consultation"),
            ]),
        ])
        let export = try ExportReader.read(folder, format: .mapped, mapping: mapping).export
        #expect(export.patients.ids.all == ["101", "102"])
        #expect(export.patients.sex == [.female, .male])
        #expect(export.appointments.status == [.completed, .noShow])
    }

    @Test func loneCarriageReturnLineEndsAreAClearError() throws {
        // The whole file is one line to an LF reader; it used to be a header of 100+ odd names (a trap).
        let lines = ["patient_id,channel,purpose,status,recorded_at"]
            + (1...40).map { _ in "P1,email,marketing,opt_in,2020-01-01T09:00:00Z" }
        let folder = try export(replacing: ["consents.csv": lines.joined(separator: "\r") + "\r"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.description == #"consents.csv:1:46: lone carriage return: found "patient_id,channel,purpose,status,recorded_at\r", expected LF or CRLF line ends (lone CR line ends, as old Mac programs wrote, are not read: convert the file to LF)"#)
        // Through the format detection too.
        let patients = try temporaryFile("patient_id,birth_date\rP1,1980-01-01\r", name: "patients.csv")
        defer { removeTemporaryFile(patients) }
        let detection = #expect(throws: IngestError.self) { _ = try ExportFormat.detect(folder: patients.deletingLastPathComponent()) }
        #expect(detection?.kind == .loneCarriageReturn)
    }

    @Test func loneCarriageReturnInsideAnLFFileNamesItsLine() throws {
        let text = appointmentsHeader
            + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"
            + "P1,2023-04-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\r"
            + "P2,2023-05-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.kind == .loneCarriageReturn)
        #expect(error?.place == "appointments.csv:3:76")
    }

    @Test func randomBytesNeverTrapTheReaders() throws {
        // Property: files of random commas, quotes, CRs, LFs and short values, up to ~200 fields wide, give
        // records or an IngestError, never a trap (a trap would end the test process). Seeded.
        var generator = SplitMix64(seed: 16)
        let pieces = [",", ",", ",", "\"", "\n", "\r", "\r\n", "a", "P1", "-1.5", "1e5", "2024-02-29T10:00:00Z", "email", ""]
        for trial in 0..<300 {
            var text = trial % 3 == 0 ? "patient_id,channel,purpose,status,recorded_at\n" : ""
            for _ in 0..<Int(generator.next() % 400) { text += pieces[Int(generator.next() % UInt64(pieces.count))] }
            let url = try temporaryFile(text, name: "consents.csv")
            defer { removeTemporaryFile(url) }
            for chunkSize in [64, 1 << 20] {
                do { _ = try readAll(url, chunkSize: chunkSize, minimumPieceBytes: 7) } catch is IngestError {}
                var reader = TableReader(policy: IngestPolicy(maxBadRows: trial % 2 == 0 ? 0 : 1000), chunkSize: chunkSize, parallelThreshold: 2)
                do {
                    _ = try reader.read(TableSource.canonical(.consents, in: url.deletingLastPathComponent()),
                                        patients: PatientIdentifiers(["P1"]))
                } catch {}
            }
        }
    }

    // MARK: Row 13: a file cut short

    @Test func fileCutInsideItsLastRecordIsAnErrorEvenWithMaxBadRows() throws {
        let text = appointmentsHeader
            + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"
            + "P2,2023-05-01T10:00:00Z,2023-02-01T10:"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        for policy in [IngestPolicy.strict, IngestPolicy(maxBadRows: 100)] {
            let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder, policy: policy) }
            #expect(error?.description == #"appointments.csv:3:39: file ends inside a record: found "3 fields: P2,2023-05-01T10:00:00Z,2023-02-01T10:", expected 7 fields, as in the header, and a line end after the last record (the file looks cut short)"#)
        }
    }

    @Test func shortLastRecordWithItsLineEndIsAnOrdinaryBadRow() throws {
        let text = appointmentsHeader + "P2,2023-05-01T10:00:00Z\n"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ExportReader.read(folder, policy: IngestPolicy(maxBadRows: 1))
        #expect(result.badRows.examples.map(\.kind) == [.wrongFieldCount])
        #expect(result.warnings.isEmpty)
    }

    @Test func lastValueWithoutALineEndIsKeptWithAWarning() throws {
        // `12.5` cut to `1`: the field count is right, so only the missing line end shows the cut.
        let text = appointmentsHeader
            + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"
            + "P2,2023-05-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,1"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ExportReader.read(folder)
        #expect(result.export.appointments.amount == [100, 1])
        #expect(result.warnings.counts == [.noFinalLineEnd: 1])
        #expect(result.warnings.examples.map(\.description) == [
            #"appointments.csv:3:70: no line end after the last record: found "1", kept as read (a file cut short inside its last value looks the same: check that this value is whole)"#,
        ])
        let summary = ExportSummary(result)
        #expect(summary.isClean)
        #expect(summary.text.hasSuffix("""
            problems: none
            warnings: 1 file without a line end after the last record (kept as read); first:
              appointments.csv:3:70: no line end after the last record: found "1", kept as read (a file cut short inside its last value looks the same: check that this value is whole)
            """))
    }

    @Test func noWarningWhenTheLineEndIsThereOrTheLastValueIsQuoted() throws {
        let record = "P2,2023-05-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,"
        for (text, warned) in [(record + "12.5\n", false), (record + "12.5\r\n", false), (record + "\"12.5\"", false),
                               (record + "12.5", true), (record + "12.5\n\n", false)] {
            let folder = try export(replacing: ["appointments.csv": appointmentsHeader + text])
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try ExportReader.read(folder)
            #expect(result.export.appointments.amount == [12.5])
            #expect(result.warnings.isEmpty == !warned, "\(text.debugDescription)")
        }
        // A header-only file without a line end has no value to doubt.
        let headerOnlyFolder = try export(replacing: ["appointments.csv": String(appointmentsHeader.dropLast())])
        defer { try? FileManager.default.removeItem(at: headerOnlyFolder) }
        let headerOnly = try ExportReader.read(headerOnlyFolder)
        #expect(headerOnly.warnings.isEmpty)
    }

    @Test func aFileReadForTwoMappedTablesIsWarnedAboutOnce() throws {
        let folder = try temporaryFile("PatientId,When,Status\n101,2016-04-29,No\n102,2016-05-01,Yes", name: "visits.csv")
            .deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mapping = ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"), "birth_date": .init(constant: "1950-01-01"),
                "sex": .init(constant: "unknown"), "created_at": .init(constant: "2016-01-01T00:00:00Z"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"), "scheduled_at": .init(column: "When", format: "yyyy-MM-dd"),
                "booked_at": .init(column: "When", format: "yyyy-MM-dd"),
                "status": .init(column: "Status", values: ["Yes": "no_show", "No": "completed"]),
                "service": .init(constant: "consultation"),
            ]),
        ])
        let result = try ExportReader.read(folder, format: .mapped, mapping: mapping)
        #expect(result.warnings.counts == [.noFinalLineEnd: 1])
        #expect(result.warnings.examples.map(\.description) == [
            #"visits.csv:3:16: no line end after the last record: found "Yes", kept as read (a file cut short inside its last value looks the same: check that this value is whole)"#,
        ])
    }

    // MARK: Row 15: values outside what an export can mean

    @Test func negativeAmountsAreKeptAndNamed() throws {
        let text = appointmentsHeader
            + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"
            + "P1,2023-04-01T10:00:00Z,2023-02-01T10:00:00Z,completed,refund,Dr A,-95.00\n"
            + "P2,2023-05-01T10:00:00Z,2023-02-01T10:00:00Z,completed,refund,\"Dr, A\",\"-5\"\n"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ExportReader.read(folder)
        #expect(result.export.appointments.amount == [100, -95, -5])
        #expect(result.warnings.counts == [.negativeAmount: 2])
        #expect(result.warnings.examples.map(\.description) == [
            #"appointments.csv:3:68: negative amount: found "-95.00", kept as read (a refund or correction; amounts charged are expected to be 0 or more)"#,
            // The column of a quoted value is its opening quote's.
            #"appointments.csv:4:71: negative amount: found "-5", kept as read (a refund or correction; amounts charged are expected to be 0 or more)"#,
        ])
        #expect(ExportSummary(result).isClean)
    }

    @Test func negativeAmountsAreFoundInEveryBatchAndRange() throws {
        // Many batches and ranges (tiny chunks, a low parallel threshold): the count and the first five, in
        // file order, do not depend on how the file was cut.
        var text = appointmentsHeader
        var negativeLines: [Int] = []
        for row in 0..<400 {
            let amount = row % 37 == 5 ? "-\(row).50" : "\(row).50"
            if amount.hasPrefix("-") { negativeLines.append(row + 2) }
            text += "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,\(amount)\n"
        }
        let url = try temporaryFile(text, name: "appointments.csv")
        defer { removeTemporaryFile(url) }
        let patients = PatientIdentifiers(["P1"])
        for (chunkSize, threshold) in [(16 << 20, 8192), (300, 2), (1000, 3)] {
            var reader = TableReader(policy: .strict, chunkSize: chunkSize, parallelThreshold: threshold)
            let source = TableSource.canonical(.appointments, in: url.deletingLastPathComponent())
            let table = try reader.read(source, patients: patients)
            #expect(table.rowCount == 400)
            #expect(reader.warnings.counts == [.negativeAmount: negativeLines.count])
            #expect(reader.warnings.examples.map(\.line) == Array(negativeLines.prefix(5)), "chunk \(chunkSize)")
        }
    }

    @Test(arguments: [
        ("patients.csv", "P9,Zed,0000-01-01,male,,2020-01-01T09:00:00Z,,,,", "patients.csv:5:8: bad date: found \"0000-01-01\", expected a date from 1900-01-01 to 2199-12-31"),
        ("patients.csv", "P9,Zed,1899-12-31,male,,2020-01-01T09:00:00Z,,,,", "patients.csv:5:8: bad date: found \"1899-12-31\", expected a date from 1900-01-01 to 2199-12-31"),
        ("patients.csv", "P9,Zed,1990-01-01,male,,0001-01-01T00:00:00Z,,,,", "patients.csv:5:25: bad timestamp: found \"0001-01-01T00:00:00Z\", expected a date and time from 1900-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
        // The general parser (an offset) and the fast one (`Z`) agree on the range.
        ("patients.csv", "P9,Zed,1990-01-01,male,,1900-01-01T00:30:00+01:00,,,,", "patients.csv:5:25: bad timestamp: found \"1900-01-01T00:30:00+01:00\", expected a date and time from 1900-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
        ("patients.csv", "P9,Zed,1990-01-01,male,,9999-12-31T00:00:00Z,,,,", "patients.csv:5:25: bad timestamp: found \"9999-12-31T00:00:00Z\", expected a date and time from 1900-01-01T00:00:00Z to 2199-12-31T23:59:59Z"),
    ])
    func datesOutsideTheAcceptedRangeAreErrors(file: String, row: String, message: String) throws {
        let original = try String(contentsOf: DataFixtures.valid.appendingPathComponent(file), encoding: .utf8)
        let folder = try export(replacing: [file: original + row + "\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.description == message)
    }

    @Test func firstAndLastAcceptedInstantsAreRead() throws {
        let original = try String(contentsOf: DataFixtures.valid.appendingPathComponent("patients.csv"), encoding: .utf8)
        let folder = try export(replacing: ["patients.csv": original
            + "P8,,1900-01-01,male,,1900-01-01T00:00:00Z,,,,\n" + "P9,,2199-12-31,male,,2199-12-31T23:59:59Z,,,,\n"])
        let patients = try ExportReader.read(folder).export.patients
        #expect(patients.birthDate.suffix(2) == [CanonicalDateRange.firstDay, CanonicalDateRange.lastDay])
        #expect(patients.createdAt.suffix(2) == [CanonicalDateRange.firstSecond, CanonicalDateRange.lastSecond])
    }

    @Test func acceptedRangeLiteralsAreTheCalendarDates() {
        #expect(CanonicalDateRange.firstDay == CivilDate.days(year: 1900, month: 1, day: 1))
        #expect(CanonicalDateRange.lastDay == CivilDate.days(year: 2199, month: 12, day: 31))
        #expect(CanonicalDateRange.firstSecond == Int64(CanonicalDateRange.firstDay) * 86400)
        #expect(CanonicalDateRange.lastSecond == Int64(CanonicalDateRange.lastDay) * 86400 + 86399)
    }

    @Test(arguments: ["1e+5", "1E5", "1.2E+05", "12345678901234567890e5", "-1e-2"])
    func amountsWithAnExponentAreRejectedOnEveryPath(amount: String) throws {
        // Short texts take the fast path, 20 digits Double(String): both reject the exponent.
        let bytes = Array(amount.utf8)
        #expect(ByteParsing.decimal(bytes.span, 0, bytes.count) == nil)
        let text = appointmentsHeader + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,\(amount)\n"
        let folder = try export(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.description == "appointments.csv:2:70: not a number: found \"\(amount)\", expected a decimal number like 120.50 without an exponent (spreadsheets write 1.2E+05 for numbers they have rounded)")
    }

    @Test func longPlainAmountsStillParse() {
        for text in ["12345678901234567890", "0000000000000000000000120.5", "-1234567890123456789.25"] {
            let bytes = Array(text.utf8)
            #expect(ByteParsing.decimal(bytes.span, 0, bytes.count) == Double(text), "\(text)")
        }
        for text in ["12345678901234567890x", "1234567890123456789012.3.4", "--1"] {
            let bytes = Array(text.utf8)
            #expect(ByteParsing.decimal(bytes.span, 0, bytes.count) == nil, "\(text)")
        }
    }

    // MARK: Row 20: one reading, one verdict

    @Test func tablesNotKeptAreStillChecked() throws {
        let folder = try export(replacing: ["consents.csv": "patient_id,channel,purpose,status,recorded_at\nP1,fax,marketing,opt_in,2020-01-01T09:00:00Z\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let all = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        let some = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder, tables: [.patients, .appointments]) }
        #expect(all != nil && some == all)
        #expect(some?.place == "consents.csv:2:4")
        // Bad rows and warnings of tables not kept count too.
        let skipped = try ExportReader.read(folder, policy: IngestPolicy(maxBadRows: 1), tables: [.appointments])
        #expect(skipped.badRows.count == 1)
        #expect(skipped.export.consents.count == 0)
        #expect(!skipped.export.presentTables.contains(.consents))
    }

    @Test func tableNotKeptIsCheckedRowByRowButNotStored() throws {
        // A duplicate lead id is found in a leads table that is not kept (the ids are still compared).
        let leads = "lead_id,patient_id,created_at,source,interest\nL1,P1,2020-01-01T09:00:00Z,web,braces\nL1,,2020-01-02T09:00:00Z,web,\n"
        let folder = try export(replacing: ["leads.csv": leads])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder, tables: [.appointments]) }
        #expect(error?.description == #"leads.csv:3:1: duplicate id: found "L1", expected each lead_id once"#)
        // Not kept: counted, nothing stored.
        var source = TableSource.canonical(.consents, in: DataFixtures.valid)
        source.keepsRows = false
        var reader = TableReader(policy: .strict)
        let table = try reader.read(source, patients: PatientIdentifiers(["P1", "P2", "P3"]))
        #expect(table.rowCount == 2)
        #expect(table.columns.values.allSatisfy { $0.count == 0 })
    }

    @Test func tablesNotKeptAreCheckedInMappedExportsToo() throws {
        let folder = try temporaryFile("PatientId,When,Status\n101,2016-04-29,No\n102,2016-13-01,Yes\n", name: "visits.csv").deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: folder) }
        let mapping = ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "birth_date": .init(constant: "1950-01-01"),
                "sex": .init(constant: "unknown"),
                "created_at": .init(constant: "2016-01-01T00:00:00Z"),
            ], deduplicate: true),
            "appointments": TableMapping(file: "visits.csv", columns: [
                "patient_id": .init(column: "PatientId"),
                "scheduled_at": .init(column: "When", format: "yyyy-MM-dd"),
                "booked_at": .init(column: "When", format: "yyyy-MM-dd"),
                "status": .init(column: "Status", values: ["Yes": "no_show", "No": "completed"]),
                "service": .init(constant: "consultation"),
            ]),
        ])
        let error = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(folder, format: .mapped, mapping: mapping, tables: [.patients])
        }
        #expect(error?.place == "visits.csv:3:5")
    }
}
