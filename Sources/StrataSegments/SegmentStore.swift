import Foundation
import GRDB
import StrataLinearAlgebra

/// The project's store: one SQLite file holding every refresh run, the membership history of every segment
/// (when each patient entered and left, and why), and the audit log.
///
/// Memberships are stored as intervals: a row per (segment, patient, run entered), closed by the run in
/// which the patient left. A diff and a history are queries over those intervals.
public final class SegmentStore: Sendable {
    private let database: DatabaseQueue
    /// The file's path.
    public let path: String

    /// Opens (creating when missing) the store at `path` and brings its schema up to date.
    ///
    /// The store holds patient ids and the reasons they are in segments, so it is readable by its owner only
    /// (0600), whatever the umask: a new file is created so, SQLite gives its journal files (`-wal`, `-shm`)
    /// the mode of the store, and an existing store that is wider is narrowed.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long a writer waits for another process's refresh before giving up.
    ///   - checkpointsAfterCommits: whether a commit that leaves the write-ahead log over 1,000 pages copies it
    ///     into the file (SQLite's default). Without, the log is copied when the store's last connection closes,
    ///     or by ``checkpoint()``: `strata month` does that beside the report, on a connection it holds open across
    ///     the refresh (a new store's first refresh at 1M writes 400 MB of log; copying it took 1.2 s).
    public init(path: String, busyTimeout: TimeInterval = 5, checkpointsAfterCommits: Bool = true) throws {
        try Self.restrictToOwner(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.journalMode = .wal
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            // GRDB's WAL setup lowers `synchronous` to NORMAL, where a commit can be lost on power failure
            // after refresh has published its lists and moved the audit head past it. Keep every commit durable.
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // A month's refresh closes 80,000 membership rows spread over a 400 MB store (at 1M): with
                // SQLite's 2 MB page cache the transaction spilled and re-read pages for each; 32 MB took the
                // updates from 3.6 to 2.6 s. More (128 MB) gained nothing measurable.
                try db.execute(sql: "PRAGMA cache_size = -32768")
                if !checkpointsAfterCommits { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            }
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw StoreError(database: error, path: path)
        }
        self.path = path
    }

