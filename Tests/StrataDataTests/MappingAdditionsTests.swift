import Foundation
import Testing
@testable import StrataData

/// Column mappings that fit the files clinics have: `default` for empty fields, date-only appointment days
/// kept as whole days, ages instead of birth dates, and columns joined from a second file.
@Suite("Mapping additions")
struct MappingAdditionsTests {
    /// An export folder named `name` holding `files`, removed by `remove()`.
    struct Folder {
        let url: URL
        let root: URL

        init(_ files: [String: String], named name: String = "export") throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-mapping-\(UUID().uuidString)")
            url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (file, text) in files { try text.write(to: url.appendingPathComponent(file), atomically: true, encoding: .utf8) }
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    static let visits = """
        PatientId,Day,BookedAt,Service,Outcome,Age,SurveyDay
        7,2024-05-02,2024-05-02T09:15:00Z,,attended,42,15/01/2024
        7,2024-05-20,2024-05-03T16:00:00Z,cleaning,attended,42,15/01/2024
        8,2024-05-21,2024-05-21T07:00:00Z,whitening,missed,0,30/04/2024

        """

    static func patients(birth: ColumnMapping = .init(constant: "1980-01-01")) -> TableMapping {
        TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"), "birth_date": birth, "sex": .init(constant: "unknown"),
            "created_at": .init(column: "BookedAt"),
        ], deduplicate: true)
    }

    static func appointments(service: ColumnMapping = .init(column: "Service", defaultValue: "consultation"),
                             scheduledFormat: String? = "yyyy-MM-dd") -> TableMapping {
        TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"), "scheduled_at": .init(column: "Day", format: scheduledFormat),
            "booked_at": .init(column: "BookedAt"),
            "status": .init(column: "Outcome", values: ["attended": "completed", "missed": "no_show"]), "service": service,
        ])
    }

    static func read(_ folder: Folder, patients: TableMapping = patients(), appointments: TableMapping = appointments()) throws -> ClinicExport {
        try ExportReader.read(folder.url, format: .mapped,
                              mapping: ExportMapping(tables: ["patients": patients, "appointments": appointments])).export
    }

    static func day(_ year: Int, _ month: Int, _ day: Int) -> Int32 { CivilDate.days(year: year, month: month, day: day) }

    // MARK: default

    @Test func emptyFieldsTakeTheDefault() throws {
        let folder = try Folder(["visits.csv": Self.visits])
        defer { folder.remove() }
        let export = try Self.read(folder)
        #expect((0..<3).map { export.appointments.service[$0] } == ["consultation", "cleaning", "whitening"])
        // The default goes through `values` like a value read from the file.
        let mapped = try Self.read(folder, appointments: Self.appointments(
            service: .init(column: "Service", values: ["unknown": "check-up"], defaultValue: "unknown")))
        #expect(mapped.appointments.service[0] == "check-up")
    }

    @Test func defaultWithoutAColumnOrBesideAConstantIsAMappingError() throws {
        let folder = try Folder(["visits.csv": Self.visits])
        defer { folder.remove() }
        let alone = #expect(throws: IngestError.self) {
            _ = try Self.read(folder, appointments: Self.appointments(service: .init(defaultValue: "consultation")))
        }
        #expect(alone?.kind == .badMapping)
        #expect(alone?.found == "mapping.appointments.columns.service.default")
        let both = #expect(throws: IngestError.self) {
            _ = try Self.read(folder, appointments: Self.appointments(service: .init(column: "Service", constant: "a", defaultValue: "b")))
        }
        #expect(both?.found == "mapping.appointments.columns.service: constant and default")
    }

    @Test func mappingKeysDecodeFromTheProjectFile() throws {
        let json = """
            {"appointments": {"file": "a.csv", "join": [{"file": "s.csv", "on": "ServiceId", "key": "Id"}],
              "columns": {"service": {"column": "Name", "file": "s.csv", "default": "consultation"}}},
             "patients": {"file": "p.csv", "columns": {"birth_date": {"age": "Age", "age_at": "Seen", "format": "dd/MM/yyyy"}}}}
            """
        let mapping = try JSONDecoder().decode(ExportMapping.self, from: Data(json.utf8))
        #expect(mapping.tables["appointments"]?.join == [JoinMapping(file: "s.csv", on: "ServiceId", key: "Id")])
        #expect(mapping.tables["appointments"]?.columns["service"] == ColumnMapping(column: "Name", defaultValue: "consultation", file: "s.csv"))
        #expect(mapping.tables["patients"]?.columns["birth_date"] == ColumnMapping(format: "dd/MM/yyyy", age: "Age", ageAt: "Seen"))
        let misspelt = #"{"patients": {"file": "p.csv", "columns": {"birth_date": {"age": "Age", "age_on": "Seen"}}}}"#
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(ExportMapping.self, from: Data(misspelt.utf8)) }
    }

    // MARK: date-only days

    @Test func dateOnlyAppointmentDaysAreWholeDays() throws {
        let folder = try Folder(["visits.csv": Self.visits])
        defer { folder.remove() }
        let export = try Self.read(folder)
        #expect(export.appointments.scheduledAtPrecision == TimestampPrecision.day)
        #expect(export.appointments.bookedAtPrecision == TimestampPrecision.second)
        // The first visit was booked at 09:15 on its own day: a later instant than 00:00 of the day, but the
        // same day, which the precision tells.
        let may2: Int64 = Int64(Self.day(2024, 5, 2)) * 86_400
        #expect(export.appointments.scheduledAt[0] == may2)
        #expect(export.appointments.bookedAt[0] == may2 + 9 * 3600 + 15 * 60)
        // ISO timestamps, or a layout with a time, keep instants.
        let instants = try Self.read(folder, appointments: Self.appointments(scheduledFormat: nil).withScheduled("BookedAt"))
        #expect(instants.appointments.scheduledAtPrecision == TimestampPrecision.second)
        let layout = try Self.read(folder, appointments: Self.appointments(scheduledFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'").withScheduled("BookedAt"))
        #expect(layout.appointments.scheduledAtPrecision == TimestampPrecision.second)
        #expect(layout.appointments.scheduledAt == instants.appointments.scheduledAt)
    }

    // MARK: age

    @Test func ageAtTheExportDateNamedByTheFolder() throws {
        let folder = try Folder(["visits.csv": Self.visits], named: "2024-05-31")
        defer { folder.remove() }
        let export = try Self.read(folder, patients: Self.patients(birth: .init(age: "Age")))
        #expect(export.patients.birthDateIsApproximate)
        let exportDay = Self.day(2024, 5, 31)
        // 42 years means 42 to 43: the middle, 42.5 x 365.2425 = 15,522.8 -> 15,523 days before; 0 years: 0.5 x
        // 365.2425 = 182.6 -> 183 days.
        #expect(export.patients.birthDate == [exportDay - 15_523, exportDay - 183])
        // Ages computed back from the approximate dates are the ages read.
        #expect(export.patients.birthDate.map { CivilDate.wholeYears(from: $0, to: exportDay) } == [42, 0])
    }

    @Test func ageAtTheLastEventWhenTheFolderIsNotADate() throws {
        let folder = try Folder(["visits.csv": Self.visits], named: "latest")
        defer { folder.remove() }
        let export = try Self.read(folder, patients: Self.patients(birth: .init(age: "Age")))
        // The last event is the 2024-05-21 visit.
        #expect(export.patients.birthDate == [Self.day(2024, 5, 21) - 15_523, Self.day(2024, 5, 21) - 183])
    }

    @Test func ageAtADateColumn() throws {
        let folder = try Folder(["visits.csv": Self.visits])
        defer { folder.remove() }
        let export = try Self.read(folder, patients: Self.patients(birth: .init(format: "dd/MM/yyyy", age: "Age", ageAt: "SurveyDay")))
        #expect(export.patients.birthDate == [Self.day(2024, 1, 15) - 15_523, Self.day(2024, 4, 30) - 183])
        for (age, taken) in [(0.0, Self.day(2024, 2, 29)), (1, Self.day(2023, 3, 1)), (37, Self.day(2001, 12, 31)), (99, Self.day(2100, 1, 1))] {
            let birth = taken - AgeSource.daysBefore(years: age)
            #expect(CivilDate.wholeYears(from: birth, to: taken) == Int(age), "age \(age) taken \(taken)")
        }
    }

    @Test func aBadAgeOrAgeDateNamesItsPlace() throws {
        let folder = try Folder(["visits.csv": Self.visits.replacingOccurrences(of: "whitening,missed,0,", with: "whitening,missed,ten,")])
        defer { folder.remove() }
        let age = #expect(throws: IngestError.self) {
            _ = try Self.read(folder, patients: Self.patients(birth: .init(age: "Age")))
        }
        #expect(age?.description == "visits.csv:4:52: not a number: found \"ten\", expected an age in years such as 42 or 42.5 (0 or more)")
        let day = #expect(throws: IngestError.self) {
            _ = try Self.read(folder, patients: Self.patients(birth: .init(age: "Age", ageAt: "SurveyDay")))
        }
        #expect(day?.kind == .badDate)
        #expect(day?.found == "15/01/2024")
        #expect(day?.line == 2)
    }

    // MARK: join

    static let services = """
        Id,Name,Price
        S1,cleaning,80
        S2,whitening,250

        """

    @Test func columnsFromAJoinedFile() throws {
        let folder = try Folder([
            "visits.csv": """
                PatientId,Day,BookedAt,ServiceId,Outcome
                7,2024-05-02,2024-05-02T09:15:00Z,S2,attended
                7,2024-05-20,2024-05-03T16:00:00Z,S9,attended
                8,2024-05-21,2024-05-21T07:00:00Z,S1,missed

                """,
            "services.csv": Self.services,
        ])
        defer { folder.remove() }
        var appointments = Self.appointments(service: .init(column: "Name", defaultValue: "other"))
        appointments.columns["amount"] = .init(column: "Price", file: "services.csv")
        appointments.join = [JoinMapping(file: "services.csv", on: "ServiceId", key: "Id")]
        let export = try Self.read(folder, appointments: appointments)
        // S9 is not in services.csv: its columns read as empty, and the default applies.
        #expect((0..<3).map { export.appointments.service[$0] } == ["whitening", "other", "cleaning"])
        #expect(export.appointments.amount[0] == 250)
        #expect(export.appointments.amount[1].isNaN)
        #expect(export.appointments.amount[2] == 80)

        // A key twice in the joined file is an error naming it.
        try (Self.services + "S1,polish,60\n").write(to: folder.url.appendingPathComponent("services.csv"), atomically: true, encoding: .utf8)
        let twice = #expect(throws: IngestError.self) { _ = try Self.read(folder, appointments: appointments) }
        #expect(twice?.description == "services.csv:4: duplicate id: found \"S1\", expected each Id once in a joined file")

        // A `file` that is not joined is a mapping error.
        appointments.columns["amount"] = .init(column: "Price", file: "prices.csv")
        let unknown = #expect(throws: IngestError.self) { _ = try Self.read(folder, appointments: appointments) }
        #expect(unknown?.kind == .badMapping)
        #expect(unknown?.found == "mapping.appointments.columns.amount.file: prices.csv")
    }
}

extension TableMapping {
    func withScheduled(_ column: String) -> TableMapping {
        var copy = self
        copy.columns["scheduled_at"]?.column = column
        return copy
    }
}
