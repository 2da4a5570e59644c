import Foundation

/// The layouts an export can come in.
public enum ExportFormat: String, Sendable, CaseIterable, Codable {
    /// The canonical folder (`patients.csv`, `appointments.csv`, ...; see `CanonicalFormat.swift`).
    case canonical
    /// Synthea's CSV output (`patients.csv` with `Id,BIRTHDATE,...`, `encounters.csv`, ...).
    case synthea
    /// Any CSV files, through the `mapping` section of `strata.yml` (see ``ExportMapping``).
    case mapped
    /// A FHIR R4 Bulk Data export: `Patient.000.ndjson`, `Encounter.000.ndjson`, ... (also gzipped; see
    /// ``FHIRBulkAdapter``).
    case fhir

    /// Guesses the format of a folder from its files: Synthea's `patients.csv` has `Id` (`ID` in older
    /// releases) and `BIRTHDATE`; a canonical one has `patient_id`; without a `patients.csv`, `*.ndjson` or
    /// `*.ndjson.gz` files are a FHIR bulk export. Anything else needs a mapping.
    public static func detect(folder: URL) throws(IngestError) -> ExportFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IngestError(.unreadableFile, file: folder.path, found: folder.path, expected: "a folder holding an export")
        }
        let patients = folder.appendingPathComponent("patients.csv")
        guard FileManager.default.fileExists(atPath: patients.path) else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted() ?? []
            if names.contains(where: FHIRBulkAdapter.isNDJSON) { return .fhir }
            throw IngestError(.unknownFormat, file: folder.path, found: names.joined(separator: ", "),
                              expected: "patients.csv (canonical or Synthea export), *.ndjson files (FHIR bulk export), or the mapped format with a mapping in strata.yml",
                              parameter: "format")
        }
        let header = try CSVReader(url: patients, file: "patients.csv").header
        if header.contains("patient_id") { return .canonical }
        if (header.contains("Id") || header.contains("ID")) && header.contains("BIRTHDATE") { return .synthea }
        throw IngestError(.unknownFormat, file: "patients.csv", line: 1, found: header.joined(separator: ","),
                          expected: "a canonical header (patient_id, birth_date, ...) or Synthea's (Id or ID, BIRTHDATE, ...); other layouts need the mapped format",
                          parameter: "format")
    }
}

/// What reading an export produced: the tables, the rows skipped under `maxBadRows`, and the values
/// kept with a warning.
public struct ExportReadResult: Sendable {
    public var export: ClinicExport
    public var format: ExportFormat
    public var badRows: BadRowReport
    public var warnings = WarningReport()
    /// Per table read with a ``RowFilter``: the rows it left out.
    public var leftOut: [CanonicalTable: LeftOutRows] = [:]
}

/// Reads an export folder in any supported format into a ``ClinicExport``.
public enum ExportReader {
    /// Reads the export at `folder`.
    ///
    /// - Parameters:
    ///   - format: the layout; detected from the files when nil.
    ///   - mapping: required for `.mapped`.
    ///   - policy: how many bad rows to skip before failing.
    ///   - tables: the tables to keep (patients always). The others are still read and checked, so every
    ///     command reaches the verdict `strata validate` reaches on the same export (an invalid consents.csv
    ///     fails `features` too), but their rows are not kept: they come out empty and are not in
    ///     `presentTables`. A command that needs only some tables (features do not use consents) keeps less.
    ///   - unusedTextColumns: per table, canonical text columns the caller will not look at (features do not
    ///     use providers or campaigns): checked like the others, but not stored; every row reads as empty.
    ///     Ignored for Synthea and FHIR exports (both keep every table they read).
    ///   - extraColumns: declared extra columns of the patients and leads tables (attributes, given outcomes),
    ///     kept in ``Patients/extra`` and ``Leads/extra``; each must be in its file's header. Synthea and FHIR
    ///     exports have none.
    ///   - checkingOthers: false: the tables not in `tables` are not read at all (their files are not even
    ///     checked), for a command that measures the export rather than vouches for it (`campaign report`).
    ///   - keepingRows: per table (not patients), the rows to keep (``RowFilter``); the others are read and
    ///     checked, then dropped, and counted in ``ExportReadResult/leftOut``. Ignored for Synthea and FHIR.
    /// - Throws: ``IngestError`` with the place of the first problem (or `.tooManyBadRows`).
    public static func read(_ folder: URL, format: ExportFormat? = nil, mapping: ExportMapping? = nil,
                            policy: IngestPolicy = .strict,
                            tables: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                            unusedTextColumns: [CanonicalTable: Set<String>] = [:],
                            extraColumns: [CanonicalTable: [ExtraColumn]] = [:],
                            checkingOthers: Bool = true,
                            keepingRows: [CanonicalTable: RowFilter] = [:]) throws(IngestError) -> ExportReadResult {
        let detected: ExportFormat
        if let format { detected = format } else { detected = try ExportFormat.detect(folder: folder) }
        switch detected {
        case .canonical:
            var sources: [TableSource] = []
            for table in CanonicalTable.allCases {
                let source = TableSource.canonical(table, in: folder)
                if FileManager.default.fileExists(atPath: source.url.path) {
                    sources.append(source)
                } else if table.isRequired {
                    throw IngestError(.missingTable, file: folder.path, found: table.fileName,
                                      expected: "the required tables \(CanonicalTable.allCases.filter(\.isRequired).map(\.fileName).joined(separator: ", "))")
                }
            }
            return try readTables(sources.filter { checkingOthers || tables.contains($0.table) || $0.table == .patients },
                                  keeping: tables, unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                  keepingRows: keepingRows, policy: policy, format: .canonical)
        case .mapped:
            guard let mapping else {
                throw IngestError(.badMapping, file: "strata.yml", expected: "a `mapping` section describing the export's files for the mapped format")
            }
            return try readTables(mapping.tableSources(in: folder).filter { checkingOthers || tables.contains($0.table) || $0.table == .patients },
                                  keeping: tables, unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                  keepingRows: keepingRows, policy: policy, format: .mapped)
        case .synthea:
            return try SyntheaAdapter.read(folder, policy: policy)
        case .fhir:
            return try FHIRBulkAdapter.read(folder, policy: policy)
        }
    }

