import Foundation
import StrataData
@testable import StrataSegments
import Testing

/// The bulk insert of entering members (64 rows to a statement, texts bound from one buffer) stores exactly
/// the rows and reasons given, around and across the statement's size, for any text.
@Suite("Store: bulk membership insert")
final class MembershipInserterTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-inserter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    @Test func everyRowAndReasonIsStoredAroundAndAcrossTheStatementSize() throws {
        let store = try SegmentStore(path: directory.appendingPathComponent("bulk.sqlite").path)
        // Odd texts first: accents, an emoji, quotes, a comma, an empty reason, a NUL-free long one.
        let odd: [(String, String)] = [
            ("Pé-1", "sex=female, age=52"), ("😀", ""), ("O'Brien \"7\"", "note='a, b'"), ("P0", String(repeating: "x", count: 5_000)),
        ]
        let sizes = [0, 1, 63, 64, 65, 130, 1_000]
        var expected: [String: [MembershipChange]] = [:]
        let evaluations = sizes.enumerated().map { segment, size in
            var rows = (0..<size).map { ("P\(segment)-\(($0 * 37) % max(size, 1))-\($0)", "visits=\($0 % 5), segment=\(segment)") }
            if size == 130 { rows += odd }
            let reasons = Dictionary(uniqueKeysWithValues: rows)
            expected["s\(segment)"] = rows.map { MembershipChange(patientID: $0.0, reason: $0.1) }.sorted { $0.patientID < $1.patientID }
            return SegmentEvaluation(name: "s\(segment)", rule: "r", purpose: "care", members: reasons)
        }
        _ = try store.exclusively { session in
            try session.record(NewRun(asOf: "2024-01-31", exportFingerprint: "e", configurationFingerprint: "c", patientCount: 1_500),
                               evaluations: evaluations, exitReason: { _, _ in "left" })
        }
        for (name, rows) in expected {
            let diff = try store.diff(of: name, in: 1)
            #expect(diff.entered == rows, "segment \(name)")
            #expect(diff.exited.isEmpty && diff.stayed.isEmpty)
            #expect(try store.members(of: name).sorted() == rows.map(\.patientID).sorted())
        }
        #expect(try store.integrityCheck())

