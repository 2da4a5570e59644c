import ArgumentParser
import Foundation
import StrataData
import StrataProject

/// `strata refresh`: the newest export through the current models and every segment.
struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Bring every segment up to date with the newest export: store the run, the changes and the lists.",
        discussion: """
            Everything is recorded in one transaction: a failure leaves the store and the lists as they were. \
            Refreshing the same export again records nothing (and rebuilds the latest run's lists if they were \
            removed or changed). A second refresh started meanwhile waits for the first, up to --lock-timeout. \
            An export folder given here is relative to the current directory, as for every other command.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The export folder (default: the newest under exports.path in strata.yml).")
    var export: String?

    @Option(help: "The as-of date, YYYY-MM-DD, within the export's dates (default: the export's last day).",
            transform: DayArgument.parser("--as-of", example: "2025-12-31"))
    var asOf: DayArgument?

    @Option(help: "Seconds to wait for another refresh of the project to finish.")
    var lockTimeout: Int = 600

    @Flag(help: "Make every cross-record check fail (whatever the checks: section of strata.yml says); nothing is recorded.")
    var strict = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    @Flag(help: "Write the run's report (reports/run-N) at the end, as `strata report` does.")
    var report = false

    func validate() throws {
        guard (0...86_400).contains(lockTimeout) else {
            throw ValidationError("--lock-timeout must be between 0 and 86400 seconds, got \(lockTimeout)")
        }
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let refresh = RefreshRun.Configuration(project: options.directory, export: export.map { URL(fileURLWithPath: $0) },
                                               asOf: asOf?.day, user: CurrentUser.name, lockTimeout: TimeInterval(lockTimeout),
                                               strict: strict)
        let summary = try progress.run(json: json) { reporter in
            let steps = ProgressSteps(reporter)
            defer { steps.finish() }
            return try RefreshRun.run(refresh, waiting: { writeToStandardError("\($0)\n") }) { steps.begin($0) }
        }
        printWarnings(summary.warnings)
        let written = report ? try ReportRun.run(ReportRun.Configuration(project: options.directory, run: summary.run, user: CurrentUser.name)) : nil
        if let written, !json { writeToStandardError("report written to \(written.html)\n") }
        if json {
            try printJSON(summary)
        } else {
            print(summary.table)
        }
    }
}
