import ArgumentParser
import Foundation
import StrataData
import StrataProject

/// `strata month`: validate, retrain, refresh and report on the newest export, reading it once.
struct Month: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the month on the newest export: validate, retrain (first models when there are none), refresh, report.",
        discussion: """
            The export is read and checked once and kept in the project's export cache; retrain works on that read, \
            refresh and report load it. Each step is the command of the same name with its guarantees: a failing \
            step leaves what it was writing as it was, the steps before it stay done, and the error names the step. \
            A project without a cluster champion gets its first cluster model (k chosen from 2...10) beside its first \
            churn model. Prints each step's wall and CPU seconds and the peak memory. See docs/scaling.md.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The export folder (default: the newest under exports.path in strata.yml).")
    var export: String?

    @Option(help: "Seed for the retrain's folds and the cluster fit.")
    var seed: UInt64 = 0

    @Option(help: "The numbers of clusters the cluster fit chooses from, such as 2...10.",
            transform: ClusterCountArgument.parser("--k", example: "2...10"))
    var k = ClusterCountArgument(range: 2...10)

    @Flag(name: .customLong("no-report"), help: "Stop after the refresh.")
    var noReport = false

    @Option(help: "Seconds to wait for another refresh of the project to finish.")
    var lockTimeout: Int = 600

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard k.isRange, k.counts.lowerBound >= 2, k.counts.upperBound <= 1_000 else {
            throw ValidationError("--k must be a range such as 2...10 (from 2 up to at most 1000), got '\(k.text)'")
        }
        guard (0...86_400).contains(lockTimeout) else {
            throw ValidationError("--lock-timeout must be between 0 and 86400 seconds, got \(lockTimeout)")
        }
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let month = MonthRun.Configuration(project: options.directory, export: export.map { URL(fileURLWithPath: $0) },
                                           user: CurrentUser.name, seed: seed, clusterCounts: k.counts, report: !noReport,
                                           lockTimeout: TimeInterval(lockTimeout))
        let summary = try progress.run(json: json) { reporter in
            let steps = ProgressSteps(reporter)
            defer { steps.finish() }
            return try MonthRun.run(month) { steps.begin($0) }
        }
        printWarnings(summary.warnings + summary.retrain.targets.flatMap(\.warnings) + summary.refresh.warnings)
        if json { try printJSON(summary) } else { print(summary.table) }
    }
}
