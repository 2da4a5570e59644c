import Foundation
import StrataFeatures
import StrataLinearAlgebra
import Testing
@testable import StrataModels

/// Issue 16, rows 6 and 19: model files are JSON anyone can edit, and a refresh applies whatever is in
/// `models/`. A value no fit could have produced is refused on reading, naming the file and the field,
/// instead of scores of -inf (scale 0), reasons 300 digits long (a coefficient of 1e308), everyone scored by
/// the intercept (no coefficients) or a Double→Int trap (a window of 1e300 days).
@Suite("Model file validation")
struct ModelFileValidationTests {
    /// A churn-like schema as `strata train` writes it: fitted centers and scales, a window parameter.
    static let schema = FeatureSchema(columns: [
        .init(name: "visits_90d", family: "frequency", label: "visits in the last 90 days", transforms: ["log1p"],
              center: 0.4, scale: 0.6, parameters: ["window_days": 90]),
        .init(name: "days_since_last_visit", family: "recency", center: 120, scale: 80, missing: "max", fill: 900),
        .init(name: "no_show_rate", family: "attendance", center: 0.1, scale: 0.05,
              parameters: ["prior_weight": 2, "prior_rate": 0.1]),
    ])

    static func logisticFile() -> ModelFile<LogisticParameters> {
        let model = LogisticModel(
            coefficients: [0.5, 1.2, -0.3], intercept: -1, featureMeans: [0, 0, 0], configuration: .init(),
            fit: .init(solver: .newton, iterations: 7, converged: true, gradientMaxAbs: 1e-9, objective: 0.4,
                       objectiveTrace: [], passes: 8, seconds: 0, warnings: []))
        return model.modelFile(featureSchema: schema, metrics: ["auc": 0.7],
                               training: ["horizon_days": "180", "as_of": "2025-06-30"])
    }

    static func kMeansFile() throws -> ModelFile<KMeansParameters> {
        let x = Matrix<Double>(rows: 4, columns: 3, elements: [0, 0, 0, 0.1, 0, 0, 5, 5, 5, 5.1, 5, 5])
        var generator = Xoshiro256StarStar(seed: 1)
        let model = try KMeans(clusterCount: 2).fit(x, using: &generator)
        return model.modelFile(featureSchema: schema, clusterNames: ["lapsed", "regulars"])
    }

