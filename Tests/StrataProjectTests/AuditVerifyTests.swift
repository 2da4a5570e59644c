import Foundation
@testable import StrataProject
@testable import StrataSegments
import Testing

/// Issue 16 row 9: `audit verify` checks the head file, each run's rows and each run's list files.
@Suite("Audit verify")
struct AuditVerifyTests {
    /// A project after one refresh, and its store.
    func refreshed() throws -> (HardeningProject, SegmentStore) {
        let project = try HardeningProject()
        _ = try Refresh.run(try project.open(), user: "test")
        return (project, try SegmentStore(path: project.store.path))
    }

    func check(_ project: HardeningProject, _ store: SegmentStore) throws -> AuditVerification {
        try AuditVerification.check(store: store, listsFolder: project.lists)
    }

    /// Runs SQL on the store behind Strata's back.
    func tamper(_ store: SegmentStore, _ sql: String) throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute(sys.argv[2]); db.commit()
            """, store.path, sql]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(sql)")
    }

    @Test func aFreshRefreshIsIntactAndRecordsItsRunsFingerprint() throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        let result = try check(project, store)
        #expect(result.isIntact && result.entries == 1, "\(result.problems)")
        let outputs = try JSONDecoder().decode([String: String].self, from: Data(try store.auditEntries()[0].outputs.utf8))
        #expect(outputs["run:1"] == (try store.runFingerprint(1)))
        #expect(Set(outputs.keys) == ["run:1", "list:everyone-email.csv", "list:everyone-sms.csv"])
    }

    @Test func removingTheLastEntryAndTheHeadFileIsDetected() throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        try tamper(store, "DELETE FROM audit WHERE sequence = 1")
        try FileManager.default.removeItem(at: AuditHead.url(store))
        #expect(try check(project, store).problems == [
            "the audit head file \(AuditHead.url(store).path) is missing, so removed entries cannot be ruled out",
            "the store has 1 runs but the audit log records 0 refreshes",
        ])
        // The next refresh does not re-create the head over a log that lost its entries.
        _ = try Refresh.run(try project.open(), user: "test")
        #expect(AuditHead.state(store: store) == .missing)
    }

    @Test func aMissingHeadFileBesideEntriesIsAProblem() throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        try FileManager.default.removeItem(at: AuditHead.url(store))
        #expect(try check(project, store).problems == [
            "the audit head file \(AuditHead.url(store).path) is missing, so removed entries cannot be ruled out",
        ])
    }

    @Test(arguments: ["garbage", "1 abc\n", "-1 \(String(repeating: "0", count: 64))\n", ""])
    func aGarbageHeadFileIsAProblem(_ contents: String) throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        try Data(contents.utf8).write(to: AuditHead.url(store))
        #expect(try check(project, store).problems == [
            "the audit head file \(AuditHead.url(store).path) is not valid: it does not hold '<sequence> <hash>'",
        ])
    }

    @Test func aFolderInPlaceOfTheHeadFileIsAProblem() throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        try FileManager.default.removeItem(at: AuditHead.url(store))
        try FileManager.default.createDirectory(at: AuditHead.url(store), withIntermediateDirectories: false)
        #expect(try check(project, store).problems == [
            "the audit head file \(AuditHead.url(store).path) is not valid: it is not a regular file",
        ])
    }

    @Test func editedMembershipAndRunRowsAreDetected() throws {
        for sql in ["UPDATE membership SET enteredReason = 'age=1' WHERE patientID = 'P2'",
                    "DELETE FROM membership WHERE patientID = 'P3'",
                    "INSERT INTO membership (segment, patientID, enteredRun, enteredReason) VALUES ('everyone', 'P9', 1, 'age=40')",
                    "UPDATE run SET asOf = '2024-01-01'"] {
            let (project, store) = try refreshed()
            defer { project.remove() }
            try tamper(store, sql)
            #expect(try check(project, store).problems == ["run 1: its run or membership rows were changed after entry 1 recorded them"], "\(sql)")
        }
    }

    @Test func editedMissingAndExtraListFilesAreDetected() throws {
        let (project, store) = try refreshed()
        defer { project.remove() }
        let folder = project.lists.appendingPathComponent("run-0001")
        try Data("patient_id,email,first_name,segment\n".utf8).write(to: folder.appendingPathComponent("everyone-email.csv"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("everyone-sms.csv"))
        try Data("x\n".utf8).write(to: folder.appendingPathComponent("planted.csv"))
        #expect(try check(project, store).problems == [
            "run 1: \(folder.path)/everyone-email.csv was changed after it was written",
            "run 1: \(folder.path)/everyone-sms.csv is missing",
            "run 1: \(folder.path)/planted.csv is not a list this run wrote",
        ])
    }

    @Test func runsRecordedBeforeFingerprintsAreNotVerifiableRatherThanIntact() throws {
        // A store as the earlier version wrote it: a run and a refresh entry without a run fingerprint.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-old-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("lists/run-0001"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SegmentStore(path: directory.appendingPathComponent("strata.sqlite").path)
        try store.exclusively { session in
            _ = try session.record(NewRun(asOf: "2024-06-30", exportFingerprint: "e", configurationFingerprint: "c", patientCount: 1),
                                   evaluations: [SegmentEvaluation(name: "s", rule: "age >= 0", purpose: "care", members: ["P1": "age=40"])],
                                   exitReason: { _, _ in "" })
            try session.audit(action: "refresh", user: "test", inputs: [:], outputs: [:])
        }
        let result = try AuditVerification.check(store: store, listsFolder: directory.appendingPathComponent("lists"))
        #expect(result.problems == ["the audit head file \(AuditHead.url(store).path) is missing, so removed entries cannot be ruled out"])
        try AuditHead.start(store: store)  // no effect: the log has entries
        #expect(AuditHead.state(store: store) == .missing)
        try Data("1 \(try store.auditEntries()[0].hash)\n".utf8).write(to: AuditHead.url(store))
        let anchored = try AuditVerification.check(store: store, listsFolder: directory.appendingPathComponent("lists"))
        #expect(anchored.problems.isEmpty && anchored.unverifiableRuns == [1] && !anchored.isIntact)
    }

    @Test func theEmptyChainsHeadIsWrittenWithTheStore() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        _ = try Refresh.run(try project.open(), user: "test")
        let store = try SegmentStore(path: project.store.path)
        let entries = try store.auditEntries()
        #expect(AuditHead.state(store: store) == .recorded(sequence: 1, hash: entries[0].hash))
        #expect(AuditLog.verify([], expectedHead: (0, AuditLog.genesis)) == .intact(entries: 0, head: AuditLog.genesis))
        #expect(AuditLog.verify(entries, expectedHead: (0, AuditLog.genesis)) == .intact(entries: 1, head: entries[0].hash))
    }
}
