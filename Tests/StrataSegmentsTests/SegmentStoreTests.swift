import Foundation
import StrataSegments
import Testing

@Suite("Segment store")
final class SegmentStoreTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A class, so that the folder goes when the test ends.
    deinit { try? FileManager.default.removeItem(at: directory) }

    func openStore(timeout: TimeInterval = 5) throws -> SegmentStore {
        try SegmentStore(path: directory.appendingPathComponent("strata.sqlite").path, busyTimeout: timeout)
    }

    func evaluation(_ members: [String]) -> SegmentEvaluation {
        SegmentEvaluation(name: "lapsed", rule: "days_since_last_visit > 180", purpose: "marketing",
                          members: Dictionary(uniqueKeysWithValues: members.map { ($0, "days_since_last_visit=200") }))
    }

    func record(_ store: SegmentStore, asOf: String, _ members: [String]) throws {
        _ = try store.exclusively { session in
            try session.record(NewRun(asOf: asOf, exportFingerprint: "export-\(asOf)", configurationFingerprint: "c",
                                      patientCount: 5),
                               evaluations: [evaluation(members)],
                               exitReason: { _, _ in "days_since_last_visit=3" })
        }
    }

    @Test func diffsAndHistoryFollowMembershipIntervals() throws {
        let store = try openStore()
        try record(store, asOf: "2024-05-31", ["p1", "p2", "p3"])
        try record(store, asOf: "2024-06-30", ["p2", "p3", "p4"])
        try record(store, asOf: "2024-07-31", ["p1", "p4"])

        let second = try store.diff(of: "lapsed", in: 2)
        #expect(second.entered == [MembershipChange(patientID: "p4", reason: "days_since_last_visit=200")])
        #expect(second.exited == [MembershipChange(patientID: "p1", reason: "days_since_last_visit=3")])
        #expect(second.stayed == ["p2", "p3"])

        let third = try store.diff(of: "lapsed")  // the latest run
        #expect(third.run == 3)
        #expect(third.entered.map(\.patientID) == ["p1"])  // p1 came back: a second interval
        #expect(third.exited.map(\.patientID) == ["p2", "p3"])
        #expect(third.stayed == ["p4"])

        #expect(try store.members(of: "lapsed", after: 1) == ["p1", "p2", "p3"])
        #expect(try store.members(of: "lapsed") == ["p1", "p4"])
        #expect(try store.history(of: "lapsed") == [
            SegmentHistoryEntry(run: 1, asOf: "2024-05-31", members: 3, entered: 3, exited: 0),
            SegmentHistoryEntry(run: 2, asOf: "2024-06-30", members: 3, entered: 1, exited: 1),
            SegmentHistoryEntry(run: 3, asOf: "2024-07-31", members: 2, entered: 1, exited: 2),
        ])
        #expect(throws: StoreError.unknownSegment("nope")) { try store.diff(of: "nope") }
        #expect(try store.integrityCheck())
    }

    @Test func aFailedRefreshLeavesNothingBehind() throws {
        let store = try openStore()
        try record(store, asOf: "2024-05-31", ["p1"])
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try store.exclusively { session in
                _ = try session.record(NewRun(asOf: "2024-06-30", exportFingerprint: "x", configurationFingerprint: "c", patientCount: 1),
                                       evaluations: [evaluation(["p9"])], exitReason: { _, _ in "" })
                try session.audit(action: "refresh", user: "test", inputs: [:], outputs: [:])
                throw Interrupted()
            }
        }
        #expect(try store.runs().count == 1)
        #expect(try store.members(of: "lapsed") == ["p1"])
        #expect(try store.auditEntries().isEmpty)
    }

    @Test func removedSegmentsCloseTheirMemberships() throws {
        let store = try openStore()
        try record(store, asOf: "2024-05-31", ["p1", "p2"])
        _ = try store.exclusively { session in
            try session.record(NewRun(asOf: "2024-06-30", exportFingerprint: "y", configurationFingerprint: "d", patientCount: 2),
                               evaluations: [], exitReason: { _, _ in "" })
        }
        #expect(try store.members(of: "lapsed").isEmpty)
        #expect(try store.diff(of: "lapsed").exited.map(\.reason) == ["segment no longer defined", "segment no longer defined"])
    }

    @Test func aSecondWriterWaitsThenFailsWithAClearMessage() throws {
        let first = try openStore()
        let second = try openStore(timeout: 0.2)
        try first.exclusively { _ in
            #expect(throws: StoreError.busy(path: second.path)) {
                try second.exclusively { _ in }
            }
        }
        #expect(StoreError.busy(path: "s").description == "s: another refresh is running; try again when it has finished")
        try second.exclusively { _ in }  // free again
    }

    @Test func auditChainDetectsEditsAndRemovals() throws {
        let store = try openStore()
        for i in 1...4 {
            _ = try store.exclusively { session in
                try session.audit(action: "refresh", user: "analyst", inputs: ["export": "sha-\(i)"], outputs: ["list": "out-\(i)"],
                                  at: Date(timeIntervalSince1970: Double(i) * 86_400))
            }
        }
        let entries = try store.auditEntries()
        guard case let .intact(count, head) = AuditLog.verify(entries) else { Issue.record("chain not intact"); return }
        #expect(count == 4 && head == entries.last?.hash)

        var edited = entries
        edited[1].outputs = #"{"list":"forged"}"#
        #expect(AuditLog.verify(edited) == .broken(sequence: 2, reason: "entry 2 was changed after it was written"))

        var rehashed = edited
        rehashed[1].hash = String(repeating: "a", count: 64)  // a forger who rewrites the hash breaks the next link
        #expect(AuditLog.verify(rehashed) == .broken(sequence: 2, reason: "entry 2 was changed after it was written"))

        var removed = entries
        removed.remove(at: 2)
        #expect(AuditLog.verify(removed) == .broken(sequence: 3, reason: "entry 3 is missing"))

        let tailRemoved = Array(entries.prefix(3))
        #expect(AuditLog.verify(tailRemoved) == .intact(entries: 3, head: entries[2].hash))  // undetectable alone...
        #expect(AuditLog.verify(tailRemoved, expectedHead: (4, entries[3].hash))
                == .broken(sequence: 4, reason: "entry 4 and those after it were removed"))  // ...but not with the head
    }

    @Test func reopeningKeepsEverything() throws {
        try record(try openStore(), asOf: "2024-05-31", ["p1", "p2"])
        let reopened = try openStore()
        #expect(try reopened.members(of: "lapsed") == ["p1", "p2"])
        #expect(try reopened.runs().map(\.asOf) == ["2024-05-31"])
    }
}