    /// Reads tables given as sources (patients first) and assembles the export from those in `kept`
    /// (patients always); the others are read and checked batch by batch, and their rows dropped.
    static func readTables(_ sources: [TableSource], keeping kept: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                           unusedTextColumns: [CanonicalTable: Set<String>] = [:],
                           extraColumns: [CanonicalTable: [ExtraColumn]] = [:],
                           keepingRows: [CanonicalTable: RowFilter] = [:], policy: IngestPolicy,
                           format: ExportFormat) throws(IngestError) -> ExportReadResult {
        var reader = TableReader(policy: policy)
        guard var patientSource = sources.first(where: { $0.table == .patients }) else {
            throw IngestError(.missingTable, file: "export", found: "", expected: "a patients table")
        }
        patientSource.unusedTextColumns = unusedTextColumns[.patients] ?? []
        let patientExtras = extraColumns[.patients] ?? []
        patientSource.addExtraColumns(patientExtras)
        let patientTable = try reader.read(patientSource, patients: nil)
        let ids = PatientIdentifiers(table: patientTable.identifiers)
        var export = ClinicExport(patients: patients(from: patientTable, ids: ids), presentTables: [.patients])
        export.patients.extra = patientTable.extraValues(patientExtras)
        let age = patientSource.columns.first { $0.canonical.name == "birth_date" }?.age
        export.patients.birthDateIsApproximate = age != nil
        export.origins.record(.patients, file: patientSource.displayName, lines: patientTable.lines)
        var leftOutRows: [CanonicalTable: LeftOutRows] = [:]
        for var source in sources where source.table != .patients {
            let extras = extraColumns[source.table] ?? []
            source.addExtraColumns(extras)
            let isKept = kept.contains(source.table)
            source.unusedTextColumns = isKept ? unusedTextColumns[source.table] ?? []
                : Set(source.table.columns.filter { $0.kind == .text }.map(\.name))
            source.keepsRows = isKept
            source.rowFilter = isKept ? keepingRows[source.table] : nil
            let table = try reader.read(source, patients: ids)
            guard isKept else { continue }
            if let leftOut = table.leftOut { leftOutRows[source.table] = leftOut }
            export.presentTables.insert(source.table)
            export.origins.record(source.table, file: source.displayName, lines: table.lines)
            switch source.table {
            case .patients: break
            case .appointments:
                export.appointments = appointments(from: table)
                // A date layout without a time: the day, not its first second.
                export.appointments.scheduledAtPrecision = source.columns.first { $0.canonical.name == "scheduled_at" }?.precision ?? .second
                export.appointments.bookedAtPrecision = source.columns.first { $0.canonical.name == "booked_at" }?.precision ?? .second
            case .communications: export.communications = communications(from: table)
            case .consents: export.consents = consents(from: table)
            case .conditions: export.conditions = conditions(from: table)
            case .leads:
                export.leads = leads(from: table)
                export.leads.extra = table.extraValues(extras)
            }
        }
        if let age, age.referenceColumn == nil {
            try dateAges(&export, exportFolder: patientSource.url.deletingLastPathComponent(), file: patientSource.displayName)
        }
        return ExportReadResult(export: export, format: format, badRows: reader.badRows, warnings: reader.warnings,
                                leftOut: leftOutRows)
    }

