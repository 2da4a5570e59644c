import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// `strata models import`: a model Apache Spark MLlib fitted on Strata's partitioned features (see
/// ``PartitionedFeatureRun``) becomes a Strata model file that `strata score` and `strata refresh` apply.
///
/// The MLlib side is a small JSON file (``MLlibModel``, written by `Scripts/spark-roundtrip.py`): k-means
/// centers, or logistic coefficients, intercept and the penalty, with the feature columns in the order Spark
/// assembled them and the fingerprint of the `schema.json` they were computed with. Both are checked against
/// the features folder (`partitions.json`): a column missing, extra or out of order, or another schema, is
/// an error that names it. The model file gets the folder's fitted schema, so applying it to a new export
/// computes exactly the columns Spark fitted on.
///
/// MLlib's logistic objective is `(1/n)·Σ ℓᵢ + λ·(α‖w‖₁ + (1−α)/2·‖w‖²)` (with `standardization=false`);
/// multiplied by `n/λ` it is Strata's `C·Σ ℓᵢ + penalty(w)` with `C = 1/(λ·n)` and `l1Ratio = α`, so the file
/// records the `C` Strata would fit the same model with.
public enum ModelImport {
    public struct Configuration: Sendable {
        /// The MLlib model JSON.
        public var model: URL
        /// The partitioned features folder the model was fitted on (`partitions.json`, `schema.json`).
        public var features: URL
        /// The model file to write; nil: `<target>-<as_of>-mllib.json` in the project's models folder.
        public var output: URL?
        /// The project whose models folder receives the file (and whose registry records it).
        public var project: URL?

        public init(model: URL, features: URL, output: URL? = nil, project: URL? = nil) {
            self.model = model
            self.features = features
            self.output = output
            self.project = project
        }
    }

    /// `strata models import --json`.
    public struct Summary: Codable, Sendable, Equatable {
        /// `logistic` or `kmeans`.
        public var kind: String
        /// `churn` or `clusters`.
        public var target: String
        /// The model file written.
        public var model: String
        public var columns: Int
        /// Clusters (k-means) or coefficients (logistic).
        public var parameters: Int
        /// Strata's `C` for the MLlib penalty (logistic).
        public var c: Double?
        /// The registry's number and status when the file is in a project's models folder.
        public var registeredID: Int64?
        public var status: String?

        enum CodingKeys: String, CodingKey {
            case kind, target, model, columns, parameters, c, registeredID = "registered_id", status
        }

        /// The line `strata models import` prints.
        public var line: String {
            var line = "imported the MLlib \(kind) model (\(target), \(columns) columns, "
                + (kind == KMeansParameters.kind ? "\(parameters) clusters" : String(format: "C %.6g", c ?? 0))
                + ") to \(model)"
            if let registeredID, let status { line += "; registered as model \(registeredID) (\(status))" }
            return line
        }
    }

    /// Reads and checks both files, writes the model file and registers it when it lies in a project.
    public static func run(_ configuration: Configuration) throws -> Summary {
        let manifest = try readManifest(configuration.features)
        let schema = try readSchema(configuration.features, manifest: manifest)
        let mllib = try MLlibModel.read(configuration.model)
        try mllib.check(against: manifest, path: configuration.model.path)
        let target = mllib.kind == KMeansParameters.kind ? "clusters" : "churn"
        let output: URL
        if let given = configuration.output {
            output = given
        } else {
            guard let projectURL = configuration.project else { throw ModelImportError.noOutput }
            output = try Project(directory: projectURL).modelsURL.appendingPathComponent("\(target)-\(manifest.asOf)-mllib.json")
        }
        guard !FileManager.default.fileExists(atPath: output.path) else { throw ModelImportError.outputExists(path: output.path) }
        var training = ["as_of": manifest.asOf, "source": "spark-mllib", "features_schema_fingerprint": manifest.schemaFingerprint]
        if let exportFingerprint = manifest.exportFingerprint { training["export_fingerprint"] = exportFingerprint }
        if let version = mllib.sparkVersion { training["spark_version"] = version }
        var summary = Summary(kind: mllib.kind, target: target, model: output.path, columns: manifest.columns.count,
                              parameters: 0)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let logistic = mllib.logistic {
            let file = try logisticFile(logistic, schema: schema, manifest: manifest, training: training, path: configuration.model.path)
            try checked(file, path: configuration.model.path).write(to: output)
            (summary.parameters, summary.c) = (logistic.coefficients.count, file.parameters.c)
        } else if let kmeans = mllib.kmeans {
            let file = kMeansFile(kmeans, schema: schema, manifest: manifest, training: training)
            try checked(file, path: configuration.model.path).write(to: output)
            summary.parameters = kmeans.centers.count
        }
        if let registered = try ModelRegistry.registerIfInProject(output, exportFolder: nil) {
            (summary.registeredID, summary.status) = (registered.id, registered.status.rawValue)
        }
        return summary
    }

