import Foundation
import StrataFeatures

/// A model as stored on disk: versioned JSON with the feature schema, the fitted parameters, training
/// metrics and where the training data came from. Never patient data: no identifiers, no rows.
public struct ModelFile<Parameters: Codable & Sendable>: Codable, Sendable {
    /// The kind of model, e.g. `kmeans`, `logistic`; checked on reading.
    public var kind: String
    /// The file format version; a reader refuses versions it does not know.
    public var formatVersion: Int
    /// The Strata version that wrote the file.
    public var strataVersion: String
    /// When the model was fitted (UTC, ISO-8601).
    public var createdAt: Date
    /// The columns the model expects, with their transforms and fitted scaling.
    public var featureSchema: FeatureSchema
    /// The fitted parameters (centers, coefficients, ...) and the hyperparameters that produced them.
    public var parameters: Parameters
    /// Training metrics by name (inertia, AUC, log loss, ...).
    public var metrics: [String: Double]
    /// Training context, e.g. `as_of`, `horizon_days`, `export_fingerprint` (a hash, never data).
    public var training: [String: String]
    /// Quantile bins and shares of each input and of the score on the training rows, for the population
    /// stability index (see ``PopulationStability``); absent in files written before it existed.
    public var drift: DriftReference?

    public init(kind: String, formatVersion: Int = 1, strataVersion: String = StrataModelsInfo.version,
                createdAt: Date = Date(), featureSchema: FeatureSchema, parameters: Parameters,
                metrics: [String: Double] = [:], training: [String: String] = [:]) {
        self.kind = kind
        self.formatVersion = formatVersion
        self.strataVersion = strataVersion
        self.createdAt = createdAt
        self.featureSchema = featureSchema
        self.parameters = parameters
        self.metrics = metrics
        self.training = training
    }

    /// Writes the file atomically (a temporary file renamed into place), readable by the owner only.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .throw
        let data = try encoder.encode(self)
        try data.write(to: url, options: [.atomic])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// Reads a model file, checking its kind, its format version and every value in it (see
    /// ``ModelParameters``): a file no fit could have written is refused with the field at fault, rather
    /// than scoring everyone with infinities.
    public static func read(from url: URL, kind expectedKind: String, supportedVersions: ClosedRange<Int> = 1...1)
        throws(ModelFileError) -> ModelFile where Parameters: ModelParameters {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let header: ModelFileHeader
        do { header = try decoder.decode(ModelFileHeader.self, from: data) } catch {
            throw ModelFileError.malformed(path: url.path, reason: String(describing: error))
        }
        guard header.kind == expectedKind else {
            throw ModelFileError.wrongKind(path: url.path, expected: expectedKind, found: header.kind)
        }
        guard supportedVersions.contains(header.formatVersion) else {
            throw ModelFileError.unsupportedVersion(path: url.path, found: header.formatVersion, supported: supportedVersions)
        }
        let file: ModelFile
        do { file = try decoder.decode(ModelFile.self, from: data) } catch {
            throw ModelFileError.malformed(path: url.path, reason: String(describing: error))
        }
        do { try file.validate() } catch {
            throw ModelFileError.invalid(path: url.path, field: error.field, problem: error.problem)
        }
        return file
    }
}

/// The fields read first, to check a file before decoding its parameters.
private struct ModelFileHeader: Decodable {
    var kind: String
    var formatVersion: Int
}

/// Why a model file could not be read.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case wrongKind(path: String, expected: String, found: String)
    case unsupportedVersion(path: String, found: Int, supported: ClosedRange<Int>)
    /// A value no fit could have produced: `field` is its place in the file (e.g. `parameters.coefficients[2]`,
    /// `featureSchema.columns[0] ("visits_90d").parameters.window_days`), `problem` the value and what was expected.
    case invalid(path: String, field: String, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read model file: \(reason)"
        case let .malformed(path, reason): "\(path): not a valid Strata model file: \(reason)"
        case let .wrongKind(path, expected, found): "\(path): expected a \(expected) model, found \(found)"
        case let .unsupportedVersion(path, found, supported):
            "\(path): model format version \(found) is not supported (this Strata reads \(supported.lowerBound)...\(supported.upperBound))"
        case let .invalid(path, field, problem): "\(path): \(field) is \(problem)"
        }
    }
}

/// Facts about this build of the models module.
public enum StrataModelsInfo {
    /// Recorded in every model file; kept equal to `strata --version`.
    public static let version = "0.1.0"
}