    /// Creates the store's file owner-only when it is missing, and narrows it and its journal files to 0600.
    static func restrictToOwner(_ path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        fchmod(descriptor, 0o600)
        close(descriptor)
        for suffix in ["-wal", "-shm", "-journal"] { chmod(path + suffix, 0o600) }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, memberships, audit log") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("recordedAt", .text).notNull()
                t.column("asOf", .text).notNull()
                t.column("exportFingerprint", .text).notNull()
                t.column("configurationFingerprint", .text).notNull()
                t.column("modelVersions", .text).notNull()
                t.column("patientCount", .integer).notNull()
            }
            try db.create(table: "segment") { t in
                t.primaryKey("name", .text)
                t.column("rule", .text).notNull()
                t.column("purpose", .text).notNull()
                t.column("firstRun", .integer).notNull().references("run")
                t.column("lastRun", .integer).notNull().references("run")
            }
            try db.create(table: "membership") { t in
                t.column("segment", .text).notNull().references("segment", onDelete: .cascade)
                t.column("patientID", .text).notNull()
                t.column("enteredRun", .integer).notNull().references("run")
                t.column("enteredReason", .text).notNull()
                t.column("exitedRun", .integer).references("run")
                t.column("exitedReason", .text)
                t.primaryKey(["segment", "patientID", "enteredRun"])
            }
            try db.create(index: "membership_open", on: "membership", columns: ["segment", "exitedRun"])
            try db.create(index: "membership_exited", on: "membership", columns: ["segment", "exitedRun", "patientID"])
            try db.create(table: "audit") { t in
                t.primaryKey("sequence", .integer)
                t.column("recordedAt", .text).notNull()
                t.column("user", .text).notNull()
                t.column("action", .text).notNull()
                t.column("inputs", .text).notNull()
                t.column("outputs", .text).notNull()
                t.column("previousHash", .text).notNull()
                t.column("hash", .text).notNull()
            }
        }
        // Lookups by run for the per-run fingerprint that refresh records in the audit log and verify checks.
        migrator.registerMigration("v2: membership by run") { db in
            try db.create(index: "membership_entered_run", on: "membership", columns: ["enteredRun"])
            try db.create(index: "membership_exited_run", on: "membership", columns: ["exitedRun"])
        }
        registerRegistryMigrations(&migrator)
        registerCampaignMigrations(&migrator)
        registerContactPolicyMigrations(&migrator)
        registerCampaignSendMigrations(&migrator)
        registerCampaignClusterMigrations(&migrator)
        // `membership_open` (segment, exitedRun) is a prefix of `membership_exited` (segment, exitedRun,
        // patientID), which answers the same lookups: one b-tree less to fill for every membership row (the
        // first refresh of a 1M store enters 2 million; about 15% of their insert time and 13% of the file).
        migrator.registerMigration("v9: membership_open dropped, membership_exited serves its lookups") { db in
            try db.drop(index: "membership_open")
        }
        // Run fingerprints and verification look rows up by the run that closed them; open rows (`exitedRun` NULL)
        // are never looked up so, yet they were most of this index: every row a refresh enters. Left out, a new
        // store's two million rows enter 0.5 s sooner (4.8 to 4.3 s in Python's sqlite3 on the same rows).
        migrator.registerMigration("v10: membership_exited_run holds closed rows only") { db in
            try db.drop(index: "membership_exited_run")
            try db.create(index: "membership_exited_run", on: "membership", columns: ["exitedRun"], condition: Column("exitedRun") != nil)
        }
        return migrator
    }

    /// A fingerprint of what run `id` recorded: its own row, and the membership rows it opened (entered)
    /// and closed (exited) with their reasons. None of these change after the run, so the fingerprint kept
    /// in the run's audit entry detects an edit, insertion or removal of any of them. Nil when the run is
    /// missing.
    static func fingerprint(ofRun id: Int64, in db: Database) throws -> String? {
        guard let run = try StoredRun.fetchOne(db, key: id) else { return nil }
        // Length-prefixed, so that no two different sets of rows share an encoding; hashed as the rows come
        // (the first run of a store enters a million rows: joining them first held 600 MB).
        var fields = runFields(run)
        // Rows are about 1% of the table for a usual month and all of it for a new store's first run. Both plans
        // give the same rows in the same order: the run's own index then a sort for a few rows, or, for many,
        // a walk of the primary key in (segment, patientID) order with the run column kept out of the index
        // choice (`+`): for a first run of 2.1 million rows 0.7 s against 1.6 s.
        let tableRows = try Int.fetchOne(db, sql: "SELECT MAX(rowid) FROM membership") ?? 0
        for (label, column) in [("entered", "enteredRun"), ("exited", "exitedRun")] {
            let reason = label == "entered" ? "enteredReason" : "IFNULL(exitedReason, '')"
            let runRows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership WHERE \(column) = ?", arguments: [id]) ?? 0
            let filter = runRows * 4 >= tableRows ? "+" + column : column
            let statement = try db.makeStatement(sql: """
                SELECT segment, patientID, \(reason) FROM membership WHERE \(filter) = ? ORDER BY segment, patientID
                """)
            try statement.forEachRawRow(binding: id) { row in
                fields.append(label)
                for index: Int32 in 0..<3 { fields.append(bytes: columnBytes(row, index)) }
            }
        }
        return fields.fingerprint
    }

    /// The start of a run's fingerprint: its own row's fields.
    static func runFields(_ run: StoredRun) -> Fingerprint.Fields {
        var fields = Fingerprint.Fields()
        for field in [
            "run", String(run.id), run.recordedAt, run.asOf, run.exportFingerprint, run.configurationFingerprint, run.modelVersions,
            String(run.patientCount),
        ] { fields.append(field) }
        return fields
    }

    /// Copies what the write-ahead log holds into the store's file, as far as no reader still needs it
    /// (SQLite's passive checkpoint). Nothing a reader sees changes.
    public func checkpoint() throws {
        do {
            try database.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch let error as DatabaseError {
            throw StoreError(database: error, path: path)
        }
    }

    /// The fingerprint of run `id` as the store holds it now (see ``StoreSession/runFingerprint(_:)``).
    public func runFingerprint(_ id: Int64) throws -> String? {
        try read { db in try Self.fingerprint(ofRun: id, in: db) }
    }

    // MARK: Writing

    /// Runs `body` as the only writer: other processes wait up to the busy timeout and then fail with
    /// ``StoreError/busy(path:)``. Everything `body` records commits together or not at all, so a failure
    /// or a kill anywhere inside leaves the store as it was.
    @discardableResult
    public func exclusively<T>(_ body: (StoreSession) throws -> T) throws -> T {
        // GRDB's write transactions are IMMEDIATE: the writer lock is taken (or waited for) at the start.
        do { return try database.write { db in try body(StoreSession(db: db)) } } catch let error as DatabaseError {
            throw StoreError(database: error, path: path)
        }
    }

    // MARK: Reading

    /// Every run, oldest first.
    public func runs() throws -> [RunRecord] {
        try read { db in try RunRecord.order(\.id).fetchAll(db) }
    }

    /// The number of every run, oldest first; unlike ``runs()``, it reads nothing a tampered row could spoil.
    func runIDs() throws -> [Int64] {
        try read { db in try RunRecord.order(\.id).select(\.id, as: Int64.self).fetchAll(db) }
    }

    /// The newest run, if any.
    public func latestRun() throws -> RunRecord? {
        try read { db in try RunRecord.order(\.id.desc).fetchOne(db) }
    }

    /// The names of the segments the latest run evaluated.
    public func segmentNames() throws -> [String] {
        try read { db in
            guard let latest = try Self.latestRunID(db) else { return [] }
            return try SegmentRecord.filter { $0.lastRun == latest }.order(\.name).select(\.name, as: String.self).fetchAll(db)
        }
    }

    /// The patients in `segment` after `run` (default: the latest), sorted.
    public func members(of segment: String, after run: Int64? = nil) throws -> [String] {
        try read { db in
            let run = try Self.existingRunID(run, db)
            return try MembershipRecord.all().of(segment).open(after: run)
                .order(\.patientID).select(\.patientID, as: String.self).fetchAll(db)
        }
    }

    /// Who entered, left and stayed in `segment` in `run` (default: the latest), with the reasons.
    public func diff(of segment: String, in run: Int64? = nil) throws -> SegmentDiff {
        try read { db in
            let run = try Self.existingRunID(run, db)
            guard try SegmentRecord.exists(db, key: segment) else { throw StoreError.unknownSegment(segment) }
            let memberships = MembershipRecord.all().of(segment)
            let entered = try memberships.filter { $0.enteredRun == run }.order(\.patientID).fetchAll(db)
                .map { MembershipChange(patientID: $0.patientID, reason: $0.enteredReason) }
            let exited = try memberships.filter { $0.exitedRun == run }.order(\.patientID).fetchAll(db)
                .map { MembershipChange(patientID: $0.patientID, reason: $0.exitedReason ?? "") }
            let stayed = try memberships.open(after: run).filter { $0.enteredRun < run }
                .order(\.patientID).select(\.patientID, as: String.self).fetchAll(db)
            return SegmentDiff(segment: segment, run: run, entered: entered, exited: exited, stayed: stayed)
        }
    }

    /// Per run: how many patients were in `segment`, and how many entered and left.
    ///
    /// One pass over the segment's rows, counted by the runs that opened and closed them, gives every run's
    /// figures: three counting subqueries a run scanned the segment's rows three times a run (a report at 1M
    /// waited 0.6 s for its thirteen segments' first run).
    public func history(of segment: String) throws -> [SegmentHistoryEntry] {
        try read { db in
            guard try SegmentRecord.exists(db, key: segment) else { throw StoreError.unknownSegment(segment) }
            return try Self.history(of: segment, runs: Self.runDays(db), in: db)
        }
    }

    /// The runs so far (id and as-of day, in order) and the ``history(of:)`` of each of `segments` the store
    /// knows (the others are left out), read at one moment: a run committed meanwhile is in all of them or in
    /// none.
    public func histories(of segments: [String]) throws -> (runs: [(id: Int64, asOf: String)], histories: [String: [SegmentHistoryEntry]]) {
        try read { db in
            let runs = try Self.runDays(db)
            var histories: [String: [SegmentHistoryEntry]] = [:]
            for segment in segments where try SegmentRecord.exists(db, key: segment) {
                histories[segment] = try Self.history(of: segment, runs: runs, in: db)
            }
            return (runs, histories)
        }
    }

    private static func runDays(_ db: Database) throws -> [(id: Int64, asOf: String)] {
        try Row.fetchAll(db, sql: "SELECT id, asOf FROM run ORDER BY id").map { ($0["id"], $0["asOf"]) }
    }

    private static func history(of segment: String, runs: [(id: Int64, asOf: String)], in db: Database) throws -> [SegmentHistoryEntry] {
        /// Rows opened by `enteredRun` and closed by `exitedRun` (nil: still open).
        struct Interval: Decodable, FetchableRecord {
            var enteredRun: Int64
            var exitedRun: Int64?
            var rows: Int
        }
        let intervals = try Interval.fetchAll(db, sql: """
            SELECT enteredRun, exitedRun, COUNT(*) AS rows FROM membership WHERE segment = ? GROUP BY enteredRun, exitedRun
            """, arguments: [segment])
        return runs.map { run, asOf in
            var entry = SegmentHistoryEntry(run: run, asOf: asOf, members: 0, entered: 0, exited: 0)
            for interval in intervals {
                if interval.enteredRun <= run, interval.exitedRun.map({ $0 > run }) ?? true { entry.members += interval.rows }
                if interval.enteredRun == run { entry.entered += interval.rows }
                if interval.exitedRun == run { entry.exited += interval.rows }
            }
            return entry
        }
    }

    /// The audit log, oldest first.
    public func auditEntries() throws -> [AuditEntry] {
        try read { db in try AuditEntry.order(\.sequence).fetchAll(db) }
    }

    /// Checks SQLite's own structure (`PRAGMA integrity_check`); true when it reports "ok".
    public func integrityCheck() throws -> Bool {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"] }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError {
            throw StoreError(database: error, path: path)
        }
    }

    /// The newest run's number; nil when there is none.
    static func latestRunID(_ db: Database) throws -> Int64? {
        try RunRecord.select({ max($0.id) }, as: Int64.self).fetchOne(db)
    }

    /// `run` when the store has it (else ``StoreError/unknownRun(_:latest:)``), or the latest run.
    static func existingRunID(_ run: Int64?, _ db: Database) throws -> Int64 {
        guard let latest = try latestRunID(db) else { throw StoreError.noRuns }
        guard let run else { return latest }
        guard try RunRecord.exists(db, key: run) else { throw StoreError.unknownRun(run, latest: latest) }
        return run
    }
}

