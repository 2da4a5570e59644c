/// Why an export could not be read: the place (`file:line:column`), the offending text and what was expected.
///
/// Every problem the ingest finds in user data is one of these. `description` is the message the CLI
/// prints, e.g.
///
///     appointments.csv:14:23: bad timestamp: found "2024-02-30T10:00:00Z", expected a valid date and time like 2024-02-29T10:00:00Z
public struct IngestError: Error, Equatable, Sendable, ParameterNaming {
    /// The failure kinds; `rawValue` is the phrase used in messages.
    public enum Kind: String, Sendable, CaseIterable {
        case unreadableFile = "cannot read file"
        case emptyFile = "empty file"
        case missingTable = "missing table"
        case missingRequiredColumn = "missing required column"
        case unknownColumn = "unknown column"
        case duplicateColumn = "duplicate column"
        case unterminatedQuote = "unterminated quote"
        case strayQuote = "quote inside an unquoted field"
        case wrongFieldCount = "wrong field count"
        /// The file's last record has no line end and fewer fields than the header: the file was cut short.
        case truncatedRecord = "file ends inside a record"
        /// A carriage return not followed by a line feed (old Mac line ends), which this reader does not take
        /// as a line end.
        case loneCarriageReturn = "lone carriage return"
        case emptyRequiredField = "empty required field"
        case badDate = "bad date"
        case badTimestamp = "bad timestamp"
        case notANumber = "not a number"
        case unknownValue = "unknown value"
        case duplicateIdentifier = "duplicate id"
        case unknownPatient = "unknown patient"
        case unknownFormat = "unknown export format"
        case badMapping = "bad column mapping"
        case tooManyBadRows = "too many bad rows"
        /// A line of an NDJSON file (FHIR bulk data) that is not a JSON object of the expected shape.
        case badJSON = "bad JSON"
    }

    public var kind: Kind
    /// The file, as given (a path or a file name).
    public var file: String
    /// 1-based physical line; 0 when the problem concerns the whole file.
    public var line: Int
    /// 1-based character column on that line; 0 when the problem concerns the whole line or file.
    public var column: Int
    /// The offending text (a field, a column name); empty when there is none.
    public var found: String
    /// What would have been accepted.
    public var expected: String
    /// The caller's parameter that governs the problem (`maxBadRows`, `format`), named after `expected`.
    public var parameter: String?
    /// In a JSON record (a line of a FHIR bulk file): the path of the offending element, such as
    /// `period.start` or `participant[0].individual`; empty elsewhere.
    public var jsonPath: String

    public init(_ kind: Kind, file: String, line: Int = 0, column: Int = 0, found: String = "", expected: String,
                parameter: String? = nil, jsonPath: String = "") {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.found = found
        self.expected = expected
        self.parameter = parameter
        self.jsonPath = jsonPath
    }

    /// `file:line:column` (line and column left out when zero).
    public var place: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if column > 0 { text += ":\(column)" }
        return text
    }

    public func description(naming name: (String) -> String) -> String {
        let shown = found.count > 80 ? String(found.prefix(77)) + "..." : found
        let foundPart = found.isEmpty && kind != .emptyRequiredField ? "" : "found \"\(shown)\", "
        let pathPart = jsonPath.isEmpty ? "" : "at \(jsonPath): "
        let parameterPart = parameter.map { " (\(name($0)))" } ?? ""
        return "\(place): \(kind.rawValue): \(pathPart)\(foundPart)expected \(expected)\(parameterPart)"
    }

    /// Whether the problem concerns the file rather than one row: reading stops whatever `maxBadRows`
    /// allows (a file cut short has lost rows no count of skipped rows would show).
    public var isFileLevel: Bool { kind == .truncatedRecord }
}

/// A value or record that was read and kept but is probably not what the clinic meant: a negative amount (a
/// refund, or a sign typed by mistake), a file whose last record has no line end (it may have been cut
/// short inside the last value). Warnings do not stop reading and do not make `strata validate` fail;
/// every command that reads an export prints them.
public struct IngestWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case negativeAmount = "negative amount"
        case noFinalLineEnd = "no line end after the last record"

        /// What the reader did and why it warns, for messages.
        var consequence: String {
            switch self {
            case .negativeAmount:
                "kept as read (a refund or correction; amounts charged are expected to be 0 or more)"
            case .noFinalLineEnd:
                "kept as read (a file cut short inside its last value looks the same: check that this value is whole)"
            }
        }
    }

    public var kind: Kind
    public var file: String
    /// 1-based physical line and character column of the value warned about.
    public var line: Int
    public var column: Int
    /// The value as written.
    public var found: String

    public init(_ kind: Kind, file: String, line: Int, column: Int, found: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.found = found
    }

    public var description: String {
        let shown = found.count > 80 ? String(found.prefix(77)) + "..." : found
        return "\(file):\(line):\(column): \(kind.rawValue): found \"\(shown)\", \(kind.consequence)"
    }
}

/// The warnings of a read: how many of each kind, and the first few of each kind in file order.
public struct WarningReport: Sendable, Equatable {
    /// How many values or records each kind was found for, over all tables.
    public private(set) var counts: [IngestWarning.Kind: Int] = [:]
    /// The first warnings of each kind (at most ``exampleLimit`` per kind), in the order they were found.
    public private(set) var examples: [IngestWarning] = []
    public static let exampleLimit = 5

    public init() {}

    /// The number of warnings of every kind.
    public var count: Int { counts.values.reduce(0, +) }

    public var isEmpty: Bool { counts.isEmpty }

    /// Counts `count` warnings of `kind`, of which `examples` are the first (in file order).
    mutating func record(_ kind: IngestWarning.Kind, count: Int, examples found: [IngestWarning]) {
        guard count > 0 else { return }
        counts[kind, default: 0] += count
        var kept = examples.lazy.filter { $0.kind == kind }.count
        for warning in found where kept < Self.exampleLimit {
            examples.append(warning)
            kept += 1
        }
    }

    mutating func record(_ warning: IngestWarning) {
        record(warning.kind, count: 1, examples: [warning])
    }

    mutating func merge(_ other: WarningReport) {
        for kind in IngestWarning.Kind.allCases {
            record(kind, count: other.counts[kind] ?? 0, examples: other.examples.filter { $0.kind == kind })
        }
    }
}

/// Bad rows skipped under `maxBadRows`: how many, and the first few errors.
public struct BadRowReport: Sendable, Equatable {
    /// How many rows were skipped, over all tables.
    public var count: Int = 0
    /// The first errors, in file order per table (at most ``exampleLimit``).
    public var examples: [IngestError] = []
    public static let exampleLimit = 5

    public init() {}

    mutating func record(_ error: IngestError) {
        count += 1
        if examples.count < Self.exampleLimit { examples.append(error) }
    }

    mutating func merge(_ other: BadRowReport) {
        count += other.count
        for error in other.examples where examples.count < Self.exampleLimit { examples.append(error) }
    }
}

/// How strict reading is.
public struct IngestPolicy: Sendable, Equatable {
    /// Row-level problems (bad values, wrong field counts, duplicate ids, unknown patients) tolerated
    /// before reading fails; those rows are skipped and reported. 0 stops at the first problem.
    /// File-level problems (missing columns, unterminated quotes, empty files) always stop reading.
    public var maxBadRows: Int

    public init(maxBadRows: Int = 0) {
        self.maxBadRows = maxBadRows
    }

    public static let strict = IngestPolicy()
}
