/// Columns of `patients.csv` or `leads.csv` beyond the canonical ones that a project declares (patient
/// attributes such as an insurance plan, a given outcome such as a cancelled membership). Undeclared extra
/// columns of a canonical file stay an error; declared ones are read, checked by kind and kept by name.

/// A declared extra column: the name it is kept under, its header name in the file and how its values are read.
public struct ExtraColumn: Sendable, Equatable, Hashable {
    /// The name the values are kept under (``Patients/extra``), e.g. an attribute's name.
    public var key: String
    /// The column's header name in the source file.
    public var column: String
    public var kind: ExtraColumnKind
    /// Whether the header must have the column (declared attributes, an outcome to train on); else it is
    /// read when present (an outcome column in a file being scored).
    public var isRequired: Bool

    public init(_ key: String, column: String? = nil, _ kind: ExtraColumnKind, required: Bool = true) {
        self.key = key
        self.column = column ?? key
        self.kind = kind
        isRequired = required
    }

    /// The key a table reader files the column under: never a canonical column name, so an extra column may
    /// read the same source column as a canonical one.
    var readKey: String { "extra:" + key }

    /// The canonical-column description the table reader checks values by; every extra field may be empty.
    var canonicalColumn: CanonicalColumn {
        switch kind {
        case .text: CanonicalColumn(readKey, .text, optional: true)
        case .number: CanonicalColumn(readKey, .decimal, optional: true)
        case .flag: CanonicalColumn(readKey, .category(ExtraColumnKind.flagSpellings), optional: true)
        }
    }
}

/// How an extra column's values are read.
public enum ExtraColumnKind: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Any text; stored dictionary-encoded.
    case text
    /// A decimal number (`12`, `-3.5`); empty is missing.
    case number
    /// Yes or no: one of ``flagSpellings``; empty is missing.
    case flag

    /// The spellings a flag accepts, yes and no alternating: an even position is yes.
    public static let flagSpellings = ["1", "0", "true", "false", "yes", "no", "y", "n", "t", "f",
                                       "TRUE", "FALSE", "True", "False", "YES", "NO", "Yes", "No", "Y", "N"]
}

/// The values of one extra column, one per row of its table.
public enum ExtraValues: Sendable, Equatable {
    case text(CategoryColumn)
    /// NaN when empty.
    case number([Double])
    /// nil when empty.
    case flag([Bool?])

    public var count: Int {
        switch self {
        case .text(let column): column.codes.count
        case .number(let values): values.count
        case .flag(let values): values.count
        }
    }

    /// The kind these values were read as.
    public var kind: ExtraColumnKind {
        switch self {
        case .text: .text
        case .number: .number
        case .flag: .flag
        }
    }

    /// Row `row` as text, as the file spelled it for text (flags as `yes`/`no`, numbers as written by Swift);
    /// nil when empty.
    public func text(_ row: Int) -> String? {
        switch self {
        case .text(let column): column[row]
        case .number(let values): values[row].isNaN ? nil : String(values[row])
        case .flag(let values): values[row].map { $0 ? "yes" : "no" }
        }
    }

    /// `count` empty rows of `kind`.
    static func empty(_ kind: ExtraColumnKind, count: Int) -> ExtraValues {
        switch kind {
        case .text: .text(CategoryColumn(codes: Array(repeating: -1, count: count)))
        case .number: .number(Array(repeating: .nan, count: count))
        case .flag: .flag(Array(repeating: nil, count: count))
        }
    }
}

extension TableSource {
    /// Adds readers for `extras`: each required one must be in the file's header (an error naming it
    /// otherwise); their fields may be empty.
    public mutating func addExtraColumns(_ extras: [ExtraColumn]) {
        for extra in extras {
            var source = ColumnSource(extra.canonicalColumn, sourceColumn: extra.column)
            source.isRequiredInHeader = extra.isRequired
            columns.append(source)
        }
    }
}

extension ReadTable {
    /// The extra columns' values by key (a declared column is always present: its absence fails the read).
    func extraValues(_ extras: [ExtraColumn]) -> [String: ExtraValues] {
        var result: [String: ExtraValues] = [:]
        for extra in extras {
            guard let builder = column(extra.readKey) else {
                result[extra.key] = .empty(extra.kind, count: rowCount)
                continue
            }
            switch extra.kind {
            case .text: result[extra.key] = .text(builder.categoryColumn)
            case .number: result[extra.key] = .number(builder.numbers)
            case .flag: result[extra.key] = .flag(builder.levels.map { $0 == 255 ? nil : $0 % 2 == 0 })
            }
        }
        return result
    }
}
