import Foundation

/// Reads Synthea's CSV output into canonical tables. The mapping (also in `docs/column-mapping.md`):
///
/// | canonical | from Synthea |
/// |---|---|
/// | `patients.patient_id, birth_date, first_name, postal_code` | `patients.csv` `Id, BIRTHDATE, FIRST, ZIP` |
/// | `patients.sex` | `GENDER`: `F` -> female, `M` -> male, else unknown |
/// | `patients.created_at` | the patient's first encounter `START`; birth date (midnight UTC) without encounters |
/// | `appointments` | `encounters.csv`, every encounter a **completed** appointment: `START` -> scheduled_at and booked_at (Synthea has no booking time, so lead time is 0), `ENCOUNTERCLASS` -> service, `PROVIDER` -> provider, `TOTAL_CLAIM_COST` -> amount |
/// | `conditions` | `conditions.csv` `CODE, DESCRIPTION, START` (SNOMED-CT); `procedures.csv` rows too (SNOMED-CT codes, `START` as onset); `medications.csv` rows with code `rxnorm:CODE` |
/// | communications, consents, leads | none: Synthea has no marketing data; the tables are empty |
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
        var birthDates: [Int32] = [], sexes: [Sex] = [], firstNames = TextColumn()
        var postalCodes = ByteStringTable(), postalCodeColumn: [Int32] = []
        try forEachRow(folder, "patients.csv", columns: ["Id", "BIRTHDATE", "GENDER", "FIRST", "ZIP"], note: note, warn: warn) { row throws(IngestError) in
            guard let birth = CivilDate.parseISODate(row["BIRTHDATE"]) else {
                throw row.error(.badDate, "BIRTHDATE", expected: "a date like 2024-02-29 (YYYY-MM-DD)")
            }
            guard CanonicalDateRange.contains(day: birth) else {
                throw row.error(.badDate, "BIRTHDATE", expected: CanonicalDateRange.dateExpectation)
            }
            let id = row["Id"]
            guard !id.isEmpty else { throw row.error(.emptyRequiredField, "Id", expected: "a patient id") }
            guard ids.index(of: id) == nil else { throw row.error(.duplicateIdentifier, "Id", expected: "each Id once") }
            ids.table.insert(id)
            birthDates.append(birth)
            sexes.append(row["GENDER"] == "F" ? .female : row["GENDER"] == "M" ? .male : .unknown)
            firstNames.append(row["FIRST"])
            let zip = row["ZIP"]
            postalCodeColumn.append(zip.isEmpty ? -1 : postalCodes.insert(zip))
        }

        // encounters.csv -> completed appointments
        var appointments = Appointments()
        var services = ByteStringTable(), providers = ByteStringTable()
        var firstEncounter = [Int64](repeating: .max, count: ids.count)
        try forEachRow(folder, "encounters.csv", columns: ["PATIENT", "START", "ENCOUNTERCLASS", "PROVIDER", "TOTAL_CLAIM_COST"], note: note, warn: warn) { row throws(IngestError) in
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
            appointments.service.codes.append(row["ENCOUNTERCLASS"].isEmpty ? -1 : services.insert(row["ENCOUNTERCLASS"]))
            appointments.provider.codes.append(row["PROVIDER"].isEmpty ? -1 : providers.insert(row["PROVIDER"]))
            appointments.amount.append(cost)
            firstEncounter[Int(patient)] = min(firstEncounter[Int(patient)], start)
        }
        appointments.service.levels = services.strings
        appointments.provider.levels = providers.strings

        // conditions.csv, procedures.csv, medications.csv -> conditions
        var conditions = Conditions()
        var codes = ByteStringTable(), descriptions = ByteStringTable()
        for (file, prefix) in [("conditions.csv", ""), ("procedures.csv", ""), ("medications.csv", "rxnorm:")] {
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) else { continue }
            try forEachRow(folder, file, columns: ["PATIENT", "START", "CODE", "DESCRIPTION"], note: note, warn: warn) { row throws(IngestError) in
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
                                source: CategoryColumn(codes: Array(repeating: -1, count: ids.count)))
        let export = ClinicExport(patients: patients, appointments: appointments, conditions: conditions,
                                  presentTables: [.patients, .appointments, .conditions])
        return ExportReadResult(export: export, format: .synthea, badRows: badRows, warnings: warnings)
    }

    /// One record of a Synthea file, with its place for messages.
    struct Row {
        let file: String
        let line: Int
        let fields: [String]
        let positions: [String: Int]

        subscript(name: String) -> String { fields[positions[name]!] }

        func error(_ kind: IngestError.Kind, _ name: String, expected: String) -> IngestError {
            IngestError(kind, file: file, line: line, column: column(of: name), found: self[name], expected: expected)
        }

        func warning(_ kind: IngestWarning.Kind, _ name: String) -> IngestWarning {
            IngestWarning(kind, file: file, line: line, column: column(of: name), found: self[name])
        }

        /// The column of field `name` (exact when no field before it is quoted).
        private func column(of name: String) -> Int {
            fields.prefix(positions[name]!).reduce(1) { $0 + $1.count + 1 }
        }

        func patient(_ name: String, _ ids: PatientIdentifiers) throws(IngestError) -> Int32 {
            guard let index = ids.index(of: self[name]) else {
                throw error(.unknownPatient, name, expected: "a patient Id listed in patients.csv")
            }
            return Int32(index)
        }

        func timestamp(_ name: String) throws(IngestError) -> Int64 {
            let bytes = Array(self[name].utf8)
            guard let value = ByteParsing.isoTimestamp(bytes.span, 0, bytes.count) else {
                throw error(.badTimestamp, name, expected: "a date and time like 2024-02-29T14:30:00Z")
            }
            guard CanonicalDateRange.contains(timestamp: value) else {
                throw error(.badTimestamp, name, expected: CanonicalDateRange.timestampExpectation)
            }
            return value
        }
    }

    private static func forEachRow(_ folder: URL, _ file: String, columns required: [String],
                                   note: (IngestError) throws(IngestError) -> Void, warn: (IngestWarning) -> Void,
                                   _ body: (Row) throws(IngestError) -> Void) throws(IngestError) {
        let url = folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw IngestError(.missingTable, file: folder.path, found: file, expected: "Synthea's \(file)")
        }
        let reader = try CSVReader(url: url, file: file)
        var positions: [String: Int] = [:]
        for (index, name) in reader.header.enumerated() { positions[name] = index }
        for name in required where positions[name] == nil {
            throw IngestError(.missingRequiredColumn, file: file, line: 1, found: name,
                              expected: "a column \"\(name)\" in the header (\(reader.header.joined(separator: ",")))")
        }
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
