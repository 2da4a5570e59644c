import ArgumentParser
import Foundation
import StrataProject

/// `strata demo`: the whole flow on a synthetic multi-specialty clinic, in a project folder of its own.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole flow on a synthetic clinic: two exports a month apart, train, discover, refresh twice.",
        discussion: """
            Generates a multi-specialty practice (primary care and orthodontics; the seed of \
            datasets/demo-clinic) cut at 2025-11-30 and at 2025-12-31, writes a project with the example segments, trains the churn score on \
            the first export, discovers clusters, refreshes on both exports and prints the segment table of \
            the second refresh with who entered and left.
            """
    )

    @Option(help: "The demo project folder (replaced when it holds an earlier demo).")
    var directory: String = "demo-project"

    @Option(help: "People in the synthetic clinic.")
    var patients: Int = 5000

    func validate() throws {
        guard (100...1_000_000).contains(patients) else {
            throw ValidationError("--patients must be from 100 to 1000000, got \(patients)")
        }
    }

    func run() throws {
        let started = Date()
        let demo = DemoRun.Configuration(directory: URL(fileURLWithPath: directory, isDirectory: true), patients: patients,
                                         user: CurrentUser.name)
        var step = 0
        let summary = try DemoRun.run(demo, announce: { text in
            step += 1
            writeToStandardError("[\(step)/6] \(text)\n")
        }, output: { print($0) })
        printWarnings(summary.warnings)
        print(summary.table)
        print(String(format: "demo finished in %.1f s; the project is in %@", Date().timeIntervalSince(started),
                     demo.directory.standardizedFileURL.path))
    }
}
