import Foundation
import StrataSegments
import Testing

/// A run writes only its changes: a member's reason is asked only when the member enters (in chunks on every
/// core), and the rows come out as with the reasons given up front.
@Suite("Store: changes only")
final class StoreChangesOnlyTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-changes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Patients asked for their reason, from several threads.
    final class Asked: @unchecked Sendable {
        private var ids: [String] = []
        private let lock = NSLock()
        func add(_ id: String) { lock.withLock { ids.append(id) } }
        var all: [String] { lock.withLock { ids.sorted() } }
    }

    static func reason(_ id: String) -> String { "visits=\(id.utf8.count % 7), id=\(id)" }

    /// Records `runs` (each a list of members) into a new store named `name`, the reasons given either up front
    /// (`members:`) or asked per member; returns the store and, per run, the patients asked.
    func store(_ name: String, runs: [[String]], upFront: Bool) throws -> (SegmentStore, [[String]]) {
        let store = try SegmentStore(path: directory.appendingPathComponent(name).path)
        var asked: [[String]] = []
        for (number, members) in runs.enumerated() {
            let log = Asked()
            let evaluation = upFront
                ? SegmentEvaluation(name: "s", rule: "r", purpose: "care",
                                    members: Dictionary(uniqueKeysWithValues: members.map { ($0, Self.reason($0)) }))
                : SegmentEvaluation(name: "s", rule: "r", purpose: "care", patientIDs: members, reason: { index in
                    log.add(members[index])
                    return Self.reason(members[index])
                })
            _ = try store.exclusively { session in
                try session.record(NewRun(asOf: "2024-0\(number + 1)-28", exportFingerprint: "e\(number)", configurationFingerprint: "c",
                                          patientCount: members.count),
                                   evaluations: [evaluation], exitReason: { _, id in "left \(id)" })
            }
            asked.append(log.all)
        }
        return (store, asked)
    }

    @Test func reasonsAreAskedOnlyOfEnteringMembersAndTheRowsMatchReasonsGivenUpFront() throws {
        // 20,000 patients (several chunks of reasons), ids not in sorted order; the second run keeps most,
        // drops every tenth and adds 1,500 new ones; the third brings some back.
        let all = (0..<21_500).map { String(format: "P%06d", ($0 * 7_919) % 21_500) }
        let first = Array(all.prefix(20_000))
        let second = first.enumerated().filter { $0.offset % 10 != 3 }.map(\.element) + all.suffix(1_500)
        let third = Array(second.prefix(5_000)) + first.enumerated().filter { $0.offset % 10 == 3 }.prefix(100).map(\.element)
        let (expected, _) = try store("given.sqlite", runs: [first, second, third], upFront: true)
        let (actual, asked) = try store("asked.sqlite", runs: [first, second, third], upFront: false)

        for run in Int64(1)...3 {
            let (left, right) = (try expected.diff(of: "s", in: run), try actual.diff(of: "s", in: run))
            #expect(left == right)
            #expect(asked[Int(run) - 1] == right.entered.map(\.patientID))
        }
        #expect(asked.map(\.count) == [20_000, 1_500, 100])
        #expect(try expected.history(of: "s") == actual.history(of: "s"))
    }
}
