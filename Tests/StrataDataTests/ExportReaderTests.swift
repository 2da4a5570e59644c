import Foundation
import Testing
@testable import StrataData

enum DataFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let valid = folder.appendingPathComponent("valid")
    static func broken(_ kind: String) -> URL { folder.appendingPathComponent("broken").appendingPathComponent(kind) }
    static let synthea = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/datasets/synthea-csv-111")
}

@Suite("Reading exports")
struct ExportReaderTests {
    @Test func validCanonicalExport() throws {
        let result = try ExportReader.read(DataFixtures.valid)
        let export = result.export
        #expect(result.format == .canonical)
        #expect(result.badRows.count == 0)
        #expect(export.patients.ids.all == ["P1", "P2", "P3"])
        #expect(export.patients.firstName[2] == "Cy \"C\" Smith")
        #expect(export.patients.sex == [.female, .male, .female])
        #expect(export.patients.birthDate[0] == CivilDate.days(year: 1980, month: 2, day: 29))
        #expect(export.patients.preferredChannel == [.email, .sms, nil])
        #expect(export.patients.email[1] == nil)
        #expect(export.appointments.count == 5)
        #expect(export.appointments.patient == [0, 0, 0, 1, 2])
        #expect(export.appointments.status == [.completed, .completed, .completed, .cancelled, .noShow])
        #expect(export.appointments.provider[1] == "Dr A, \"senior\"\nsecond line")
        // 2024-02-29T10:00:00+01:00 is 09:00 UTC.
        #expect(export.appointments.scheduledAt[2] == Int64(CivilDate.days(year: 2024, month: 2, day: 29)) * 86400 + 9 * 3600)
        #expect(export.appointments.amount[1] == 120.5)
        #expect(export.appointments.amount[3].isNaN)
        #expect(export.appointments.service.levels == ["cleaning", "whitening"])
        #expect(export.communications.openedAt[1] == ClinicExport.missingTimestamp)
        #expect(export.consents.status == [.optIn, .optOut])
        #expect(!export.presentTables.contains(.conditions))

        let summary = ExportSummary(result)
        #expect(summary.text == """
            format: canonical
            tables:
              patients        3 rows
              appointments    5 rows
              communications  2 rows
              consents        2 rows
              conditions      absent
              leads           absent
            patients: 3
            date range: 2020-01-01 to 2024-02-29
            problems: none
            """)
    }

    @Test func readingOnlySomeTablesLeavesTheOthersEmpty() throws {
        let export = try ExportReader.read(DataFixtures.valid, tables: [.appointments]).export
        #expect(export.appointments.count == 5)
        #expect(export.consents.count == 0)
        #expect(!export.presentTables.contains(.consents))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: DataFixtures.synthea.path)))
    func syntheaSample() throws {
        #expect(try ExportFormat.detect(folder: DataFixtures.synthea) == .synthea)
        let result = try ExportReader.read(DataFixtures.synthea)
        let export = result.export
        #expect(result.format == .synthea)
        #expect(export.patients.count == 111)
        // encounters.csv has 7,584 rows; conditions 4,428 + procedures 11,742 + medications 6,124
        // + immunizations 1,774 (read since issue 14, as FHIR Immunization records are; counted with Python's csv).
        #expect(export.appointments.count == 7584)
        #expect(export.conditions.count == 4428 + 11742 + 6124 + 1774)
        #expect(export.appointments.status.allSatisfy { $0 == .completed })
        #expect(Set(export.appointments.service.levels).isSuperset(of: ["wellness", "ambulatory"]))
        #expect(export.patients.ids[0] == "982192b6-6843-4011-ef46-32caaf87d8a9")
        #expect(export.patients.birthDate[0] == CivilDate.days(year: 2022, month: 7, day: 20))
        #expect(export.patients.sex[0] == .female)
        // Created at the first encounter: 2022-07-20T07:13:55Z for the first patient.
        #expect(export.patients.createdAt[0] == Int64(CivilDate.days(year: 2022, month: 7, day: 20)) * 86400 + 7 * 3600 + 13 * 60 + 55)
        #expect(export.conditions.code.levels.contains { $0.hasPrefix("rxnorm:") })
        let summary = ExportSummary(result)
        #expect(summary.isClean)
        #expect(summary.patients == 111)
    }

    @Test func mappedExportWithValueMapsAndDateLayouts() throws {
        let folder = DataFixtures.folder.appendingPathComponent("mapped")
        let mapping = ExportMapping(tables: [
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
            ]),
        ])
        let result = try ExportReader.read(folder, format: .mapped, mapping: mapping)
        let export = result.export
        #expect(export.patients.ids.all == ["101", "102"])
        #expect(export.patients.sex == [.female, .male])
        #expect(export.appointments.status == [.completed, .noShow, .completed])
        #expect(export.appointments.patient == [0, 1, 0])
        #expect(export.appointments.service[0] == "consultation")
        #expect(export.appointments.scheduledAt[0] == Int64(CivilDate.days(year: 2016, month: 4, day: 29)) * 86400)
        #expect(export.appointments.bookedAt[0] == Int64(CivilDate.days(year: 2016, month: 4, day: 25)) * 86400 + 8 * 3600 + 15 * 60)
        #expect(export.communications.count == 0)
    }

    @Test func mappingOfAnUnknownCanonicalColumnIsAnError() throws {
        let mapping = ExportMapping(tables: [
            "patients": TableMapping(file: "visits.csv", columns: ["patient_id": .init(column: "PatientId"), "shoe_size": .init(column: "X")]),
            "appointments": TableMapping(file: "visits.csv", columns: [:]),
        ])
        let error = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(DataFixtures.folder.appendingPathComponent("mapped"), format: .mapped, mapping: mapping)
        }
        #expect(error?.kind == .badMapping)
        #expect(error?.found == "mapping.patients.columns.shoe_size")
    }
}
