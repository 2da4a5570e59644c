import Foundation
import StrataData
import StrataModels
import StrataSegments

/// The project's model registry: which model files exist for which target, and which one refresh applies.
///
/// Every model file written into a project's models folder by `strata train`, `strata discover` or
/// `strata retrain` is registered in the project's store with its target, training date, export fingerprint,
/// file hash and metrics, as a `candidate`; the first model of a target becomes its `champion`. Refresh
/// applies the champion of each target and refuses one whose file is missing or changed. Every change is in
/// the audit log, in the same transaction. Models outside a project stay plain files.
public enum ModelRegistry {
    /// The targets the registry knows; one champion each.
    public enum Target: String, CaseIterable, Sendable, Codable {
        case churn, conversion, clusters, lifetime
    }

    /// Registers `file` when it lies in the models folder of a project (a folder holding `strata.yml` whose
    /// `outputs.models` is the file's folder); a model anywhere else is left alone.
    /// - Parameter exportFolder: the export the model was trained on, fingerprinted when the file does not
    ///   record its export's fingerprint.
    /// - Returns: the registered model, or nil outside a project.
    @discardableResult
    public static func registerIfInProject(_ file: URL, exportFolder: URL?, user: String = currentUser) throws -> RegisteredModel? {
        guard let project = project(holding: file) else { return nil }
        return try register(file, in: project, exportFolder: exportFolder, user: user)
    }

    /// Registers `file` (inside `project`'s models folder) as a candidate; the first model of its target is
    /// promoted to champion.
    @discardableResult
    public static func register(_ file: URL, in project: Project, exportFolder: URL?, promotingFirst: Bool = true,
                                user: String = currentUser) throws -> RegisteredModel {
        try register(file, in: project, exportFolder: exportFolder, user: user) { _, hasChampion in
            promotingFirst && !hasChampion ? "the first model of its target" : nil
        }
    }

    /// Registers `file` and, in the same transaction, promotes it when `decide` gives a reason (it is told
    /// the new model and whether its target has a champion), with every step in the audit log.
    /// - Parameter audit: a further audit entry written in the same transaction (e.g. the retrain comparison),
    ///   told the new model's number.
    /// - Parameter exportFingerprint: the fingerprint of `exportFolder` when the caller has it already.
    static func register(_ file: URL, in project: Project, exportFolder: URL?, exportFingerprint known: String? = nil, user: String,
                         audit: ((Int64) -> (action: String, inputs: [String: String], outputs: [String: String]))? = nil,
                         decide: (RegisteredModel, Bool) -> String?) throws -> RegisteredModel {
        let header = try ModelHeader.read(file)
        let hash = try Fingerprint.of(file: file)
        var exportFingerprint = header.training["export_fingerprint"] ?? ""
        if exportFingerprint.isEmpty, let exportFolder { exportFingerprint = try known ?? Fingerprint.of(folder: exportFolder) }
        let horizon = header.training["horizon_days"] ?? header.training["window_days"]
        let model = NewModel(file: file.lastPathComponent, kind: header.kind, target: try header.target(file).rawValue,
                             asOf: header.training["as_of"] ?? "", horizonDays: horizon.flatMap { Int($0) },
                             exportFingerprint: exportFingerprint, fileHash: hash, metrics: header.metrics)
        let store = try openStore(project)
        defer { try? AuditHead.advance(store: store) }
        let registered = try store.exclusively { session in
            var registered = try session.register(model)
            try session.audit(action: "model registered", user: user,
                              inputs: ["export": exportFingerprint, "file": registered.file],
                              outputs: ["model": String(registered.id), "target": registered.target, "file_hash": hash])
            if let entry = audit?(registered.id) {
                try session.audit(action: entry.action, user: user, inputs: entry.inputs, outputs: entry.outputs)
            }
            let hasChampion = try session.registeredModels().contains { $0.target == registered.target && $0.status == .champion }
            if let reason = decide(registered, hasChampion) {
                let previous = try session.promote(registered.id)
                var outputs = ["champion:" + registered.target: String(registered.id), "reason": reason]
                if let previous { outputs["retired"] = String(previous) }
                try session.audit(action: "model promoted", user: user, inputs: ["model": String(registered.id)], outputs: outputs)
                registered.status = .champion
            }
            return registered
        }
        try ModelCard.write(registered, file: file)
        return registered
    }

    /// Every registered model of `project`, oldest first (none without a store).
    public static func models(of project: Project) throws -> [RegisteredModel] {
        try SegmentStore.registeredModels(readingOnly: project.storeURL.path)
    }

    /// Makes model `id` the champion of its target (its file must be intact), retiring the previous one.
    @discardableResult
    public static func promote(_ id: Int64, in project: Project, reason: String, user: String = currentUser) throws -> RegisteredModel {
        let store = try openStore(project)
        guard let model = try store.registeredModels().first(where: { $0.id == id }) else { throw RegistryError.unknownModel(id) }
        _ = try verifiedFile(model, project: project)
        defer { try? AuditHead.advance(store: store) }
        try store.exclusively { session in
            let previous = try session.promote(id)
            var outputs = ["champion:" + model.target: String(id), "reason": reason]
            if let previous { outputs["retired"] = String(previous) }
            try session.audit(action: "model promoted", user: user, inputs: ["model": String(id)], outputs: outputs)
        }
        return try store.registeredModels().first { $0.id == id }!
    }

