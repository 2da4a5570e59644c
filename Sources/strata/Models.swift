import ArgumentParser
import Foundation
import StrataProject

/// `strata models`: the project's model registry.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The project's registered models: list, show, promote, retire, health, import.",
        discussion: """
            Every model `strata train`, `strata discover` or `strata retrain` writes into the project's models \
            folder is registered as a candidate (the first of its target as champion). Refresh applies the \
            champion of each target and refuses one whose file is missing or changed. See docs/models.md.
            """,
        subcommands: [List.self, Show.self, Promote.self, Retire.self, Health.self, Import.self],
        defaultSubcommand: List.self
    )

    /// The options every `models` subcommand shares.
    struct Common: ParsableArguments {
        @OptionGroup var options: ProjectOptions
        @Flag(help: "Print the result as one JSON object.") var json = false

        func perform(_ action: ModelRegistry.Action, details: Bool = false) throws {
            let listing = try ModelRegistry.perform(action, project: options.directory, user: CurrentUser.name)
            if json {
                try printJSON(listing)
            } else {
                print(details ? listing.models.map(\.details).joined(separator: "\n") : listing.table)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every registered model with its status.")
        @OptionGroup var common: Common
        func run() throws { try common.perform(.list) }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model's facts and metrics.")
        @OptionGroup var common: Common
        @Argument(help: "The model's number (see `strata models list`).") var id: Int64
        func run() throws { try common.perform(.show(id), details: true) }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a model the champion of its target (the previous one is retired).")
        @OptionGroup var common: Common
        @Argument(help: "The model's number.") var id: Int64
        func run() throws { try common.perform(.promote(id)) }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a model: refresh no longer applies it.")
        @OptionGroup var common: Common
        @Argument(help: "The model's number.") var id: Int64
        func run() throws { try common.perform(.retire(id)) }
    }

    struct Health: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drift (PSI) of each applied model's inputs and score on the newest export, and realized performance of past runs.",
            discussion: "Bins come from the training quantiles stored in the model file. PSI < 0.1 stable, 0.1-0.25 watch, > 0.25 act.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The export folder (default: the newest under exports.path in strata.yml).") var export: String?
        @Flag(help: "Print the result as one JSON object.") var json = false

        func run() throws {
            let summary = try ModelHealth.run(project: options.directory, export: export.map { URL(fileURLWithPath: $0) },
                                              user: CurrentUser.name)
            printWarnings(summary.models.flatMap(\.warnings))
            if json { try printJSON(summary) } else { print(summary.table) }
        }
    }
}
