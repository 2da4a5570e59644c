/// The canonical export format: one folder per export, one CSV file (with a header row) per table.
///
/// This is the single definition the generator writes, the ingest validates, and `docs/export-format.md`
/// documents. Dates are `YYYY-MM-DD`; timestamps are ISO-8601 `YYYY-MM-DDTHH:MM:SSZ` (UTC); a timestamp
/// with an offset (`+01:00`) is converted to UTC; empty fields mean "absent" and are allowed only in
/// optional columns.
public enum CanonicalTable: String, CaseIterable, Sendable {
    case patients
    case appointments
    case communications
    case consents
    case conditions
    case leads

    /// The file name inside an export folder.
    public var fileName: String { rawValue + ".csv" }

    /// Whether an export must contain this table.
    public var isRequired: Bool {
        switch self {
        case .patients, .appointments, .communications, .consents: true
        case .conditions, .leads: false
        }
    }

    /// The columns, in the order the generator writes them. Readers match by name, not position.
    public var columns: [CanonicalColumn] {
        switch self {
        case .patients:
            [.init("patient_id", .identifier),
             .init("first_name", .text, optional: true),
             .init("birth_date", .date),
             .init("sex", .category(CanonicalValues.sex)),
             .init("postal_code", .text, optional: true),
             .init("created_at", .timestamp),
             .init("email", .text, optional: true),
             .init("phone", .text, optional: true),
             .init("preferred_channel", .category(CanonicalValues.channels), optional: true),
             .init("source", .text, optional: true),
             .init("deceased_at", .date, optional: true)]
        case .appointments:
            [.init("patient_id", .patientReference),
             .init("scheduled_at", .timestamp),
             .init("booked_at", .timestamp),
             .init("status", .category(CanonicalValues.appointmentStatus)),
             .init("service", .text),
             .init("provider", .text, optional: true),
             .init("amount", .decimal, optional: true)]
        case .communications:
            [.init("patient_id", .patientReference),
             .init("sent_at", .timestamp),
             .init("channel", .category(CanonicalValues.channels)),
             .init("campaign", .text, optional: true),
             .init("opened_at", .timestamp, optional: true),
             .init("clicked_at", .timestamp, optional: true),
             .init("responded_at", .timestamp, optional: true)]
        case .consents:
            [.init("patient_id", .patientReference),
             .init("channel", .category(CanonicalValues.channels)),
             .init("purpose", .category(CanonicalValues.consentPurpose)),
             .init("status", .category(CanonicalValues.consentStatus)),
             .init("recorded_at", .timestamp)]
        case .conditions:
            [.init("patient_id", .patientReference),
             .init("code", .text),
             .init("description", .text, optional: true),
             .init("onset_date", .date, optional: true)]
        case .leads:
            [.init("lead_id", .identifier),
             .init("patient_id", .patientReference, optional: true),
             .init("created_at", .timestamp),
             .init("source", .text),
             .init("interest", .text, optional: true)]
        }
    }
}

/// One column of a canonical table.
public struct CanonicalColumn: Sendable, Equatable {
    public let name: String
    public let kind: CanonicalColumnKind
    /// Whether the field may be empty.
    public let isOptional: Bool

    public init(_ name: String, _ kind: CanonicalColumnKind, optional: Bool = false) {
        self.name = name
        self.kind = kind
        self.isOptional = optional
    }
}

/// What a canonical column holds.
public enum CanonicalColumnKind: Sendable, Equatable {
    /// A table's own key: non-empty, unique within the table.
    case identifier
    /// A `patient_id` that must name a row of `patients.csv`.
    case patientReference
    /// `YYYY-MM-DD`.
    case date
    /// ISO-8601 date and time, UTC (`Z`) or with an offset.
    case timestamp
    /// A decimal number such as `120.50` (no currency sign, no thousands separator).
    case decimal
    /// One of the listed values, lower case.
    case category([String])
    /// Free text.
    case text
}

/// The allowed values of the canonical categorical columns.
public enum CanonicalValues {
    public static let sex = ["female", "male", "other", "unknown"]
    public static let channels = ["email", "sms", "phone", "whatsapp"]
    public static let appointmentStatus = ["completed", "no_show", "cancelled", "booked"]
    public static let consentPurpose = ["marketing", "care"]
    public static let consentStatus = ["opt_in", "opt_out"]
}

/// The dates and times an export may hold: 1900-01-01 through 2199-12-31 (UTC). Anything earlier is a
/// placeholder (`0000-01-01`, `0001-01-01T00:00:00Z`) or a typo rather than a clinic event or a living
/// patient's birth; anything later is a sentinel such as `9999-12-31`. Both would silently skew ages,
/// recency and tenure, so readers reject them with the range in the message.
public enum CanonicalDateRange {
    public static let firstYear = 1900
    public static let lastYear = 2199
    /// Days since 1970-01-01 of 1900-01-01 and 2199-12-31, as literals: the readers' hot loops compare with
    /// constants, not with a lazily initialized global (a test checks them against ``CivilDate``).
    public static let firstDay: Int32 = -25_567
    public static let lastDay: Int32 = 84_005
    /// Seconds since the epoch of 1900-01-01T00:00:00Z and 2199-12-31T23:59:59Z.
    public static let firstSecond: Int64 = -2_208_988_800
    public static let lastSecond: Int64 = 7_258_118_399

    @inlinable @inline(__always)
    public static func contains(day: Int32) -> Bool { day >= firstDay && day <= lastDay }

    @inlinable @inline(__always)
    public static func contains(timestamp seconds: Int64) -> Bool { seconds >= firstSecond && seconds <= lastSecond }
    static let dateExpectation = "a date from \(firstYear)-01-01 to \(lastYear)-12-31"
    static let timestampExpectation = "a date and time from \(firstYear)-01-01T00:00:00Z to \(lastYear)-12-31T23:59:59Z"
}