    /// Retires model `id`: refresh no longer applies it (a retired champion leaves its target without one).
    @discardableResult
    public static func retire(_ id: Int64, in project: Project, user: String = currentUser) throws -> RegisteredModel {
        let store = try openStore(project)
        guard let model = try store.registeredModels().first(where: { $0.id == id }) else { throw RegistryError.unknownModel(id) }
        defer { try? AuditHead.advance(store: store) }
        try store.exclusively { session in
            try session.retire(id)
            try session.audit(action: "model retired", user: user, inputs: ["model": String(id)],
                              outputs: ["target": model.target, "was": model.status.rawValue])
        }
        return try store.registeredModels().first { $0.id == id }!
    }

    /// The champion of each target with its file, checked against the hash it was registered with.
    /// Without a store (or a registry entry) a target has no champion.
    /// - Throws: ``ModelRegistryError/championMissing(model:target:path:)`` or
    ///   ``ModelRegistryError/championChanged(model:target:path:registered:found:)``.
    public static func champions(of project: Project) throws -> [Target: (model: RegisteredModel, file: URL)] {
        var champions: [Target: (model: RegisteredModel, file: URL)] = [:]
        // Read without migrating: a refresh calls this before its lock, while another may be creating the store.
        for model in try SegmentStore.registeredModels(readingOnly: project.storeURL.path) where model.status == .champion {
            guard let target = Target(rawValue: model.target) else { continue }
            champions[target] = (model, try verifiedFile(model, project: project))
        }
        return champions
    }

    /// The model's file, after checking that it exists and has the hash it was registered with.
    static func verifiedFile(_ model: RegisteredModel, project: Project) throws -> URL {
        let url = project.modelsURL.appendingPathComponent(model.file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ModelRegistryError.championMissing(model: model.id, target: model.target, path: url.path)
        }
        let found = try Fingerprint.of(file: url)
        guard found == model.fileHash else {
            throw ModelRegistryError.championChanged(model: model.id, target: model.target, path: url.path,
                                                     registered: model.fileHash, found: found)
        }
        return url
    }

    /// The project whose models folder holds `file`: the file's folder or its parent holds `strata.yml`.
    static func project(holding file: URL) -> Project? {
        let folder = PhysicalPath.resolve(file.deletingLastPathComponent())
        for candidate in [folder, folder.deletingLastPathComponent()]
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent(Project.fileName).path) {
            guard let project = try? Project(directory: candidate) else { continue }
            if PhysicalPath.resolve(project.modelsURL).path == folder.path { return project }
        }
        return nil
    }

    /// The project's store, created when missing (with the empty audit log's head beside it).
    static func openStore(_ project: Project) throws -> SegmentStore {
        try PrivateFolder.make(project.storeURL.deletingLastPathComponent(), narrowing: false)
        let store = try SegmentStore(path: project.storeURL.path)
        try AuditHead.start(store: store)
        return store
    }

    /// Who registers or promotes, for the audit log, when the caller does not say.
    public static var currentUser: String {
        ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName
    }
}

/// The fields of any model file the registry reads: kind, training context and metrics.
struct ModelHeader: Decodable {
    var kind: String
    var metrics: [String: Double]
    var training: [String: String]

    enum CodingKeys: String, CodingKey { case kind, metrics, training }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        metrics = try c.decodeIfPresent([String: Double].self, forKey: .metrics) ?? [:]
        training = try c.decodeIfPresent([String: String].self, forKey: .training) ?? [:]
    }

    static func read(_ url: URL) throws -> ModelHeader {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(ModelHeader.self, from: data) } catch {
            throw ModelFileError.malformed(path: url.path, reason: String(describing: error))
        }
    }

    /// What the model is for: a logistic model's `training.target` (churn when absent, as older files are),
    /// `clusters` for k-means, `lifetime` for the lifetime models.
    func target(_ url: URL) throws -> ModelRegistry.Target {
        switch kind {
        case LogisticParameters.kind: return ModelRegistry.Target(rawValue: training["target"] ?? "churn") ?? .churn
        case KMeansParameters.kind: return .clusters
        case "lifetime": return .lifetime
        default: throw ModelRegistryError.unknownKind(path: url.path, kind: kind)
        }
    }
}

/// Why the registry refuses a model.
public enum ModelRegistryError: Error, Equatable, CustomStringConvertible {
    /// The champion's file is gone.
    case championMissing(model: Int64, target: String, path: String)
    /// The champion's file is not the file that was registered.
    case championChanged(model: Int64, target: String, path: String, registered: String, found: String)
    /// A model file of a kind the registry does not know.
    case unknownKind(path: String, kind: String)

    public var description: String {
        switch self {
        case let .championMissing(model, target, path):
            "\(path): the \(target) champion (model \(model)) is missing; restore the file, or promote another model "
                + "(`strata models promote`)"
        case let .championChanged(model, target, path, registered, found):
            "\(path): the \(target) champion (model \(model)) was changed after it was registered (SHA-256 "
                + "\(found.prefix(12))..., registered \(registered.prefix(12))...); restore the file, or train and promote a new model"
        case let .unknownKind(path, kind):
            "\(path): a model of kind \(kind) cannot be registered (expected logistic, kmeans or lifetime)"
        }
    }
}