    /// Writes `file` and reads it back as `P`; the error when reading fails.
    func readBack<P: ModelParameters>(_ file: ModelFile<P>, kind: String) throws -> ModelFileError? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        do {
            _ = try ModelFile<P>.read(from: url, kind: kind)
            return nil
        } catch {
            // Without the temporary path, for exact comparison.
            if case let .invalid(path, field, problem) = error, path == url.path {
                return .invalid(path: "model.json", field: field, problem: problem)
            }
            return error
        }
    }

    @Test func validFilesReadBack() throws {
        #expect(try readBack(Self.logisticFile(), kind: "logistic") == nil)
        #expect(try readBack(Self.kMeansFile(), kind: "kmeans") == nil)
    }

    @Test func aZeroScaleIsRefused() throws {
        var file = Self.logisticFile()
        file.featureSchema.columns[1].scale = 0
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "featureSchema.columns[1] (\"days_since_last_visit\").scale",
            problem: "0.0; expected a standard deviation from 1e-12 to 1e15 (constant columns have 1)"))
        file.featureSchema.columns[1].scale = 1e-300
        #expect(try readBack(file, kind: "logistic") != nil)
    }

    @Test func aHugeCoefficientIsRefused() throws {
        var file = Self.logisticFile()
        file.parameters.coefficients[2] = 1e308
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "parameters.coefficients[2]",
            problem: "1e+308; expected a finite log-odds coefficient of magnitude at most 1000000.0"))
        file = Self.logisticFile()
        file.parameters.intercept = -2e6
        #expect(try readBack(file, kind: "logistic") != nil)
    }

    @Test func coefficientsMustMatchTheSchema() throws {
        var file = Self.logisticFile()
        file.parameters.coefficients = []
        file.parameters.featureMeans = []
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "parameters.coefficients", problem: "empty; a model needs at least one coefficient"))
        // No columns and no coefficients: everyone would get the intercept's score.
        file.featureSchema.columns = []
        #expect(try readBack(file, kind: "logistic") != nil)
        file = Self.logisticFile()
        file.parameters.coefficients.removeLast()
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "parameters.coefficients",
            problem: "2 long; expected one coefficient per column of the feature schema (3)"))
        file = Self.logisticFile()
        file.parameters.featureMeans.append(0)
        #expect(try readBack(file, kind: "logistic") != nil)
    }

    @Test func windowsMustBeDaysInRange() throws {
        var file = Self.logisticFile()
        file.featureSchema.columns[0].parameters = ["window_days": 1e300]
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "featureSchema.columns[0] (\"visits_90d\").parameters.window_days",
            problem: "1e+300; expected a whole number of days from 1 to 36500"))
        file.featureSchema.columns[0].parameters = ["window_days": -30]
        #expect(try readBack(file, kind: "logistic") != nil)
        file.featureSchema.columns[0].parameters = ["window_days": 90.5]
        #expect(try readBack(file, kind: "logistic") != nil)
        file = Self.logisticFile()
        file.training["horizon_days"] = "-180"
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "training.horizon_days", problem: "\"-180\"; expected a whole number of days from 1 to 36500"))
        file.training["horizon_days"] = nil
        file.training["window_days"] = "1e300"
        #expect(try readBack(file, kind: "logistic") != nil)
    }

    @Test func definitionsRefuseWindowsThatDoNotFitInDays() {
        // Reached by `FeaturePipeline.apply` on any schema: this used to trap converting 1e300 to Int.
        var schema = Self.schema
        schema.columns[0].parameters = ["window_days": 1e300]
        let error = #expect(throws: FeatureDefinitionError.self) { _ = try FeatureDefinition.definitions(of: schema) }
        #expect(error?.description == "feature column \"visits_90d\": parameter window_days is 1e+300; expected a whole "
                    + "number of days from 1 to 36500")
        schema.columns[0].parameters = ["window_days": .nan]
        #expect(throws: FeatureDefinitionError.self) { _ = try FeatureDefinition.definitions(of: schema) }
    }

    @Test func otherSchemaFieldsAreChecked() throws {
        var file = Self.logisticFile()
        file.featureSchema.columns[1].fill = 1e300
        #expect(try readBack(file, kind: "logistic") != nil)
        file = Self.logisticFile()
        file.featureSchema.columns[1].transforms = ["clip(0,1e400)"]
        #expect(try readBack(file, kind: "logistic") != nil)
        file = Self.logisticFile()
        file.featureSchema.columns[2].parameters?["prior_rate"] = 3
        #expect(try readBack(file, kind: "logistic") == .invalid(
            path: "model.json", field: "featureSchema.columns[2] (\"no_show_rate\").parameters.prior_rate",
            problem: "3.0; expected a rate from 0 to 1"))
        file = Self.logisticFile()
        file.featureSchema.columns[2].name = "visits_90d"
        #expect(try readBack(file, kind: "logistic") != nil)
        file = Self.logisticFile()
        file.featureSchema.columns[2].name = "favourite_colour"
        #expect(try readBack(file, kind: "logistic") != nil)
    }

    @Test func kMeansCentersAndNamesAreChecked() throws {
        var file = try Self.kMeansFile()
        file.parameters.centers[1].removeLast()
        #expect(try readBack(file, kind: "kmeans") == .invalid(
            path: "model.json", field: "parameters.centers[1]",
            problem: "2 long; expected one coordinate per column of the feature schema (3)"))
        file = try Self.kMeansFile()
        file.parameters.centers[0][1] = 1e300
        #expect(try readBack(file, kind: "kmeans") != nil)
        file = try Self.kMeansFile()
        file.parameters.centers = []
        #expect(try readBack(file, kind: "kmeans") != nil)
        file = try Self.kMeansFile()
        file.parameters.clusterNames = ["lapsed", "lapsed"]
        #expect(try readBack(file, kind: "kmeans") == .invalid(
            path: "model.json", field: "parameters.clusterNames[1]",
            problem: "\"lapsed\", which another cluster already has; names must be distinct"))
        file.parameters.clusterNames = ["one"]
        #expect(try readBack(file, kind: "kmeans") != nil)
    }

    @Test func kMeansClusterIDsAreDistinctAndNeverRetired() throws {
        var file = try Self.kMeansFile()
        file.parameters.clusterIDs = [4, 4]
        #expect(try readBack(file, kind: "kmeans") == .invalid(
            path: "model.json", field: "parameters.clusterIDs[1]", problem: "4; expected a distinct id >= 0 that is not retired"))
        file.parameters.clusterIDs = [4, 2]
        file.parameters.retiredClusterIDs = [2]
        #expect(try readBack(file, kind: "kmeans") == .invalid(
            path: "model.json", field: "parameters.clusterIDs[1]", problem: "2; expected a distinct id >= 0 that is not retired"))
        file.parameters.retiredClusterIDs = [0, 1]
        #expect(try readBack(file, kind: "kmeans") == nil)
        file.parameters.clusterIDs = [4]
        #expect(try readBack(file, kind: "kmeans") != nil)
    }

    @Test func numbersJSONCannotHoldAreRefused() throws {
        // 1e400 overflows a Double: the decoder refuses it or reads infinity, which validation refuses.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.logisticFile().write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"intercept\" : -1", with: "\"intercept\" : -1e400")
        #expect(text.contains("-1e400"))
        try Data(text.utf8).write(to: url)
        #expect(throws: ModelFileError.self) { _ = try ModelFile<LogisticParameters>.read(from: url, kind: "logistic") }
    }

    @Test func theMessageNamesFileFieldAndValue() {
        let error = ModelFileError.invalid(path: "models/churn-2025-06-30.json", field: "parameters.coefficients[2]",
                                           problem: "1e+308; expected a finite log-odds coefficient of magnitude at most 1000000.0")
        #expect(error.description == "models/churn-2025-06-30.json: parameters.coefficients[2] is 1e+308; expected a "
                    + "finite log-odds coefficient of magnitude at most 1000000.0")
    }
}
