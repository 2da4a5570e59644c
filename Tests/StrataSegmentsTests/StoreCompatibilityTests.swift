import Foundation
@testable import StrataSegments
import Testing

/// A store written by Strata before its store used GRDB records (issue 18) opens unchanged, and what its
/// audit log vouches for still verifies: run fingerprints and audit hashes are computed over the same bytes.
@Suite("Store compatibility")
struct StoreCompatibilityTests {
    /// `sqlite3 strata.sqlite .dump` of a store the earlier code wrote: two runs (the second with no models,
    /// a leaver and a retired segment), a model change, non-ASCII reasons and model versions that JSON
    /// escapes (`/`, `"`).
    static let dump = #"""
        PRAGMA foreign_keys=OFF;
        BEGIN TRANSACTION;
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
        INSERT INTO grdb_migrations VALUES('v1: runs, memberships, audit log');
        INSERT INTO grdb_migrations VALUES('v2: membership by run');
        CREATE TABLE IF NOT EXISTS "run" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "recordedAt" TEXT NOT NULL, "asOf" TEXT NOT NULL, "exportFingerprint" TEXT NOT NULL, "configurationFingerprint" TEXT NOT NULL, "modelVersions" TEXT NOT NULL, "patientCount" INTEGER NOT NULL);
        INSERT INTO run VALUES(1,'2026-12-03T08:43:07Z','2024-05-31','export-1','configuration-1','{"churn":"churn\/v1","cluster":"k=4 \"naïve\""}',4);
        INSERT INTO run VALUES(2,'2026-12-03T08:43:07Z','2024-06-30','export-2','configuration-2','{}',5);
        CREATE TABLE IF NOT EXISTS "segment" ("name" TEXT PRIMARY KEY NOT NULL, "rule" TEXT NOT NULL, "purpose" TEXT NOT NULL, "firstRun" INTEGER NOT NULL REFERENCES "run"("id"), "lastRun" INTEGER NOT NULL REFERENCES "run"("id"));
        INSERT INTO segment VALUES('lapsed','days_since_last_visit > 180','marketing',1,2);
        INSERT INTO segment VALUES('vip','visits >= 10','care',1,1);
        CREATE TABLE IF NOT EXISTS "membership" ("segment" TEXT NOT NULL REFERENCES "segment"("name") ON DELETE CASCADE, "patientID" TEXT NOT NULL, "enteredRun" INTEGER NOT NULL REFERENCES "run"("id"), "enteredReason" TEXT NOT NULL, "exitedRun" INTEGER REFERENCES "run"("id"), "exitedReason" TEXT, PRIMARY KEY ("segment", "patientID", "enteredRun"));
        INSERT INTO membership VALUES('lapsed','p1',1,'days_since_last_visit=200',2,'lapsed p1: days_since_last_visit=3');
        INSERT INTO membership VALUES('lapsed','p2',1,'days_since_last_visit=365 — ü',NULL,NULL);
        INSERT INTO membership VALUES('vip','p3',1,'visits=12',2,'segment no longer defined');
        INSERT INTO membership VALUES('lapsed','p4',2,'days_since_last_visit=181',NULL,NULL);
        CREATE TABLE IF NOT EXISTS "audit" ("sequence" INTEGER PRIMARY KEY, "recordedAt" TEXT NOT NULL, "user" TEXT NOT NULL, "action" TEXT NOT NULL, "inputs" TEXT NOT NULL, "outputs" TEXT NOT NULL, "previousHash" TEXT NOT NULL, "hash" TEXT NOT NULL);
        INSERT INTO audit VALUES(1,'2024-06-01T00:00:00Z','analyst','refresh','{"configuration":"configuration-1","export":"export-1"}','{"run:1":"24a20cdf0a58a4bec5a92dce1c7416f8ff3e58ec2a3693f2e1a14e8c64ca5187"}','0000000000000000000000000000000000000000000000000000000000000000','cb39b9b8699ad0b6a78dc9b5aec8fe54b727b88c5e18cde38bf9b3ece2411d69');
        INSERT INTO audit VALUES(2,'2024-07-01T00:00:00Z','analyst','model change','{"model:churn":"churn\/v1","model:cluster":"k=4 \"naïve\""}','{}','cb39b9b8699ad0b6a78dc9b5aec8fe54b727b88c5e18cde38bf9b3ece2411d69','e3bd0bb24a19f09ae7d663d6fa95657840a31523b7a5da7c76833b6b41d3dcfa');
        INSERT INTO audit VALUES(3,'2024-07-01T00:00:00Z','analyst','refresh','{"configuration":"configuration-2","export":"export-2"}','{"run:2":"fb6b73780ca2cc2344d0b253fe9e016157e502cee9fc7b89bd9dc287f292614f"}','e3bd0bb24a19f09ae7d663d6fa95657840a31523b7a5da7c76833b6b41d3dcfa','c5b20d7aab99d60187007aaa9ca1c6519751fdc10a06c1bd93f64177363de7b8');
        DELETE FROM sqlite_sequence;
        INSERT INTO sqlite_sequence VALUES('run',2);
        CREATE INDEX "membership_open" ON "membership"("segment", "exitedRun");
        CREATE INDEX "membership_exited" ON "membership"("segment", "exitedRun", "patientID");
        CREATE INDEX "membership_entered_run" ON "membership"("enteredRun");
        CREATE INDEX "membership_exited_run" ON "membership"("exitedRun");
        COMMIT;
        """#

    /// The run fingerprints and audit hashes the earlier code computed for the store above.
    static let runFingerprints: [Int64: String] = [
        1: "24a20cdf0a58a4bec5a92dce1c7416f8ff3e58ec2a3693f2e1a14e8c64ca5187",
        2: "fb6b73780ca2cc2344d0b253fe9e016157e502cee9fc7b89bd9dc287f292614f",
    ]
    static let auditHashes = [
        "cb39b9b8699ad0b6a78dc9b5aec8fe54b727b88c5e18cde38bf9b3ece2411d69",
        "e3bd0bb24a19f09ae7d663d6fa95657840a31523b7a5da7c76833b6b41d3dcfa",
        "c5b20d7aab99d60187007aaa9ca1c6519751fdc10a06c1bd93f64177363de7b8",
    ]

    let directory: URL
    var storePath: String { directory.appendingPathComponent("strata.sqlite").path }
    var lists: URL { directory.appendingPathComponent("lists") }

    /// The old store in a new folder, in WAL mode as Strata leaves it, with its audit head and an (empty)
    /// lists folder per run.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-compat-\(UUID().uuidString)")
        for run in 1...2 {
            try FileManager.default.createDirectory(at: lists.appendingPathComponent(String(format: "run-%04d", run)),
                                                    withIntermediateDirectories: true)
        }
        _ = try sqlite("db.executescript(sys.argv[2]); db.execute('PRAGMA journal_mode = WAL')", Self.dump)
        try Data("3 \(Self.auditHashes[2])\n".utf8).write(to: URL(fileURLWithPath: storePath + ".audit-head"))
    }

    func sqlite(_ code: String, _ argument: String = "") throws -> String {
        try pythonSQLite(code, on: storePath, argument: argument)
    }

    @Test func anEarlierStoreReadsAndVerifies() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        for (run, fingerprint) in Self.runFingerprints {
            #expect(try store.runFingerprint(run) == fingerprint)
        }
        let entries = try store.auditEntries()
        #expect(entries.map(\.hash) == Self.auditHashes)
        #expect(AuditLog.verify(entries, expectedHead: (3, Self.auditHashes[2])) == .intact(entries: 3, head: Self.auditHashes[2]))
        let verification = try AuditVerification.check(store: store, listsFolder: lists)
        #expect(verification.isIntact, "\(verification.problems)")

        #expect(try store.runs().map(\.patientCount) == [4, 5])
        #expect(try store.segmentNames() == ["lapsed"])
        #expect(try store.members(of: "lapsed") == ["p2", "p4"])
        #expect(try store.members(of: "vip", after: 1) == ["p3"])
        #expect(try store.diff(of: "lapsed", in: 2) == SegmentDiff(
            segment: "lapsed", run: 2,
            entered: [MembershipChange(patientID: "p4", reason: "days_since_last_visit=181")],
            exited: [MembershipChange(patientID: "p1", reason: "lapsed p1: days_since_last_visit=3")],
            stayed: ["p2"]))
        #expect(try store.history(of: "vip") == [
            SegmentHistoryEntry(run: 1, asOf: "2024-05-31", members: 1, entered: 1, exited: 0),
            SegmentHistoryEntry(run: 2, asOf: "2024-06-30", members: 0, entered: 0, exited: 1),
        ])
    }

    /// Opening the store drops `membership_open`, whose columns lead `membership_exited`; the lookup of a
    /// segment's open members (the one every refresh makes per segment) is then served by `membership_exited`.
    @Test func theRedundantOpenMembershipIndexIsDropped() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try sqlite("print(sorted(r[0] for r in db.execute(\"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'membership' AND sql IS NOT NULL\")))")
                == "['membership_entered_run', 'membership_exited', 'membership_exited_run', 'membership_open']\n")
        _ = try SegmentStore(path: storePath)
        #expect(try sqlite("print(sorted(r[0] for r in db.execute(\"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'membership' AND sql IS NOT NULL\")))")
                == "['membership_entered_run', 'membership_exited', 'membership_exited_run']\n")
        let plan = try sqlite("print(' '.join(r[3] for r in db.execute(\"EXPLAIN QUERY PLAN SELECT patientID FROM membership WHERE segment = 'lapsed' AND exitedRun IS NULL\")))")
        #expect(plan.contains("USING COVERING INDEX membership_exited"), "\(plan)")
    }

    @Test func aNewRunOnAnEarlierStoreIsWrittenAsBefore() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        try store.exclusively { session in
            let (run, _) = try session.record(
                NewRun(asOf: "2024-07-31", exportFingerprint: "export-3", configurationFingerprint: "configuration-3",
                       modelVersions: ["cluster": "k=4 \"naïve\"", "churn": "churn/v2"], patientCount: 5),
                evaluations: [SegmentEvaluation(name: "lapsed", rule: "days_since_last_visit > 180", purpose: "marketing",
                                                members: ["p4": "days_since_last_visit=212"])],
                exitReason: { _, _ in "days_since_last_visit=1" })
            #expect(run.id == 3)
            try session.audit(action: "refresh", user: "analyst", inputs: ["export": "export-3"],
                              outputs: ["run:3": try session.runFingerprint(run.id) ?? ""],
                              at: Date(timeIntervalSince1970: 1_722_470_400))
        }
        // The same JSON text as the earlier code wrote for run 1's models: sorted keys, escaped `/` and `"`.
        #expect(try sqlite("print(db.execute('SELECT modelVersions FROM run WHERE id = 3').fetchone()[0], end='')")
                == #"{"churn":"churn\/v2","cluster":"k=4 \"naïve\""}"#)
        let entries = try store.auditEntries()
        #expect(entries.prefix(3).map(\.hash) == Self.auditHashes)
        #expect(AuditLog.verify(entries) == .intact(entries: 4, head: entries[3].hash))
        try FileManager.default.createDirectory(at: lists.appendingPathComponent("run-0003"), withIntermediateDirectories: true)
        try Data("4 \(entries[3].hash)\n".utf8).write(to: URL(fileURLWithPath: storePath + ".audit-head"))
        let verification = try AuditVerification.check(store: store, listsFolder: lists)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(try store.diff(of: "lapsed").exited.map(\.patientID) == ["p2"])
    }
}