/// The writer's view of the store inside ``SegmentStore/exclusively(_:)``.
public struct StoreSession {
    let db: Database

    /// The newest run, if any.
    public func latestRun() throws -> RunRecord? {
        try RunRecord.order(\.id.desc).fetchOne(db)
    }

    /// The fingerprint of run `id`'s own row and the membership rows it opened and closed; nil when missing.
    public func runFingerprint(_ id: Int64) throws -> String? {
        try SegmentStore.fingerprint(ofRun: id, in: db)
    }

    /// The audit log, oldest first.
    public func auditEntries() throws -> [AuditEntry] {
        try AuditEntry.order(\.sequence).fetchAll(db)
    }

    /// Records a run and every segment's membership after it.
    ///
    /// For each segment, patients in `members` who were not in it enter (with the reason given), patients
    /// who were in it and are not in `members` leave (with `exitReason`'s words), and the rest stay.
    /// Segments that existed before and are not evaluated now are closed: all their members leave.
    /// - Parameters:
    ///   - evaluations: each segment's members now, patient id → why they are in.
    ///   - exitReason: why a patient left a segment (called only for leavers).
    /// - Returns: the new run and, per segment, the counts of the change.
    public func record(
        _ run: NewRun, evaluations: [SegmentEvaluation], exitReason: (String, String) -> String
    ) throws -> (run: RunRecord, changes: [String: SegmentChangeCounts]) {
        let record = try insertRun(run)
        return (record, try recordMemberships(of: record, evaluations: evaluations, exitReason: exitReason).changes)
    }