    /// Moves birth dates worked out from ages without an `age_at` (read relative to day 0) to the export
    /// date: the folder's name when it is a date (`2024-05-31`), else the last day of any event.
    static func dateAges(_ export: inout ClinicExport, exportFolder: URL, file: String) throws(IngestError) {
        let day: Int32
        if let named = CivilDate.parseISODate(exportFolder.lastPathComponent) {
            day = named
        } else if let events = ExportSummary(ExportReadResult(export: export, format: .mapped, badRows: BadRowReport())).dateRange?.upperBound {
            day = events
        } else {
            throw IngestError(.badMapping, file: "strata.yml", found: "mapping.patients.columns.birth_date.age without age_at",
                              expected: "an export folder named by its date (2024-05-31), events that date the export, or an age_at column")
        }
        var patients = export.patients
        for index in patients.birthDate.indices {
            let birth = patients.birthDate[index] + day
            guard CanonicalDateRange.contains(day: birth) else {
                throw IngestError(.badDate, file: file, found: "patient \(patients.ids[index]): born \(-patients.birthDate[index]) days before \(CivilDate.isoString(days: day))",
                                  expected: "an age giving a birth date from \(CanonicalDateRange.firstYear)-01-01 to \(CanonicalDateRange.lastYear)-12-31")
            }
            patients.birthDate[index] = birth
        }
        export.patients = patients
    }

    // MARK: Typed tables from read columns (absent optional columns become empty values)

    private static func days(_ table: ReadTable, _ name: String) -> [Int32] {
        table.column(name)?.days ?? Array(repeating: ClinicExport.missingDate, count: table.rowCount)
    }

    private static func seconds(_ table: ReadTable, _ name: String) -> [Int64] {
        table.column(name)?.seconds ?? Array(repeating: ClinicExport.missingTimestamp, count: table.rowCount)
    }

    private static func category(_ table: ReadTable, _ name: String) -> CategoryColumn {
        table.column(name)?.categoryColumn ?? CategoryColumn(codes: Array(repeating: -1, count: table.rowCount))
    }

    private static func text(_ table: ReadTable, _ name: String) -> TextColumn {
        table.column(name)?.text ?? TextColumn(emptyRows: table.rowCount)
    }

    private static func patientIndices(_ table: ReadTable) -> [Int32] {
        table.column("patient_id")?.codes ?? Array(repeating: -1, count: table.rowCount)
    }

    private static func levels<E: RawRepresentable>(_ table: ReadTable, _ name: String, _ type: E.Type) -> [E] where E.RawValue == UInt8 {
        table.column(name)?.enumValues(type) ?? []
    }

    static func patients(from table: ReadTable, ids: PatientIdentifiers) -> Patients {
        Patients(ids: ids, birthDate: days(table, "birth_date"), sex: levels(table, "sex", Sex.self),
                 createdAt: seconds(table, "created_at"), firstName: text(table, "first_name"),
                 postalCode: category(table, "postal_code"), email: text(table, "email"), phone: text(table, "phone"),
                 preferredChannel: table.column("preferred_channel")?.optionalEnumValues(Channel.self)
                    ?? Array(repeating: nil, count: table.rowCount),
                 source: category(table, "source"), deceasedAt: days(table, "deceased_at"))
    }

    static func appointments(from table: ReadTable) -> Appointments {
        Appointments(patient: patientIndices(table), scheduledAt: seconds(table, "scheduled_at"),
                     bookedAt: seconds(table, "booked_at"), status: levels(table, "status", AppointmentStatus.self),
                     service: category(table, "service"), provider: category(table, "provider"),
                     amount: table.column("amount")?.numbers ?? Array(repeating: .nan, count: table.rowCount))
    }

    static func communications(from table: ReadTable) -> Communications {
        Communications(patient: patientIndices(table), sentAt: seconds(table, "sent_at"),
                       channel: levels(table, "channel", Channel.self), campaign: category(table, "campaign"),
                       openedAt: seconds(table, "opened_at"), clickedAt: seconds(table, "clicked_at"),
                       respondedAt: seconds(table, "responded_at"))
    }

    static func consents(from table: ReadTable) -> Consents {
        Consents(patient: patientIndices(table), channel: levels(table, "channel", Channel.self),
                 purpose: levels(table, "purpose", ConsentPurpose.self), status: levels(table, "status", ConsentStatus.self),
                 recordedAt: seconds(table, "recorded_at"))
    }

    static func conditions(from table: ReadTable) -> Conditions {
        Conditions(patient: patientIndices(table), code: category(table, "code"),
                   description: category(table, "description"), onsetDate: days(table, "onset_date"))
    }

    static func leads(from table: ReadTable) -> Leads {
        Leads(ids: text(table, "lead_id"), patient: patientIndices(table), createdAt: seconds(table, "created_at"),
              source: category(table, "source"), interest: category(table, "interest"))
    }
}
