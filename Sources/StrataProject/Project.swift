import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// A clinic's project: a folder with `strata.yml`, the store, model files and lists.
///
/// Where things live, relative to the folder (the `outputs` section of `strata.yml` may move them):
/// `store` (default `strata.sqlite`), `lists` (default `lists`), `models` (default `models`). Exports come
/// from `exports.path`: a folder that is itself an export, or a folder of exports, of which the newest is the
/// last by name (name them by date, e.g. `2025-12-31`).
///
/// Outputs stay inside the project folder: a path that leads elsewhere, through `..`, an absolute path or a
/// symbolic link, is an error unless `outputs.allow_outside_project: true` says it is meant, so a copied or
/// edited `strata.yml` never writes patient lists into another folder.
public struct Project: Sendable {
    public static let fileName = "strata.yml"

    public let directory: URL
    public let configuration: ProjectConfiguration
    public let segments: SegmentCatalog
    public let storeURL: URL
    public let listsURL: URL
    public let modelsURL: URL

    /// The output settings and their defaults, in the order they are checked.
    static let outputDefaults: KeyValuePairs<String, String> = ["store": "strata.sqlite", "lists": "lists", "models": "models"]

    /// Opens the project in `directory`, checking `strata.yml`, its segment definitions and its outputs.
    public init(directory: URL) throws {
        let file = directory.appendingPathComponent(Self.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { throw ProjectError.noProjectFile(directory.path) }
        let configuration = try ProjectConfiguration.load(from: file)
        let outputNames = Self.outputDefaults.map(\.key)
        var outputs: [String: String] = [:]
        var allowOutside = false
        switch configuration.outputs {
        case nil, .null?: break
        case let .mapping(values)?:
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                if key == "allow_outside_project" {
                    guard case let .bool(flag) = value else {
                        throw ProjectError.badOutputs("'allow_outside_project' must be true or false")
                    }
                    allowOutside = flag
                    continue
                }
                guard outputNames.contains(key) else {
                    throw ProjectError.badOutputs("unknown key '\(key)' (expected \(outputNames.joined(separator: ", ")), allow_outside_project)")
                }
                guard case let .string(path) = value, !path.isEmpty else { throw ProjectError.badOutputs("'\(key)' must be a path") }
                outputs[key] = path
            }
        default:
            throw ProjectError.badOutputs("expected a mapping with \(outputNames.joined(separator: ", "))")
        }
        let home = PhysicalPath.resolve(directory)
        var resolved: [String: URL] = [:]
        for (key, defaultPath) in Self.outputDefaults {
            let path = outputs[key] ?? defaultPath
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
            if !allowOutside {
                let physical = PhysicalPath.resolve(url)
                guard PhysicalPath.isInside(physical, home) else {
                    throw ProjectError.outputOutsideProject(key: key, path: path, resolved: physical.path, project: home.path)
                }
            }
            resolved[key] = url
        }
        self.directory = directory
        self.configuration = configuration
        self.segments = try SegmentCatalog(configuration: configuration.segments)
        self.storeURL = resolved["store"]!
        self.listsURL = resolved["lists"]!
        self.modelsURL = resolved["models"]!
    }

    /// The export to use: `explicit` when given, else the newest under `exports.path` (see ``newestExport(under:mapped:)``).
    public func exportFolder(_ explicit: String? = nil) throws -> URL {
        if let explicit { return explicit.hasPrefix("/") ? URL(fileURLWithPath: explicit) : directory.appendingPathComponent(explicit) }
        guard let path = configuration.exports?.path else { throw ProjectError.noExports }
        let root = path.hasPrefix("/") ? URL(fileURLWithPath: path) : directory.appendingPathComponent(path)
        return try Self.newestExport(under: root, mapped: configuration.mapping != nil)
    }

    /// The export `exports.path` names: `root` itself when it holds `patients.csv`, else the newest folder in
    /// it, the last by name of the folders holding a `patients.csv` (or of all folders when `mapped`, a column
    /// mapping naming other files; a mapped `root` without folders is itself the export). Every command that
    /// takes an export from the project file (refresh, train, discover, features, score, validate) decides here.
    public static func newestExport(under root: URL, mapped: Bool) throws -> URL {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: root.path) else { throw ProjectError.missingExports(root.path) }
        if names.contains("patients.csv") { return root }
        // Folders that hold an export: a patients.csv, or anything when a column mapping names other files.
        let subfolders = names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && fileManager.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        if mapped && subfolders.isEmpty && !names.isEmpty { return root }
        let folders = subfolders.filter { name in
            mapped || fileManager.fileExists(atPath: root.appendingPathComponent(name).appendingPathComponent("patients.csv").path)
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
    /// An output path (`outputs.<key>`) that leads outside the project folder, after `..` and symbolic links.
    case outputOutsideProject(key: String, path: String, resolved: String, project: String)

    public var description: String {
        switch self {
        case let .noProjectFile(path): "\(path): no strata.yml here; run `strata init` to write one"
        case .noExports: "strata.yml has no exports.path; set it or pass the export folder"
        case let .missingExports(path): "\(path): no export found (expected an export folder, or folders of exports named by date)"
        case let .badOutputs(message): "strata.yml: outputs: \(message)"
        case let .outputOutsideProject(key, path, resolved, project):
            "strata.yml: outputs.\(key): \"\(path)\" leads to \(resolved), outside the project folder \(project); "
                + "keep outputs inside the project, or set outputs.allow_outside_project: true if this is meant"
        }
    }
}

/// Paths as the file system resolves them, for confining outputs to a project folder.
enum PhysicalPath {
    /// `url` made absolute with every `.`, `..` and symbolic link resolved as the system would when the path
    /// is opened; components that do not exist yet are taken as written (they cannot be links).
    static func resolve(_ url: URL) -> URL {
        var resolved: [String] = []
        var pending = Array(url.absoluteURL.path.split(separator: "/").map(String.init).reversed())
        var hops = 0
        let fileManager = FileManager.default
        while let component = pending.popLast() {
            switch component {
            case "", ".": continue
            case "..": if !resolved.isEmpty { resolved.removeLast() }
            default:
                let candidate = "/" + (resolved + [component]).joined(separator: "/")
                // Follow a link (at most 40, as the kernel does); its target replaces the component.
                if hops < 40, let target = try? fileManager.destinationOfSymbolicLink(atPath: candidate) {
                    hops += 1
                    if target.hasPrefix("/") { resolved.removeAll() }
                    pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
                } else {
                    resolved.append(component)
                }
            }
        }
        return URL(fileURLWithPath: "/" + resolved.joined(separator: "/"))
    }

    /// Whether `path` is `folder` or inside it (both already resolved).
    static func isInside(_ path: URL, _ folder: URL) -> Bool {
        let inner = path.path, outer = folder.path
        return inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
    }
}
