import Foundation

/// The `mapping` section of `strata.yml`: how CSV files in some other layout become canonical tables.
///
///     mapping:
///       appointments:
///         file: KaggleV2-May-2016.csv
///         columns:
///           patient_id: PatientId                        # canonical column: source column
///           scheduled_at: {column: AppointmentDay, format: "yyyy-MM-dd'T'HH:mm:ss'Z'"}
///           status: {column: No-show, values: {"Yes": no_show, "No": completed}}
///           service: {constant: consultation}
///
/// `patients` and `appointments` must be mapped; the other tables are optional (absent tables are empty).
/// Source columns not named are ignored. See `docs/column-mapping.md`.
public struct ExportMapping: Codable, Sendable, Equatable {
    public var tables: [String: TableMapping]

    public init(tables: [String: TableMapping]) {
        self.tables = tables
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        tables = try container.decode([String: TableMapping].self)
        for name in tables.keys where CanonicalTable(rawValue: name) == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown table \"\(name)\" in mapping; expected one of \(CanonicalTable.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(tables)
    }

    /// The table sources this mapping describes, for files in `folder`.
    public func tableSources(in folder: URL) throws(IngestError) -> [TableSource] {
        for required in [CanonicalTable.patients, .appointments] where tables[required.rawValue] == nil {
            throw IngestError(.badMapping, file: "strata.yml", found: "mapping without \(required.rawValue)",
                              expected: "a mapping for the \(required.rawValue) table")
        }
        var sources: [TableSource] = []
        for table in CanonicalTable.allCases {
            if let mapping = tables[table.rawValue] { sources.append(try mapping.source(for: table, in: folder)) }
        }
        return sources
    }
}

/// How one canonical table is read from one source file.
public struct TableMapping: Codable, Sendable, Equatable {
    /// The source file, relative to the export folder.
    public var file: String
    /// Canonical column name -> where its values come from.
    public var columns: [String: ColumnMapping]
    /// Keep the first row of each id and skip repeats (a patients table taken from a file of visits).
    public var deduplicate: Bool?

    public init(file: String, columns: [String: ColumnMapping], deduplicate: Bool? = nil) {
        self.file = file
        self.columns = columns
        self.deduplicate = deduplicate
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case file, columns, deduplicate }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        columns = try container.decode([String: ColumnMapping].self, forKey: .columns)
        deduplicate = try container.decodeIfPresent(Bool.self, forKey: .deduplicate)
    }

    func source(for table: CanonicalTable, in folder: URL) throws(IngestError) -> TableSource {
        let known = Set(table.columns.map(\.name))
        if let unknown = columns.keys.sorted().first(where: { !known.contains($0) }) {
            throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue).columns.\(unknown)",
                              expected: "a canonical \(table.rawValue) column: \(table.columns.map(\.name).joined(separator: ", "))")
        }
        var sources: [ColumnSource] = []
        for column in table.columns {
            guard let mapping = columns[column.name] else {
                if !column.isOptional {
                    throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue) without \(column.name)",
                                      expected: "a source column or a constant for the required column \(column.name)")
                }
                continue
            }
            var layout: DateLayout?
            if let format = mapping.format {
                do { layout = try DateLayout(format) } catch {
                    throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue).columns.\(column.name).format: \(format)",
                                      expected: "a date format with yyyy, MM, dd (and HH, mm, ss): \(error.problem)")
                }
            }
            if mapping.column == nil && mapping.constant == nil {
                throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue).columns.\(column.name)",
                                  expected: "a `column` or a `constant`")
            }
            sources.append(ColumnSource(column, sourceColumn: mapping.column, constant: mapping.constant,
                                        valueMap: mapping.values ?? [:], layout: layout))
        }
        return TableSource(table: table, url: folder.appendingPathComponent(file), displayName: file, columns: sources,
                           rejectsUnknownColumns: false, keepsFirstOfDuplicates: deduplicate ?? false)
    }
}

/// Where one canonical column comes from: a source column name (the short form), or
/// `{column, values, format, constant}`.
public struct ColumnMapping: Codable, Sendable, Equatable {
    /// The source column.
    public var column: String?
    /// Source value -> canonical value.
    public var values: [String: String]?
    /// Date layout such as `dd/MM/yyyy` (see ``DateLayout``).
    public var format: String?
    /// A value for every row (or for rows whose source field is empty).
    public var constant: String?

    public init(column: String? = nil, values: [String: String]? = nil, format: String? = nil, constant: String? = nil) {
        self.column = column
        self.values = values
        self.format = format
        self.constant = constant
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case column, values, format, constant }

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            self.init(column: name)
            return
        }
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(column: try container.decodeIfPresent(String.self, forKey: .column),
                  values: try container.decodeIfPresent([String: String].self, forKey: .values),
                  format: try container.decodeIfPresent(String.self, forKey: .format),
                  constant: try container.decodeIfPresent(String.self, forKey: .constant))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(column, forKey: .column)
        try container.encodeIfPresent(values, forKey: .values)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(constant, forKey: .constant)
    }
}

/// Rejects keys a `Decodable` type does not know, so a misspelt setting is an error naming it, not a
/// silently ignored line.
public enum UnknownKeys {
    /// A coding key for any name.
    public struct AnyKey: CodingKey {
        public var stringValue: String
        public var intValue: Int? { nil }
        public init(stringValue: String) { self.stringValue = stringValue }
        public init?(intValue: Int) { nil }
    }

    /// Throws `DecodingError.dataCorrupted` naming the first key of the decoder's mapping not in `allowed`.
    public static func check(_ decoder: Decoder, allowed: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let allowedSet = Set(allowed)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowedSet.contains($0) }) {
            let path = (decoder.codingPath.map(\.stringValue) + [unknown]).joined(separator: ".")
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "unknown key \"\(path)\"; expected one of \(allowed.joined(separator: ", "))"))
        }
    }
}