    /// The model file's own checks (finite values, one per column), reported against the MLlib file.
    private static func checked<P: ModelParameters>(_ file: ModelFile<P>, path: String) throws -> ModelFile<P> {
        do { try file.validate() } catch { throw ModelImportError.invalid(path: path, field: error.field, problem: error.problem) }
        return file
    }

    static func logisticFile(_ logistic: MLlibModel.Logistic, schema: FeatureSchema, manifest: FeaturePartitionManifest,
                             training: [String: String], path: String) throws -> ModelFile<LogisticParameters> {
        guard let label = manifest.labels.first(where: { $0 == logistic.label }) else {
            throw ModelImportError.unknownLabel(path: path, label: logistic.label, labels: manifest.labels)
        }
        guard label.hasPrefix("churn_"), label.hasSuffix("d"), let horizon = Int(label.dropFirst(6).dropLast()) else {
            throw ModelImportError.unknownLabel(path: path, label: label, labels: manifest.labels)
        }
        guard logistic.regParam > 0, logistic.regParam.isFinite else {
            throw ModelImportError.invalid(path: path, field: "logistic.reg_param",
                                           problem: "\(logistic.regParam); expected a penalty > 0 (Strata's C is 1/(reg_param·rows))")
        }
        guard (0...1).contains(logistic.elasticNetParam) else {
            throw ModelImportError.invalid(path: path, field: "logistic.elastic_net_param",
                                           problem: "\(logistic.elasticNetParam); expected a number from 0 to 1")
        }
        guard !logistic.standardization else {
            throw ModelImportError.invalid(path: path, field: "logistic.standardization",
                                           problem: "true; the features are already standardized, and MLlib's standardization=true penalizes another objective: fit with standardization=false")
        }
        guard logistic.weightSum > 0, logistic.weightSum.isFinite else {
            throw ModelImportError.invalid(path: path, field: "logistic.weight_sum", problem: "\(logistic.weightSum); expected the rows fitted (> 0)")
        }
        let alpha = logistic.elasticNetParam
        let penalty: LogisticRegression.Penalty = alpha == 0 ? .l2 : alpha == 1 ? .l1 : .elasticNet
        let configuration = LogisticRegression.Configuration(c: 1 / (logistic.regParam * logistic.weightSum), penalty: penalty,
                                                             l1Ratio: alpha, tolerance: logistic.tolerance, solver: .lbfgs)
        let parameters = LogisticParameters(coefficients: logistic.coefficients, intercept: logistic.intercept,
                                            featureMeans: logistic.featureMeans, configuration: configuration, solver: .lbfgs,
                                            iterations: logistic.iterations, converged: true)
        var fileTraining = training
        fileTraining.merge(["target": "churn", "horizon_days": "\(horizon)", "rows": "\(Int(logistic.weightSum))"]) { _, new in new }
        let file = ModelFile(kind: LogisticParameters.kind, featureSchema: schema, parameters: parameters,
                             metrics: ["iterations": Double(logistic.iterations)], training: fileTraining)
        return file
    }