    /// The first half of ``record(_:evaluations:exitReason:)``: the run's own row, whose number the caller
    /// may use (to write the run's lists) while ``recordMemberships(of:evaluations:exitReason:)`` runs.
    public func insertRun(_ run: NewRun) throws -> RunRecord {
        try RunInsertion(
            recordedAt: ISO8601DateFormatter().string(from: Date()), asOf: run.asOf, exportFingerprint: run.exportFingerprint,
            configurationFingerprint: run.configurationFingerprint, modelVersions: run.modelVersions, patientCount: run.patientCount
        ).insertAndFetch(db, as: RunRecord.self)
    }

    /// The second half of ``record(_:evaluations:exitReason:)``: every segment's membership after `record`,
    /// the run just inserted. Returns, per segment, the counts of the change, and the run's fingerprint
    /// (``runFingerprint(_:)``) worked out from the rows as they were written instead of read back.
    public func recordMemberships(
        of record: RunRecord, evaluations: [SegmentEvaluation], exitReason: (String, String) -> String
    ) throws -> (changes: [String: SegmentChangeCounts], runFingerprint: String) {
        var changes: [String: SegmentChangeCounts] = [:]
        // The fingerprint takes the rows in the order ``SegmentStore/fingerprint(ofRun:in:)`` reads them: the
        // entered ones by (segment, patientID) in byte order, which is the order they are written in below, then
        // the exited ones so ordered. Reading two million rows back took 1.3 s of a new store's first run.
        guard let stored = try StoredRun.fetchOne(db, key: record.id) else { throw StoreError.unknownRun(record.id, latest: record.id) }
        var fingerprint = SegmentStore.runFields(stored)
        var exited: [(segment: String, patientID: String, reason: String)] = []
        // Only the changes are written: the entering rows in bulk (two million on a new store of a million
        // people), the leaving ones with one prepared statement (80,000 in a month at 1M), both bound through
        // SQLite's C API.
        var enter = try MembershipInserter(db)
        let leave = try MembershipCloser(db)
        for evaluation in evaluations {
            // A segment seen before keeps the run it was first evaluated in.
            _ = try SegmentRecord(name: evaluation.name, rule: evaluation.rule, purpose: evaluation.purpose,
                                  firstRun: record.id, lastRun: record.id)
                .upsertAndFetch(db) { _ in [SegmentRecord.Columns.firstRun.noOverwrite] }
        }
        // The next segment's entering rows (their reasons, and their fields for the fingerprint) are prepared on
        // other threads while SQLite takes this one's here: for a new store's two million rows at 1M this thread
        // is left with SQLite's own work.
        struct Pending {
            var evaluation: SegmentEvaluation
            var changes: MembershipChanges
            var rows: Started<EnteringRows>
        }
        func write(_ pending: Pending) throws {
            let (evaluation, leaving) = (pending.evaluation, pending.changes.leaving)
            let rows = try pending.rows.value()
            try enter.enter(segment: evaluation.name, rows: rows, run: record.id)
            rows.withFingerprintFields { fingerprint.append(encoded: $0) }
            let exitReasons = leaving.map { exitReason(evaluation.name, $0) }
            try leave.leave(segment: evaluation.name, patients: leaving, reasons: exitReasons, run: record.id)
            exited += zip(leaving, exitReasons).map { (evaluation.name, $0, $1) }
            changes[evaluation.name] = SegmentChangeCounts(members: evaluation.patientIDs.count, entered: rows.count, exited: leaving.count)
        }
        var pending: Pending?
        defer { _ = try? pending?.rows.value() }
        // Segments in the byte order of their names, each one's members in that of their ids: the rows come in
        // the order of the primary key (segment, patientID, enteredRun) and of `membership_exited`, so SQLite
        // appends to both b-trees instead of splitting pages in their middle (a new store's two million rows:
        // 8.3 s to 6.6 s in Python's sqlite3 on the same rows and schema).
        for evaluation in evaluations.sorted(by: { MembershipChanges.compare($0.name, $1.name) < 0 }) {
            // Who was in: the ids alone, not the reasons, in the byte order of the `membership_exited` index
            // (segment, exitedRun, patientID), merged with the members now.
            let openPatients = try String.fetchCursor(db, sql: """
                SELECT patientID FROM membership WHERE segment = ? AND exitedRun IS NULL ORDER BY patientID
                """, arguments: [evaluation.name])
            let merged = try MembershipChanges(members: evaluation.patientIDs, nextOpen: openPatients.next)
            let next = Pending(evaluation: evaluation, changes: merged, rows: Started { EnteringRows(evaluation, at: merged.entering) })
            if let previous = pending { try write(previous) }
            pending = next
        }
        if let last = pending { try write(last) }
        // Segments no longer defined: everyone leaves, once.
        let evaluated = evaluations.map(\.name), undefined = "segment no longer defined"
        let closing = MembershipRecord.all().stillOpen().filter { !evaluated.contains($0.segment) }
        exited += try closing.fetchAll(db).map { ($0.segment, $0.patientID, undefined) }
        try closing.updateAll(db) { [$0.exitedRun.set(to: record.id), $0.exitedReason.set(to: undefined)] }
        exited.sort {
            let bySegment = MembershipChanges.compare($0.segment, $1.segment)
            return bySegment != 0 ? bySegment < 0 : MembershipChanges.compare($0.patientID, $1.patientID) < 0
        }
        for row in exited {
            for field in ["exited", row.segment, row.patientID, row.reason] { fingerprint.append(field) }
        }
        return (changes, fingerprint.fingerprint)
    }

