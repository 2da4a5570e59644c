import Foundation
import Testing
@testable import StrataData

/// Deaths read from Synthea's `DEATHDATE` and FHIR's `Patient.deceased[x]` into `deceased_at`.
@Suite("deceased patients from Synthea and FHIR")
struct DeceasedAdapterTests {
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-deceased-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder
    }

    static let encounters = "Id,START,PATIENT,PROVIDER,ENCOUNTERCLASS,DESCRIPTION,TOTAL_CLAIM_COST\ne1,2020-05-01T10:30:00Z,p1,dr1,wellness,Check up,99.5\n"

    @Test func syntheaDeathDateIsTheDayOfDeath() throws {
        let folder = try Self.folder([
            "patients.csv": "Id,BIRTHDATE,DEATHDATE,GENDER,FIRST,ZIP\np1,1930-01-01,2021-03-04,F,Ann,02101\np2,1980-01-01,,M,Bo,\n",
            "encounters.csv": Self.encounters,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let patients = try ExportReader.read(folder).export.patients
        #expect(patients.deceasedAt == [CivilDate.days(year: 2021, month: 3, day: 4), ClinicExport.missingDate])
        #expect(patients.isDeceased(0, on: CivilDate.days(year: 2021, month: 3, day: 4)))
        #expect(!patients.isDeceased(0, on: CivilDate.days(year: 2021, month: 3, day: 3)))
    }

    @Test func syntheaWithoutDeathDateLeavesEveryoneAlive() throws {
        let folder = try Self.folder(["patients.csv": "Id,BIRTHDATE,GENDER,FIRST\np1,1930-01-01,F,Ann\n", "encounters.csv": Self.encounters])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try ExportReader.read(folder).export.patients.deceasedAt == [ClinicExport.missingDate])
    }

    @Test func aBadSyntheaDeathDateIsAnErrorThatNamesIt() throws {
        let folder = try Self.folder([
            "patients.csv": "Id,BIRTHDATE,DEATHDATE,GENDER,FIRST\np1,1930-01-01,2021-13-04,F,Ann\n", "encounters.csv": Self.encounters,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.kind == .badDate)
        #expect(error?.file == "patients.csv" && error?.line == 2)
        #expect(error?.found == "2021-13-04")
        #expect(error?.expected.hasPrefix("empty, or a date from") == true)
    }

    /// `deceasedDateTime` gives its UTC day; `deceasedBoolean: true` the day of the last encounter, else of
    /// `created_at` (the birth date without encounters); `false` or nothing: alive.
    @Test func fhirDeceasedDateTimeAndBoolean() throws {
        let patients = [
            #"{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01","deceasedDateTime":"2023-07-01T23:30:00-05:00"}"#,
            #"{"resourceType":"Patient","id":"p2","birthDate":"1950-01-01","deceasedBoolean":true}"#,
            #"{"resourceType":"Patient","id":"p3","birthDate":"1950-01-01","deceasedBoolean":true}"#,
            #"{"resourceType":"Patient","id":"p4","birthDate":"1950-01-01","deceasedBoolean":false}"#,
            #"{"resourceType":"Patient","id":"p5","birthDate":"1950-01-01","deceasedDateTime":"2022-02-02"}"#,
        ]
        func encounter(_ subject: String, _ start: String) -> String {
            #"{"resourceType":"Encounter","status":"finished","subject":{"reference":"Patient/\#(subject)"},"period":{"start":"\#(start)"},"class":{"code":"AMB"}}"#
        }
        let folder = try Self.folder([
            "Patient.000.ndjson": patients.joined(separator: "\n") + "\n",
            "Encounter.000.ndjson": [encounter("p2", "2021-01-05T10:00:00Z"), encounter("p2", "2022-09-10T10:00:00Z"),
                                     encounter("p1", "2020-01-01T10:00:00Z")].joined(separator: "\n") + "\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let deceased = try ExportReader.read(folder).export.patients.deceasedAt
        // 2023-07-01T23:30-05:00 is 2023-07-02T04:30Z.
        #expect(deceased == [CivilDate.days(year: 2023, month: 7, day: 2), CivilDate.days(year: 2022, month: 9, day: 10),
                             CivilDate.days(year: 1950, month: 1, day: 1), ClinicExport.missingDate,
                             CivilDate.days(year: 2022, month: 2, day: 2)])
    }

    @Test func aBadFHIRDeathDateIsAnErrorWithItsPath() throws {
        let folder = try Self.folder([
            "Patient.000.ndjson": #"{"resourceType":"Patient","id":"p1","birthDate":"1950-01-01","deceasedDateTime":"last spring"}"# + "\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.jsonPath == "deceasedDateTime")
        #expect(error?.found == "last spring")
    }
}
