import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
import StrataRandom
@testable import StrataProject
import Testing

/// `strata discover` computes its matrix, the model file's drift reference and the clusters' raw means from one
/// feature pass (plus one of the few columns descriptions show): each must equal, bit for bit, what the separate
/// passes it replaced computed: the fit of every column standardized then weighted, the schema applied anew as a
/// refresh applies it, and the raw values of every column.
@Suite("discovery feature pass", .serialized)
struct DiscoveryFeaturePassTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-discovery-pass-\(UUID().uuidString)")
    let asOf = try! Day(iso: "2025-06-30")

    /// A generated 400-person primary-care export to 2025-06-30, read with the default configuration.
    func export() throws -> ExportSource.Loaded {
        let folder = root.appendingPathComponent("export")
        let settings = try GeneratorConfiguration(personCount: 400, seed: 7, kind: .primaryCare, from: "2023-01-01", to: "2025-06-30")
        _ = try ClinicGenerator(settings).write(export: folder, truth: root.appendingPathComponent("truth"))
        let projectFile = root.appendingPathComponent("strata.yml")
        try Data().write(to: projectFile)
        return try ExportSource(path: folder.path, configurationFile: projectFile.path).read(tables: { $0.features.tablesNeeded })
    }

    @Test(arguments: [true, false])
    func theMatrixAndDriftReferenceEqualThoseOfTheSeparatePasses(standardize: Bool) throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = try export()
        var spec = loaded.configuration.features
        spec.standardize = standardize
        let families = loaded.configuration.discover.families
        let (table, reference, _) = try DiscoveryFeatures.fitted(loaded.export, asOf: asOf, spec: spec, families: families,
                                                              driftReference: true)

        // Before: the fit standardized every planned column, the discovery families' columns were kept and
        // weighted, and their scales divided by the weights; the reference applied that schema anew.
        let full = try FeaturePipeline.fit(loaded.export, asOf: asOf, spec: try DiscoveryFeatures.discoverySpec(
            loaded.export, asOf: asOf, spec: spec, families: Set(families)))
        let kept = full.schema.columns.indices.filter { families.contains(full.schema.columns[$0].family) }
        var columns = kept.map { full.schema.columns[$0] }
        let weights = DiscoveryFeatures.familyWeights(columns)
        #expect(weights.contains { $0 < 1 } == standardize, "the families' weights are exercised when standardizing")
        var expected: [Double] = []
        for row in 0..<full.matrix.rows {
            for (position, j) in kept.enumerated() { expected.append(full.matrix[row, j] * weights[position]) }
        }
        for index in columns.indices where columns[index].scale != nil { columns[index].scale! /= weights[index] }
        #expect(table.schema == FeatureSchema(columns: columns))
        #expect(table.matrix.rows == full.matrix.rows && table.matrix.columns == kept.count)
        #expect(table.matrix.elements == expected)

        let applied = try FeaturePipeline.apply(table.schema, to: loaded.export, asOf: asOf).matrix
        #expect(reference == Drift.reference(applied, schema: table.schema, scores: nil, asOf: asOf))
        // Not the reference of the matrix itself: standardized then weighted, it rounds differently.
        if standardize { #expect(applied.elements != table.matrix.elements) }
    }

    @Test func descriptionsReadTheRawMeansOfEveryColumnTheyShow() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = try export()
        let table = try DiscoveryFeatures.table(loaded.export, asOf: asOf, spec: loaded.configuration.features,
                                                families: loaded.configuration.discover.families)
        var generator = Xoshiro256StarStar(seed: 3)
        let model = try KMeans(KMeans.Configuration(clusterCount: 5, initCount: 2)).fit(table.matrix, using: &generator)
        let described = try ClusterDescriptions.describe(loaded.export, asOf: asOf, table: table, model: model)

        // Before: the raw values of every column (rates with a negligible prior), averaged per cluster.
        var unsmoothed = table.schema
        for index in unsmoothed.columns.indices where unsmoothed.columns[index].parameters?["prior_weight"] != nil {
            unsmoothed.columns[index].parameters?["prior_weight"] = 1e-9
        }
        let raw = FeatureExtractor.rawValues(loaded.export, asOf: asOf,
                                             definitions: try FeatureDefinition.definitions(of: unsmoothed))
        // Each cluster's sum in row order; everyone's, the clusters' sums added in cluster order.
        func mean(_ cluster: Int?, _ name: String) -> Double? {
            let j = table.schema.names.firstIndex(of: name)!
            var sums = [Double](repeating: 0, count: model.clusterCount), counts = [Int](repeating: 0, count: model.clusterCount)
            for row in 0..<raw.rows where !raw[row, j].isNaN {
                sums[model.labels[row]] += raw[row, j]
                counts[model.labels[row]] += 1
            }
            let clusters = cluster.map { [$0] } ?? Array(0..<model.clusterCount)
            let sum = clusters.reduce(0.0) { $0 + sums[$1] }, count = clusters.reduce(0) { $0 + counts[$1] }
            return count > 0 ? sum / Double(count) : nil
        }
        let shown = described.features.flatMap { $0 }
        #expect(shown.count == 3 * model.clusterCount)
        #expect(Set(shown.map(\.name)).count < table.schema.columns.count, "some columns are not shown, so not computed")
        for (cluster, features) in described.features.enumerated() {
            for feature in features {
                #expect(feature.clusterMean == mean(cluster, feature.name), "cluster \(cluster) \(feature.name)")
                #expect(feature.populationMean == mean(nil, feature.name), "\(feature.name)")
            }
        }
    }
}
