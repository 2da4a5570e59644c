import Foundation
import Testing
@testable import StrataData

/// Issue 14: cross-record check findings on Synthea CSV and FHIR bulk exports name their source file and
/// physical line, as on canonical exports. Fixtures: `Fixtures/checks-synthea/` and `Fixtures/checks-fhir/`
/// (their READMEs list each contradiction and its place, worked out from the files by hand).
@Suite("Cross-record checks: places in Synthea and FHIR exports")
struct AdapterCheckPlacesTests {
    static func findings(_ fixture: String) throws -> [ExportCheck: [String]] {
        let folder = DataFixtures.folder.appendingPathComponent(fixture).appendingPathComponent("2024-03-31")
        let (_, report) = try ExportChecksTests.check(folder)
        var found: [ExportCheck: [String]] = [:]
        for result in report.results { found[result.check] = result.examples.map(\.description) }
        return found
    }

    static let taken = "expected records dated on or before the export's day, 2024-03-31"

    @Test func syntheaFindingsNameTheCSVFileAndLine() throws {
        let found = try Self.findings("checks-synthea")
        #expect(found[.visitBeforeBirth] == ["encounters.csv:4: visit before birth: found scheduled_at 2009-06-01T10:00:00Z, birth_date 2010-05-01 of s2 (patients.csv:3), expected a visit on or after the patient's birth date"])
        #expect(found[.birthDateInFuture] == ["patients.csv:5: birth date in future: found birth_date 2199-06-15 of s4, expected a birth date on or before today, 2026-12-03"])
        #expect(found[.ageOutOfRange]?.first == "patients.csv:4: age out of range: found birth_date 1900-01-01 of s3: age 124 on 2024-03-31, expected an age from 0 to 120 years")
        #expect(found[.ageOutOfRange]?.count == 2)
        #expect(found[.eventsAfterExport] == [
            "patients.csv:5: events after export: found created_at 2199-06-15T00:00:00Z, \(Self.taken)",
            "encounters.csv:5: events after export: found scheduled_at 2024-04-02T10:00:00Z (completed), \(Self.taken) (a booked visit may be later)",
            "conditions.csv:3: events after export: found onset_date 2024-04-05, \(Self.taken)",
        ])
        #expect(found[.patientsWithoutEvents] == ["patients.csv:5: patients without events: found s4, expected at least one appointment, message, consent, condition or lead"])
        #expect(found[.bookedAfterScheduled] == [] && found[.duplicateAppointments] == [])
    }

    @Test func fhirFindingsNameTheNDJSONFileAndLine() throws {
        let found = try Self.findings("checks-fhir")
        #expect(found[.visitBeforeBirth] == ["Encounter.000.ndjson:4: visit before birth: found scheduled_at 2009-06-01T10:00:00Z, birth_date 2010-05-01 of f2 (Patient.000.ndjson:2), expected a visit on or after the patient's birth date"])
        #expect(found[.birthDateInFuture] == ["Patient.000.ndjson:4: birth date in future: found birth_date 2199-06-15 of f4, expected a birth date on or before today, 2026-12-03"])
        #expect(found[.ageOutOfRange]?.first == "Patient.000.ndjson:3: age out of range: found birth_date 1900-01-01 of f3: age 124 on 2024-03-31, expected an age from 0 to 120 years")
        #expect(found[.ageOutOfRange]?.count == 2)
        #expect(found[.eventsAfterExport] == [
            "Patient.000.ndjson:4: events after export: found created_at 2199-06-15T00:00:00Z, \(Self.taken)",
            "Encounter.000.ndjson:5: events after export: found scheduled_at 2024-04-02T10:00:00Z (completed), \(Self.taken) (a booked visit may be later)",
            "Condition.000.ndjson:2: events after export: found onset_date 2024-04-05, \(Self.taken)",
        ])
        #expect(found[.patientsWithoutEvents] == ["Patient.000.ndjson:4: patients without events: found f4, expected at least one appointment, message, consent, condition or lead"])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: FHIRBulkTests.sample.path)))
    func everyRowOfTheFHIRSampleHasTheLineItWasReadFrom() throws {
        let export = try ExportReader.read(FHIRBulkTests.sample).export
        // Read without the adapter: the 1-based line of every Patient, and of every Encounter not entered in error.
        func lines(_ file: String, keeping keep: ([String: Any]) -> Bool = { _ in true }) throws -> [Int] {
            let text = try String(contentsOf: FHIRBulkTests.sample.appendingPathComponent(file), encoding: .utf8)
            return try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
                guard !line.isEmpty else { return nil }
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return keep(object) ? index + 1 : nil
            }
        }
        let patientLines = try lines("Patient.000.ndjson")
        let encounterLines = try lines("Encounter.000.ndjson") { $0["status"] as? String != "entered-in-error" }
        #expect(export.patients.count == patientLines.count && export.appointments.count == encounterLines.count)
        #expect((0..<export.patients.count).map { export.origins.place(.patients, row: $0).line } == patientLines)
        #expect((0..<export.appointments.count).map { export.origins.place(.appointments, row: $0).line } == encounterLines)
        #expect(export.origins.place(.appointments, row: 0).file == "Encounter.000.ndjson")
        // Conditions come from four files here: named by row.
        #expect(export.origins.tables[.conditions] == nil)
    }

    @Test func droppedRowsKeepTheOthersPlaces() throws {
        // Dropping the patient born in the future (and their rows) renumbers rows; places stay with rows.
        let folder = DataFixtures.folder.appendingPathComponent("checks-fhir/2024-03-31")
        var policies = ExportCheckPolicies()
        policies.policies[.birthDateInFuture] = .drop
        policies.policies[.visitBeforeBirth] = .keep
        let (export, _) = try ExportChecksTests.check(folder, policies: policies)
        #expect(export.patients.ids.all == ["f1", "f2", "f3"])
        #expect(export.origins.place(.patients, row: 2) == ("Patient.000.ndjson", 3))
        #expect(export.origins.place(.appointments, row: 1) == ("Encounter.000.ndjson", 4))
    }
}
