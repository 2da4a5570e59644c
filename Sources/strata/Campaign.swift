import ArgumentParser
import Foundation
import StrataProject

/// `strata campaign`: campaigns measured against a randomized holdout (see docs/campaigns.md).
struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Start a campaign with a randomized holdout, and report its lift on later exports.",
        subcommands: [Start.self, Report.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Freeze the campaign's audience from the latest run, split it, and write the send list (treatment only).",
            discussion: "The campaign is defined under campaigns: in strata.yml. It starts once; its holdout stays off that segment's lists until the outcome window has passed."
        )
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The campaign's name under campaigns: in strata.yml.") var name: String
        @Option(help: "The latest run's export folder (default: the newest under exports.path).") var export: String?
        @Flag(help: "Print the result as one JSON object.") var json = false

        func run() throws {
            let summary = try StrataProject.CampaignStart.run(.init(project: options.directory, name: name,
                                                                    export: export.map { URL(fileURLWithPath: $0) },
                                                                    user: CurrentUser.name))
            if json { try printJSON(summary) } else { print(summary.table) }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Outcome rates of treatment and holdout on a later export, the lift with its 95% interval, and sub-groups.",
            discussion: "Before the outcome window has passed the rates so far are shown and the interval is marked not yet available."
        )
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The campaign's name.") var name: String
        @Option(help: "The export to measure on (default: the newest under exports.path).") var export: String?
        @Flag(help: "Print the result as one JSON object.") var json = false

        func run() throws {
            let summary = try CampaignReport.run(.init(project: options.directory, name: name,
                                                       export: export.map { URL(fileURLWithPath: $0) }, user: CurrentUser.name))
            printWarnings(summary.warnings)
            if json { try printJSON(summary) } else { print(summary.table) }
        }
    }
}
