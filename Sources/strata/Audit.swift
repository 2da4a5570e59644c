import ArgumentParser
import Foundation
import StrataSegments

/// `strata audit`: the hash-chained log of runs, lists and model changes.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or verify the audit log.",
        subcommands: [Verify.self, Show.self],
        defaultSubcommand: Show.self
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit log.")
        @OptionGroup var options: ProjectOptions

        func run() throws {
            for entry in try options.store().auditEntries() {
                print("\(entry.sequence)\t\(entry.recordedAt)\t\(entry.user)\t\(entry.action)\tinputs \(entry.inputs)\toutputs \(entry.outputs)")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit log and what it vouches for: runs, memberships and list files.",
            discussion: """
                Exit status 0: intact. 1: something was edited, removed or added (each finding is printed). \
                2: nothing found wrong, but runs recorded before Strata fingerprinted runs cannot be checked.
                """
        )
        @OptionGroup var options: ProjectOptions

        func run() throws {
            let project = try options.open()
            let store = try options.store()
            let result = try AuditVerification.check(store: store, listsFolder: project.listsURL)
            for problem in result.problems { writeToStandardError("\(problem)\n") }
            guard result.problems.isEmpty else { throw ExitCode(1) }
            if result.unverifiableRuns.isEmpty {
                print("audit log intact: \(result.entries) entries, head \(result.head.prefix(16))")
            } else {
                let runs = result.unverifiableRuns.map(String.init).joined(separator: ", ")
                print("audit log not verifiable in full: \(result.entries) entries chained correctly, head \(result.head.prefix(16)); "
                      + "runs \(runs) were recorded before Strata fingerprinted runs, so their memberships cannot be checked")
                throw ExitCode(2)
            }
        }
    }
}
