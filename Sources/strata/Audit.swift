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
            abstract: "Check that no audit entry was edited or removed (exit status 1 when one was)."
        )
        @OptionGroup var options: ProjectOptions

        func run() throws {
            let store = try options.store()
            switch AuditLog.verify(try store.auditEntries(), expectedHead: AuditHead.read(store: store)) {
            case let .intact(entries, head):
                print("audit log intact: \(entries) entries, head \(head.prefix(16))")
            case let .broken(sequence, reason):
                FileHandle.standardError.write(Data("audit log broken at entry \(sequence): \(reason)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
