import Foundation
import StrataData
import Testing

/// `checkingOthers: false` reads only the tables asked for (what `campaign report` needs): a broken file of
/// another table no longer stops the read, and the tables read are the same as with every table checked.
@Suite("reading some tables without checking the others")
struct UncheckedTablesTests {
    @Test func otherTablesAreNotRead() throws {
        let fixture = DataFixtures.folder.appendingPathComponent("checks/patients_without_events")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-unchecked-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: fixture, to: folder)
        let kept: Set<CanonicalTable> = [.patients, .appointments, .communications]
        let whole = try ExportReader.read(folder, tables: kept).export

        // A consents file with a status no reader accepts.
        try "patient_id,channel,purpose,status,recorded_at\nP1,email,marketing,maybe,2020-01-01T09:00:00Z\n"
            .write(to: folder.appendingPathComponent("consents.csv"), atomically: true, encoding: .utf8)
        #expect(throws: IngestError.self) { try ExportReader.read(folder, tables: kept) }
        let some = try ExportReader.read(folder, tables: kept, checkingOthers: false).export
        #expect(some.patients.ids.all == whole.patients.ids.all)
        #expect(some.appointments.scheduledAt == whole.appointments.scheduledAt && some.appointments.patient == whole.appointments.patient)
        #expect(some.communications.campaign == whole.communications.campaign && some.communications.patient == whole.communications.patient)
        #expect(some.consents.count == 0 && !some.presentTables.contains(.consents))
        // A table asked for is still checked.
        #expect(throws: IngestError.self) { try ExportReader.read(folder, tables: kept.union([.consents]), checkingOthers: false) }
    }
}