    /// Appends an entry to the audit log, chained to the previous one by hash.
    @discardableResult
    public func audit(action: String, user: String, inputs: [String: String], outputs: [String: String],
                      at date: Date = Date()) throws -> AuditEntry {
        try AuditLog.append(db, action: action, user: user, inputs: inputs, outputs: outputs, at: date)
    }
}

/// What a refresh is about to record.
public struct NewRun: Sendable {
    public var asOf: String
    /// A hash of the export's files.
    public var exportFingerprint: String
    /// A hash of everything else that decides membership: segment definitions, feature spec, model versions.
    public var configurationFingerprint: String
    public var modelVersions: [String: String]
    public var patientCount: Int

    public init(asOf: String, exportFingerprint: String, configurationFingerprint: String,
                modelVersions: [String: String] = [:], patientCount: Int) {
        self.asOf = asOf
        self.exportFingerprint = exportFingerprint
        self.configurationFingerprint = configurationFingerprint
        self.modelVersions = modelVersions
        self.patientCount = patientCount
    }
}

/// One segment's members after evaluation.
public struct SegmentEvaluation: Sendable {
    public var name: String
    public var rule: String
    public var purpose: String
    /// The members' patient ids, each once.
    public var patientIDs: [String]
    /// Why the member at an index of ``patientIDs`` is in (the values of the fields the rule reads). Asked only
    /// for the members who enter: most of a month's members stayed, and their reasons are already stored.
    public var reason: @Sendable (Int) -> String

