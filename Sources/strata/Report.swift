import ArgumentParser
import Foundation
import StrataProject

/// `strata report`: one run as a notebook, an HTML page and the aggregate CSVs behind them.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report: report.ipynb, report.html and aggregates/*.csv in reports/run-N.",
        discussion: """
            Sections: the run and its data problems, segments (members, movement, reach), clusters, the churn \
            score (ROC, reliability, gains, lift, budgets) and consent. Figures from fewer patients than \
            reports.min_cell_size in strata.yml (default 11) are shown as <11. The files are replaced together \
            and recorded in the audit log with their fingerprints.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Option(name: .customLong("run"), help: "The run to report on (default: the newest).")
    var runNumber: Int64?

    @Option(help: "The folder the run-N folder is written in (default: reports in the project).")
    var out: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        if let runNumber, runNumber < 1 { throw ValidationError("--run must be a run number of 1 or more, got \(runNumber)") }
    }

    func run() throws {
        let summary = try ReportRun.run(ReportRun.Configuration(
            project: options.directory, run: runNumber, reportsFolder: out.map { URL(fileURLWithPath: $0, isDirectory: true) },
            user: CurrentUser.name))
        if json { try printJSON(summary) } else { print(summary.text) }
    }
}
