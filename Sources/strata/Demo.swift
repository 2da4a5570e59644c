import ArgumentParser
import Foundation
import StrataGenerator
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// `strata demo`: the whole flow on a synthetic primary-care clinic, in a project folder of its own.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole flow on a synthetic clinic: two exports a month apart, train, discover, refresh twice.",
        discussion: """
            Generates the bundled demo clinic (the same seed and settings as datasets/demo-clinic) cut at \
            2025-11-30 and at 2025-12-31, writes a project with the example segments, trains the churn score on \
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
        let project = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        let marker = project.appendingPathComponent(".strata-demo")
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: project.path) {
            guard fileManager.fileExists(atPath: marker.path) else {
                throw ValidationError("\(project.path) exists and is not a Strata demo; choose another --directory")
            }
            try fileManager.removeItem(at: project)
        }
        try fileManager.createDirectory(at: project, withIntermediateDirectories: true)
        try Data().write(to: marker)
        let cuts = ["2025-11-30", "2025-12-31"]
        let started = Date()
        var step = 0
        func announce(_ text: String) {
            step += 1
            writeToStandardError("[\(step)/6] \(text)\n")
        }

        announce("writing the project (strata.yml with the example segments)")
        try run(Init.self, ["--project", project.path])

        announce("generating \(patients) people, exported at \(cuts.joined(separator: " and "))")
        for cut in cuts {
            let settings = try GeneratorConfiguration(personCount: patients, seed: 20251231, kind: .primaryCare, to: cut,
                                                      workers: Parallel.processorCount)
            _ = try ClinicGenerator(settings).write(export: project.appendingPathComponent("exports/\(cut)"),
                                                    truth: project.appendingPathComponent("truth/\(cut)"))
        }

        announce("training the churn score on the \(cuts[0]) export")
        try run(Train.self, ["churn", project.appendingPathComponent("exports/\(cuts[0])").path,
                             "--config", project.appendingPathComponent("strata.yml").path,
                             "--model-out", project.appendingPathComponent("models/churn-\(cuts[0]).json").path])

        announce("discovering clusters on the \(cuts[0]) export")
        let clustersFile = project.appendingPathComponent("models/clusters-\(cuts[0]).json")
        try run(Discover.self, [project.appendingPathComponent("exports/\(cuts[0])").path,
                                "--config", project.appendingPathComponent("strata.yml").path, "--as-of", cuts[0],
                                "--k", "3...6", "--silhouette-sample-size", "2000", "--model-out", clustersFile.path])
        try addClusterSegments(to: project.appendingPathComponent("strata.yml"), from: clustersFile)

        announce("refreshing on the \(cuts[0]) export")
        let first = try Refresh.run(try StrataProject(directory: project), exportPath: "exports/\(cuts[0])", user: CurrentUser.name)
        print("run \(first.run.id): \(first.run.patientCount) patients as of \(first.asOf), \(first.lists.count) lists")

        announce("refreshing on the \(cuts[1]) export")
        try run(RefreshCommand.self, ["--project", project.path, "exports/\(cuts[1])"])
        print(String(format: "demo finished in %.1f s; the project is in %@", Date().timeIntervalSince(started), project.path))
    }

    /// Replaces the template's placeholder cluster segment with one segment per discovered cluster, as a
    /// user would after reading the profiles.
    private func addClusterSegments(to projectFile: URL, from modelFile: URL) throws {
        let model = try ModelFile<KMeansParameters>.read(from: modelFile, kind: KMeansParameters.kind)
        var text = try String(contentsOf: projectFile, encoding: .utf8)
        if let placeholder = text.range(of: "  - name: lapsed-cluster") { text.removeSubrange(placeholder.lowerBound...) }
        // Names are feature labels such as "high lead source: other": written as YAML double-quoted scalars,
        // since a plain one ends at ": ".
        func yamlQuoted(_ value: String) -> String {
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        for (index, name) in (model.parameters.clusterNames ?? []).enumerated() {
            let quote = name.contains("'") ? "\"" : "'"
            text += """
                  - name: cluster-\(index)
                    description: \(yamlQuoted("Discovered cluster \"\(name)\""))
                    rule: \(yamlQuoted("cluster = \(quote)\(name)\(quote)"))
                    purpose: marketing
                    channels: [email]

                """
        }
        try Data(text.utf8).write(to: projectFile, options: .atomic)
    }

    /// Runs another command in this process, as `strata` would from the command line.
    private func run<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) throws {
        var parsed = try C.parse(arguments)
        try parsed.run()
    }
}
