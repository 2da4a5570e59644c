import StrataData

/// The per-patient values segment rules read: one named column per feature, score, cluster name or
/// attribute, all of the same length (one entry per patient, in the export's patient order).
///
/// A `nil` entry is a missing value (no visit yet, no score). Lists (services, conditions, interests) are
/// never missing: an empty list means none.
///
/// A frame built for some rules (``build(export:asOf:schema:scores:clusters:selection:)`` with their
/// ``Selection``) holds only the fields they read; the others are named in ``unbuiltFields``.
public struct SegmentFrame: Sendable {
    /// One field's values for every patient.
    public enum Column: Sendable, Equatable {
        /// Numbers, stored with NaN for missing; `.number([1, nil])` builds one from optionals.
        case number(Numbers)
        case text([String?])
        /// Days since 1970-01-01.
        case date([Int?])
        case flag([Bool?])
        case list([[String]])

        var count: Int {
            switch self {
            case let .number(v): v.count
            case let .text(v): v.count
            case let .date(v): v.count
            case let .flag(v): v.count
            case let .list(v): v.count
            }
        }

        var type: RuleType {
            switch self {
            case .number: .number
            case .text: .text
            case .date: .date
            case .flag: .flag
            case .list: .list(.text)
            }
        }
    }

    /// The number of patients.
    public let patientCount: Int
    /// The date rules see as `as_of`.
    public let asOf: Day
    /// The columns by field name.
    public private(set) var columns: [String: Column] = [:]
    /// Completed visits by service, for `last_visit_for` and `visits_for`.
    public private(set) var visits: VisitHistory
    /// Condition onsets, for `condition_onset`.
    public var onsets = ConditionOnsets()
    /// Why fields a rule may name are not in the frame, for an error clearer than "unknown field": the
    /// lifetime model's `clv_<N>d` when it has no spend model, say.
    public private(set) var absentFields: [AbsentField] = []
    /// Fields the frame has but did not build, because the rules it was built for do not read them: named
    /// for the suggestion when a rule misspells a field, never evaluated.
    public private(set) var unbuiltFields: Set<String> = []

    /// Fields that are not in the frame for a reason, recognised by their name.
    public struct AbsentField: Sendable {
        /// Whether a name is one of these fields (`clv_365d`, `clv_180d`, ...).
        public let matches: @Sendable (String) -> Bool
        /// Why they are not there, in words, naming what would provide them.
        public let reason: String

        public init(matching matches: @escaping @Sendable (String) -> Bool, reason: String) {
            self.matches = matches
            self.reason = reason
        }
    }

    public init(patientCount: Int, asOf: Day) {
        self.patientCount = patientCount
        self.asOf = asOf
        self.visits = .empty(patientCount: patientCount)
    }

    /// Sets the visit history. It must cover `patientCount` patients (a programmer error otherwise).
    public mutating func setVisits(_ history: VisitHistory) {
        precondition(history.patientCount == patientCount, "visit history of \(history.patientCount) patients for \(patientCount)")
        visits = history
    }

    /// Adds or replaces a field. Its length must be `patientCount` (a programmer error otherwise).
    public mutating func set(_ name: String, _ column: Column) {
        precondition(column.count == patientCount, "field \(name) has \(column.count) values for \(patientCount) patients")
        columns[name] = column
        unbuiltFields.remove(name)
    }

    /// Records that the frame has a field `name` it did not build (see ``unbuiltFields``).
    mutating func skip(_ name: String) {
        if columns[name] == nil { unbuiltFields.insert(name) }
    }

    /// Whether the frame has a field `name`, built or not.
    func hasField(_ name: String) -> Bool {
        columns[name] != nil || unbuiltFields.contains(name)
    }

    /// Records why fields matching `absent` are not in the frame; a rule naming one gets that reason.
    public mutating func explainAbsence(_ absent: AbsentField) {
        absentFields.append(absent)
    }

    /// The reason a field `name` that the frame does not have is absent, when one was recorded.
    func absenceReason(_ name: String) -> String? {
        guard !hasField(name) else { return nil }
        return absentFields.first { $0.matches(name) }?.reason
    }

    /// Whether the number field `name` counts days, so that rules may compare it with a duration in days or
    /// weeks (`days_since_last_visit > 26w`): its name has the word `days` between `_` or `.`
    /// (`days_since_last_visit`, `tenure_days`, `mean_visit_interval_days`). `age > 5d` is an error.
    public static func countsDays(_ name: String) -> Bool {
        name.split(whereSeparator: { $0 == "_" || $0 == "." }).contains("days")
    }

    /// The day number of an ISO date `YYYY-MM-DD`, or nil when it is not a valid date.
    public static func day(fromISO text: String) -> Int? { RuleCalendar.day(fromISO: text) }
}
