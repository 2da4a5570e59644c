/// Cross-record checks: records that each read well but contradict another record, the calendar or the
/// export's own date. They run on the canonical tables every format produces (canonical, mapped, Synthea, and
/// any adapter), after reading.
///
/// Each check has a name (its key in the `checks:` section of `strata.yml`), a severity and a default policy:
///
/// | check | finds | severity | default |
/// |---|---|---|---|
/// | `booked_after_scheduled` | an appointment booked on a later day than its visit | error | fail |
/// | `visit_before_birth` | an appointment before the patient's birth date | error | fail |
/// | `birth_date_in_future` | a birth date after today | error | fail |
/// | `age_out_of_range` | an age below 0 or above 120 on the export's day | warning | keep |
/// | `duplicate_appointments` | an appointment row identical to an earlier one | warning | drop |
/// | `events_after_export` | a record dated after the export's day (a booked visit may be later) | warning | keep |
/// | `patients_without_events` | a patient in no other table | notice | keep |
///
/// Policies: `fail` stops reading with the first finding (``ExportCheckError``); `drop` removes the rows found
/// (a patient with every row of theirs in every table, so nothing refers to a dropped patient); `keep` keeps
/// them and reports them. Every check looks at the export as read; the drops are applied together afterwards.
public enum ExportCheck: String, Sendable, CaseIterable, Codable {
    case bookedAfterScheduled = "booked_after_scheduled"
    case visitBeforeBirth = "visit_before_birth"
    case birthDateInFuture = "birth_date_in_future"
    case ageOutOfRange = "age_out_of_range"
    case duplicateAppointments = "duplicate_appointments"
    case eventsAfterExport = "events_after_export"
    case patientsWithoutEvents = "patients_without_events"

    /// How bad a finding is: errors are records that cannot both be true; warnings are possible but doubtful;
    /// notices are facts worth knowing.
    public var severity: CheckSeverity {
        switch self {
        case .bookedAfterScheduled, .visitBeforeBirth, .birthDateInFuture: .error
        case .ageOutOfRange, .duplicateAppointments, .eventsAfterExport: .warning
        case .patientsWithoutEvents: .notice
        }
    }

    /// The policy when `strata.yml` sets none: errors fail; identical rows are export artifacts and are
    /// dropped (keeping the first); doubtful ages (placeholder birth dates such as 1900-01-01 are common),
    /// records after the export's day (a day read from a folder's name, which may name the month an export
    /// covers rather than the day it was taken) and patients without events (new registrations) are kept.
    public var defaultPolicy: CheckPolicy {
        switch self {
        case .bookedAfterScheduled, .visitBeforeBirth, .birthDateInFuture: .fail
        case .duplicateAppointments: .drop
        case .ageOutOfRange, .eventsAfterExport, .patientsWithoutEvents: .keep
        }
    }

    /// Whether a finding is a patient (dropping it drops the patient and their rows) rather than one row.
    public var findsPatients: Bool {
        switch self {
        case .birthDateInFuture, .ageOutOfRange, .patientsWithoutEvents: true
        case .bookedAfterScheduled, .visitBeforeBirth, .duplicateAppointments, .eventsAfterExport: false
        }
    }

    /// The phrase used in messages.
    public var phrase: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// What a check does with what it finds.
public enum CheckPolicy: String, Sendable, CaseIterable, Codable {
    /// Reading fails with the first finding.
    case fail
    /// The rows found are removed (a patient with all of their rows).
    case drop
    /// The rows are kept and reported.
    case keep
}

/// How bad a finding is (see ``ExportCheck/severity``).
public enum CheckSeverity: String, Sendable, CaseIterable, Codable {
    case error, warning, notice
}

/// The `checks:` section of `strata.yml`: a policy per check, by name; checks not named keep their default.
///
///     checks:
///       booked_after_scheduled: drop
///       patients_without_events: fail
public struct ExportCheckPolicies: Sendable, Equatable, Codable {
    /// The policies set explicitly.
    public var policies: [ExportCheck: CheckPolicy]

    public init(_ policies: [ExportCheck: CheckPolicy] = [:]) {
        self.policies = policies
    }

    /// The policy of `check`: `fail` when `strict`, else the one set, else the check's default.
    public func policy(for check: ExportCheck, strict: Bool = false) -> CheckPolicy {
        strict ? .fail : policies[check] ?? check.defaultPolicy
    }

