import Foundation

/// What `strata validate` prints: tables and row counts, patients, the date range of events, the cross-record
/// checks, problems.
public struct ExportSummary: Sendable, Equatable, ParameterNaming {
    public struct TableLine: Sendable, Equatable {
        public var table: CanonicalTable
        public var rows: Int
        public var isPresent: Bool
    }

    public var format: ExportFormat
    public var tables: [TableLine]
    public var patients: Int
    /// The first and last day of any dated event (appointments, messages, consents, conditions, leads, patient
    /// creation); nil for an export without events.
    public var dateRange: ClosedRange<Int32>?
    public var badRows: BadRowReport
    public var warnings: WarningReport
    /// What the cross-record checks found (``ExportChecks``); no results when they were not run.
    public var checks: ExportCheckReport

    /// The summary of `result` (after the checks' drops) and of its `checks`.
    public init(_ result: ExportReadResult, checks: ExportCheckReport = ExportCheckReport()) {
        self.checks = checks
        let export = result.export
        format = result.format
        let counts = export.rowCounts
        tables = CanonicalTable.allCases.map {
            TableLine(table: $0, rows: counts[$0] ?? 0, isPresent: export.presentTables.contains($0))
        }
        patients = export.patients.count
        badRows = result.badRows
        warnings = result.warnings
        var first = Int32.max, last = Int32.min
        func include(_ day: Int32) {
            guard day != ClinicExport.missingDate else { return }
            first = min(first, day)
            last = max(last, day)
        }
        func include(_ timestamps: [Int64]) {
            var low = Int64.max, high = Int64.min
            for value in timestamps where value != ClinicExport.missingTimestamp {
                low = min(low, value)
                high = max(high, value)
            }
            if low <= high {
                include(CivilDate.day(ofTimestamp: low))
                include(CivilDate.day(ofTimestamp: high))
            }
        }
        include(export.patients.createdAt)
        include(export.appointments.scheduledAt)
        include(export.communications.sentAt)
        include(export.consents.recordedAt)
        include(export.leads.createdAt)
        for day in export.conditions.onsetDate { include(day) }
        dateRange = first <= last ? first...last : nil
    }

    /// Whether the export was read without skipping anything and no check with the `fail` policy found
    /// anything. Warnings do not count: their rows are kept.
    public var isClean: Bool { badRows.count == 0 && checks.passes }

    /// The printed summary, one fact per line.
    public var text: String { description }

    /// The summary, with the bad-row limit called `name("maxBadRows")`.
    public func description(naming name: (String) -> String) -> String {
        var lines = ["format: \(format.rawValue)", "tables:"]
        let width = tables.map(\.table.rawValue.count).max() ?? 0
        for line in tables {
            let name = line.table.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(line.isPresent ? "\(line.rows) rows" : "absent")")
        }
        lines.append("patients: \(patients)")
        if let dateRange {
            lines.append("date range: \(CivilDate.isoString(days: dateRange.lowerBound)) to \(CivilDate.isoString(days: dateRange.upperBound))")
        } else {
            lines.append("date range: none (no dated events)")
        }
        lines.append(contentsOf: checks.lines)
        let failures = checks.failures
        if badRows.count == 0 && failures.isEmpty {
            lines.append("problems: none")
        }
        if badRows.count > 0 {
            lines.append("problems: \(badRows.count) bad rows skipped (\(name("maxBadRows"))); first \(badRows.examples.count):")
            for example in badRows.examples { lines.append("  \(example)") }
        }
        if !failures.isEmpty {
            lines.append("problems: failed checks (listed under checks): " + failures.map { "\($0.check.rawValue) (\($0.countPhrase))" }.joined(separator: ", "))
        }
        lines.append(contentsOf: warnings.lines)
        return lines.joined(separator: "\n")
    }
}

extension WarningReport {
    /// `warnings: ...` and the examples, one per line; nothing when there are none. What `strata validate`
    /// prints after the problems.
    public var lines: [String] {
        guard !isEmpty else { return [] }
        var lines = ["warnings: " + countPhrases.joined(separator: ", ") + " (kept as read); first:"]
        for example in examples { lines.append("  \(example)") }
        return lines
    }

    /// One message per example, then how many were not shown: what the other commands print to standard
    /// error (each line after `warning: `).
    public var messages: [String] {
        guard !isEmpty else { return [] }
        var messages = examples.map(\.description)
        if count > examples.count {
            messages.append("\(count - examples.count) more not shown (`strata validate` counts them: " + countPhrases.joined(separator: ", ") + ")")
        }
        return messages
    }

    private var countPhrases: [String] {
        IngestWarning.Kind.allCases.compactMap { kind in
            guard let count = counts[kind] else { return nil }
            switch kind {
            case .negativeAmount: return "\(count) \(count == 1 ? "row" : "rows") with a negative amount"
            case .noFinalLineEnd: return "\(count) \(count == 1 ? "file" : "files") without a line end after the last record"
            }
        }
    }
}
