import Foundation
import Testing
@testable import StrataData

/// `keepingRows` keeps a table's rows whose column holds one of the given values (a campaign report's own
/// messages); the others are still read and checked, then counted with their latest timestamp.
@Suite("keeping only some rows of a table")
struct RowFilterTests {
    /// 40 patients; 400 messages cycling through the campaigns recall, newsletter and none (empty), message i
    /// sent i hours after 2024-01-01T00:00:00Z and, every fifth one, opened 30 minutes later.
    static func export(badNewsletterLine: Bool = false) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rowfilter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var patients = "patient_id,birth_date,sex,created_at\n"
        var appointments = "patient_id,scheduled_at,booked_at,status,service\n"
        for index in 1...40 {
            patients += "P\(index),1980-01-01,female,2020-01-01T09:00:00Z\n"
            appointments += "P\(index),2023-06-01T09:00:00Z,2023-05-01T09:00:00Z,completed,checkup\n"
        }
        var messages = "patient_id,sent_at,channel,campaign,opened_at\n"
        for index in 0..<400 {
            let sent = 1_704_067_200 + Int64(index) * 3_600
            let opened = index % 5 == 0 ? CivilDate.isoString(timestamp: sent + 1_800) : ""
            let sentText = badNewsletterLine && index == 301 ? "yesterday" : CivilDate.isoString(timestamp: sent)
            messages += "P\(index % 40 + 1),\(sentText),email,\(Self.campaigns[index % 3]),\(opened)\n"
        }
        try patients.write(to: folder.appendingPathComponent("patients.csv"), atomically: true, encoding: .utf8)
        try appointments.write(to: folder.appendingPathComponent("appointments.csv"), atomically: true, encoding: .utf8)
        try messages.write(to: folder.appendingPathComponent("communications.csv"), atomically: true, encoding: .utf8)
        try "patient_id,channel,purpose,status,recorded_at\nP1,email,marketing,opt_in,2020-01-01T09:00:00Z\n"
            .write(to: folder.appendingPathComponent("consents.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    static let campaigns = ["recall", "newsletter", ""]

    @Test func onlyTheChosenRowsAreKeptAndTheOthersCounted() throws {
        let folder = try Self.export()
        defer { try? FileManager.default.removeItem(at: folder) }
        let whole = try ExportReader.read(folder).export.communications
        let read = try ExportReader.read(folder, keepingRows: [.communications: RowFilter(column: "campaign", values: ["recall"])])
        let kept = read.export.communications
        // Rows 0, 3, 6, ..., 399: 134 of them, in file order.
        let recall = Array(stride(from: 0, to: 400, by: 3))
        #expect(kept.count == 134 && recall.count == 134)
        #expect(kept.patient == recall.map { whole.patient[$0] })
        #expect(kept.sentAt == recall.map { whole.sentAt[$0] })
        #expect(kept.openedAt == recall.map { whole.openedAt[$0] })
        #expect((0..<kept.count).allSatisfy { kept.campaign[$0] == "recall" })
        #expect(read.export.origins.tables[.communications]?.lines.count == 134)
        // Left out: 266 rows; the latest of their timestamps is row 398's sent_at (2024-01-01 + 398 h; row 399,
        // the last, is a recall message, and row 395, opened 30 minutes after sending, is earlier).
        #expect(read.leftOut[.communications] == LeftOutRows(count: 266, latestTimestamp: 1_704_067_200 + 398 * 3_600))
        // The other tables are whole, and without a filter nothing is left out.
        #expect(read.export.appointments.count == 40)
        #expect(try ExportReader.read(folder).leftOut.isEmpty)
    }

    @Test func splitIntoManyPartsTheSameRowsAreKept() throws {
        let folder = try Self.export()
        defer { try? FileManager.default.removeItem(at: folder) }
        let patients = try ExportReader.read(folder).export.patients.ids
        var source = TableSource.canonical(.communications, in: folder)
        // An empty field matches nothing, not even "".
        source.rowFilter = RowFilter(column: "campaign", values: ["newsletter", ""])
        // 200-byte batches of ranges down to one record: every part has its own dictionary of campaigns.
        var reader = TableReader(policy: .strict, chunkSize: 200, parallelThreshold: 2)
        let table = try reader.read(source, patients: patients)
        let kept = (0..<400).filter { $0 % 3 == 1 }
        #expect(table.rowCount == kept.count)
        #expect(table.column("patient_id")?.codes == kept.map { Int32($0 % 40) })
        #expect(table.leftOut == LeftOutRows(count: 267, latestTimestamp: 1_704_067_200 + 399 * 3_600))
    }

    @Test func aBadValueInARowLeftOutStillFailsTheRead() throws {
        let folder = try Self.export(badNewsletterLine: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Row 301 (line 303 of the file) is a newsletter message with sent_at "yesterday".
        do {
            _ = try ExportReader.read(folder, keepingRows: [.communications: RowFilter(column: "campaign", values: ["recall"])])
            Issue.record("a bad sent_at in a row left out was accepted")
        } catch {
            #expect(error.file == "communications.csv" && error.line == 303 && error.found == "yesterday")
            #expect(error.kind == .badTimestamp)
        }
    }
}
