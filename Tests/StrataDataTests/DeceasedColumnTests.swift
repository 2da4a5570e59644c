import Foundation
import Testing
@testable import StrataData

/// Issue 22, item 4: the optional `deceased_at` column of the canonical `patients.csv`.
@Suite("Deceased patients in canonical exports")
struct DeceasedColumnTests {
    private func export(patients: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-deceased-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: DataFixtures.valid.path) where name.hasSuffix(".csv") {
            try FileManager.default.copyItem(at: DataFixtures.valid.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try Data(patients.utf8).write(to: folder.appendingPathComponent("patients.csv"))
        return folder
    }

    private let header = "patient_id,first_name,birth_date,sex,postal_code,created_at,email,phone,preferred_channel,source"

    @Test func theColumnIsReadAndEmptyMeansAlive() throws {
        let rows = try String(contentsOf: DataFixtures.valid.appendingPathComponent("patients.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        // The first patient died on 2024-03-10; the others have an empty field.
        let text = ([header + ",deceased_at"] + rows.enumerated().map { $0.offset == 0 ? $0.element + ",2024-03-10" : $0.element + "," })
            .joined(separator: "\n") + "\n"
        let folder = try export(patients: text)
        defer { try? FileManager.default.removeItem(at: folder) }
        let patients = try ExportReader.read(folder).export.patients
        let death = CivilDate.days(year: 2024, month: 3, day: 10)
        #expect(patients.deceasedAt[0] == death)
        #expect(patients.deceasedAt.dropFirst().allSatisfy { $0 == ClinicExport.missingDate })
        #expect(patients.isDeceased(0, on: death) && !patients.isDeceased(0, on: death - 1))
        #expect(!patients.isDeceased(1, on: Int32.max - 1))
    }

    @Test func withoutTheColumnNobodyIsDeceased() throws {
        let patients = try ExportReader.read(DataFixtures.valid).export.patients
        #expect(patients.deceasedAt.count == patients.count)
        #expect(patients.deceasedAt.allSatisfy { $0 == ClinicExport.missingDate })
    }

    @Test func aBadDeceasedDateNamesFileLineAndColumn() throws {
        let rows = try String(contentsOf: DataFixtures.valid.appendingPathComponent("patients.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map(String.init)
        let text = ([header + ",deceased_at"] + rows.enumerated().map { $0.offset == 1 ? $0.element + ",2024-13-40" : $0.element + "," })
            .joined(separator: "\n") + "\n"
        let folder = try export(patients: text)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.line == 3)
        #expect(error?.file == "patients.csv")
        #expect((error?.column ?? 0) > 0)
        #expect(error?.found.contains("2024-13-40") == true)
    }
}
