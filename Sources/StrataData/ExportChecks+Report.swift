/// How the cross-record checks' results read: the `checks:` lines of `strata validate`, the warnings other
/// commands print, and the JSON of `strata validate --json`.

extension CheckResult {
    /// `1 row`, `3 patients`.
    public var countPhrase: String {
        let noun = check.findsPatients ? "patient" : "row"
        return "\(count) \(count == 1 ? noun : noun + "s")"
    }
}

extension ExportCheckReport {
    /// The `checks` lines of `strata validate`: a line per check that found something (name, count, severity,
    /// policy, rows dropped) with its first examples, then the rest in a sentence; nothing when the checks did
    /// not run.
    public var lines: [String] {
        guard !results.isEmpty else { return [] }
        let found = results.filter { $0.count > 0 }
        let notRun = results.compactMap { result in result.notRun.map { "\(result.check.rawValue) not run: \($0)" } }
        let quiet = results.count - found.count - notRun.count
        guard !found.isEmpty else {
            return ["checks: nothing found" + (notRun.isEmpty ? "" : " (\(notRun.joined(separator: "; ")))")]
        }
        var lines = [strict ? "checks (strict: every check fails):" : "checks:"]
        let width = found.map(\.check.rawValue.count).max() ?? 0
        for result in found {
            var line = "  " + result.check.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  \(result.countPhrase), \(result.severity.rawValue), \(result.policy.rawValue)"
            if result.droppedRows > 0 { line += " (\(result.droppedRows) \(result.droppedRows == 1 ? "row" : "rows") dropped)" }
            if result.count > result.examples.count { line += "; first \(result.examples.count):" }
            lines.append(line)
            for example in result.examples { lines.append("    \(example)") }
        }
        var rest = quiet > 0 ? ["nothing found by the other \(quiet)"] : []
        rest += notRun
        if !rest.isEmpty { lines.append("  (" + rest.joined(separator: "; ") + ")") }
        return lines
    }

    /// What a command other than `validate` prints as warnings: a line per check that dropped records (the
    /// export it works on differs from the files), with its first finding. Kept findings change nothing and
    /// are listed by `validate` only.
    public var messages: [String] {
        results.filter { $0.policy == .drop && $0.count > 0 }.compactMap { result in
            guard let first = result.examples.first else { return nil }
            return "\(first) (check \(result.check.rawValue): \(result.countPhrase) dropped; `strata validate` lists them)"
        }
    }
}

/// `strata validate --json`: the summary as one object (documented in `docs/cli.md` and `docs/validation.md`).
public struct ValidationReport: Codable, Sendable, Equatable {
    public struct Table: Codable, Sendable, Equatable {
        public var name: String
        public var present: Bool
        public var rows: Int
    }

    public struct DateRange: Codable, Sendable, Equatable {
        public var first: String
        public var last: String
    }

    /// Bad rows skipped, or warnings: how many and the first messages.
    public struct Messages: Codable, Sendable, Equatable {
        public var count: Int
        public var examples: [String]
    }

    public struct Example: Codable, Sendable, Equatable {
        public var file: String
        /// 0 when the format records no lines (then `row`, 1-based, names the record).
        public var line: Int
        public var row: Int
        public var message: String
    }

    public struct Check: Codable, Sendable, Equatable {
        public var name: String
        public var severity: CheckSeverity
        public var policy: CheckPolicy
        /// `rows` or `patients`: what `count` counts.
        public var unit: String
        public var count: Int
        public var droppedRows: Int
        /// A `fail` policy with something found: the export is not clean.
        public var failed: Bool
        /// Why the check did not run; nil when it ran.
        public var notRun: String?
        public var examples: [Example]

        enum CodingKeys: String, CodingKey {
            case name, severity, policy, unit, count, droppedRows = "dropped_rows", failed, notRun = "not_run", examples
        }
    }

    public var format: ExportFormat
    /// Exit status 0 exactly when true: no bad rows skipped and no failed check.
    public var clean: Bool
    public var tables: [Table]
    public var patients: Int
    public var dateRange: DateRange?
    /// The day the export was taken (from its folder's name), when known.
    public var exportDay: String?
    /// The day ages were taken on.
    public var ageDay: String?
    public var strict: Bool
    public var checks: [Check]
    public var badRows: Messages
    public var warnings: Messages

    enum CodingKeys: String, CodingKey {
        case format, clean, tables, patients, dateRange = "date_range", exportDay = "export_day", ageDay = "age_day"
        case strict, checks, badRows = "bad_rows", warnings
    }

    public init(_ summary: ExportSummary) {
        format = summary.format
        clean = summary.isClean
        tables = summary.tables.map { Table(name: $0.table.rawValue, present: $0.isPresent, rows: $0.rows) }
        patients = summary.patients
        dateRange = summary.dateRange.map {
            DateRange(first: CivilDate.isoString(days: $0.lowerBound), last: CivilDate.isoString(days: $0.upperBound))
        }
        let report = summary.checks
        exportDay = report.exportDay?.description
        ageDay = report.results.isEmpty ? nil : report.ageDay.description
        strict = report.strict
        checks = report.results.map { result in
            Check(name: result.check.rawValue, severity: result.severity, policy: result.policy,
                  unit: result.check.findsPatients ? "patients" : "rows", count: result.count,
                  droppedRows: result.droppedRows, failed: result.fails, notRun: result.notRun,
                  examples: result.examples.map {
                      Example(file: $0.file, line: $0.line, row: $0.row + 1, message: $0.description)
                  })
        }
        badRows = Messages(count: summary.badRows.count, examples: summary.badRows.examples.map(\.description))
        warnings = Messages(count: summary.warnings.count, examples: summary.warnings.examples.map(\.description))
    }
}
