import Foundation
import StrataSegments

/// `strata models list|show|promote|retire --json`: registered models as programs read them.
public struct ModelListing: Codable, Sendable, Equatable {
    /// One registered model.
    public struct Model: Codable, Sendable, Equatable {
        public var id: Int64
        public var file: String
        public var kind: String
        public var target: String
        public var asOf: String
        public var horizonDays: Int?
        public var exportFingerprint: String
        public var fileHash: String
        public var metrics: [String: Double]
        public var status: String
        public var registeredAt: String

        enum CodingKeys: String, CodingKey {
            case id, file, kind, target, asOf = "as_of", horizonDays = "horizon_days", exportFingerprint = "export_fingerprint"
            case fileHash = "file_hash", metrics, status, registeredAt = "registered_at"
        }

        init(_ model: RegisteredModel) {
            id = model.id
            file = model.file
            kind = model.kind
            target = model.target
            asOf = model.asOf
            horizonDays = model.horizonDays
            exportFingerprint = model.exportFingerprint
            fileHash = model.fileHash
            metrics = model.metrics
            status = model.status.rawValue
            registeredAt = model.registeredAt
        }

        /// The model's metrics one per line, sorted by name, and its facts.
        public var details: String {
            var lines = ["model \(id): \(target) (\(kind)), \(status)", "file: \(file)", "sha256: \(fileHash)",
                         "trained as of \(asOf)" + (horizonDays.map { ", horizon \($0) days" } ?? ""),
                         "export fingerprint: \(exportFingerprint)", "registered at \(registeredAt)"]
            for (name, value) in metrics.sorted(by: { $0.key < $1.key }) { lines.append("  \(name) \(String(format: "%.4f", value))") }
            return lines.joined(separator: "\n")
        }
    }

    public var models: [Model]

    /// One line per model: number, target, status, as-of date, AUC (scores) and file.
    public var table: String {
        guard !models.isEmpty else { return "no registered models (train one with `strata train` or `strata retrain`)" }
        var lines = ["id  target      status     as_of       auc     file"]
        for model in models {
            let auc = model.metrics["holdout_auc"] ?? model.metrics["auc"]
            lines.append(String(model.id).padding(toLength: 4, withPad: " ", startingAt: 0)
                         + model.target.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + model.status.padding(toLength: 11, withPad: " ", startingAt: 0)
                         + model.asOf.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + (auc.map { String(format: "%.4f", $0) } ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
                         + model.file)
        }
        return lines.joined(separator: "\n")
    }
}

extension ModelRegistry {
    /// What `strata models` does to the registry.
    public enum Action: Sendable {
        case list
        case show(Int64)
        case promote(Int64)
        case retire(Int64)
    }

    /// Lists, shows, promotes or retires registered models of the project in `directory`.
    public static func perform(_ action: Action, project directory: URL, user: String = currentUser) throws -> ModelListing {
        let project = try Project(directory: directory)
        switch action {
        case .list:
            return ModelListing(models: try models(of: project).map(ModelListing.Model.init))
        case let .show(id):
            guard let model = try models(of: project).first(where: { $0.id == id }) else { throw RegistryError.unknownModel(id) }
            return ModelListing(models: [ModelListing.Model(model)])
        case let .promote(id):
            return ModelListing(models: [ModelListing.Model(try promote(id, in: project, reason: "promoted by hand", user: user))])
        case let .retire(id):
            return ModelListing(models: [ModelListing.Model(try retire(id, in: project, user: user))])
        }
    }
}
