import Foundation
import StrataData
import StrataFeatures

/// A clinic's project: a folder with `strata.yml`, the store, model files and lists.
///
/// Where things live, relative to the folder (the `outputs` section of `strata.yml` may move them):
/// `store` (default `strata.sqlite`), `lists` (default `lists`), `models` (default `models`). Exports come
/// from `exports.path`: a folder that is itself an export, or a folder of exports, of which the newest is the
/// last by name (name them by date, e.g. `2025-12-31`).
public struct StrataProject: Sendable {
    public static let fileName = "strata.yml"

    public let directory: URL
    public let configuration: ProjectConfiguration
    public let segments: SegmentCatalog
    public let storeURL: URL
    public let listsURL: URL
    public let modelsURL: URL

    /// Opens the project in `directory`, checking `strata.yml` and its segment definitions.
    public init(directory: URL) throws {
        let file = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw ProjectError.noProjectFile(directory.path) }
        let configuration = try ProjectConfiguration.load(from: file)
        var outputs: [String: String] = [:]
        switch configuration.outputs {
        case nil, .null?: break
        case let .mapping(values)?:
            for (key, value) in values {
                guard ["store", "lists", "models"].contains(key) else {
                    throw ProjectError.badOutputs("unknown key '\(key)' (expected store, lists, models)")
                }
                guard case let .string(path) = value else { throw ProjectError.badOutputs("'\(key)' must be a path") }
                outputs[key] = path
            }
        default:
            throw ProjectError.badOutputs("expected a mapping with store, lists, models")
        }
        func resolve(_ path: String) -> URL {
            path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        }
        self.directory = directory
        self.configuration = configuration
        self.segments = try SegmentCatalog(configuration: configuration.segments)
        self.storeURL = resolve(outputs["store"] ?? "strata.sqlite")
        self.listsURL = resolve(outputs["lists"] ?? "lists")
        self.modelsURL = resolve(outputs["models"] ?? "models")
    }

    /// The export to use: `explicit` when given, else the newest under `exports.path` (the last by name of
    /// the folders holding a `patients.csv`, or of all folders when a column mapping is configured).
    public func exportFolder(_ explicit: String? = nil) throws -> URL {
        if let explicit { return explicit.hasPrefix("/") ? URL(fileURLWithPath: explicit) : directory.appendingPathComponent(explicit) }
        guard let path = configuration.exports?.path else { throw ProjectError.noExports }
        let root = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root.path) else { throw ProjectError.missingExports(root.path) }
        if names.contains("patients.csv") { return root }
        // Folders that hold an export: a patients.csv, or anything when a column mapping names other files.
        let folders = names.filter { name in
            var isDirectory: ObjCBool = false
            let folder = root.appendingPathComponent(name)
            guard !name.hasPrefix("."), fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory),
                  isDirectory.boolValue else { return false }
            return configuration.mapping != nil || fileManager.fileExists(atPath: folder.appendingPathComponent("patients.csv").path)
        }.sorted()
        guard let newest = folders.last else { throw ProjectError.missingExports(root.path) }
        return root.appendingPathComponent(newest)
    }
}

/// Why a project cannot be used.
public enum ProjectError: Error, Equatable, CustomStringConvertible {
    case noProjectFile(String)
    case noExports
    case missingExports(String)
    case badOutputs(String)

    public var description: String {
        switch self {
        case let .noProjectFile(path): "\(path): no strata.yml here; run `strata init` to write one"
        case .noExports: "strata.yml has no exports.path; set it or pass the export folder"
        case let .missingExports(path): "\(path): no export found (expected an export folder, or folders of exports named by date)"
        case let .badOutputs(message): "strata.yml: outputs: \(message)"
        }
    }
}
