import Foundation
@testable import StrataSegments
import Testing

/// The campaign tables: an existing store gains them when it opens, a started campaign reads back, and
/// `audit verify` finds every kind of edit to a campaign's row or groups.
@Suite("Campaign store")
struct CampaignStoreTests {
    let directory: URL
    var storePath: String { directory.appendingPathComponent("strata.sqlite").path }
    var lists: URL { directory.appendingPathComponent("lists") }

    /// The store an earlier Strata wrote (``StoreCompatibilityTests/dump``), with its audit head.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-campaign-store-\(UUID().uuidString)")
        for run in 1...2 {
            try FileManager.default.createDirectory(at: lists.appendingPathComponent(String(format: "run-%04d", run)),
                                                    withIntermediateDirectories: true)
        }
        _ = try pythonSQLite("db.executescript(sys.argv[2]); db.execute('PRAGMA journal_mode = WAL')", on: storePath,
                             argument: StoreCompatibilityTests.dump)
        try Data("3 \(StoreCompatibilityTests.auditHashes[2])\n".utf8).write(to: URL(fileURLWithPath: storePath + ".audit-head"))
    }

    static let record = CampaignRecord(name: "winback-test", segment: "lapsed", channel: "email", purpose: "marketing",
                                       holdoutShare: 0.2, outcomeEvent: "visit", outcomeDays: 60, subgroups: ["sex"],
                                       startedRun: 2, startedAsOf: "2024-06-30", startedAt: "2024-07-01T00:00:00Z")

    /// Starts the campaign with `groups` as `campaign start` records it (without a send list); returns its
    /// fingerprint.
    func start(_ store: SegmentStore, groups: CampaignGroups = CampaignGroups(treatment: ["p2", "p4"], holdout: ["p1"])) throws -> String {
        try store.exclusively { session in
            let fingerprint = try session.startCampaign(Self.record, groups: groups)
            try session.audit(action: "campaign start", user: "analyst", inputs: ["run": "2"], outputs: ["campaign:winback-test": fingerprint])
            return fingerprint
        }
    }

    @Test func anEarlierStoreMigratesAndKeepsVerifying() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        #expect(try store.campaigns().isEmpty)
        let fingerprint = try start(store)
        try AuditHead.advance(store: store)
        #expect(try store.campaigns() == [Self.record])
        #expect(try store.campaignGroups("winback-test") == CampaignGroups(treatment: ["p2", "p4"], holdout: ["p1"]))
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        // The runs the earlier code fingerprinted still verify; the campaign's list folder is missing.
        let verification = try AuditVerification.check(store: store, listsFolder: lists)
        #expect(verification.problems == [])
        // Reopening migrates nothing twice.
        #expect(try SegmentStore(path: storePath).campaigns().count == 1)
    }

    @Test(arguments: [
        "UPDATE campaignMember SET holdout = 0 WHERE patientID = 'p1'",
        "DELETE FROM campaignMember WHERE patientID = 'p4'",
        "INSERT INTO campaignMember VALUES ('winback-test', 'p9', 1)",
        "UPDATE campaign SET holdoutShare = 0.5",
    ])
    func anEditedSplitFailsVerification(edit: String) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        _ = try start(store)
        try AuditHead.advance(store: store)
        _ = try pythonSQLite("db.execute(\"\(edit)\")", on: storePath)
        let verification = try AuditVerification.check(store: store, listsFolder: lists)
        #expect(verification.problems == ["campaign winback-test: its settings or groups were changed after entry 4 recorded them"])
    }

    @Test func aCampaignWithoutItsStartEntryIsReported() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        try store.exclusively { session in _ = try session.startCampaign(Self.record, groups: CampaignGroups(treatment: ["p2"], holdout: [])) }
        let verification = try AuditVerification.check(store: store, listsFolder: lists)
        #expect(verification.problems == ["campaign winback-test is in the store, but no audit entry records its start"])
    }

    /// A store whose campaigns were started before sends were planned by the contact policy (no
    /// `campaignNotSent` table) gains the table when it opens; its campaign keeps its fingerprint, still
    /// verifies, and counts its whole treatment as sent.
    @Test func aStoreFromBeforeCampaignSendsMigrates() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let fingerprint = try start(try SegmentStore(path: storePath))
        _ = try pythonSQLite("""
            db.execute("DROP TABLE campaignNotSent")
            db.execute("DELETE FROM grdb_migrations WHERE identifier LIKE 'v7:%'")
            """, on: storePath)
        #expect(try pythonSQLite("print(db.execute(\"SELECT count(*) FROM sqlite_master WHERE name = 'campaignNotSent'\").fetchone()[0])",
                                 on: storePath) == "0\n")
        let store = try SegmentStore(path: storePath)
        try AuditHead.advance(store: store)
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        #expect(try store.campaignGroups("winback-test") == CampaignGroups(treatment: ["p2", "p4"], holdout: ["p1"]))
        #expect(try store.campaignSent("winback-test") == ["p2", "p4"])
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems == [])
    }

    /// Treatment patients held back from the send list read back with their rule, are not sends, and are part
    /// of the audited fingerprint: changing a rule or sending someone held back is found.
    @Test(arguments: ["UPDATE campaignNotSent SET reason = 'cap'", "DELETE FROM campaignNotSent"])
    func patientsNotSentAreRecordedAndAudited(edit: String) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        let groups = CampaignGroups(treatment: ["p2", "p4"], holdout: ["p1"], notSent: ["p4": .deceased])
        let fingerprint = try start(store, groups: groups)
        try AuditHead.advance(store: store)
        #expect(try store.campaignGroups("winback-test") == groups && groups.sent == ["p2"])
        #expect(try store.campaignSent("winback-test") == ["p2"])
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems == [])
        _ = try pythonSQLite("db.execute(\"\(edit)\")", on: storePath)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems
            == ["campaign winback-test: its settings or groups were changed after entry 4 recorded them"])
    }

    /// A store from before campaigns recorded clusters (no v8 tables) gains them when it opens; its campaign
    /// keeps its fingerprint, still verifies, and reads back with no clusters recorded (nil: started before).
    @Test func aStoreFromBeforeCampaignClustersMigrates() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let fingerprint = try start(try SegmentStore(path: storePath))
        _ = try pythonSQLite("""
            db.execute("DROP TABLE campaignCluster")
            db.execute("DROP TABLE campaignClusterSource")
            db.execute("DELETE FROM grdb_migrations WHERE identifier LIKE 'v8:%'")
            """, on: storePath)
        let tables = "print(db.execute(\"SELECT count(*) FROM sqlite_master WHERE name LIKE 'campaignCluster%'\").fetchone()[0])"
        #expect(try pythonSQLite(tables, on: storePath) == "0\n")
        let store = try SegmentStore(path: storePath)
        #expect(try pythonSQLite(tables, on: storePath) == "2\n")
        try AuditHead.advance(store: store)
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        #expect(try store.campaignGroups("winback-test").clusters == nil)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems == [])
    }

    /// Clusters recorded at the start (or the reason there are none) read back and are part of the audited
    /// fingerprint: any edit of them is found.
    @Test(arguments: [
        "UPDATE campaignCluster SET cluster = 'quiet' WHERE patientID = 'p1'",
        "DELETE FROM campaignCluster WHERE patientID = 'p4'",
        "INSERT INTO campaignCluster VALUES ('winback-test', 'p9', 'busy')",
        "UPDATE campaignClusterSource SET model = 'clusters-2024-07-31.json'",
        "DELETE FROM campaignClusterSource",
    ])
    func recordedClustersAreAudited(edit: String) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        let clusters = CampaignClusters.recorded(model: "clusters-2024-06-30.json", clusters: ["p1": "busy", "p2": "quiet", "p4": "busy"])
        let groups = CampaignGroups(treatment: ["p2", "p4"], holdout: ["p1"], clusters: clusters)
        let fingerprint = try start(store, groups: groups)
        try AuditHead.advance(store: store)
        #expect(try store.campaignGroups("winback-test") == groups)
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems == [])
        _ = try pythonSQLite("db.execute(\"\(edit)\")", on: storePath)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems
            == ["campaign winback-test: its settings or groups were changed after entry 4 recorded them"])
    }

    /// The reason a start recorded no clusters reads back and is audited too.
    @Test func clustersUnavailableAtTheStartAreRecorded() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: storePath)
        let groups = CampaignGroups(treatment: ["p2"], holdout: ["p1"], clusters: .unavailable(reason: "run 2 applied no cluster model"))
        let fingerprint = try start(store, groups: groups)
        try AuditHead.advance(store: store)
        #expect(try store.campaignGroups("winback-test") == groups)
        #expect(try store.campaignFingerprint("winback-test") == fingerprint)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems == [])
        _ = try pythonSQLite("db.execute(\"UPDATE campaignClusterSource SET unavailableReason = 'edited'\")", on: storePath)
        #expect(try AuditVerification.check(store: store, listsFolder: lists).problems
            == ["campaign winback-test: its settings or groups were changed after entry 4 recorded them"])
    }
}
