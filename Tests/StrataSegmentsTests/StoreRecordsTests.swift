import Foundation
@testable import StrataSegments
import Testing

/// The store through GRDB: typed columns, WAL from the configuration, and SQLite's errors kept whole.
@Suite("Store records and errors")
struct StoreRecordsTests {
    let directory: URL
    var storePath: String { directory.appendingPathComponent("strata.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-records-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lists/run-0001"), withIntermediateDirectories: true)
    }

    /// A store with one run of one segment and its refresh entry, as `Refresh` records them.
    func recordedStore() throws -> SegmentStore {
        let store = try SegmentStore(path: storePath)
        try store.exclusively { session in
            let (run, _) = try session.record(
                NewRun(asOf: "2024-06-30", exportFingerprint: "e", configurationFingerprint: "c",
                       modelVersions: ["churn": "churn/v1"], patientCount: 2),
                evaluations: [SegmentEvaluation(name: "s", rule: "age >= 0", purpose: "care", members: ["P1": "age=40"])],
                exitReason: { _, _ in "" })
            try session.audit(action: "refresh", user: "test", inputs: [:], outputs: ["run:1": try session.runFingerprint(run.id) ?? ""])
        }
        try Data("1 \(try store.auditEntries()[0].hash)\n".utf8).write(to: URL(fileURLWithPath: storePath + ".audit-head"))
        return store
    }

    func sqlite(_ code: String) throws -> String {
        try pythonSQLite(code, on: storePath)
    }

    @Test func modelVersionsComeBackAsADictionaryAndTheStoreIsInWALMode() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try recordedStore()
        #expect(try store.runs().map(\.modelVersions) == [["churn": "churn/v1"]])
        #expect(try store.latestRun()?.modelVersions == ["churn": "churn/v1"])
        #expect(try sqlite("print(db.execute('PRAGMA journal_mode').fetchone()[0], end='')") == "wal")
    }

    @Test func sqliteErrorsKeepTheirCodeMessageAndStatement() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try recordedStore()
        _ = try sqlite("db.execute('ALTER TABLE audit RENAME TO audit_moved')")
        do {
            _ = try store.auditEntries()
            Issue.record("reading a store without its audit table succeeded")
        } catch let error as StoreError {
            let underlying = try #require(error.underlyingError)
            #expect(underlying.resultCode.rawValue == 1)  // SQLITE_ERROR
            #expect(underlying.message == "no such table: audit")
            #expect(underlying.sql?.contains("audit") == true)
            #expect(error.description == "\(storePath): no such table: audit")
            #expect(error == .database(path: storePath, underlying))
        }
    }

    @Test func aFileThatIsNotAStoreFailsWithSQLitesError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: storePath))
        do {
            _ = try SegmentStore(path: storePath)
            Issue.record("opened a file that is not a store")
        } catch let error as StoreError {
            #expect(error.underlyingError?.resultCode.rawValue == 26)  // SQLITE_NOTADB
            #expect(error.description == "\(storePath): file is not a database")
        }
    }

    @Test func aStoreInAMissingFolderNamesThePathAndTheReason() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("missing/strata.sqlite").path
        #expect(throws: StoreError.cannotOpen(path: path, reason: "No such file or directory")) { try SegmentStore(path: path) }
        #expect(StoreError.cannotOpen(path: path, reason: "No such file or directory").description
                == "\(path): cannot open or create the store: No such file or directory")
    }

    @Test func aRunRowEditedSoThatItNoLongerDecodesIsAFindingOfAuditVerify() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try recordedStore()
        #expect(try AuditVerification.check(store: store, listsFolder: directory.appendingPathComponent("lists")).isIntact)
        _ = try sqlite("db.execute(\"UPDATE run SET modelVersions = 'not json'\")")
        #expect(try AuditVerification.check(store: store, listsFolder: directory.appendingPathComponent("lists")).problems
                == ["run 1: its run or membership rows were changed after entry 1 recorded them"])
    }
}