    static func kMeansFile(_ kmeans: MLlibModel.KMeans, schema: FeatureSchema, manifest: FeaturePartitionManifest,
                           training: [String: String]) -> ModelFile<KMeansParameters> {
        let k = kmeans.centers.count, d = schema.columns.count
        let centers = Matrix(rows: k, columns: d, elements: kmeans.centers.flatMap { $0 })
        let iterations = kmeans.iterations ?? 0
        let configuration = KMeans.Configuration(clusterCount: k, initialization: .centers(centers), maxIterations: max(iterations, 1),
                                                 tolerance: 0, algorithm: .lloyd)
        let model = KMeansModel(centers: centers, inertia: kmeans.trainingCost, iterations: iterations, configuration: configuration)
        // Names as discover gives them: a center's coordinate over its column's weight is the cluster's
        // standardized difference from all patients (their mean is 0 and their deviation the weight).
        let weights = manifest.weights ?? Array(repeating: 1, count: d)
        let differences = kmeans.centers.map { center in center.indices.map { center[$0] / weights[$0] } }
        let sizes = kmeans.clusterSizes ?? Array(repeating: 0, count: k)
        let names = PersonaNames.names(differences: differences, sizes: sizes, schema: schema)
        var trainingContext = training
        trainingContext["patients"] = "\(sizes.reduce(0, +))"
        trainingContext["features"] = "\(d)"
        var file = model.modelFile(featureSchema: schema, clusterNames: names, training: trainingContext)
        file.parameters.clusterSizes = kmeans.clusterSizes ?? []
        file.parameters.clusterIDs = Array(0..<k)
        file.parameters.families = schema.columns.reduce(into: [String]()) { if !$0.contains($1.family) { $0.append($1.family) } }
        return file
    }

    static func readManifest(_ folder: URL) throws(ModelImportError) -> FeaturePartitionManifest {
        let url = folder.appendingPathComponent(FeaturePartitions.manifestName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(path: url.path, reason: "\(error.localizedDescription); expected the partitioned features folder the model was fitted on")
        }
        let manifest: FeaturePartitionManifest
        do { manifest = try JSONDecoder().decode(FeaturePartitionManifest.self, from: data) } catch {
            throw .malformed(path: url.path, reason: MLlibModel.describe(error))
        }
        guard manifest.format == FeaturePartitionManifest.formatName, manifest.formatVersion == 1 else {
            throw .wrongFormat(path: url.path, found: "\(manifest.format) version \(manifest.formatVersion)",
                               expected: "\(FeaturePartitionManifest.formatName) version 1")
        }
        return manifest
    }

    /// The folder's `schema.json`, checked against the manifest's fingerprint and columns.
    static func readSchema(_ folder: URL, manifest: FeaturePartitionManifest) throws -> FeatureSchema {
        let url = folder.appendingPathComponent(FeaturePartitions.schemaName)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelImportError.unreadable(path: url.path, reason: error.localizedDescription) }
        let found = Fingerprint.of(data)
        guard found == manifest.schemaFingerprint else {
            throw ModelImportError.schemaChanged(path: url.path, expected: manifest.schemaFingerprint, found: found)
        }
        let schema: FeatureSchema
        do { schema = try JSONDecoder().decode(FeatureSchema.self, from: data) } catch {
            throw ModelImportError.malformed(path: url.path, reason: MLlibModel.describe(error))
        }
        try schema.validate()
        guard schema.names == manifest.columns else {
            throw ModelImportError.malformed(path: url.path, reason: "its columns differ from partitions.json's")
        }
        return schema
    }
}

