import Foundation
import StrataData
import StrataGenerator
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// The whole flow on a synthetic multi-specialty practice (primary care with preventive care, and an
/// orthodontic department with Invisalign and braces inquiries), in a project folder of its own: the
/// bundled demo clinic's seed cut at two dates a month apart, the project with the example segments, the
/// churn score trained and clusters discovered on the first export, a refresh on each export. Every example
/// segment has members, and the table says how many patients each exclusion kept out.
public enum DemoRun {
    public struct Configuration: Sendable {
        /// The demo project folder; replaced when it holds an earlier demo (marked by `.strata-demo`).
        public var directory: URL
        /// People in the synthetic clinic.
        public var patients: Int
        /// Who runs it, for the audit log.
        public var user: String
        /// The two export dates.
        public var cuts = ["2025-11-30", "2025-12-31"]

        public init(directory: URL, patients: Int = 5000, user: String) {
            self.directory = directory
            self.patients = patients
            self.user = user
        }
    }

    /// The demo's clinic: both departments, so that care reminders and the braces campaign have members.
    public static let clinicKind = ClinicKind.multiSpecialty

    /// Runs the demo. `announce` gets each of the six steps, `output` the lines the steps report (the training
    /// report, the cluster profiles, the first run, the second run's segment table).
    public static func run(_ configuration: Configuration, announce: (String) -> Void = { _ in },
                           output: (String) -> Void = { _ in }) throws -> RefreshSummary {
        let project = configuration.directory.standardizedFileURL
        let cuts = configuration.cuts
        try prepare(project)
        func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

        announce("writing the project (strata.yml with the example segments)")
        let file = try ProjectFolder.create(at: project, declaringAttributes: true)
        output("wrote \(file.path)")
        output(ProjectFolder.nextSteps)

        announce("generating \(configuration.patients) people, exported at \(cuts.joined(separator: " and "))")
        for cut in cuts {
            var settings = try GeneratorConfiguration(personCount: configuration.patients, seed: 20251231, kind: Self.clinicKind,
                                                      to: cut, workers: Parallel.processorCount)
            settings.writesAttributes = true  // insurance, neighbourhood, chronic_condition: the project declares them
            _ = try ClinicGenerator(settings).write(export: export(cut), truth: project.appendingPathComponent("truth/\(cut)"))
        }
        let first = ExportSource(path: export(cuts[0]).path, configurationFile: file.path)

        announce("training the churn score on the \(cuts[0]) export")
        let trained = try TrainingRun.run(TrainingRun.Configuration(
            target: .churn, modelFile: project.appendingPathComponent("models/churn-\(cuts[0]).json")), on: try first.read())
        trained.lines.forEach(output)

        announce("discovering clusters on the \(cuts[0]) export")
        let clustersFile = project.appendingPathComponent("models/clusters-\(cuts[0]).json")
        let discovery = try DiscoveryRun.run(DiscoveryRun.Configuration(
            asOf: try Day(iso: cuts[0]), clusterCounts: 3...6, silhouetteSampleSize: 2000, modelFile: clustersFile),
            on: try first.read(tables: { $0.features.tablesNeeded }))
        discovery.lines(requested: "3...6").forEach(output)
        let clusters = try ModelFile<KMeansParameters>.read(from: clustersFile, kind: KMeansParameters.kind)
        try ProjectFolder.create(at: project, segments: segments(naming: clusters.parameters.clusterNames ?? []), replacing: true,
                                 declaringAttributes: true)

        announce("refreshing on the \(cuts[0]) export")
        let firstRun = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export(cuts[0]), user: configuration.user))
        output("run \(firstRun.run): \(firstRun.patients) patients as of \(firstRun.asOf), \(firstRun.lists.count) lists")

        announce("refreshing on the \(cuts[1]) export")
        let second = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export(cuts[1]), user: configuration.user))
        let report = try ReportRun.run(ReportRun.Configuration(project: project, user: configuration.user))
        output("report of run \(report.run) written to \(report.html)")
        return second
    }

    /// The example segments with the cluster placeholder replaced by one segment per discovered cluster, as a
    /// user would write them after reading the profiles.
    static func segments(naming clusters: [String]) -> [ProjectTemplate.Segment] {
        let examples = ProjectTemplate.exampleSegments.filter { $0.name != ProjectTemplate.clusterPlaceholder }
        return examples + [attributeSegment] + clusters.enumerated().map { index, name in
            let quote = name.contains("'") ? "\"" : "'"
            return ProjectTemplate.Segment(name: "cluster-\(index)", description: "Discovered cluster \"\(name)\"",
                                           rule: "cluster = \(quote)\(name)\(quote)", purpose: .marketing, channels: [.email])
        }
    }

    /// A segment on the demo's attributes (declared in its strata.yml, written by the generator).
    static let attributeSegment = ProjectTemplate.Segment(
        name: "chronic-uninsured", description: "A chronic condition and no insurance; offer the payment plan",
        rule: "chronic_condition and insurance = 'uninsured'", purpose: .care, channels: [.phone])

    /// Makes `project` an empty demo folder: an earlier demo is removed, anything else is refused.
    static func prepare(_ project: URL) throws {
        let marker = project.appendingPathComponent(".strata-demo")
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: project.path) {
            guard fileManager.fileExists(atPath: marker.path) else { throw WorkflowError.notADemoFolder(project.path) }
            try fileManager.removeItem(at: project)
        }
        try fileManager.createDirectory(at: project, withIntermediateDirectories: true)
        try Data().write(to: marker)
    }
}
