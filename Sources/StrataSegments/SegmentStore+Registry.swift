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
        registerScoreMigrations(&migrator)
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

// MARK: Scores per run, and realized performance

/// One score column of one run, as stored: the patients (by the hash of their id list, kept once however
/// many runs share it) and a Float32 per patient. 1,000,000 patients cost 4 MB per run, plus their ids once.
public struct RunScores: Sendable, Equatable {
    public var run: Int64
    /// The score's name (`churn_score`).
    public var name: String
    /// The registry's number of the model that scored, when registered.
    public var model: Int64?
    /// The model's horizon in days: when its outcome is known.
    public var horizonDays: Int?
    public var patientIDs: [String]
    public var scores: [Float]
}

/// A model's scores of one run set against what happened over its horizon.
public struct RealizedRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "realized"

    public var model: Int64
    public var run: Int64
    /// The run's as-of date (the day the scores were made).
    public var asOf: String
    public var horizonDays: Int
    /// Patients scored then and still in the export the outcome was read from.
    public var rows: Int
    public var positives: Int
    public var auc: Double
    /// The mean score divided by the observed rate (1: calibrated in the large).
    public var calibration: Double
    /// The observed rate among the 10% highest scores divided by the overall rate.
    public var lift: Double
    /// The export the outcome was read from (its fingerprint) and when.
    public var exportFingerprint: String
    public var computedAt: String

    public init(model: Int64, run: Int64, asOf: String, horizonDays: Int, rows: Int, positives: Int, auc: Double,
                calibration: Double, lift: Double, exportFingerprint: String, computedAt: String) {
        (self.model, self.run, self.asOf, self.horizonDays, self.rows, self.positives) = (model, run, asOf, horizonDays, rows, positives)
        (self.auc, self.calibration, self.lift, self.exportFingerprint, self.computedAt) = (auc, calibration, lift, exportFingerprint, computedAt)
    }
}

extension SegmentStore {
    /// The per-run score tables (migration `v4`).
    static func registerScoreMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4: scores per run, realized performance") { db in
            try db.create(table: "patient_list") { t in
                t.primaryKey("hash", .text)
                t.column("ids", .blob).notNull()
            }
            try db.create(table: "run_score") { t in
                t.column("run", .integer).notNull().references("run")
                t.column("name", .text).notNull()
                t.column("model", .integer)
                t.column("horizonDays", .integer)
                t.column("patients", .text).notNull().references("patient_list")
                t.column("scores", .blob).notNull()
                t.primaryKey(["run", "name"])
            }
            try db.create(table: "realized") { t in
                t.column("model", .integer).notNull()
                t.column("run", .integer).notNull().references("run")
                t.column("asOf", .text).notNull()
                t.column("horizonDays", .integer).notNull()
                t.column("rows", .integer).notNull()
                t.column("positives", .integer).notNull()
                t.column("auc", .double).notNull()
                t.column("calibration", .double).notNull()
                t.column("lift", .double).notNull()
                t.column("exportFingerprint", .text).notNull()
                t.column("computedAt", .text).notNull()
                t.primaryKey(["model", "run"])
            }
        }
    }

    /// Every stored score column named `name`, oldest run first.
    public func runScores(named name: String) throws -> [RunScores] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT run_score.run AS run, run_score.model AS model, run_score.horizonDays AS horizonDays,
                  run_score.scores AS scores, patient_list.ids AS ids
                FROM run_score JOIN patient_list ON patient_list.hash = run_score.patients
                WHERE run_score.name = ? ORDER BY run_score.run
                """, arguments: [name])
            return rows.map { row in
                let ids: Data = row["ids"], scores: Data = row["scores"]
                let idText = String(decoding: ids, as: UTF8.self)
                return RunScores(run: row["run"], name: name, model: row["model"], horizonDays: row["horizonDays"],
                                 patientIDs: idText.isEmpty ? [] : idText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                                 scores: Self.floats(scores))
            }
        }
    }

    /// Every realized-performance record, by model and run.
    public func realized() throws -> [RealizedRecord] {
        try read { db in try RealizedRecord.order(Column("model"), Column("run")).fetchAll(db) }
    }

    /// Stores realized-performance records (replacing earlier ones of the same model and run), with an audit
    /// entry, in one transaction.
    public func record(realized records: [RealizedRecord], user: String) throws {
        guard !records.isEmpty else { return }
        try exclusively { session in
            for record in records { try record.save(session.db) }
            var outputs: [String: String] = [:]
            for record in records { outputs["model \(record.model) run \(record.run) auc"] = String(record.auc) }
            try session.audit(action: "realized performance", user: user,
                              inputs: ["export": records[0].exportFingerprint], outputs: outputs)
        }
    }

    static func floats(_ data: Data) -> [Float] {
        var values = [Float](repeating: 0, count: data.count / 4)
        _ = values.withUnsafeMutableBytes { data.copyBytes(to: $0) }
        return values.map { Float(bitPattern: $0.bitPattern.littleEndian) }
    }
}

extension StoreSession {
    /// Stores one score column of run `run`: the ids once per distinct list, the scores as little-endian Float32.
    public func recordScores(_ scores: [Double], named name: String, patientIDs: [String], model: Int64?, horizonDays: Int?,
                             run: Int64) throws {
        precondition(scores.count == patientIDs.count, "one score per patient")
        let ids = Data(patientIDs.joined(separator: "\n").utf8)
        let hash = Fingerprint.of(ids)
        try db.execute(sql: "INSERT OR IGNORE INTO patient_list (hash, ids) VALUES (?, ?)", arguments: [hash, ids])
        var bytes = Data(count: scores.count * 4)
        bytes.withUnsafeMutableBytes { buffer in
            let words = buffer.bindMemory(to: UInt32.self)
            for (index, score) in scores.enumerated() { words[index] = Float(score).bitPattern.littleEndian }
        }
        try db.execute(sql: "INSERT INTO run_score (run, name, model, horizonDays, patients, scores) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [run, name, model, horizonDays, hash, bytes])
    }
}

extension SegmentStore {
    /// The registered models of the store at `path`, read without creating or migrating it (a store without
    /// the registry has none): what a refresh reads before it takes the project's lock, when another refresh
    /// may be creating the store.
    public static func registeredModels(readingOnly path: String) throws -> [RegisteredModel] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(60)
        do {
            let database = try DatabaseQueue(path: path, configuration: configuration)
            return try database.read { db in
                guard try db.tableExists("model") else { return [] }
                return try RegisteredModel.order(RegisteredModel.Columns.id).fetchAll(db)
            }
        } catch let error as DatabaseError {
            throw StoreError(database: error, path: path)
        }
    }
}
