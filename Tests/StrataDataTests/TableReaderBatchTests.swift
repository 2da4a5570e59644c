import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataData

/// Reading a table in many small batches and ranges (each batch's rows appended while the next converts)
/// gives the rows, the bad-row report and the first error of reading it in one piece.
@Suite("Table reader batches")
struct TableReaderBatchTests {
    static let patients = PatientIdentifiers((1...50).map { "P\($0)" })

    /// An appointments file of `rows` rows; `broken` maps row numbers (0-based) to a replacement line.
    static func appointments(rows: Int, broken: [Int: String] = [:], tail: String = "") throws -> URL {
        var generator = SplitMix64(seed: 9)
        var text = "patient_id,scheduled_at,booked_at,status,service,provider,amount\n"
        let statuses = ["completed", "no_show", "cancelled", "booked"]
        for row in 0..<rows {
            if let line = broken[row] {
                text += line + "\n"
                continue
            }
            let patient = 1 + row / 40
            let day = 1 + generator.next() % 28
            let service = ["cleaning", "whitening", "braces", "check \"up\", yearly"][Int(generator.next() % 4)]
            let quoted = service.contains(",") ? "\"" + service.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : service
            text += "P\(patient),2024-03-\(day < 10 ? "0" : "")\(day)T10:00:00Z,2024-02-01T09:30:00+01:00,"
            text += "\(statuses[Int(generator.next() % 4)]),\(quoted),Dr \(row % 3),\(generator.next() % 50000)\r\n"
        }
        text += tail
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-batches-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: folder.appendingPathComponent("appointments.csv"))
        return folder
    }

    static func read(_ folder: URL, maxBadRows: Int = 0, small: Bool) throws(IngestError) -> (ReadTable, BadRowReport) {
        var reader = small ? TableReader(policy: IngestPolicy(maxBadRows: maxBadRows), chunkSize: 700, parallelThreshold: 1)
            : TableReader(policy: IngestPolicy(maxBadRows: maxBadRows))
        let table = try reader.read(.canonical(.appointments, in: folder), patients: patients)
        return (table, reader.badRows)
    }

    static func summary(_ table: ReadTable) -> [String] {
        [
            "\(table.rowCount)",
            "\(table.column("patient_id")!.codes)",
            "\(table.column("scheduled_at")!.seconds)",
            "\(table.column("booked_at")!.seconds)",
            "\(table.column("status")!.levels)",
            "\(table.column("service")!.categoryColumn)",
            "\(table.column("provider")!.categoryColumn)",
            "\(table.column("amount")!.numbers.map(\.bitPattern))",
        ]
    }

    @Test func manyBatchesGiveTheRowsOfOne() throws {
        let folder = try Self.appointments(rows: 1500)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (whole, _) = try Self.read(folder, small: false)
        let (pieces, _) = try Self.read(folder, small: true)
        #expect(whole.rowCount == 1500)
        #expect(Self.summary(pieces) == Self.summary(whole))
    }

    @Test func badRowsAndTheFirstErrorDoNotDependOnBatches() throws {
        let broken = [
            200: "P1,2024-02-30T10:00:00Z,,completed,cleaning,,1",
            700: "P999,2024-03-01T10:00:00Z,,completed,cleaning,,1",
            701: "P2,2024-03-01T10:00:00Z,,completed,cleaning,,ten",
            1300: "P3,2024-03-01T10:00:00Z,,completed,cleaning",
        ]
        let folder = try Self.appointments(rows: 1500, broken: broken)
        defer { try? FileManager.default.removeItem(at: folder) }
        for maxBadRows in [0, 1, 3, 4, 10] {
            let whole = Result { () throws(IngestError) in try Self.read(folder, maxBadRows: maxBadRows, small: false) }
            let pieces = Result { () throws(IngestError) in try Self.read(folder, maxBadRows: maxBadRows, small: true) }
            switch (whole, pieces) {
            case let (.success(a), .success(b)):
                #expect(maxBadRows >= 4)
                #expect(a.1 == b.1)
                #expect(a.1.count == 4)
                #expect(Self.summary(a.0) == Self.summary(b.0))
            case let (.failure(a), .failure(b)):
                #expect(maxBadRows < 4)
                #expect(a == b)
            default:
                Issue.record("one read failed and the other did not (max bad rows \(maxBadRows))")
            }
        }
    }

    @Test func aBadRowInAnEarlierBatchIsReportedBeforeAnUnterminatedQuoteAtTheEnd() throws {
        // Read in one piece the unterminated quote is found first (while cutting the only batch); in many
        // batches the bad row's batch is appended before the last batch is cut.
        let folder = try Self.appointments(rows: 1000, broken: [100: "P1,yesterday,,completed,cleaning,,1"],
                                           tail: "P1,2024-03-01T10:00:00Z,,completed,\"cleaning,,1\n")
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = #expect(throws: IngestError.self) { _ = try Self.read(folder, small: false) }
        #expect(whole?.kind == .unterminatedQuote)
        let pieces = #expect(throws: IngestError.self) { _ = try Self.read(folder, small: true) }
        #expect(pieces?.kind == .badTimestamp)
        #expect(pieces?.line == 102)
    }
}