        // A second run in which segment s5 (130 rows and the odd texts) keeps its first 100 rows: the rest
        // leave with their reasons, the odd texts among them; everyone of s6 leaves.
        let kept = expected["s5"]!.prefix(100).map(\.patientID)
        _ = try store.exclusively { session in
            try session.record(NewRun(asOf: "2024-02-29", exportFingerprint: "e2", configurationFingerprint: "c", patientCount: 1_500),
                               evaluations: [SegmentEvaluation(name: "s5", rule: "r", purpose: "care", patientIDs: kept, reason: { "r\($0)" }),
                                             SegmentEvaluation(name: "s6", rule: "r", purpose: "care", patientIDs: [], reason: { "r\($0)" })],
                               exitReason: { segment, id in id == "😀" ? "" : "left \(segment) '\(id)', bye" })
        }
        let leftS5 = expected["s5"]!.dropFirst(100).map { MembershipChange(patientID: $0.patientID, reason: $0.patientID == "😀" ? "" : "left s5 '\($0.patientID)', bye") }
        #expect(try store.diff(of: "s5", in: 2).exited == leftS5)
        #expect(try store.diff(of: "s6", in: 2).exited.count == 1_000)
        #expect(try store.members(of: "s5").sorted() == kept.sorted())
        #expect(try store.members(of: "s6").isEmpty)
        #expect(try store.integrityCheck())
    }

    /// The run fingerprint reads a run's rows by the run's index and a sort when they are few, by a walk of
    /// the primary key when they are many: the same rows, the same order, the same fingerprint.
    @Test func theRunFingerprintIsTheSameByEitherPlan() throws {
        let store = try SegmentStore(path: directory.appendingPathComponent("plans.sqlite").path)
        func record(_ asOf: String, _ evaluations: [SegmentEvaluation]) throws {
            _ = try store.exclusively { session in
                try session.record(NewRun(asOf: asOf, exportFingerprint: asOf, configurationFingerprint: "c", patientCount: 2_000),
                                   evaluations: evaluations, exitReason: { segment, id in "left \(segment) \(id)" })
            }
        }
        let ids = (0..<100).map { "P\(($0 * 7) % 100)é" }
        try record("2024-01-31", [SegmentEvaluation(name: "b", rule: "r", purpose: "care", patientIDs: ids, reason: { "why \($0)" }),
                                  SegmentEvaluation(name: "a", rule: "r", purpose: "care", patientIDs: Array(ids.prefix(30)), reason: { "a\($0)" })])
        // Run 1 is all of the table: the walk. Run 2 closes 40 of its rows and opens 1,000 elsewhere.
        let first = try #require(try store.runFingerprint(1))
        try record("2024-02-29", [SegmentEvaluation(name: "b", rule: "r", purpose: "care", patientIDs: Array(ids.prefix(60)), reason: { "why \($0)" }),
                                  SegmentEvaluation(name: "c", rule: "r", purpose: "care", patientIDs: (0..<1_000).map { "Q\($0)" }, reason: { "c\($0)" })])
        // Now run 1's 130 rows are a tenth of the table: the index and a sort.
        #expect(try store.runFingerprint(1) == first)
        let second = try #require(try store.runFingerprint(2))
        // Closing the rest of the table makes run 3's exits most of it: the walk for its exited rows.
        try record("2024-03-31", [])
        #expect(try store.runFingerprint(2) == second)
        #expect(try store.runFingerprint(3) != nil)
        #expect(try store.integrityCheck())
    }

    /// The fingerprint `recordMemberships` works out from the rows it writes is the one read back from the store:
    /// a first run, a run that closes and opens rows in segments given in no particular order (ids in an order
    /// Swift's `<` and the bytes disagree on: a decomposed and a precomposed é), and a run that drops a segment.
    @Test func theFingerprintOfTheRowsWrittenIsTheOneReadBack() throws {
        let store = try SegmentStore(path: directory.appendingPathComponent("written.sqlite").path)
        func record(_ asOf: String, _ evaluations: [SegmentEvaluation]) throws {
            let (id, written) = try store.exclusively { session in
                let run = try session.insertRun(NewRun(asOf: asOf, exportFingerprint: asOf, configurationFingerprint: "c", patientCount: 500))
                let recorded = try session.recordMemberships(of: run, evaluations: evaluations, exitReason: { segment, id in "left \(segment) \(id)" })
                return (run.id, recorded.runFingerprint)
            }
            #expect(try store.runFingerprint(id) == written, "run \(id)")
        }
        let ids = (0..<300).map { $0 % 3 == 0 ? "Pe\u{301}\($0)" : $0 % 3 == 1 ? "P\u{e9}\($0)" : "P\(($0 * 7) % 300)" }
        try record("2024-01-31", [SegmentEvaluation(name: "zeta", rule: "r", purpose: "care", patientIDs: ids, reason: { "why \($0)" }),
                                  SegmentEvaluation(name: "Alpha", rule: "r", purpose: "care", patientIDs: Array(ids.prefix(90)), reason: { "a\($0)" }),
                                  SegmentEvaluation(name: "gone", rule: "r", purpose: "care", patientIDs: Array(ids.suffix(20)), reason: { "g\($0)" })])
        try record("2024-02-29", [SegmentEvaluation(name: "zeta", rule: "r", purpose: "care", patientIDs: Array(ids.shuffled().prefix(200)),
                                                    reason: { "now \($0)" }),
                                  SegmentEvaluation(name: "Alpha", rule: "r", purpose: "care", patientIDs: Array(ids.suffix(90)), reason: { "b\($0)" })])
        try record("2024-03-31", [])
    }

    /// `membership_exited_run` holds the closed rows alone (every row a refresh enters is open), and still
    /// serves the lookups by the run that closed them.
    @Test func onlyClosedRowsAreIndexedByTheRunThatClosedThem() throws {
        let store = try SegmentStore(path: directory.appendingPathComponent("closed.sqlite").path)
        for (asOf, members) in [("2024-01-31", ["P1", "P2", "P3"]), ("2024-02-29", ["P2"])] {
            _ = try store.exclusively { session in
                try session.record(NewRun(asOf: asOf, exportFingerprint: asOf, configurationFingerprint: "c", patientCount: 3),
                                   evaluations: [SegmentEvaluation(name: "s", rule: "r", purpose: "care", patientIDs: members, reason: { "r\($0)" })],
                                   exitReason: { _, _ in "left" })
            }
        }
        try store.read { db in
            let indexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership INDEXED BY membership_exited_run WHERE exitedRun > 0")
            #expect(indexed == 2)
            // `INDEXED BY` fails the statement when the index cannot answer it.
            let closedInRun2 = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM membership INDEXED BY membership_exited_run WHERE exitedRun = ?",
                                                arguments: [2])
            #expect(closedInRun2 == 2)
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'membership_exited_run'")
            #expect(sql?.contains("WHERE") == true, "\(sql ?? "no index")")
        }
        #expect(try store.diff(of: "s", in: 2).exited.map(\.patientID) == ["P1", "P3"])
    }

    /// A store opened without checkpoints after commits leaves a large run in the write-ahead log until
    /// `checkpoint()` copies it into the file; the default copies it at the commit.
    @Test func aStoreLeavesTheLogToCheckpointWhenAsked() throws {
        func fileSize(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        }
        let members = (0..<60_000).map { String(format: "P%06d", $0) }
        var sizes: [Bool: (afterCommit: Int, afterCheckpoint: Int)] = [:]
        for checkpoints in [true, false] {
            let path = directory.appendingPathComponent("checkpoint-\(checkpoints).sqlite").path
            let store = try SegmentStore(path: path, checkpointsAfterCommits: checkpoints)
            _ = try store.exclusively { session in
                try session.record(NewRun(asOf: "2024-01-31", exportFingerprint: "e", configurationFingerprint: "c", patientCount: 60_000),
                                   evaluations: [SegmentEvaluation(name: "s", rule: "r", purpose: "care", patientIDs: members,
                                                                   reason: { "a reason of some length for patient \($0)" })],
                                   exitReason: { _, _ in "left" })
            }
            let afterCommit = try fileSize(path)
            try store.checkpoint()
            sizes[checkpoints] = (afterCommit, try fileSize(path))
            #expect(try store.members(of: "s").count == 60_000)
        }
        let (checked, deferred) = (try #require(sizes[true]), try #require(sizes[false]))
        // Some 1,500 pages: the commit copied them into the file, or left them in the log until the checkpoint.
        #expect(checked.afterCommit > 4_000_000 && checked.afterCheckpoint == checked.afterCommit)
        #expect(deferred.afterCommit < 1_000_000 && deferred.afterCheckpoint >= checked.afterCommit)
    }

    @Test func aFailedInsertLeavesTheStoreAsItWas() throws {
        let store = try SegmentStore(path: directory.appendingPathComponent("failed.sqlite").path)
        let members = (0..<200).map { "P\($0)" }
        let first = SegmentEvaluation(name: "s", rule: "r", purpose: "care", patientIDs: members, reason: { "r\($0)" })
        _ = try store.exclusively { session in
            try session.record(NewRun(asOf: "2024-01-31", exportFingerprint: "e", configurationFingerprint: "c", patientCount: 200),
                               evaluations: [first], exitReason: { _, _ in "left" })
        }
        // A new segment whose 150th member repeats the 10th: SQLite refuses the third statement's rows (the
        // (segment, patient, run) key), after two statements of 64 rows went in.
        let repeated = (0..<200).map { $0 == 149 ? "Q009" : String(format: "Q%03d", $0) }
        #expect(throws: (any Error).self) {
            try store.exclusively { session in
                try session.record(NewRun(asOf: "2024-02-29", exportFingerprint: "e2", configurationFingerprint: "c", patientCount: 200),
                                   evaluations: [
                                       SegmentEvaluation(name: "s", rule: "r", purpose: "care", patientIDs: Array(members.prefix(100)),
                                                         reason: { "r\($0)" }),
                                       SegmentEvaluation(name: "t", rule: "r", purpose: "care", patientIDs: repeated, reason: { "r\($0)" }),
                                   ],
                                   exitReason: { _, _ in "left" })
            }
        }
        #expect(try store.runs().map(\.id) == [1])
        #expect(try store.segmentNames() == ["s"])
        #expect(try store.members(of: "s").count == 200)
    }
}