    public init(from decoder: Decoder) throws {
        let names = ExportCheck.allCases.map(\.rawValue)
        try UnknownKeys.check(decoder, allowed: names)
        let container = try decoder.container(keyedBy: UnknownKeys.AnyKey.self)
        var policies: [ExportCheck: CheckPolicy] = [:]
        for key in container.allKeys {
            let text = try container.decode(String.self, forKey: key)
            guard let policy = CheckPolicy(rawValue: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container,
                    debugDescription: "unknown policy \"\(text)\"; expected fail, drop or keep")
            }
            policies[ExportCheck(rawValue: key.stringValue)!] = policy
        }
        self.policies = policies
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: UnknownKeys.AnyKey.self)
        for (check, policy) in policies.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try container.encode(policy.rawValue, forKey: UnknownKeys.AnyKey(stringValue: check.rawValue))
        }
    }
}

/// One record a check found: its place (`file:line`), what was found and what was expected.
///
///     appointments.csv:3: booked after scheduled: found booked_at 2023-09-02T10:00:00Z, scheduled_at 2023-09-01T10:00:00Z, expected a booking on or before the day of the visit
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public var check: ExportCheck
    /// The file, as named in messages.
    public var file: String
    /// The 1-based physical line the record starts on; 0 when the format does not record lines.
    public var line: Int
    /// The record's row in its table (0-based), for formats without lines.
    public var row: Int
    public var found: String
    public var expected: String

    public init(_ check: ExportCheck, file: String, line: Int, row: Int, found: String, expected: String) {
        self.check = check
        self.file = file
        self.line = line
        self.row = row
        self.found = found
        self.expected = expected
    }

    /// `file:line`, or `file (row N)` when lines are not recorded.
    public var place: String { line > 0 ? "\(file):\(line)" : "\(file) (row \(row + 1))" }

    public var description: String { "\(place): \(check.phrase): found \(found), expected \(expected)" }
}

/// What one check found on an export and what was done about it.
public struct CheckResult: Sendable, Equatable {
    public var check: ExportCheck
    /// The policy applied.
    public var policy: CheckPolicy
    /// Records found (rows, or patients for the checks that find patients).
    public var count: Int
    /// The first ``exampleLimit`` findings, in file order.
    public var examples: [CheckFinding]
    /// Rows removed because of this check, over every table (a dropped patient's rows included); 0 unless the
    /// policy is `drop`.
    public var droppedRows: Int
    /// Why the check did not run (``ExportCheck/eventsAfterExport`` without an export day); nil when it ran.
    public var notRun: String?

    public static let exampleLimit = 5

    public var severity: CheckSeverity { check.severity }

    /// Whether this result stops reading: a `fail` policy with something found.
    public var fails: Bool { policy == .fail && count > 0 }
}

/// Every check's result on one export.
public struct ExportCheckReport: Sendable, Equatable {
    /// One result per check, in ``ExportCheck`` order.
    public var results: [CheckResult]
    /// The day the export was taken, when known: `events_after_export` compares with it and ages are taken on it.
    public var exportDay: Day?
    /// The day ages were taken on: the export day, else the last day of any record, else today.
    public var ageDay: Day
    /// Whether every check ran as `fail` (strict reading).
    public var strict: Bool

    public init(results: [CheckResult] = [], exportDay: Day? = nil, ageDay: Day = Day(daysSince1970: 0), strict: Bool = false) {
        self.results = results
        self.exportDay = exportDay
        self.ageDay = ageDay
        self.strict = strict
    }

    /// The results that stop reading.
    public var failures: [CheckResult] { results.filter(\.fails) }

    /// Whether no check with a `fail` policy found anything.
    public var passes: Bool { !results.contains(where: \.fails) }

    /// The error a command stops with, or nil when the checks pass.
    public var error: ExportCheckError? {
        let failures = failures
        return failures.isEmpty ? nil : ExportCheckError(failures: failures, strict: strict)
    }
}

/// Reading stopped because a check with the `fail` policy found records. Names the first of them with its
/// place, how many there are, and which setting decides.
public struct ExportCheckError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The failing checks' results (each with its examples).
    public var failures: [CheckResult]
    /// Whether they fail because every check was made to fail (strict reading).
    public var strict: Bool

    public var description: String {
        guard let first = failures.first, let example = first.examples.first else { return "cross-record checks failed" }
        let noun = first.check.findsPatients ? "patient" : "row"
        var text = "\(example) (check \(first.check.rawValue): \(first.count) \(first.count == 1 ? noun : noun + "s")"
        if failures.count > 1 {
            text += "; also " + failures.dropFirst().map { "\($0.check.rawValue): \($0.count)" }.joined(separator: ", ")
        }
        text += strict ? "; strict: every check fails)"
            : "; policy fail: set checks.\(first.check.rawValue) to drop or keep in strata.yml to go on without them)"
        return text
    }
}
