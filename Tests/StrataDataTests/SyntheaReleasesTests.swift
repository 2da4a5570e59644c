import Foundation
import Testing
@testable import StrataData

/// Synthea's CSV across releases: each file's layout told by its header (`Fixtures/synthea-2017` is the
/// pre-2019 layout, written from the wiki's data dictionary of that time).
@Suite("Synthea releases")
struct SyntheaReleasesTests {
    static let older = DataFixtures.folder.appendingPathComponent("synthea-2017")

    @Test func olderReleaseIsDetectedAndRead() throws {
        #expect(try ExportFormat.detect(folder: Self.older) == .synthea)
        let result = try ExportReader.read(Self.older)
        let export = result.export
        #expect(result.format == .synthea)
        #expect(ExportSummary(result).isClean)
        // The patient without encounters is kept, created at birth (1988-07-01, 00:00 UTC).
        #expect(export.patients.ids.all == ["a1b2c3d4-0001-4000-8000-000000000001", "a1b2c3d4-0002-4000-8000-000000000002",
                                            "a1b2c3d4-0003-4000-8000-000000000003"])
        #expect(export.patients.createdAt[2] == Int64(CivilDate.days(year: 1988, month: 7, day: 1)) * 86_400)
        #expect(export.patients.sex == [.female, .male, .male])
        #expect(export.patients.firstName[0] == "Maria")
        #expect(export.patients.postalCode.codes == [-1, -1, -1])  // no ZIP before 2019
        // One DATE per encounter: 00:00 UTC of the day, marked as a whole day.
        #expect(export.appointments.count == 4)
        #expect(export.appointments.scheduledAt[0] == Int64(CivilDate.days(year: 2015, month: 3, day: 2)) * 86_400)
        #expect(export.appointments.bookedAt == export.appointments.scheduledAt)
        #expect(export.appointments.scheduledAtPrecision == .day)
        #expect(export.appointments.bookedAtPrecision == .day)
        #expect(export.patients.createdAt[0] == export.appointments.scheduledAt[0])
        // No encounter class: the description is the service; COST is the amount.
        #expect(export.appointments.service.levels == ["Outpatient Encounter", "Emergency Room Admission"])
        #expect(export.appointments.amount == [125, 125, 742.5, 125])
        #expect(export.appointments.provider.codes == [-1, -1, -1, -1])
        // Conditions, procedures (onset from DATE), medications and immunizations.
        #expect(export.conditions.code.levels == ["44054006", "710824005", "rxnorm:860975", "cvx:140"])
        #expect(export.conditions.onsetDate == [CivilDate.days(year: 2015, month: 3, day: 2), CivilDate.days(year: 2017, month: 2, day: 20),
                                                CivilDate.days(year: 2015, month: 3, day: 2), CivilDate.days(year: 2016, month: 12, day: 1)])
    }

    @Test func currentReleaseKeepsInstantPrecision() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-synthea-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "Id,BIRTHDATE,GENDER,FIRST,ZIP\np1,1970-01-01,F,Ann,02101\np2,1980-01-01,M,Bo,\n"
            .write(to: folder.appendingPathComponent("patients.csv"), atomically: true, encoding: .utf8)
        try "Id,START,PATIENT,PROVIDER,ENCOUNTERCLASS,DESCRIPTION,TOTAL_CLAIM_COST\ne1,2020-05-01T10:30:00Z,p1,dr1,wellness,Check up,99.5\n"
            .write(to: folder.appendingPathComponent("encounters.csv"), atomically: true, encoding: .utf8)
        let export = try ExportReader.read(folder).export
        #expect(export.appointments.scheduledAt == [Int64(CivilDate.days(year: 2020, month: 5, day: 1)) * 86_400 + 10 * 3600 + 30 * 60])
        #expect(export.appointments.scheduledAtPrecision == .second)
        #expect(export.appointments.service[0] == "wellness")
        #expect(export.patients.postalCode[0] == "02101")
        #expect(export.patients.count == 2)
    }

    @Test func aFileWithNeitherNameForAColumnIsAnError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-synthea-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "ID,BIRTHDATE,GENDER,FIRST\np1,1970-01-01,F,Ann\n".write(to: folder.appendingPathComponent("patients.csv"), atomically: true, encoding: .utf8)
        try "ID,WHEN,PATIENT,DESCRIPTION\ne1,2020-05-01,p1,Visit\n".write(to: folder.appendingPathComponent("encounters.csv"), atomically: true, encoding: .utf8)
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.description == "encounters.csv:1: missing required column: found \"START or DATE\", expected a column \"START\" or \"DATE\" in the header (ID,WHEN,PATIENT,DESCRIPTION)")
    }
}
