import Foundation
import GRDB

/// One entry of the audit log: what was done, by whom, when, from which inputs to which outputs (by
/// fingerprint, never by content), chained to the previous entry by its hash.
///
/// `inputs` and `outputs` stay the JSON text the entry was written with: the hash covers those bytes, so
/// the log checks what is on disk rather than what it decodes to (``outputFingerprints`` decodes them).
public struct AuditEntry: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "audit"

    public var sequence: Int64
    public var recordedAt: String
    public var user: String
    public var action: String
    /// JSON object: name → fingerprint.
    public var inputs: String
    /// JSON object: name → fingerprint.
    public var outputs: String
    public var previousHash: String
    /// SHA-256 of this entry's fields and `previousHash`.
    public var hash: String

    public enum Columns {
        public static let sequence = Column(CodingKeys.sequence)
        public static let recordedAt = Column(CodingKeys.recordedAt)
        public static let user = Column(CodingKeys.user)
        public static let action = Column(CodingKeys.action)
        public static let inputs = Column(CodingKeys.inputs)
        public static let outputs = Column(CodingKeys.outputs)
        public static let previousHash = Column(CodingKeys.previousHash)
        public static let hash = Column(CodingKeys.hash)
    }

    /// `outputs` decoded: name → fingerprint; empty when the text is not such an object (an edited entry,
    /// which ``AuditLog/verify(_:expectedHead:)`` reports).
    public var outputFingerprints: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(outputs.utf8))) ?? [:]
    }
}

/// The audit log: an append-only, hash-chained table in the store.
///
/// Each entry's hash covers its own fields and the previous entry's hash, so editing an entry breaks its
/// hash and removing one breaks the next entry's link. ``verify(_:)`` walks the chain.
public enum AuditLog {
    /// The hash the first entry links to.
    public static let genesis = String(repeating: "0", count: 64)

    static func append(_ db: Database, action: String, user: String, inputs: [String: String],
                       outputs: [String: String], at date: Date) throws -> AuditEntry {
        let last = try AuditEntry.order(\.sequence.desc).fetchOne(db)
        let encoder = JSONEncoder.sorted
        var entry = AuditEntry(sequence: (last?.sequence ?? 0) + 1, recordedAt: ISO8601DateFormatter().string(from: date),
                               user: user, action: action, inputs: String(decoding: try encoder.encode(inputs), as: UTF8.self),
                               outputs: String(decoding: try encoder.encode(outputs), as: UTF8.self),
                               previousHash: last?.hash ?? genesis, hash: "")
        entry.hash = hash(of: entry)
        try entry.insert(db)
        return entry
    }

    /// SHA-256 (hex) over the entry's fields, each length-prefixed so no two entries share an encoding.
    static func hash(of entry: AuditEntry) -> String {
        let fields = [String(entry.sequence), entry.recordedAt, entry.user, entry.action, entry.inputs, entry.outputs,
                      entry.previousHash]
        let encoded = fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n")
        return Fingerprint.of(Data(encoded.utf8))
    }

    /// The result of checking the chain.
    public enum Verification: Equatable, Sendable {
        /// Every entry's hash is right and links to its predecessor.
        case intact(entries: Int, head: String)
        /// The first entry found wrong, and how.
        case broken(sequence: Int64, reason: String)
    }

    /// Walks the chain from the first entry, and checks it reaches `expectedHead` (the hash of the last entry
    /// recorded outside the store) when one is given, so that removing the newest entries is detected too.
    public static func verify(_ entries: [AuditEntry], expectedHead: (sequence: Int64, hash: String)? = nil) -> Verification {
        var previous = genesis
        var expectedSequence: Int64 = 1
        for entry in entries {
            guard entry.sequence == expectedSequence else {
                return .broken(sequence: expectedSequence, reason: "entry \(expectedSequence) is missing")
            }
            guard entry.previousHash == previous else {
                return .broken(sequence: entry.sequence, reason: "entry \(entry.sequence) does not link to the entry before it")
            }
            guard hash(of: entry) == entry.hash else {
                return .broken(sequence: entry.sequence, reason: "entry \(entry.sequence) was changed after it was written")
            }
            previous = entry.hash
            expectedSequence += 1
        }
        if let expectedHead, expectedHead.sequence == 0 {
            // The empty chain's head, recorded when the store was created.
            guard expectedHead.hash == genesis else {
                return .broken(sequence: 0, reason: "the recorded head of the empty log is not the genesis hash")
            }
        } else if let expectedHead {
            guard let anchored = entries.first(where: { $0.sequence == expectedHead.sequence }) else {
                return .broken(sequence: expectedHead.sequence, reason: "entry \(expectedHead.sequence) and those after it were removed")
            }
            guard anchored.hash == expectedHead.hash else {
                return .broken(sequence: expectedHead.sequence, reason: "entry \(expectedHead.sequence) does not match the recorded head")
            }
        }
        return .intact(entries: entries.count, head: previous)
    }
}
