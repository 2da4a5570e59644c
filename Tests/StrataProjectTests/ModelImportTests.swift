import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// `ModelImport`: MLlib's JSON checked against the partitioned features it was fitted on (columns, order,
/// schema), and turned into model files whose parameters are MLlib's and whose penalty is Strata's `C`.
@Suite("Model import from MLlib")
struct ModelImportTests {
    /// A features folder of 4 rows × 3 columns with the label `churn_90d`, and a scratch folder beside it.
    private struct Fixture {
        let root: URL
        var features: URL { root.appendingPathComponent("features") }
        let manifest: FeaturePartitionManifest

        init(weights: [Double]? = nil) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-import-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let table = FeatureTable(patientIDs: ["P1", "P2", "P3", "P4"],
                                     matrix: Matrix(rows: 4, columns: 3, elements: [1, 0, -1, 0, 1, 1, -1, -1, 0, 0, 0, 0]),
                                     schema: FeatureSchema.plain(names: ["recency", "visits", "spend"]))
            let description = FeaturePartitions.Description(matrix: weights == nil ? "features" : "discovery",
                                                            asOf: Day(year: 2025, month: 6, day: 30)!,
                                                            labels: weights == nil ? [("churn_90d", [1, 0, 0, .nan])] : [],
                                                            weights: weights, exportFingerprint: "abc")
            manifest = try FeaturePartitions.write(table, description: description, partitions: 2,
                                                   to: root.appendingPathComponent("features"), fingerprint: Fingerprint.of)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        /// Writes `json` as the MLlib model file.
        func model(_ json: String) throws -> URL {
            let url = root.appendingPathComponent("mllib-\(UUID().uuidString).json")
            try Data(json.utf8).write(to: url)
            return url
        }

        func configuration(_ model: URL) -> ModelImport.Configuration {
            ModelImport.Configuration(model: model, features: features, output: root.appendingPathComponent("out-\(UUID().uuidString).json"))
        }

        /// MLlib's logistic JSON with `columns` (default: the features') and the folder's schema fingerprint.
        func logistic(columns: [String]? = nil, fingerprint: String? = nil, standardization: Bool = false,
                      coefficients: String = "[0.5, -1.25, 2]") -> String {
            """
            {"format": "strata-mllib-model", "format_version": 1, "kind": "logistic", "spark_version": "3.5.0",
             "columns": \(jsonList(columns ?? manifest.columns)), "schema_fingerprint": "\(fingerprint ?? manifest.schemaFingerprint)",
             "logistic": {"coefficients": \(coefficients), "intercept": -0.75, "reg_param": 0.05, "elastic_net_param": 0,
               "standardization": \(standardization), "weight_sum": 3, "tolerance": 1e-12, "iterations": 17,
               "feature_means": [0.1, 0.2, 0.3], "label": "churn_90d"}}
            """
        }

        func kmeans(centers: String = "[[1, 0, 0], [-1, 0, 0]]") -> String {
            """
            {"format": "strata-mllib-model", "format_version": 1, "kind": "kmeans",
             "columns": \(jsonList(manifest.columns)), "schema_fingerprint": "\(manifest.schemaFingerprint)",
             "kmeans": {"centers": \(centers), "cluster_sizes": [3, 1], "iterations": 4, "training_cost": 2.5}}
            """
        }

        private func jsonList(_ names: [String]) -> String { "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
    }

    private func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func aLogisticModelKeepsMLlibsParametersWithStrataPenalty() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let configuration = fixture.configuration(try fixture.model(fixture.logistic()))
        let summary = try ModelImport.run(configuration)
        #expect(summary.kind == "logistic" && summary.target == "churn" && summary.columns == 3)
        let file = try ModelFile<LogisticParameters>.read(from: configuration.output!, kind: LogisticParameters.kind)
        #expect(file.parameters.coefficients == [0.5, -1.25, 2])
        #expect(file.parameters.intercept == -0.75)
        #expect(file.parameters.featureMeans == [0.1, 0.2, 0.3])
        // MLlib's (1/n)Σℓ + λ/2‖w‖² times n/λ is Strata's C·Σℓ + ½‖w‖² with C = 1/(λ·n) = 1/(0.05·3) = 6.666...
        #expect(abs(file.parameters.c - 1 / 0.15) < 1e-12)
        #expect(file.parameters.penalty == .l2)
        #expect(file.training["target"] == "churn" && file.training["horizon_days"] == "90" && file.training["as_of"] == "2025-06-30")
        #expect(file.training["export_fingerprint"] == "abc")
        #expect(file.featureSchema.names == ["recency", "visits", "spend"])
        // The row (1, 0, -1) scores σ(0.5 − 2 − 0.75) = σ(−2.25).
        let probability = try file.parameters.model.probabilities(Matrix(rows: 1, columns: 3, elements: [1, 0, -1]))[0]
        #expect(abs(probability - 1 / (1 + exp(2.25))) < 1e-15)
    }

