import Foundation

/// Reads Synthea's CSV output into canonical tables, from the current release's layout and from older ones
/// (2017-2018: upper-case `ID`, one `DATE` per encounter, no encounter class, a `COST`). Each file's
/// layout is told by its header, column by column. The mapping (also in `docs/column-mapping.md`):
///
/// | canonical | from Synthea |
/// |---|---|
/// | `patients.patient_id, birth_date, first_name, postal_code` | `patients.csv` `Id` (older: `ID`), `BIRTHDATE`, `FIRST`, `ZIP` (older: none) |
/// | `patients.sex` | `GENDER`: `F` -> female, `M` -> male, else unknown |
/// | `patients.deceased_at` | `DEATHDATE` (empty: alive; a column older releases may lack) |
/// | `patients.created_at` | the patient's first encounter; birth date (midnight UTC) without encounters (such patients are kept) |
/// | `appointments` | `encounters.csv`, every encounter a **completed** appointment: `START` (older: `DATE`, a date: the whole day, ``TimestampPrecision/day``) -> scheduled_at and booked_at (Synthea has no booking time, so lead time is 0), `ENCOUNTERCLASS` (older: `DESCRIPTION`) -> service, `PROVIDER` -> provider, `TOTAL_CLAIM_COST` (older: `COST`) -> amount |
/// | `conditions` | `conditions.csv` `CODE, DESCRIPTION, START` (SNOMED-CT); `procedures.csv` rows too (SNOMED-CT codes, `START` or `DATE` as onset); `medications.csv` rows with code `rxnorm:CODE`; `immunizations.csv` rows with code `cvx:CODE` (`DATE` as onset) |
/// | communications, consents, leads | none: Synthea has no marketing data; the tables are empty |
///
/// Each row's file and line is kept for cross-record check findings (`encounters.csv:14`), except in
/// `conditions`, which four files fill (its findings name the row; see ``AdapterRowPlaces``).
///
/// Synthea files are small next to clinic exports; this adapter favours clarity over speed.
public enum SyntheaAdapter {
    static func read(_ folder: URL, policy: IngestPolicy) throws(IngestError) -> ExportReadResult {
        var badRows = BadRowReport()
        var warnings = WarningReport()
        func warn(_ warning: IngestWarning) { warnings.record(warning) }
        func note(_ error: IngestError) throws(IngestError) {
            if policy.maxBadRows == 0 { throw error }
            badRows.record(error)
            if badRows.count > policy.maxBadRows {
                throw IngestError(.tooManyBadRows, file: error.file, line: error.line, column: error.column,
                                  found: "\(badRows.count) bad rows", expected: "at most \(policy.maxBadRows)", parameter: "maxBadRows")
            }
        }

        // patients.csv
        var ids = PatientIdentifiers()
        var birthDates: [Int32] = [], sexes: [Sex] = [], firstNames = TextColumn(), deathDates: [Int32] = []
        var postalCodes = ByteStringTable(), postalCodeColumn: [Int32] = []
        // Each kept row's file and line, so cross-record checks name them.
        var patientPlaces = AdapterRowPlaces(), appointmentPlaces = AdapterRowPlaces(), conditionPlaces = AdapterRowPlaces()
        try forEachRow(folder, "patients.csv", columns: [.init("Id", "ID"), .init("BIRTHDATE"), .init("GENDER"), .init("FIRST"), .optional("ZIP"), .optional("DEATHDATE")],
                       note: note, warn: warn) { row throws(IngestError) in
            guard let birth = CivilDate.parseISODate(row["BIRTHDATE"]) else {
                throw row.error(.badDate, "BIRTHDATE", expected: "a date like 2024-02-29 (YYYY-MM-DD)")
            }
            guard CanonicalDateRange.contains(day: birth) else {
                throw row.error(.badDate, "BIRTHDATE", expected: CanonicalDateRange.dateExpectation)
            }
            var death = ClinicExport.missingDate
            if !row["DEATHDATE"].isEmpty {
                guard let day = CivilDate.parseISODate(row["DEATHDATE"]), CanonicalDateRange.contains(day: day) else {
                    throw row.error(.badDate, "DEATHDATE", expected: "empty, or " + CanonicalDateRange.dateExpectation + " like 2024-02-29 (YYYY-MM-DD)")
                }
                death = day
            }
            let id = row["Id"]
            guard !id.isEmpty else { throw row.error(.emptyRequiredField, "Id", expected: "a patient id") }
            guard ids.index(of: id) == nil else { throw row.error(.duplicateIdentifier, "Id", expected: "each Id once") }
            ids.table.insert(id)
            birthDates.append(birth)
            deathDates.append(death)
            sexes.append(row["GENDER"] == "F" ? .female : row["GENDER"] == "M" ? .male : .unknown)
            firstNames.append(row["FIRST"])
            let zip = row["ZIP"]
            postalCodeColumn.append(zip.isEmpty ? -1 : postalCodes.insert(zip))
            patientPlaces.append(file: row.file, line: row.line)
        }

        // encounters.csv -> completed appointments
        var appointments = Appointments()
        var services = ByteStringTable(), providers = ByteStringTable()
        var firstEncounter = [Int64](repeating: .max, count: ids.count)
        var encounterDates: TimestampPrecision = .second
        try forEachRow(folder, "encounters.csv",
                       columns: [.init("PATIENT"), .init("START", "DATE"), .optional("ENCOUNTERCLASS"), .init("DESCRIPTION"),
                                 .optional("PROVIDER"), .optional("TOTAL_CLAIM_COST", "COST")],
                       note: note, warn: warn, header: { columns in
                           if columns["START"] == "DATE" { encounterDates = .day }
                       }) { row throws(IngestError) in
            let patient = try row.patient("PATIENT", ids)
            let start = try row.timestamp("START")
            // The canonical reader's parser, so an amount means the same in every format.
            let costBytes = Array(row["TOTAL_CLAIM_COST"].utf8)
            let cost = costBytes.isEmpty ? Double.nan : ByteParsing.decimal(costBytes.span, 0, costBytes.count)
            guard let cost else {
                throw row.error(.notANumber, "TOTAL_CLAIM_COST",
                                expected: ByteParsing.decimalExpectation(costBytes.span, 0, costBytes.count))
            }
            if cost < 0 { warn(row.warning(.negativeAmount, "TOTAL_CLAIM_COST")) }
            appointments.patient.append(patient)
            appointments.scheduledAt.append(start)
            appointments.bookedAt.append(start)
            appointments.status.append(.completed)
            // Releases without an encounter class describe the encounter ("Outpatient Encounter").
            let service = row["ENCOUNTERCLASS"].isEmpty ? row["DESCRIPTION"] : row["ENCOUNTERCLASS"]
            appointments.service.codes.append(service.isEmpty ? -1 : services.insert(service))
            appointments.provider.codes.append(row["PROVIDER"].isEmpty ? -1 : providers.insert(row["PROVIDER"]))
            appointments.amount.append(cost)
            firstEncounter[Int(patient)] = min(firstEncounter[Int(patient)], start)
            appointmentPlaces.append(file: row.file, line: row.line)
        }
        appointments.service.levels = services.strings
        appointments.provider.levels = providers.strings
        appointments.scheduledAtPrecision = encounterDates
        appointments.bookedAtPrecision = encounterDates

        // conditions.csv, procedures.csv, medications.csv, immunizations.csv -> conditions
        var conditions = Conditions()
        var codes = ByteStringTable(), descriptions = ByteStringTable()
        for (file, prefix) in [("conditions.csv", ""), ("procedures.csv", ""), ("medications.csv", "rxnorm:"), ("immunizations.csv", "cvx:")] {
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) else { continue }
            try forEachRow(folder, file, columns: [.init("PATIENT"), .init("START", "DATE"), .init("CODE"), .init("DESCRIPTION")],
                           note: note, warn: warn) { row throws(IngestError) in
                let patient = try row.patient("PATIENT", ids)
                let startText = row["START"]
                let onset = startText.count == 10 ? CivilDate.parseISODate(startText) : try CivilDate.day(ofTimestamp: row.timestamp("START"))
                guard let onset else { throw row.error(.badDate, "START", expected: "a date like 2024-02-29 (YYYY-MM-DD)") }
                guard CanonicalDateRange.contains(day: onset) else {
                    throw row.error(.badDate, "START", expected: CanonicalDateRange.dateExpectation)
                }
                guard !row["CODE"].isEmpty else { throw row.error(.emptyRequiredField, "CODE", expected: "a code") }
                conditions.patient.append(patient)
                conditions.code.codes.append(codes.insert(prefix + row["CODE"]))
                conditions.description.codes.append(row["DESCRIPTION"].isEmpty ? -1 : descriptions.insert(row["DESCRIPTION"]))
                conditions.onsetDate.append(onset)
                conditionPlaces.append(file: row.file, line: row.line)
            }
        }
        conditions.code.levels = codes.strings
        conditions.description.levels = descriptions.strings

