import StrataData

/// The kinds of clinic the generator simulates; each has its own services, prices and visit rhythms
/// (see ``Service`` and ``CareProgram``).
public enum ClinicKind: String, CaseIterable, Sendable {
    case orthodontic
    case aesthetic
    case primaryCare = "primary-care"
    /// Primary care and an orthodontic department in one practice (the demo's clinic): both kinds'
    /// services, so that care reminders and orthodontic campaigns meet the same patients list.
    case multiSpecialty = "multi-specialty"
}

/// Everything that determines an export: the same configuration gives byte-identical files, whatever the
/// worker count.
public struct GeneratorConfiguration: Sendable, Equatable {
    /// People the clinic records over the intake window: patients plus inquirers who never convert
    /// (`lead_only`). With the default period all of them are in the export.
    public let personCount: Int
    public let seed: UInt64
    public let kind: ClinicKind
    /// The first day of simulated activity (`--from`), days since 1970-01-01.
    public let startDay: Int
    /// The export's cut date (`--to`): the export holds what was known by the end of this day (UTC).
    public let cutDay: Int
    /// The date the ground truth refers to (`--as-of`).
    public let asOfDay: Int
    /// The churn horizon in days: churn = no completed appointment in (as-of, as-of + horizon].
    public let horizonDays: Int
    /// Concurrent workers; does not change the output.
    public let workers: Int
    /// Whether `patients.csv` carries the attribute columns ``attributeColumns`` (insurance, neighbourhood,
    /// a chronic-condition flag) after the canonical ones. Off by default: a canonical reader accepts them
    /// only when a project declares them (`attributes` in strata.yml).
    public var writesAttributes = false
    /// A change of the population from a date (``PopulationShift``); nil: none.
    public var shift: PopulationShift?
    /// The process: `idealized` (the original one) or `realistic` (``Behaviour``).
    public var behaviour: Behaviour = .default
    /// The yearly rates of the life events that end a relationship for good (`--life-events`); used by
    /// `realistic` only.
    public var lifeEvents: LifeEventRates = .default
    /// Monte Carlo paths per patient behind the ground truth's probabilities (``GroundTruth``). More paths cost
    /// generation time and bring the estimates, and their AUC, closer to the exact values: at 16 the
    /// best-achievable column's AUC is about 0.01 below its converged value on the realistic clinic.
    public private(set) var truthPaths = GroundTruth.defaultReplicas
    /// ``truthPaths`` unless set.
    public static let defaultTruthPaths = GroundTruth.defaultReplicas
    /// The valid numbers of truth paths.
    public static let truthPathRange = 1...4096

    /// Sets ``truthPaths``.
    /// - Throws: ``GeneratorError/invalidOption(name:value:expected:)`` outside ``truthPathRange``.
    public mutating func setTruthPaths(_ paths: Int) throws(GeneratorError) {
        guard Self.truthPathRange.contains(paths) else {
            throw .invalidOption(name: "truthPaths", value: String(paths),
                                 expected: "an integer from \(Self.truthPathRange.lowerBound) to \(Self.truthPathRange.upperBound)")
        }
        truthPaths = paths
    }

    /// The attribute columns written with ``writesAttributes``, and how a project declares them.
    public static let attributeColumns: [(name: String, type: String)] = [
        ("insurance", "category"), ("neighbourhood", "category"), ("chronic_condition", "flag"),
    ]

    public static let defaultStart = "2021-01-01"
    public static let defaultCut = "2025-12-31"
    public static let defaultHorizonDays = 180
    /// `--as-of` defaults to this many days before `--to`, so the labels of the ground truth are observable
    /// inside the export.
    public static let defaultAsOfOffsetDays = 180
    public static let maximumPersonCount = 50_000_000