    /// Members given as patient id → why the patient is in.
    public init(name: String, rule: String, purpose: String, members: [String: String]) {
        let ids = Array(members.keys)
        self.init(name: name, rule: rule, purpose: purpose, patientIDs: ids, reason: { members[ids[$0]]! })
    }

    public init(name: String, rule: String, purpose: String, patientIDs: [String], reason: @escaping @Sendable (Int) -> String) {
        self.name = name
        self.rule = rule
        self.purpose = purpose
        self.patientIDs = patientIDs
        self.reason = reason
    }
}

/// Counts of one segment's change in one run.
public struct SegmentChangeCounts: Sendable, Equatable {
    public var members: Int
    public var entered: Int
    public var exited: Int
}

/// A patient entering or leaving a segment, and why.
public struct MembershipChange: Sendable, Equatable {
    public var patientID: String
    public var reason: String

    public init(patientID: String, reason: String) {
        self.patientID = patientID
        self.reason = reason
    }
}

/// Who entered, left and stayed in a segment in one run.
public struct SegmentDiff: Sendable, Equatable {
    public var segment: String
    public var run: Int64
    public var entered: [MembershipChange]
    public var exited: [MembershipChange]
    public var stayed: [String]
}

/// One run's line of a segment's history.
public struct SegmentHistoryEntry: Sendable, Equatable {
    public var run: Int64
    public var asOf: String
    public var members: Int
    public var entered: Int
    public var exited: Int

