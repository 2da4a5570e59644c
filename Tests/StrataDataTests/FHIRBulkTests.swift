import Foundation
import Testing
@testable import StrataData

/// The FHIR R4 bulk NDJSON adapter: the bundled sample against an independent reading with
/// `JSONSerialization`, gzip (also several members), reference forms, status mapping, and errors that name
/// `file:line` and the element's path.
@Suite("FHIR bulk NDJSON")
struct FHIRBulkTests {
    static let sample = DataFixtures.synthea.deletingLastPathComponent().appendingPathComponent("fhir-bulk-ndjson-13")

    /// The JSON objects of one NDJSON file, read without the adapter.
    static func objects(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: sample.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sample.path)))
    func sampleCountsEqualAnIndependentReading() throws {
        #expect(try ExportFormat.detect(folder: Self.sample) == .fhir)
        let result = try ExportReader.read(Self.sample)
        let export = result.export
        #expect(result.format == .fhir)

        let patients = try Self.objects("Patient.000.ndjson")
        #expect(patients.allSatisfy { $0["resourceType"] as? String == "Patient" })
        #expect(export.patients.count == patients.count)
        #expect(export.patients.ids.all == patients.map { $0["id"] as! String })

        // Encounters: every one but those entered in error, statuses mapped as the docs say.
        let encounters = try Self.objects("Encounter.000.ndjson").filter { $0["status"] as? String != "entered-in-error" }
        #expect(export.appointments.count == encounters.count)
        let statusNames = ["finished": "completed", "cancelled": "cancelled", "noshow": "no_show", "planned": "booked",
                           "arrived": "booked", "triaged": "booked", "in-progress": "booked", "onleave": "booked", "booked": "booked"]
        #expect(export.appointments.status.map(\.name) == encounters.map { statusNames[$0["status"] as! String]! })
        // References resolved: the patient of each appointment is the one its subject names.
        let subjects = encounters.map { (($0["subject"] as! [String: Any])["reference"] as! String).replacingOccurrences(of: "Patient/", with: "") }
        #expect(export.appointments.patient.map { export.patients.ids[Int($0)] } == subjects)

        // Conditions: Condition, Procedure, MedicationRequest and Immunization records that happened.
        func status(_ object: [String: Any]) -> String? { object["status"] as? String }
        let conditionCount = try Self.objects("Condition.000.ndjson").count
            + Self.objects("Procedure.000.ndjson").filter { !["not-done", "entered-in-error"].contains(status($0)) }.count
            + Self.objects("MedicationRequest.000.ndjson").filter { status($0) != "entered-in-error" }.count
            + Self.objects("Immunization.000.ndjson").filter { !["not-done", "entered-in-error"].contains(status($0)) }.count
        #expect(export.conditions.count == conditionCount)
        #expect(export.conditions.code.levels.contains { $0.hasPrefix("rxnorm:") })
        #expect(export.conditions.code.levels.contains { $0.hasPrefix("cvx:") })
        #expect(export.presentTables == [.patients, .appointments, .conditions])
        #expect(Set(export.appointments.service.levels).isSubset(of: ["ambulatory", "emergency", "inpatient", "virtual", "home health"]))
        #expect(ExportSummary(result).isClean)
    }

    /// A folder holding `files` (name -> lines), removed by the caller.
    static func folder(_ files: [String: [String]]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fhir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, lines) in files {
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    static func gzip(_ file: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-f", file.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sample.path)))
    func gzippedFilesInSeveralMembersReadLikeThePlainOnes() throws {
        let folder = try Self.folder([:])
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["Patient.000.ndjson", "Encounter.000.ndjson", "Condition.000.ndjson"] {
            try FileManager.default.copyItem(at: Self.sample.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let plain = try ExportReader.read(folder).export
        // Encounters as two gzip members, one after the other (what `cat a.gz b.gz` gives).
        let lines = try String(contentsOf: folder.appendingPathComponent("Encounter.000.ndjson"), encoding: .utf8).split(separator: "\n")
        var joined = Data()
        for (index, half) in [lines[..<600], lines[600...]].enumerated() {
            let part = folder.appendingPathComponent("part\(index)")
            try (half.joined(separator: "\n") + "\n").write(to: part, atomically: true, encoding: .utf8)
            try Self.gzip(part)
            joined.append(try Data(contentsOf: folder.appendingPathComponent("part\(index).gz")))
            try FileManager.default.removeItem(at: folder.appendingPathComponent("part\(index).gz"))
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Encounter.000.ndjson"))
        try joined.write(to: folder.appendingPathComponent("Encounter.000.ndjson.gz"))
        try Self.gzip(folder.appendingPathComponent("Condition.000.ndjson"))

        #expect(try ExportFormat.detect(folder: folder) == .fhir)
        let zipped = try ExportReader.read(folder).export
        #expect(zipped.appointments.count == lines.count)
        #expect(zipped.appointments.scheduledAt == plain.appointments.scheduledAt)
        #expect(zipped.appointments.patient == plain.appointments.patient)
        #expect(zipped.conditions.count == plain.conditions.count)
        #expect(zipped.conditions.onsetDate == plain.conditions.onsetDate)

        // A gzip file cut short is an error, not a shorter table.
        let whole = try Data(contentsOf: folder.appendingPathComponent("Encounter.000.ndjson.gz"))
        try whole.prefix(whole.count / 2).write(to: folder.appendingPathComponent("Encounter.000.ndjson.gz"))
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.file == "Encounter.000.ndjson.gz")
    }

    static let patients = [
        #"{"resourceType":"Patient","id":"p1","birthDate":"1980-02-29","gender":"female","name":[{"use":"maiden","given":["Old"]},{"use":"official","given":["Ann","B"]}],"address":[{"postalCode":"68504"}],"telecom":[{"system":"phone","value":"555-1"},{"system":"email","value":"ann@example.org"}]}"#,
        #"{"resourceType":"Patient","id":"p2","birthDate":"1990-01-01"}"#,
    ]

    static func encounter(_ status: String, subject: String = "Patient/p1", start: String = "2024-03-01T10:00:00-05:00",
                          extra: String = #","class":{"code":"AMB"}"#) -> String {
        #"{"resourceType":"Encounter","status":"\#(status)","subject":{"reference":"\#(subject)"},"period":{"start":"\#(start)"}\#(extra)}"#
    }

    @Test func statusesReferencesAndPatientFieldsMap() throws {
        let folder = try Self.folder([
            "Patient.000.ndjson": Self.patients,
            "Encounter.000.ndjson": [
                Self.encounter("finished"), Self.encounter("cancelled", subject: "urn:uuid:p2"), Self.encounter("noshow"),
                Self.encounter("planned", subject: "https://ehr.example.org/fhir/Patient/p2/_history/3"),
                Self.encounter("arrived"), Self.encounter("booked"), Self.encounter("entered-in-error"),
                Self.encounter("finished", start: "2024-03-02", extra: #","type":[{"text":"Dental cleaning"}],"participant":[{"individual":{"reference":"Practitioner/dr-7"}}]"#),
            ],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = try ExportReader.read(folder).export
        #expect(export.appointments.status == [.completed, .cancelled, .noShow, .booked, .booked, .booked, .completed])
        #expect(export.appointments.patient == [0, 1, 0, 1, 0, 0, 0])
        // 10:00 at -05:00 is 15:00 UTC; a date alone is 00:00 UTC.
        let march1 = Int64(CivilDate.days(year: 2024, month: 3, day: 1)) * 86_400
        #expect(export.appointments.scheduledAt[0] == march1 + 15 * 3600)
        #expect(export.appointments.bookedAt[0] == march1 + 15 * 3600)
        #expect(export.appointments.scheduledAt[6] == march1 + 86_400)
        #expect(export.appointments.service[0] == "ambulatory")
        #expect(export.appointments.service[6] == "Dental cleaning")
        #expect(export.appointments.provider[6] == "dr-7")
        #expect(export.appointments.amount.allSatisfy { $0.isNaN })
        #expect(export.patients.firstName[0] == "Ann")
        #expect(export.patients.postalCode[0] == "68504")
        #expect(export.patients.email[0] == "ann@example.org")
        #expect(export.patients.phone[0] == "555-1")
        #expect(export.patients.sex == [.female, .unknown])
        // Created at the first encounter; p2's first (any status) is its cancelled one.
        #expect(export.patients.createdAt == [march1 + 15 * 3600, march1 + 15 * 3600])
    }

    @Test func patientsWithoutEncountersAreKeptAndCreatedAtBirth() throws {
        let folder = try Self.folder(["Patient.000.ndjson": Self.patients, "Encounter.000.ndjson": [Self.encounter("finished")]])
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = try ExportReader.read(folder).export
        #expect(export.patients.count == 2)
        #expect(export.patients.createdAt[1] == Int64(CivilDate.days(year: 1990, month: 1, day: 1)) * 86_400)
    }

    @Test func communicationsAndConsentsWhenPresent() throws {
        let folder = try Self.folder([
            "Patient.000.ndjson": Self.patients,
            "Encounter.000.ndjson": [Self.encounter("finished")],
            "Communication.000.ndjson": [
                #"{"resourceType":"Communication","status":"completed","subject":{"reference":"Patient/p2"},"sent":"2024-03-05T08:00:00Z","medium":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationMode","code":"SMSWRIT"}]}],"category":[{"text":"recall"}]}"#,
            ],
            "Consent.000.ndjson": [
                #"{"resourceType":"Consent","status":"active","patient":{"reference":"Patient/p1"},"dateTime":"2024-01-01T00:00:00Z","provision":{"type":"deny","purpose":[{"code":"HMARKT"}],"code":[{"coding":[{"code":"email"}]}]}}"#,
                #"{"resourceType":"Consent","status":"draft","patient":{"reference":"Patient/p1"},"dateTime":"2024-01-02T00:00:00Z"}"#,
            ],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = try ExportReader.read(folder).export
        #expect(export.communications.channel == [.sms])
        #expect(export.communications.patient == [1])
        #expect(export.communications.campaign[0] == "recall")
        #expect(export.consents.channel == [.email])
        #expect(export.consents.purpose == [.marketing])
        #expect(export.consents.status == [.optOut])
        #expect(export.presentTables.isSuperset(of: [.communications, .consents]))
    }

    /// The error reading `encounters` (after the two patients above) gives.
    func encounterError(_ encounters: [String]) throws -> IngestError? {
        let folder = try Self.folder(["Patient.000.ndjson": Self.patients, "Encounter.000.ndjson": encounters])
        defer { try? FileManager.default.removeItem(at: folder) }
        return #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
    }

    @Test func errorsNameFileLineAndPath() throws {
        let badTime = try encounterError([Self.encounter("finished"), Self.encounter("finished", start: "2024-02-30T10:00:00Z")])
        #expect(badTime?.description == "Encounter.000.ndjson:2: bad timestamp: at period.start: found \"2024-02-30T10:00:00Z\", expected a date and time like 2024-02-29T14:30:00-05:00 (or a date) from 1900 to 2199")

        let unknown = try encounterError([Self.encounter("finished", subject: "Patient/p9")])
        #expect(unknown?.kind == .unknownPatient)
        #expect(unknown?.place == "Encounter.000.ndjson:1")
        #expect(unknown?.jsonPath == "subject.reference")
        #expect(unknown?.found == "Patient/p9")

        let status = try encounterError([Self.encounter("finished"), Self.encounter("finished"), Self.encounter("done")])
        #expect(status?.kind == .unknownValue)
        #expect(status?.line == 3)
        #expect(status?.jsonPath == "status")

        let notJSON = try encounterError([Self.encounter("finished"), "{\"resourceType\": \"Encounter\", "])
        #expect(notJSON?.kind == .badJSON)
        #expect(notJSON?.place == "Encounter.000.ndjson:2")

        let wrongShape = try encounterError([#"{"resourceType":"Encounter","status":"finished","subject":{"reference":"Patient/p1"},"period":{"start":20240301}}"#])
        #expect(wrongShape?.kind == .badJSON)
        #expect(wrongShape?.jsonPath == "period.start")

        let wrongType = try encounterError([#"{"resourceType":"Patient","id":"p3","birthDate":"2000-01-01"}"#])
        #expect(wrongType?.jsonPath == "resourceType")
        #expect(wrongType?.found == "Patient")

        let noClass = try encounterError([Self.encounter("finished", extra: "")])
        #expect(noClass?.kind == .emptyRequiredField)
        #expect(noClass?.jsonPath == "class")
    }

    @Test func badRecordsAreSkippedUnderMaxBadRows() throws {
        let folder = try Self.folder([
            "Patient.000.ndjson": Self.patients,
            "Encounter.000.ndjson": [Self.encounter("finished"), Self.encounter("finished", subject: "Patient/p9"), Self.encounter("noshow")],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ExportReader.read(folder, policy: IngestPolicy(maxBadRows: 1))
        #expect(result.export.appointments.status == [.completed, .noShow])
        #expect(result.badRows.count == 1)
        #expect(result.badRows.examples.first?.place == "Encounter.000.ndjson:2")
    }

    @Test func aFolderWithoutPatientFilesIsAnError() throws {
        let folder = try Self.folder(["Encounter.000.ndjson": [Self.encounter("finished")]])
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        #expect(error?.kind == .missingTable)
    }

    /// Two patients written both ways, as Synthea's CSV and FHIR exporters write the same run (hand-made:
    /// Synthea cannot be run here). Everything but the service (the CSV's class is finer) and the amount
    /// (FHIR Encounters carry no cost) reads the same.
    @Test func theSamePatientsFromSyntheaCSVAndFHIRReadAlike() throws {
        let csv = try Self.folder([
            "patients.csv": ["Id,BIRTHDATE,GENDER,FIRST,ZIP", "p1,1980-02-29,F,Ann,68504", "p2,1990-01-01,M,Bo,"],
            "encounters.csv": ["Id,START,PATIENT,PROVIDER,ENCOUNTERCLASS,DESCRIPTION,TOTAL_CLAIM_COST",
                               "e1,2024-03-01T15:00:00Z,p1,dr-7,wellness,General examination,120.5",
                               "e2,2024-03-09T08:30:00Z,p2,dr-7,emergency,Emergency room admission,900"],
            // Synthea's CSV: condition starts as local dates, other starts as UTC timestamps (22:30 at -05:00
            // on March 9 is 03:30 UTC on March 10).
            "conditions.csv": ["START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION", "2024-03-01,,p1,e1,44054006,Diabetes"],
            "procedures.csv": ["START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION", "2024-03-10T03:30:00Z,,p2,e2,710824005,Assessment"],
            "medications.csv": ["START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION", "2024-03-09T08:30:00Z,,p2,e2,860975,Metformin"],
            "immunizations.csv": ["DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION", "2024-03-01T15:00:00Z,p1,e1,140,Influenza"],
        ])
        defer { try? FileManager.default.removeItem(at: csv) }
        let fhir = try Self.folder([
            "Patient.000.ndjson": [
                #"{"resourceType":"Patient","id":"p1","birthDate":"1980-02-29","gender":"female","name":[{"given":["Ann"]}],"address":[{"postalCode":"68504"}]}"#,
                #"{"resourceType":"Patient","id":"p2","birthDate":"1990-01-01","gender":"male","name":[{"given":["Bo"]}]}"#,
            ],
            "Encounter.000.ndjson": [
                Self.encounter("finished", start: "2024-03-01T10:00:00-05:00", extra: #","class":{"code":"AMB"},"participant":[{"individual":{"reference":"Practitioner/dr-7"}}]"#),
                Self.encounter("finished", subject: "Patient/p2", start: "2024-03-09T03:30:00-05:00", extra: #","class":{"code":"EMER"},"participant":[{"individual":{"reference":"Practitioner/dr-7"}}]"#),
            ],
            "Condition.000.ndjson": [#"{"resourceType":"Condition","subject":{"reference":"Patient/p1"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2024-03-01T22:00:00-05:00"}"#],
            "Procedure.000.ndjson": [#"{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p2"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"710824005"}]},"performedPeriod":{"start":"2024-03-09T22:30:00-05:00"}}"#],
            "MedicationRequest.000.ndjson": [#"{"resourceType":"MedicationRequest","status":"stopped","subject":{"reference":"Patient/p2"},"medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"860975","display":"Metformin"}]},"authoredOn":"2024-03-09T03:30:00-05:00"}"#],
            "Immunization.000.ndjson": [#"{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/p1"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140","display":"Influenza"}]},"occurrenceDateTime":"2024-03-01T10:00:00-05:00"}"#],
        ])
        defer { try? FileManager.default.removeItem(at: fhir) }
        let fromCSV = try ExportReader.read(csv).export
        let fromFHIR = try ExportReader.read(fhir).export
        #expect(fromFHIR.patients.ids.all == fromCSV.patients.ids.all)
        #expect(fromFHIR.patients.birthDate == fromCSV.patients.birthDate)
        #expect(fromFHIR.patients.sex == fromCSV.patients.sex)
        #expect(fromFHIR.patients.createdAt == fromCSV.patients.createdAt)
        #expect(fromFHIR.patients.postalCode == fromCSV.patients.postalCode)
        #expect(fromFHIR.appointments.patient == fromCSV.appointments.patient)
        #expect(fromFHIR.appointments.scheduledAt == fromCSV.appointments.scheduledAt)
        #expect(fromFHIR.appointments.bookedAt == fromCSV.appointments.bookedAt)
        #expect(fromFHIR.appointments.status == fromCSV.appointments.status)
        #expect(fromFHIR.appointments.provider == fromCSV.appointments.provider)
        #expect(fromFHIR.conditions.patient == fromCSV.conditions.patient)
        #expect(fromFHIR.conditions.code == fromCSV.conditions.code)
        #expect(fromFHIR.conditions.onsetDate == fromCSV.conditions.onsetDate)
        #expect(fromFHIR.conditions.onsetDate.first == CivilDate.days(year: 2024, month: 3, day: 1))
        #expect(fromCSV.appointments.service.levels == ["wellness", "emergency"])
        #expect(fromFHIR.appointments.service.levels == ["ambulatory", "emergency"])
    }
}