    /// Checks the parameters; errors name the parameter, the value and what was expected.
    ///
    /// - Parameters:
    ///   - from: `YYYY-MM-DD`, the first simulated day.
    ///   - to: `YYYY-MM-DD`, the cut date; not before `from`.
    ///   - asOf: `YYYY-MM-DD` within `from...to`; nil means `to` minus 180 days (or `from` if that is earlier).
    public init(personCount: Int, seed: UInt64, kind: ClinicKind = .orthodontic,
                from: String = defaultStart, to: String = defaultCut, asOf: String? = nil,
                horizonDays: Int = defaultHorizonDays, workers: Int = 1) throws(GeneratorError) {
        guard (1...Self.maximumPersonCount).contains(personCount) else {
            throw .invalidOption(name: "personCount", value: String(personCount),
                                 expected: "an integer from 1 to \(Self.maximumPersonCount)")
        }
        let startDay = try Self.parse(from, option: "from")
        let cutDay = try Self.parse(to, option: "to")
        guard cutDay >= startDay else {
            throw .invalidOption(name: "to", value: to, expected: "a date on or after the first day \(from)")
        }
        let asOfDay: Int
        if let asOf {
            asOfDay = try Self.parse(asOf, option: "asOf")
            guard (startDay...cutDay).contains(asOfDay) else {
                throw .invalidOption(name: "asOf", value: asOf, expected: "a date from the first day \(from) to the cut \(to)")
            }
        } else {
            asOfDay = max(startDay, cutDay - Self.defaultAsOfOffsetDays)
        }
        guard (1...3650).contains(horizonDays) else {
            throw .invalidOption(name: "horizonDays", value: String(horizonDays), expected: "an integer from 1 to 3650")
        }
        guard workers >= 1 else {
            throw .invalidOption(name: "workers", value: String(workers), expected: "an integer of at least 1")
        }
        self.personCount = personCount
        self.seed = seed
        self.kind = kind
        self.startDay = startDay
        self.cutDay = cutDay
        self.asOfDay = asOfDay
        self.horizonDays = horizonDays
        self.workers = workers
    }

    /// Parses a clinic kind, with the error the CLI shows.
    public static func kind(named name: String) throws(GeneratorError) -> ClinicKind {
        guard let kind = ClinicKind(rawValue: name) else {
            throw .invalidOption(name: "kind", value: name,
                                 expected: "one of " + ClinicKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return kind
    }

    private static func parse(_ text: String, option: String) throws(GeneratorError) -> Int {
        guard let day = CivilTime.parseDate(text),
              (CivilTime.days(year: 1900, month: 1, day: 1)...CivilTime.days(year: 9000, month: 12, day: 31)).contains(day)
        else {
            throw .invalidOption(name: option, value: text, expected: "a date YYYY-MM-DD between 1900 and 9000")
        }
        return day
    }

    /// The last instant (seconds since the epoch) of the cut day: events at or before it are exported.
    var cutInstant: Int64 { Int64(cutDay + 1) * CivilTime.secondsPerDay - 1 }
    /// The last instant of the as-of day.
    var asOfInstant: Int64 { Int64(asOfDay + 1) * CivilTime.secondsPerDay - 1 }
    /// The last instant of the churn horizon after the as-of day.
    var horizonInstant: Int64 { Int64(asOfDay + horizonDays + 1) * CivilTime.secondsPerDay - 1 }
    var startInstant: Int64 { Int64(startDay) * CivilTime.secondsPerDay }

    /// The options as `strata generate` arguments (without the output folders), so that running them again
    /// makes the same export. `--behaviour` is always written, since the default changed: a record without it
    /// was made before the option existed, and reads as `idealized`.
    public var commandLineArguments: [String] {
        var arguments = ["--patients", String(personCount), "--seed", String(seed), "--kind", kind.rawValue,
                         "--from", CivilTime.dateString(days: startDay), "--to", CivilTime.dateString(days: cutDay),
                         "--as-of", CivilTime.dateString(days: asOfDay), "--horizon-days", String(horizonDays)]
        if let shift { arguments += ["--shift", shift.argument] }
        arguments += ["--behaviour", behaviour.rawValue]
        if lifeEvents != .default { arguments += ["--life-events", lifeEvents.argument] }
        if truthPaths != GroundTruth.defaultReplicas { arguments += ["--truth-paths", String(truthPaths)] }
        return arguments
    }

    /// Whether the `realistic` behaviour runs.
    var isRealistic: Bool { behaviour == .realistic }
}

/// Why `strata generate` refused or failed. Nothing is left half-written when one is thrown.
public enum GeneratorError: Error, Equatable, ParameterNaming {
    /// A parameter's value is out of range or malformed (`name` is the parameter's).
    case invalidOption(name: String, value: String, expected: String)
    /// The output folder exists and holds files, and replacing it was not asked for.
    case outputNotEmpty(path: String)
    /// The two output folders collide.
    case conflictingOutputs(export: String, truth: String)
    /// Writing failed.
    case writeFailed(path: String, reason: String)

    public func description(naming name: (String) -> String) -> String {
        switch self {
        case let .invalidOption(parameter, value, expected):
            "\(name(parameter)) \(value): expected \(expected)"
        case let .outputNotEmpty(path):
            "\(path): the folder exists and is not empty; it is replaced only with \(name("replacing"))"
        case let .conflictingOutputs(export, truth):
            "\(name("truth")) \(truth): must be a folder apart from the export \(export) (not the same, not inside it)"
        case let .writeFailed(path, reason):
            "\(path): could not write: \(reason)"
        }
    }
}

extension CanonicalTable {
    /// The header line of the table's file, from the single definition in `CanonicalFormat.swift`.
    var headerNames: [String] { columns.map(\.name) }
}
