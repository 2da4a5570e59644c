import Foundation
import GRDB

// The store's tables as GRDB records. Each record's coding keys are its table's column names (the schema
// is `SegmentStore.migrator`'s), and its `Columns` are derived from them for the query interface.

/// A recorded run.
public struct RunRecord: Codable, FetchableRecord, TableRecord, Sendable, Equatable {
    public static let databaseTableName = "run"

    public var id: Int64
    /// When the run was recorded (ISO 8601).
    public var recordedAt: String
    public var asOf: String
    public var exportFingerprint: String
    public var configurationFingerprint: String
    /// Model name → version, stored as a JSON object with sorted keys.
    public var modelVersions: [String: String]
    public var patientCount: Int

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let recordedAt = Column(CodingKeys.recordedAt)
        public static let asOf = Column(CodingKeys.asOf)
        public static let exportFingerprint = Column(CodingKeys.exportFingerprint)
        public static let configurationFingerprint = Column(CodingKeys.configurationFingerprint)
        public static let modelVersions = Column(CodingKeys.modelVersions)
        public static let patientCount = Column(CodingKeys.patientCount)
    }
}

/// A run's row before SQLite numbers it: inserting it returns the ``RunRecord``.
struct RunInsertion: Encodable, PersistableRecord {
    static let databaseTableName = RunRecord.databaseTableName

    var recordedAt: String
    var asOf: String
    var exportFingerprint: String
    var configurationFingerprint: String
    var modelVersions: [String: String]
    var patientCount: Int

    /// The encoder `modelVersions` has always been written with, so a run's fingerprint covers the bytes
    /// every version of Strata writes for the same models.
    static func databaseJSONEncoder(for column: String) -> JSONEncoder { .sorted }
}

/// A run's row as it is on disk, `modelVersions` as its JSON text: a run's fingerprint vouches for the
/// stored bytes, so an edit that does not even decode is still a mismatch rather than a failure to read.
struct StoredRun: Decodable, FetchableRecord, TableRecord {
    static let databaseTableName = RunRecord.databaseTableName

    var id: Int64
    var recordedAt: String
    var asOf: String
    var exportFingerprint: String
    var configurationFingerprint: String
    var modelVersions: String
    var patientCount: Int
}

/// A segment as last evaluated: its rule and purpose then, and the first and last runs that evaluated it.
struct SegmentRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "segment"

    var name: String
    var rule: String
    var purpose: String
    var firstRun: Int64
    var lastRun: Int64

    enum Columns {
        static let name = Column(CodingKeys.name)
        static let firstRun = Column(CodingKeys.firstRun)
        static let lastRun = Column(CodingKeys.lastRun)
    }
}

/// One interval of a patient's membership of a segment: from the run it entered in to the run it left in
/// (open while `exitedRun` is nil), with the reasons.
struct MembershipRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "membership"

    var segment: String
    var patientID: String
    var enteredRun: Int64
    var enteredReason: String
    var exitedRun: Int64?
    var exitedReason: String?

    enum Columns {
        static let segment = Column(CodingKeys.segment)
        static let patientID = Column(CodingKeys.patientID)
        static let enteredRun = Column(CodingKeys.enteredRun)
        static let exitedRun = Column(CodingKeys.exitedRun)
        static let exitedReason = Column(CodingKeys.exitedReason)
    }
}

extension DerivableRequest<MembershipRecord> {
    /// The intervals of `segment`.
    func of(_ segment: String) -> Self {
        filter { $0.segment == segment }
    }

    /// The intervals open after `run`: entered in it or before, and not left by then.
    func open(after run: Int64) -> Self {
        filter { $0.enteredRun <= run && ($0.exitedRun == nil || $0.exitedRun > run) }
    }

    /// The intervals not closed yet.
    func stillOpen() -> Self {
        filter { $0.exitedRun == nil }
    }
}

extension JSONEncoder {
    /// Keys sorted, so equal values encode to equal bytes (fingerprints, hashes).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
