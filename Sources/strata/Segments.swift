import ArgumentParser
import Foundation
import StrataSegments

/// `strata segments`: what the store knows about each segment.
struct Segments: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment membership: current counts, history per run, and who entered or left.",
        subcommands: [List.self, History.self, Diff.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each segment's members after the latest run.")
        @OptionGroup var options: ProjectOptions

        func run() throws {
            let store = try options.store()
            guard let run = try store.latestRun() else { throw StoreError.noRuns }
            print("run \(run.id), as of \(run.asOf)")
            for name in try store.segmentNames() {
                print("\(name)\t\(try store.members(of: name).count)")
            }
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A segment's size, entries and exits in every run.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The segment.") var name: String

        func run() throws {
            print("run\tas_of\tmembers\tentered\texited")
            for entry in try options.store().history(of: name) {
                print("\(entry.run)\t\(entry.asOf)\t\(entry.members)\t\(entry.entered)\t\(entry.exited)")
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who entered, left and stayed in a segment in a run, with the reasons.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The segment.") var name: String
        @Option(name: .customLong("run"), help: "The run (default: the latest).") var runNumber: Int64?
        @Flag(help: "List the patients who stayed too.") var stayed = false

        func run() throws {
            let diff = try options.store().diff(of: name, in: runNumber)
            print("run \(diff.run): \(diff.entered.count) entered, \(diff.exited.count) exited, \(diff.stayed.count) stayed")
            for change in diff.entered { print("+ \(change.patientID)\t\(change.reason)") }
            for change in diff.exited { print("- \(change.patientID)\t\(change.reason)") }
            if stayed { for patient in diff.stayed { print("= \(patient)") } }
        }
    }
}