        let createdAt = (0..<ids.count).map { index in
            firstEncounter[index] != .max ? firstEncounter[index] : Int64(birthDates[index]) * CivilDate.secondsPerDay
        }
        let patients = Patients(ids: ids, birthDate: birthDates, sex: sexes, createdAt: createdAt, firstName: firstNames,
                                postalCode: CategoryColumn(codes: postalCodeColumn, levels: postalCodes.strings),
                                email: TextColumn(Array(repeating: nil, count: ids.count)),
                                phone: TextColumn(Array(repeating: nil, count: ids.count)),
                                preferredChannel: Array(repeating: nil, count: ids.count),
                                source: CategoryColumn(codes: Array(repeating: -1, count: ids.count)), deceasedAt: deathDates)
        var export = ClinicExport(patients: patients, appointments: appointments, conditions: conditions,
                                  presentTables: [.patients, .appointments, .conditions])
        export.origins.identifiedTables = [.appointments]  // every encounter has its own Id
        patientPlaces.record(.patients, in: &export.origins)
        appointmentPlaces.record(.appointments, in: &export.origins)
        conditionPlaces.record(.conditions, in: &export.origins)
        return ExportReadResult(export: export, format: .synthea, badRows: badRows, warnings: warnings)
    }

    /// One record of a Synthea file, with its place for messages.
    struct Row {
        let file: String
        let line: Int
        let fields: [String]
        let positions: [String: Int]

        /// The field of the column known as `name` (its current name); empty for an optional column the file lacks.
        subscript(name: String) -> String { positions[name].map { fields[$0] } ?? "" }

        func error(_ kind: IngestError.Kind, _ name: String, expected: String) -> IngestError {
            IngestError(kind, file: file, line: line, column: column(of: name), found: self[name], expected: expected)
        }

        func warning(_ kind: IngestWarning.Kind, _ name: String) -> IngestWarning {
            IngestWarning(kind, file: file, line: line, column: column(of: name), found: self[name])
        }

        /// The column of field `name` (exact when no field before it is quoted).
        private func column(of name: String) -> Int {
            guard let position = positions[name] else { return 0 }
            return fields.prefix(position).reduce(1) { $0 + $1.count + 1 }
        }

        func patient(_ name: String, _ ids: PatientIdentifiers) throws(IngestError) -> Int32 {
            guard let index = ids.index(of: self[name]) else {
                throw error(.unknownPatient, name, expected: "a patient Id listed in patients.csv")
            }
            return Int32(index)
        }

        /// A timestamp, or a date (older releases) read as 00:00 UTC of that day.
        func timestamp(_ name: String) throws(IngestError) -> Int64 {
            let bytes = Array(self[name].utf8)
            let value = bytes.count == 10 ? ByteParsing.isoDate(bytes.span, 0, bytes.count).map { Int64($0) * CivilDate.secondsPerDay }
                : ByteParsing.isoTimestamp(bytes.span, 0, bytes.count)
            guard let value else {
                throw error(.badTimestamp, name, expected: "a date and time like 2024-02-29T14:30:00Z (or a date like 2024-02-29)")
            }
            guard CanonicalDateRange.contains(timestamp: value) else {
                throw error(.badTimestamp, name, expected: CanonicalDateRange.timestampExpectation)
            }
            return value
        }
    }

    /// A column of a Synthea file under the names releases gave it, the current one first (the name rows
    /// use); an optional column may be missing.
    struct Column {
        var names: [String]
        var isOptional = false

        init(_ names: String...) { self.names = names }

        static func optional(_ names: String...) -> Column {
            var column = Column()
            column.names = names
            column.isOptional = true
            return column
        }

        private init() { names = [] }
    }

    /// Calls `body` for each record of `file`, after finding each of `columns` in the header by any of its
    /// names; `header` learns which name each found column has (current name -> name in the file).
    private static func forEachRow(_ folder: URL, _ file: String, columns: [Column],
                                   note: (IngestError) throws(IngestError) -> Void, warn: (IngestWarning) -> Void,
                                   header: ([String: String]) -> Void = { _ in },
                                   _ body: (Row) throws(IngestError) -> Void) throws(IngestError) {
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw IngestError(.missingTable, file: folder.path, found: file, expected: "Synthea's \(file)")
        }
        let reader = try CSVReader(url: url, file: file)
        var inFile: [String: Int] = [:]
        for (index, name) in reader.header.enumerated() { inFile[name] = index }
        var positions: [String: Int] = [:]
        var found: [String: String] = [:]
        for column in columns {
            if let name = column.names.first(where: { inFile[$0] != nil }) {
                positions[column.names[0]] = inFile[name]
                found[column.names[0]] = name
            } else if !column.isOptional {
                throw IngestError(.missingRequiredColumn, file: file, line: 1, found: column.names.joined(separator: " or "),
                                  expected: "a column \(column.names.map { "\"\($0)\"" }.joined(separator: " or ")) in the header (\(reader.header.joined(separator: ",")))")
            }
        }
        header(found)
        do {
            try reader.forEachRecord { fields, line in
                do { try body(Row(file: file, line: line, fields: fields, positions: positions)) } catch let error as IngestError {
                    try note(error)
                }
            }
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError(.unreadableFile, file: file, expected: "a readable CSV file (\(error))")
        }
        if let warning = reader.finalLineEndWarning() { warn(warning) }
    }
}