/// The MLlib side of an import: what `Scripts/spark-roundtrip.py` writes after fitting (docs/scaling.md).
public struct MLlibModel: Codable, Sendable, Equatable {
    public struct Logistic: Codable, Sendable, Equatable {
        public var coefficients: [Double]
        public var intercept: Double
        /// MLlib's `regParam` (λ) and `elasticNetParam` (α).
        public var regParam: Double
        public var elasticNetParam: Double
        /// Must be false: the features are already standardized.
        public var standardization: Bool
        /// The rows fitted (the sum of their weights): `C = 1/(λ·n)`.
        public var weightSum: Double
        public var tolerance: Double
        public var iterations: Int
        /// The training rows' column means, for explanations.
        public var featureMeans: [Double]
        /// The label column fitted (`churn_<h>d`).
        public var label: String

        enum CodingKeys: String, CodingKey {
            case coefficients, intercept, regParam = "reg_param", elasticNetParam = "elastic_net_param", standardization
            case weightSum = "weight_sum", tolerance, iterations, featureMeans = "feature_means", label
        }
    }

    public struct KMeans: Codable, Sendable, Equatable {
        public var centers: [[Double]]
        public var clusterSizes: [Int]?
        /// Lloyd steps, when the API reports them (the RDD API's model does not): 0 when absent.
        public var iterations: Int?
        /// The sum of squared distances to the nearest center.
        public var trainingCost: Double

        enum CodingKeys: String, CodingKey {
            case centers, clusterSizes = "cluster_sizes", iterations, trainingCost = "training_cost"
        }
    }

    public static let formatName = "strata-mllib-model"

    public var format: String
    public var formatVersion: Int
    /// `logistic` or `kmeans`.
    public var kind: String
    public var sparkVersion: String?
    /// The feature columns in the order Spark assembled them.
    public var columns: [String]
    /// `schema_fingerprint` of the features folder the model was fitted on.
    public var schemaFingerprint: String
    public var logistic: Logistic?
    public var kmeans: KMeans?

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", kind, sparkVersion = "spark_version", columns
        case schemaFingerprint = "schema_fingerprint", logistic, kmeans
    }

    /// Reads and decodes the file; its shape (format, kind and the matching section) is checked here.
    static func read(_ url: URL) throws(ModelImportError) -> MLlibModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: error.localizedDescription) }
        let model: MLlibModel
        do { model = try JSONDecoder().decode(MLlibModel.self, from: data) } catch {
            throw .malformed(path: url.path, reason: describe(error))
        }
        guard model.format == formatName, model.formatVersion == 1 else {
            throw .wrongFormat(path: url.path, found: "\(model.format) version \(model.formatVersion)", expected: "\(formatName) version 1")
        }
        switch model.kind {
        case LogisticParameters.kind where model.logistic != nil: break
        case KMeansParameters.kind where model.kmeans != nil: break
        case LogisticParameters.kind, KMeansParameters.kind:
            throw .malformed(path: url.path, reason: "kind \(model.kind) without its \"\(model.kind)\" section")
        default:
            throw .wrongFormat(path: url.path, found: "kind \(model.kind)", expected: "kind logistic or kmeans")
        }
        return model
    }

    /// Checks the columns, their order, the schema fingerprint and every parameter's shape against `manifest`.
    func check(against manifest: FeaturePartitionManifest, path: String) throws(ModelImportError) {
        let expected = manifest.columns
        guard columns.count == expected.count else {
            let missing = expected.first { !columns.contains($0) }, extra = columns.first { !expected.contains($0) }
            throw .columnCount(path: path, expected: expected.count, found: columns.count, missing: missing, extra: extra)
        }
        for (position, (found, wanted)) in zip(columns, expected).enumerated() where found != wanted {
            throw .columnMismatch(path: path, position: position, expected: wanted, found: found)
        }
        guard schemaFingerprint == manifest.schemaFingerprint else {
            throw .schemaMismatch(path: path, expected: manifest.schemaFingerprint, found: schemaFingerprint)
        }
        let d = expected.count
        if let logistic {
            guard logistic.coefficients.count == d else {
                throw .invalid(path: path, field: "logistic.coefficients", problem: "\(logistic.coefficients.count) values; expected one per column (\(d))")
            }
            guard logistic.featureMeans.count == d else {
                throw .invalid(path: path, field: "logistic.feature_means", problem: "\(logistic.featureMeans.count) values; expected one per column (\(d))")
            }
        }
        if let kmeans {
            guard !kmeans.centers.isEmpty else { throw .invalid(path: path, field: "kmeans.centers", problem: "empty; expected k >= 1 centers") }
            for (index, center) in kmeans.centers.enumerated() where center.count != d {
                throw .invalid(path: path, field: "kmeans.centers[\(index)]", problem: "\(center.count) values; expected one per column (\(d))")
            }
            if let sizes = kmeans.clusterSizes, sizes.count != kmeans.centers.count {
                throw .invalid(path: path, field: "kmeans.cluster_sizes", problem: "\(sizes.count) values; expected one per center (\(kmeans.centers.count))")
            }
            guard kmeans.trainingCost.isFinite && kmeans.trainingCost >= 0 else {
                throw .invalid(path: path, field: "kmeans.training_cost", problem: "\(kmeans.trainingCost); expected a finite number >= 0")
            }
        }
    }

    /// A decoding error in words: what is wrong and where (the key path), never the whole data.
    static func describe(_ error: any Error) -> String {
        func place(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?: return "missing \"\(key.stringValue)\" at \(place(context.codingPath))"
        case let .typeMismatch(_, context)?: return "wrong type at \(place(context.codingPath)): \(context.debugDescription)"
        case let .valueNotFound(_, context)?: return "missing value at \(place(context.codingPath))"
        case let .dataCorrupted(context)?:
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "not valid JSON: \(underlying ?? context.debugDescription)"
        default: return String(describing: error)
        }
    }
}

