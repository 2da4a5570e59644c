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
///           service: {column: Service, default: consultation}   # empty fields take the default
///           amount: {column: Fee, file: fees.csv}                 # from a joined file
///         join:
///           - {file: fees.csv, on: AppointmentID}
///       patients:
///         file: patients.csv
///         columns:
///           birth_date: {age: Age}                             # years at the export date: approximate
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
    /// Other files whose columns this table also reads, each joined to `file` on a key.
    public var join: [JoinMapping]?

    public init(file: String, columns: [String: ColumnMapping], deduplicate: Bool? = nil, join: [JoinMapping]? = nil) {
        self.file = file
        self.columns = columns
        self.deduplicate = deduplicate
        self.join = join
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case file, columns, deduplicate, join }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        columns = try container.decode([String: ColumnMapping].self, forKey: .columns)
        deduplicate = try container.decodeIfPresent(Bool.self, forKey: .deduplicate)
        join = try container.decodeIfPresent([JoinMapping].self, forKey: .join)
    }

    func source(for table: CanonicalTable, in folder: URL) throws(IngestError) -> TableSource {
        let known = Set(table.columns.map(\.name))
        if let unknown = columns.keys.sorted().first(where: { !known.contains($0) }) {
            throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue).columns.\(unknown)",
                              expected: "a canonical \(table.rawValue) column: \(table.columns.map(\.name).joined(separator: ", "))")
        }
        let joins = join ?? []
        for joined in joins where joined.file == file {
            throw IngestError(.badMapping, file: "strata.yml", found: "mapping.\(table.rawValue).join: \(joined.file)",
                              expected: "a file other than the table's own file (\(file))")
        }
        // Which file each mapped source column is read from: `file:` when given, else the table's file when
        // its header has the column, else the first joined file whose header has it.
        let mainURL = folder.appendingPathComponent(file)
        let mainHeader = joins.isEmpty ? [] : try CSVReader(url: mainURL, file: file).header
        var joinedHeaders: [String: [String]] = [:]
        for joined in joins { joinedHeaders[joined.file] = try CSVReader(url: folder.appendingPathComponent(joined.file), file: joined.file).header }
        var readFrom: [String: JoinMapping] = [:]  // canonical column -> join
        for (name, mapping) in columns.sorted(by: { $0.key < $1.key }) {
            let path = "mapping.\(table.rawValue).columns.\(name)"
            if let wanted = mapping.file, wanted != file {
                guard let joined = joins.first(where: { $0.file == wanted }) else {
                    throw IngestError(.badMapping, file: "strata.yml", found: "\(path).file: \(wanted)",
                                      expected: "the table's file (\(file)) or a file under mapping.\(table.rawValue).join (\(joins.map(\.file).joined(separator: ", ")))")
                }
                readFrom[name] = joined
            } else if mapping.file == nil, let source = mapping.column, !joins.isEmpty, !mainHeader.contains(source),
                      let joined = joins.first(where: { joinedHeaders[$0.file]?.contains(source) == true }) {
                readFrom[name] = joined
            }
        }
        var lookups: [String: JoinedColumn] = [:]  // canonical column -> values by key
        for joined in joins {
            let wanted = readFrom.filter { $0.value.file == joined.file }.compactMap { name, _ in columns[name]?.column.map { (name, $0) } }
            guard !wanted.isEmpty else { continue }
            let values = try joined.read(columns: wanted.map(\.1), in: folder)
            for (index, (name, _)) in wanted.enumerated() {
                lookups[name] = JoinedColumn(keyColumn: joined.on, file: joined.file, keys: values.keys, values: values.columns[index])
            }
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
            let path = "mapping.\(table.rawValue).columns.\(column.name)"
            if mapping.defaultValue != nil && mapping.column == nil && mapping.age == nil {
                throw IngestError(.badMapping, file: "strata.yml", found: "\(path).default",
                                  expected: "a `column` whose empty fields take the default (a value for every row is a `constant`)")
            }
            if mapping.column == nil && mapping.constant == nil && mapping.age == nil {
                throw IngestError(.badMapping, file: "strata.yml", found: path, expected: "a `column`, a `constant` or (for birth_date) an `age`")
            }
            if mapping.defaultValue != nil && mapping.constant != nil {
                throw IngestError(.badMapping, file: "strata.yml", found: "\(path): constant and default",
                                  expected: "one of them: `constant` for every row, `default` for empty fields of `column`")
            }
            var age: AgeSource?
            if let ageColumn = mapping.age {
                guard table == .patients && column.name == "birth_date" else {
                    throw IngestError(.badMapping, file: "strata.yml", found: "\(path).age", expected: "`age` only under mapping.patients.columns.birth_date")
                }
                guard mapping.column == nil && mapping.constant == nil else {
                    throw IngestError(.badMapping, file: "strata.yml", found: "\(path): age with column or constant",
                                      expected: "either a birth date (`column`) or an age (`age`, with `age_at`)")
                }
                age = AgeSource(ageColumn: ageColumn, referenceColumn: mapping.ageAt)
            } else if mapping.ageAt != nil {
                throw IngestError(.badMapping, file: "strata.yml", found: "\(path).age_at", expected: "`age_at` beside an `age`")
            }
            var source = ColumnSource(column, sourceColumn: age?.ageColumn ?? mapping.column,
                                      constant: mapping.constant ?? mapping.defaultValue,
                                      valueMap: mapping.values ?? [:], layout: layout)
            source.age = age
            if let joined = lookups[column.name] {
                source.sourceColumn = nil
                source.joined = joined
            }
            sources.append(source)
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
    /// The value of rows whose source field is empty (`default` in `strata.yml`); needs a `column`.
    public var defaultValue: String?
    /// For `birth_date` only: a source column of ages in years. The birth date is worked out from the age at
    /// `ageAt` (or at the export date) and marked approximate (``Patients/birthDateIsApproximate``).
    public var age: String?
    /// A source date column: the day each `age` was taken (`age_at` in `strata.yml`); its layout is
    /// `format`. Without it, the export date: the export folder's name when it is a date (`2024-05-31`),
    /// else the last day of any event in the export.
    public var ageAt: String?
    /// The file the column is in, when it is one of the table's `join` files rather than its own file.
    public var file: String?

    public init(column: String? = nil, values: [String: String]? = nil, format: String? = nil, constant: String? = nil,
                defaultValue: String? = nil, age: String? = nil, ageAt: String? = nil, file: String? = nil) {
        self.column = column
        self.values = values
        self.format = format
        self.constant = constant
        self.defaultValue = defaultValue
        self.age = age
        self.ageAt = ageAt
        self.file = file
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case column, values, format, constant, defaultValue = "default", age, ageAt = "age_at", file
    }

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
                  constant: try container.decodeIfPresent(String.self, forKey: .constant),
                  defaultValue: try container.decodeIfPresent(String.self, forKey: .defaultValue),
                  age: try container.decodeIfPresent(String.self, forKey: .age),
                  ageAt: try container.decodeIfPresent(String.self, forKey: .ageAt),
                  file: try container.decodeIfPresent(String.self, forKey: .file))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(column, forKey: .column)
        try container.encodeIfPresent(values, forKey: .values)
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(constant, forKey: .constant)
        try container.encodeIfPresent(defaultValue, forKey: .defaultValue)
        try container.encodeIfPresent(age, forKey: .age)
        try container.encodeIfPresent(ageAt, forKey: .ageAt)
        try container.encodeIfPresent(file, forKey: .file)
    }
}

