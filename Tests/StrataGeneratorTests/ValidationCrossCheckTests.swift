import Foundation
import StrataData
@testable import StrataGenerator
import Testing

/// What the generator writes passes the format's own validation: the ingest reader in strict mode (every
/// column, type, enum value, date, duplicate id and foreign key checked).
@Suite("Generated exports pass validation")
struct ValidationCrossCheckTests {
    @Test func theBundledDemoClinicReadsCleanly() throws {
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/demo-clinic")
        let result = try ExportReader.read(demo, format: .canonical)
        #expect(result.export.patients.count == 4_346)
        // `wc -l` minus the header; 22,014 appointments and 28,754 consents with dormant patients returning at 3% a
        // check, 26,156 and 28,758 in the idealized clinic before issue 23 (20,603 appointments before preventive care).
        #expect(result.export.appointments.count == 24_211)
        #expect(result.export.rowCounts[.consents] == 28_761)
        #expect(result.badRows.count == 0)
    }

    @Test(arguments: ClinicKind.allCases)
    func everyClinicKindReadsCleanly(_ kind: ClinicKind) throws {
        let generated = try GeneratedExport.make(persons: 300, seed: 3, kind: kind)
        defer { try? FileManager.default.removeItem(at: generated.folder.deletingLastPathComponent()) }
        let result = try ExportReader.read(generated.folder, format: .canonical)
        #expect(result.export.patients.count > 0)
        #expect(result.badRows.count == 0)
        // An export cut earlier is valid too (booked appointments beyond the cut, no events after it).
        let cut = try GeneratedExport.make(persons: 300, seed: 3, kind: kind, to: "2023-06-30")
        defer { try? FileManager.default.removeItem(at: cut.folder.deletingLastPathComponent()) }
        #expect(try ExportReader.read(cut.folder, format: .canonical).badRows.count == 0)
    }
}