/// Why an MLlib model cannot be imported. Messages name files, fields and columns, never flags.
public enum ModelImportError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case wrongFormat(path: String, found: String, expected: String)
    /// The model has another number of columns than the features; the first missing and extra names.
    case columnCount(path: String, expected: Int, found: Int, missing: String?, extra: String?)
    /// Column `position` (0-based) is not the features' column there.
    case columnMismatch(path: String, position: Int, expected: String, found: String)
    /// The model was fitted on features computed with another schema.
    case schemaMismatch(path: String, expected: String, found: String)
    /// The features folder's `schema.json` is not the one its manifest was written with.
    case schemaChanged(path: String, expected: String, found: String)
    case unknownLabel(path: String, label: String, labels: [String])
    case invalid(path: String, field: String, problem: String)
    /// No output file and no project to put it in.
    case noOutput
    case outputExists(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read: \(reason)"
        case let .malformed(path, reason): "\(path): \(reason)"
        case let .wrongFormat(path, found, expected): "\(path): found \(found); expected \(expected)"
        case let .columnCount(path, expected, found, missing, extra):
            "\(path): \(found) columns; the features have \(expected)"
                + (missing.map { ", column \"\($0)\" is missing" } ?? "") + (extra.map { ", column \"\($0)\" is not a feature" } ?? "")
        case let .columnMismatch(path, position, expected, found):
            "\(path): column \(position + 1) is \"\(found)\"; the features have \"\(expected)\" there (assemble the columns in partitions.json's order)"
        case let .schemaMismatch(path, expected, found):
            "\(path): fitted on features with schema fingerprint \(found.prefix(12))...; this folder's is \(expected.prefix(12))..."
        case let .schemaChanged(path, expected, found):
            "\(path): SHA-256 \(found.prefix(12))... differs from partitions.json's schema_fingerprint \(expected.prefix(12))...; the folder was changed after it was written"
        case let .unknownLabel(path, label, labels):
            "\(path): label \"\(label)\" is not a churn label of the features (labels: \(labels.isEmpty ? "none" : labels.joined(separator: ", ")))"
        case let .invalid(path, field, problem): "\(path): \(field) is \(problem)"
        case .noOutput: "give the output model file, or a project whose models folder receives it"
        case let .outputExists(path): "\(path) exists; models are never overwritten: choose another output file"
        }
    }
}
