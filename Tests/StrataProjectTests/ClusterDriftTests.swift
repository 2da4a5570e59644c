import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
import Testing
@testable import StrataProject

/// A cluster model's drift reference, measured on the export it was fitted on, shows no drift: counts most
/// patients share (0 visits of a rare service) sit on a bin edge, and the reference must hold exactly the values
/// a refresh computes, or one ulp moves them all to the next bin (PSI above 10 was seen on the 1M report benchmark).
@Suite("cluster model drift", .serialized)
struct ClusterDriftTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cluster-drift-\(UUID().uuidString)")

    @Test func theExportAClusterModelWasFittedOnShowsNoDrift() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let export = root.appendingPathComponent("export")
        let settings = try GeneratorConfiguration(personCount: 800, seed: 9, kind: .multiSpecialty, from: "2023-01-01", to: "2025-06-30")
        _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
        let loaded = try ExportSource(path: export.path).read()
        let asOf = try Day(iso: "2025-06-30")
        let modelURL = root.appendingPathComponent("clusters.json")
        _ = try DiscoveryRun.run(DiscoveryRun.Configuration(asOf: asOf, clusterCounts: 4...4, silhouetteSampleSize: 600, modelFile: modelURL),
                                 on: loaded)
        let model = try ModelFile<KMeansParameters>.read(from: modelURL, kind: KMeansParameters.kind)
        let reference = try #require(model.drift)
        // As refresh computes it (`ProjectModels.clusterNames`).
        let x = try FeaturePipeline.apply(model.featureSchema, to: loaded.export, asOf: asOf).matrix
        let measured = Drift.measure(reference, x: x, scores: nil)
        #expect(measured.inputs.count == model.featureSchema.names.count)
        for entry in measured.inputs { #expect(entry.psi < 1e-9, "\(entry.name): PSI \(entry.psi)") }
    }
}