/// Another file a mapped table reads columns from: each row of the table's file takes the values of the row
/// of `file` whose key (`key`, or `on` when the two files name the key alike) equals the row's `on` field.
/// A row without a match reads those columns as empty (then `default` applies). The joined file is read
/// whole (keys must be unique in it); it is meant for lookup tables beside a large file of rows.
public struct JoinMapping: Codable, Sendable, Equatable {
    public var file: String
    /// The key column in the table's own file.
    public var on: String
    /// The key column in `file`; nil when it is named like `on`.
    public var key: String?

    public init(file: String, on: String, key: String? = nil) {
        self.file = file
        self.on = on
        self.key = key
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case file, on, key }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        file = try container.decode(String.self, forKey: .file)
        on = try container.decode(String.self, forKey: .on)
        key = try container.decodeIfPresent(String.self, forKey: .key)
    }

    /// The keys of `file` and, per wanted column, each key's value (bytes, in key order).
    func read(columns wanted: [String], in folder: URL) throws(IngestError) -> (keys: ByteStringTable, columns: [[[UInt8]]]) {
        let reader = try CSVReader(url: folder.appendingPathComponent(file), file: file)
        let keyName = key ?? on
        guard let keyIndex = reader.header.firstIndex(of: keyName) else {
            throw IngestError(.missingRequiredColumn, file: file, line: 1, found: keyName,
                              expected: "the join key \"\(keyName)\" in the header (\(reader.header.joined(separator: ",")))")
        }
        var indices: [Int] = []
        for name in wanted {
            guard let index = reader.header.firstIndex(of: name) else {
                throw IngestError(.missingRequiredColumn, file: file, line: 1, found: name,
                                  expected: "a column \"\(name)\" in the header (\(reader.header.joined(separator: ",")))")
            }
            indices.append(index)
        }
        var keys = ByteStringTable()
        var columns = [[[UInt8]]](repeating: [], count: wanted.count)
        do {
            try reader.forEachRecord { fields, line in
                let before = keys.count
                keys.insert(fields[keyIndex])
                guard keys.count > before else {
                    throw IngestError(.duplicateIdentifier, file: file, line: line, found: fields[keyIndex],
                                      expected: "each \(keyName) once in a joined file")
                }
                for (column, index) in indices.enumerated() { columns[column].append(Array(fields[index].utf8)) }
            }
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError(.unreadableFile, file: file, expected: "a readable CSV file (\(error))")
        }
        return (keys, columns)
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
