import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// The workflow runs on a small generated clinic: one fingerprint for a model's training export and a
/// refresh of the same export; a holdout that cannot be made is said, not swallowed.
@Suite("workflow runs", .serialized)
struct WorkflowTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-workflow-\(UUID().uuidString)")

    /// A project with one export, cut at `to`, from `from`.
    func project(from: String = "2023-01-01", to: String = "2025-06-30") throws -> (project: URL, export: URL) {
        let project = root.appendingPathComponent("project"), export = project.appendingPathComponent("exports/\(to)")
        try ProjectFolder.create(at: project)
        let settings = try GeneratorConfiguration(personCount: 600, seed: 7, kind: .primaryCare, from: from, to: to)
        _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
        return (project, export)
    }

    @Test func aModelsTrainingExportIsTheRunsExport() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (project, export) = try project()
        let source = ExportSource(path: export.path, configurationFile: project.appendingPathComponent("strata.yml").path)
        let modelFile = project.appendingPathComponent("models/churn-2025-06-30.json")
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: modelFile), on: try source.read())
        #expect(trained.summary.model == modelFile.path)
        let summary = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export, user: "test"))
        #expect(summary.run == 1 && !summary.unchanged)
        #expect(!summary.warnings.contains { $0.contains("no churn model") })

        let model = try ModelFile<LogisticParameters>.read(from: modelFile, kind: LogisticParameters.kind)
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        let run = try #require(try store.latestRun())
        #expect(model.training["export_fingerprint"] == run.exportFingerprint)
        #expect(run.exportFingerprint == (try Fingerprint.of(folder: export)))
    }

    @Test func aHoldoutThatCannotBeMadeIsAWarning() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (project, export) = try project(from: "2024-01-01", to: "2025-06-30")
        let source = ExportSource(path: export.path, configurationFile: project.appendingPathComponent("strata.yml").path)
        // Features as of T - 700 days (2023-07-31); the holdout would fit as of 2021-08-30, before the first
        // patient was recorded (the generator records patients from 2022 for a clinic simulated from 2024).
        let configuration = TrainingRun.Configuration(target: .churn, horizonDays: 700,
                                                      modelFile: root.appendingPathComponent("churn.json"))
        let trained = try TrainingRun.run(configuration, on: try source.read())
        #expect(trained.summary.holdoutFitAsOf == nil)
        #expect(trained.warnings.contains { $0.hasPrefix("no out-of-time holdout: ") })
        #expect(trained.lines.contains { $0.hasPrefix("holdout: not available") })
    }

    @Test func theDemoTemplateReplacesThePlaceholderWithClusters() throws {
        let names = ["high visits", "high lead source: other", "it's quiet"]
        let text = ProjectTemplate.text(segments: DemoRun.segments(naming: names))
        let configuration = try ProjectConfiguration.parse(text)
        let catalog = try SegmentCatalog(configuration: configuration.segments)
        let definitions = catalog.definitions.map(\.name)
        #expect(!definitions.contains(ProjectTemplate.clusterPlaceholder))
        #expect(Array(definitions.suffix(3)) == ["cluster-0", "cluster-1", "cluster-2"])
        #expect(catalog.definitions.last?.rule == "cluster = \"it's quiet\"")
        #expect(catalog.definitions[catalog.definitions.count - 2].description == "Discovered cluster \"high lead source: other\"")
    }
}
