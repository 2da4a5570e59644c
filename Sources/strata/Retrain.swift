import ArgumentParser
import Foundation
import StrataData
import StrataProject

/// `strata retrain`: challengers on the newest export against the champions, promoted by the project's rule.
struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit challengers on the newest export, compare them with the champions out of time, promote by models.promote_when.",
        discussion: """
            Churn: the challenger is fitted as `strata train churn` fits it; champion and challenger are compared \
            on features as of T - horizon with labels through T (the export's last event day), a window neither \
            was fitted on. The challenger replaces the champion when its AUC drops by at most \
            models.promote_when.auc_drop_at_most (default 0.005) and its log loss rises by at most \
            log_loss_increase_at_most (default 0.01, i.e. 1%). A cluster champion is refitted with its ids carried \
            over. A first model is promoted. Every step is in the audit log. See docs/models.md.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The export folder (default: the newest under exports.path in strata.yml).")
    var export: String?

    @Flag(help: "Fit and compare, but write nothing.")
    var dryRun = false

    @OptionGroup var logistic: LogisticOptions

    @Option(help: "Stratified cross-validation folds.")
    var folds: Int = 5

    @Option(help: "Seed for the fold assignment and the cluster refit.")
    var seed: UInt64 = 0

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard (2...100).contains(folds) else { throw ValidationError("--folds must be from 2 to 100, got \(folds)") }
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let summary = try progress.run(json: json) { reporter in
            let steps = ProgressSteps(reporter)
            defer { steps.finish() }
            return try RetrainRun.run(RetrainRun.Configuration(
                project: options.directory, export: export.map { URL(fileURLWithPath: $0) }, dryRun: dryRun, user: CurrentUser.name,
                regression: logistic.regression, folds: folds, seed: seed)) { steps.begin($0) }
        }
        printWarnings(summary.warnings + summary.targets.flatMap(\.warnings))
        if json { try printJSON(summary) } else { print(summary.table) }
    }
}