    @Test func aKMeansModelKeepsItsCentersAndGetsDistinctNames() throws {
        // Weights 0.5 as discovery gives a family of four: a center at 1 is two standard deviations high.
        let fixture = try Fixture(weights: [0.5, 1, 1])
        defer { fixture.remove() }
        let configuration = fixture.configuration(try fixture.model(fixture.kmeans()))
        let summary = try ModelImport.run(configuration)
        #expect(summary.kind == "kmeans" && summary.target == "clusters" && summary.parameters == 2)
        let file = try ModelFile<KMeansParameters>.read(from: configuration.output!, kind: KMeansParameters.kind)
        #expect(file.parameters.centers == [[1, 0, 0], [-1, 0, 0]])
        #expect(file.parameters.clusterSizes == [3, 1])
        let names = try #require(file.parameters.clusterNames)
        #expect(names.count == 2 && names[0] != names[1])
        #expect(names[0].contains("high") && names[1].contains("low"))
        let labels = try file.parameters.model(as: Double.self).predict(Matrix(rows: 2, columns: 3, elements: [0.9, 0, 0, -2, 1, 0]))
        #expect(labels == [0, 1])
    }

    @Test func invalidJSONIsAClearError() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let text = message { _ = try ModelImport.run(fixture.configuration(try fixture.model("{\"format\": \"strata-mllib-model\", "))) }
        #expect(text.contains("not valid JSON"))
        let missing = message {
            _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic().replacingOccurrences(of: "\"intercept\": -0.75,", with: ""))))
        }
        #expect(missing.contains("missing \"intercept\" at logistic"))
    }

    @Test func aMissingColumnIsNamed() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let text = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(columns: ["recency", "visits"])))) }
        #expect(text.contains("2 columns; the features have 3") && text.contains("column \"spend\" is missing"))
    }

    @Test func columnsOutOfOrderAreNamedByPosition() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let text = message {
            _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(columns: ["recency", "spend", "visits"]))))
        }
        #expect(text.contains("column 2 is \"spend\"; the features have \"visits\" there"))
    }

    @Test func anotherSchemaIsRefused() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let text = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(fingerprint: "0123456789abcdef")))) }
        #expect(text.contains("schema fingerprint 0123456789ab"))
    }

    @Test func anEditedSchemaFileIsRefused() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let schema = fixture.features.appendingPathComponent("schema.json")
        try (try Data(contentsOf: schema) + Data(" ".utf8)).write(to: schema)
        let text = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic()))) }
        #expect(text.contains("schema.json") && text.contains("differs from partitions.json's schema_fingerprint"))
    }

    @Test func wrongShapesAndStandardizationAreRefusedNamingTheField() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let short = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(coefficients: "[1, 2]")))) }
        #expect(short.contains("logistic.coefficients is 2 values; expected one per column (3)"))
        let standardized = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(standardization: true)))) }
        #expect(standardized.contains("logistic.standardization is true"))
        let center = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.kmeans(centers: "[[1, 0, 0], [1, 0]]")))) }
        #expect(center.contains("kmeans.centers[1] is 2 values"))
        let huge = message { _ = try ModelImport.run(fixture.configuration(try fixture.model(fixture.logistic(coefficients: "[1e300, 0, 0]")))) }
        #expect(huge.contains("parameters.coefficients[0]"))
    }

    @Test func anExistingOutputIsNeverOverwritten() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let configuration = fixture.configuration(try fixture.model(fixture.logistic()))
        try Data("mine".utf8).write(to: configuration.output!)
        let text = message { _ = try ModelImport.run(configuration) }
        #expect(text.contains("exists; models are never overwritten"))
        #expect(try String(contentsOf: configuration.output!, encoding: .utf8) == "mine")
    }
}
