import Foundation
import GRDB

// The model registry in the project's store: every model file `strata train`, `strata discover` and
// `strata retrain` wrote inside the project, with its status. Kept in the store (not a side file) so that a
// registry change commits with its audit entry or not at all.

/// Where a registered model stands: fitted and kept (`candidate`), applied by refresh (`champion`, at most
/// one per target), or set aside for good (`retired`).
public enum ModelStatus: String, Codable, Sendable, CaseIterable {
    case candidate, champion, retired
}

/// One registered model.
public struct RegisteredModel: Codable, FetchableRecord, TableRecord, Sendable, Equatable {
    public static let databaseTableName = "model"

    /// The registry's number for the model (1, 2, ...), what runs and the audit log name.
    public var id: Int64
    /// The file's name inside the project's models folder.
    public var file: String
    /// The file's kind (`logistic`, `kmeans`, `lifetime`).
    public var kind: String
    /// What the model is for: `churn`, `conversion`, `clusters` or `lifetime`; one champion per target.
    public var target: String
    /// The training as-of date (the scoring date T the model was fitted for).
    public var asOf: String
    /// The churn horizon or conversion window, in days, when the target has one.
    public var horizonDays: Int?
    /// The fingerprint of the export it was trained on.
    public var exportFingerprint: String
    /// The SHA-256 of the model file as registered; refresh refuses a champion whose file differs.
    public var fileHash: String
    /// Training metrics by name, as in the model file.
    public var metrics: [String: Double]
    public var status: ModelStatus
    /// When it was registered (ISO 8601).
    public var registeredAt: String

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let target = Column(CodingKeys.target)
        public static let status = Column(CodingKeys.status)
        public static let fileHash = Column(CodingKeys.fileHash)
    }
}

/// A model's row before SQLite numbers it.
public struct NewModel: Encodable, PersistableRecord, Sendable {
    public static let databaseTableName = RegisteredModel.databaseTableName

    public var file: String
    public var kind: String
    public var target: String
    public var asOf: String
    public var horizonDays: Int?
    public var exportFingerprint: String
    public var fileHash: String
    public var metrics: [String: Double]
    public var status: ModelStatus = .candidate
    public var registeredAt: String = ISO8601DateFormatter().string(from: Date())

    public static func databaseJSONEncoder(for column: String) -> JSONEncoder { .sorted }

    public init(file: String, kind: String, target: String, asOf: String, horizonDays: Int?, exportFingerprint: String,
                fileHash: String, metrics: [String: Double]) {
        self.file = file
        self.kind = kind
        self.target = target
        self.asOf = asOf
        self.horizonDays = horizonDays
        self.exportFingerprint = exportFingerprint
        self.fileHash = fileHash
        self.metrics = metrics
    }
}

extension SegmentStore {
    /// The registry's table (migration `v3`).
    static func registerRegistryMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: model registry") { db in
            try db.create(table: "model") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("file", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("target", .text).notNull()
                t.column("asOf", .text).notNull()
                t.column("horizonDays", .integer)
                t.column("exportFingerprint", .text).notNull()
                t.column("fileHash", .text).notNull()
                t.column("metrics", .text).notNull()
                t.column("status", .text).notNull()
                t.column("registeredAt", .text).notNull()
            }
            // At most one champion per target, whatever a program does to the table.
            try db.execute(sql: "CREATE UNIQUE INDEX model_one_champion ON model(target) WHERE status = 'champion'")
        }
    }

    /// Every registered model, oldest first.
    public func registeredModels() throws -> [RegisteredModel] {
        try readRegistry { db in try RegisteredModel.order(RegisteredModel.Columns.id).fetchAll(db) }
    }

    /// The champion of each target, by target.
    public func champions() throws -> [String: RegisteredModel] {
        let champions = try readRegistry { db in
            try RegisteredModel.filter(RegisteredModel.Columns.status == ModelStatus.champion.rawValue).fetchAll(db)
        }
        return Dictionary(uniqueKeysWithValues: champions.map { ($0.target, $0) })
    }

    private func readRegistry<T>(_ body: (Database) throws -> T) throws -> T {
        try read(body)
    }
}

extension StoreSession {
    /// Every registered model, oldest first.
    public func registeredModels() throws -> [RegisteredModel] {
        try RegisteredModel.order(RegisteredModel.Columns.id).fetchAll(db)
    }

    /// Registers a model; it returns with its number.
    public func register(_ model: NewModel) throws -> RegisteredModel {
        try model.insertAndFetch(db, as: RegisteredModel.self)
    }

    /// Makes model `id` the champion of its target; the previous champion, if another, is retired.
    /// - Returns: the previous champion's number, if there was one.
    @discardableResult
    public func promote(_ id: Int64) throws -> Int64? {
        guard let model = try RegisteredModel.fetchOne(db, key: id) else { throw RegistryError.unknownModel(id) }
        let previous = try RegisteredModel.filter(RegisteredModel.Columns.target == model.target)
            .filter(RegisteredModel.Columns.status == ModelStatus.champion.rawValue).fetchOne(db)
        if let previous, previous.id != id {
            try db.execute(sql: "UPDATE model SET status = 'retired' WHERE id = ?", arguments: [previous.id])
        }
        try db.execute(sql: "UPDATE model SET status = 'champion' WHERE id = ?", arguments: [id])
        return previous.map(\.id).flatMap { $0 == id ? nil : $0 }
    }

    /// Sets model `id`'s status to `retired` (a retired champion leaves its target without one).
    public func retire(_ id: Int64) throws {
        guard try RegisteredModel.exists(db, key: id) else { throw RegistryError.unknownModel(id) }
        try db.execute(sql: "UPDATE model SET status = 'retired' WHERE id = ?", arguments: [id])
    }
}

/// Why the registry cannot do what was asked.
public enum RegistryError: Error, Equatable, CustomStringConvertible {
    /// No registered model has this number.
    case unknownModel(Int64)

    public var description: String {
        switch self {
        case let .unknownModel(id): "no model \(id) in the registry (`strata models list` shows the registered models)"
        }
    }
}
