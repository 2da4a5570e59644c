import Foundation

/// The layouts an export can come in.
public enum ExportFormat: String, Sendable, CaseIterable, Codable {
    /// The canonical folder (`patients.csv`, `appointments.csv`, ...; see `CanonicalFormat.swift`).
    case canonical
    /// Synthea's CSV output (`patients.csv` with `Id,BIRTHDATE,...`, `encounters.csv`, ...).
    case synthea
    /// Any CSV files, through the `mapping` section of `strata.yml` (see ``ExportMapping``).
    case mapped

    /// Guesses the format of a folder from its files' headers: Synthea's `patients.csv` starts with `Id,`
    /// and has `BIRTHDATE`; a canonical one has `patient_id`. Anything else needs a mapping.
    public static func detect(folder: URL) throws(IngestError) -> ExportFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IngestError(.unreadableFile, file: folder.path, found: folder.path, expected: "a folder holding an export")
        }
        let patients = folder.appendingPathComponent("patients.csv")
        guard FileManager.default.fileExists(atPath: patients.path) else {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.sorted().joined(separator: ", ") ?? ""
            throw IngestError(.unknownFormat, file: folder.path, found: files,
                              expected: "patients.csv (canonical or Synthea export), or --format mapped with a mapping in strata.yml")
        }
        let header = try CSVReader(url: patients, file: "patients.csv").header
        if header.contains("patient_id") { return .canonical }
        if header.contains("Id") && header.contains("BIRTHDATE") { return .synthea }
        throw IngestError(.unknownFormat, file: "patients.csv", line: 1, found: header.joined(separator: ","),
                          expected: "a canonical header (patient_id, birth_date, ...) or Synthea's (Id, BIRTHDATE, ...); other layouts need --format mapped")
    }
}

/// What reading an export produced: the tables, the rows skipped under `--max-bad-rows`, and the values
/// kept with a warning.
public struct ExportReadResult: Sendable {
    public var export: ClinicExport
    public var format: ExportFormat
    public var badRows: BadRowReport
    public var warnings = WarningReport()
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
    ///     Ignored for Synthea exports.
    /// - Throws: ``IngestError`` with the place of the first problem (or `.tooManyBadRows`).
    public static func read(_ folder: URL, format: ExportFormat? = nil, mapping: ExportMapping? = nil,
                            policy: IngestPolicy = .strict,
                            tables: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                            unusedTextColumns: [CanonicalTable: Set<String>] = [:]) throws(IngestError) -> ExportReadResult {
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
            return try readTables(sources, keeping: tables, unusedTextColumns: unusedTextColumns, policy: policy, format: .canonical)
        case .mapped:
            guard let mapping else {
                throw IngestError(.badMapping, file: "strata.yml", expected: "a `mapping` section describing the export's files (--format mapped)")
            }
            return try readTables(mapping.tableSources(in: folder), keeping: tables, unusedTextColumns: unusedTextColumns,
                                  policy: policy, format: .mapped)
        case .synthea:
            return try SyntheaAdapter.read(folder, policy: policy)
        }
    }

    /// Reads tables given as sources (patients first) and assembles the export from those in `kept`
    /// (patients always); the others are read and checked batch by batch, and their rows dropped.
    static func readTables(_ sources: [TableSource], keeping kept: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                           unusedTextColumns: [CanonicalTable: Set<String>] = [:], policy: IngestPolicy,
                           format: ExportFormat) throws(IngestError) -> ExportReadResult {
        var reader = TableReader(policy: policy)
        guard var patientSource = sources.first(where: { $0.table == .patients }) else {
            throw IngestError(.missingTable, file: "export", found: "", expected: "a patients table")
        }
        patientSource.unusedTextColumns = unusedTextColumns[.patients] ?? []
        let patientTable = try reader.read(patientSource, patients: nil)
        let ids = PatientIdentifiers(table: patientTable.identifiers)
        var export = ClinicExport(patients: patients(from: patientTable, ids: ids), presentTables: [.patients])
        export.origins.record(.patients, file: patientSource.displayName, lines: patientTable.lines)
        for var source in sources where source.table != .patients {
            let isKept = kept.contains(source.table)
            source.unusedTextColumns = isKept ? unusedTextColumns[source.table] ?? []
                : Set(source.table.columns.filter { $0.kind == .text }.map(\.name))
            source.keepsRows = isKept
            let table = try reader.read(source, patients: ids)
            guard isKept else { continue }
            export.presentTables.insert(source.table)
            export.origins.record(source.table, file: source.displayName, lines: table.lines)
            switch source.table {
            case .patients: break
            case .appointments: export.appointments = appointments(from: table)
            case .communications: export.communications = communications(from: table)
            case .consents: export.consents = consents(from: table)
            case .conditions: export.conditions = conditions(from: table)
            case .leads: export.leads = leads(from: table)
            }
        }
        return ExportReadResult(export: export, format: format, badRows: reader.badRows, warnings: reader.warnings)
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
                 source: category(table, "source"))
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
