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
    /// The valid fixture's patients (its file has CRLF line ends and a byte-order mark, so they are spelled out).
    private let rows = ["P1,Ada,1980-02-29,female,10001,2020-01-01T09:00:00Z,ada@example.com,+15550001,email,referral",
                        "P2,Ben,1990-06-15,male,10002,2023-12-01T10:00:00Z,,,sms,web",
                        "P3,\"Cy \"\"C\"\" Smith\",2000-03-01,female,10001,2022-01-10T08:00:00Z,cy@example.com,,,"]

    @Test func theColumnIsReadAndEmptyMeansAlive() throws {
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