/// Reasons give numbers as Foundation's `%.3g` did, through the C library's formatting.
@Suite("Reasons: number formatting")
struct ReasonNumberTests {
    @Test func threeSignificantDigitsMatchFoundationsFormat() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0.5, -0.5, 0.0001234, 1e-300, 1e300, 123_456.789, -9.995, 0.00999, .infinity, -.infinity, .nan, 1e15 + 0.5]
        values += (0..<2_000).map { _ in Double.random(in: -1e6...1e6, using: &generator) / Double(Int.random(in: 1...100_000, using: &generator)) }
        for value in values {
            #expect(SegmentFrame.threeSignificantDigits(value) == String(format: "%.3g", value), "\(value)")
        }
    }

    @Test func describedRowsAreTheFieldsInOrder() {
        var frame = SegmentFrame(patientCount: 2, asOf: Day(daysSince1970: 0))
        frame.set("score", .number([0.71234, nil]))
        frame.set("visits", .number([3, 12]))
        frame.set("sex", .text(["female", nil]))
        #expect(frame.describe(row: 0, fields: ["visits", "score", "sex"]) == "visits=3, score=0.712, sex=female")
        #expect(frame.describe(row: 1, fields: ["visits", "score", "sex", "nowhere"]) == "visits=12, score=missing, sex=missing, nowhere=missing")
        #expect(frame.describe(row: 1, fields: []) == "")
    }
}