    public init(run: Int64, asOf: String, members: Int, entered: Int, exited: Int) {
        (self.run, self.asOf, self.members, self.entered, self.exited) = (run, asOf, members, entered, exited)
    }
}

/// Why the store could not be opened, read or written.
public enum StoreError: Error, CustomStringConvertible {
    /// Another process holds the store for a refresh.
    case busy(path: String)
    case noRuns
    case unknownSegment(String)
    /// A run number the store does not have; `latest` is the newest it has.
    case unknownRun(Int64, latest: Int64)
    /// The store's file could not be opened or created; `reason` is the system's.
    case cannotOpen(path: String, reason: String)
    /// SQLite failed: the error keeps its result code, message and statement.
    case database(path: String, DatabaseError)

    init(database error: DatabaseError, path: String) {
        if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            self = .busy(path: path)
        } else {
            self = .database(path: path, error)
        }
    }

    /// The SQLite error behind ``database(path:_:)``.
    public var underlyingError: DatabaseError? {
        guard case let .database(_, error) = self else { return nil }
        return error
    }

    public var description: String {
        switch self {
        case let .busy(path): "\(path): another refresh is running; try again when it has finished"
        case .noRuns: "the store has no runs yet; run `strata refresh` first"
        case let .unknownSegment(name): "no segment named '\(name)' in the store"
        case let .unknownRun(run, latest): "no run \(run) in the store (runs are numbered 1 to \(latest))"
        case let .cannotOpen(path, reason): "\(path): cannot open or create the store: \(reason)"
        case let .database(path, error): "\(path): \(error.message ?? error.description)"
        }
    }
}

extension StoreError: Equatable {
    /// Equal cases with equal values; SQLite errors are equal when their code, message and statement are.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        switch (lhs, rhs) {
        case let (.busy(left), .busy(right)): left == right
        case (.noRuns, .noRuns): true
        case let (.unknownSegment(left), .unknownSegment(right)): left == right
        case let (.unknownRun(left, leftLatest), .unknownRun(right, rightLatest)): left == right && leftLatest == rightLatest
        case let (.cannotOpen(leftPath, left), .cannotOpen(rightPath, right)): leftPath == rightPath && left == right
        case let (.database(leftPath, left), .database(rightPath, right)):
            leftPath == rightPath && left.extendedResultCode == right.extendedResultCode && left.message == right.message
                && left.sql == right.sql
        default: false
        }
    }
}
