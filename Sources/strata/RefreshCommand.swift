import ArgumentParser
import Foundation
import StrataSegments

/// `strata refresh`: the newest export through the current models and every segment.
struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Bring every segment up to date with the newest export: store the run, the changes and the lists.",
        discussion: """
            Everything is recorded in one transaction: a failure leaves the store and the lists as they were. \
            Refreshing the same export again records nothing (and rebuilds the latest run's lists if they were \
            removed or changed). A second refresh started meanwhile waits for the first, up to --lock-timeout.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The export folder (default: the newest under exports.path in strata.yml).")
    var export: String?

    @Option(help: "The as-of date, YYYY-MM-DD, within the export's dates (default: the export's last day).")
    var asOf: String?

    @Option(help: "Seconds to wait for another refresh of the project to finish.")
    var lockTimeout: Int = 600

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard (0...86_400).contains(lockTimeout) else {
            throw ValidationError("--lock-timeout must be between 0 and 86400 seconds, got \(lockTimeout)")
        }
    }

    func run() throws {
        let project = try options.open()
        let showProgress = isatty(STDERR_FILENO) == 1 && !json
        let report = try Refresh.run(project, exportPath: export, asOf: asOf, user: CurrentUser.name,
                                     lockTimeout: TimeInterval(lockTimeout),
                                     waiting: { writeToStandardError("\($0)\n") }) { step in
            if showProgress { writeToStandardError("  \(step)…\n") }
        }
        for warning in report.warnings { writeToStandardError("warning: \(warning)\n") }
        if json {
            print(try RefreshOutput(report).json())
        } else {
            print(RefreshOutput(report).table())
        }
    }
}

/// How a refresh is shown: a table for people, JSON for programs.
struct RefreshOutput {
    let report: Refresh.Report

    init(_ report: Refresh.Report) { self.report = report }

    func table() -> String {
        if report.unchanged {
            let line = "run \(report.run.id) (as of \(report.run.asOf)) already covers \(report.exportFolder.lastPathComponent): nothing changed"
            guard report.rebuiltLists else { return line }
            return line + "\nits lists were missing or changed and were written again in \(report.listsFolder.path)"
        }
        var lines = ["run \(report.run.id): \(report.exportFolder.lastPathComponent) as of \(report.asOf), \(report.run.patientCount) patients"]
        let width = max(7, report.segments.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ n: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, n - text.count))
            return left ? text + padding : padding + text
        }
        lines.append(pad("segment", width, left: true) + "  members  entered   exited")
        for (name, counts) in report.segments {
            lines.append(pad(name, width, left: true) + pad("\(counts.members)", 9) + pad("\(counts.entered)", 9) + pad("\(counts.exited)", 9))
        }
        let listed = report.lists.reduce(0) { $0 + $1.rows }
        lines.append("\(report.lists.count) lists (\(listed) contacts, consented only) in \(report.listsFolder.path)")
        return lines.joined(separator: "\n")
    }

    func json() throws -> String {
        let object: [String: Any] = [
            "run": report.run.id, "unchanged": report.unchanged, "rebuilt_lists": report.rebuiltLists, "as_of": report.asOf, "patients": report.run.patientCount,
            "segments": report.segments.map { ["name": $0.name, "members": $0.counts.members, "entered": $0.counts.entered, "exited": $0.counts.exited] },
            "lists": report.lists.map { ["file": $0.file, "rows": $0.rows, "without_consent": $0.withoutConsent, "without_address": $0.withoutAddress] },
            "lists_folder": report.listsFolder.path, "warnings": report.warnings,
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
