import Foundation
import StrataData

/// The newest audit entry as recorded outside the store, so that removing the newest entries is detected.
/// A new store starts with the empty chain's head (`0 <genesis>`); the head then only moves forward, and only
/// over an intact chain. A missing head beside a store with entries is never re-created: `audit verify`
/// reports it.
public enum AuditHead {
    /// What the head file holds.
    public enum State: Equatable, Sendable {
        case missing
        /// Not a readable `<sequence> <hash>` line; the reason says why.
        case invalid(String)
        case recorded(sequence: Int64, hash: String)
    }

    public static func url(_ store: SegmentStore) -> URL { URL(fileURLWithPath: store.path + ".audit-head") }

    /// The head file's state.
    public static func state(store: SegmentStore) -> State {
        let path = url(store).path
        var status = stat()
        guard lstat(path, &status) == 0 else { return errno == ENOENT ? .missing : .invalid(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { return .invalid("it is not a regular file") }
        guard status.st_size <= 256 else { return .invalid("it is \(status.st_size) bytes long, not one line") }
        guard let data = FileManager.default.contents(atPath: path) else { return .invalid("it cannot be read") }
        let text = String(decoding: data, as: UTF8.self)
        let parts = text.hasSuffix("\n") ? text.dropLast().split(separator: " ", omittingEmptySubsequences: false)
                                         : text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence >= 0, parts[1].count == 64,
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            return .invalid("it does not hold '<sequence> <hash>'")
        }
        return .recorded(sequence: sequence, hash: String(parts[1]))
    }

    /// The recorded head, if the file holds one.
    public static func read(store: SegmentStore) -> (sequence: Int64, hash: String)? {
        guard case let .recorded(sequence, hash) = state(store: store) else { return nil }
        return (sequence, hash)
    }

    /// Records the empty chain's head beside a new store: no run, no audit entry and no head yet.
    package static func start(store: SegmentStore) throws {
        guard state(store: store) == .missing, try store.auditEntries().isEmpty, try store.latestRun() == nil else { return }
        try write(sequence: 0, hash: AuditLog.genesis, store: store)
    }

    package static func advance(store: SegmentStore) throws {
        guard let head = read(store: store) else { return }
        let entries = try store.auditEntries()
        guard case .intact = AuditLog.verify(entries, expectedHead: head), let last = entries.last,
              last.sequence > head.sequence else { return }
        try write(sequence: last.sequence, hash: last.hash, store: store)
    }

    private static func write(sequence: Int64, hash: String, store: SegmentStore) throws {
        try AtomicFile.write(Data("\(sequence) \(hash)\n".utf8), to: url(store), permissions: 0o600)
    }
}
