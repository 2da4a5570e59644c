import Foundation
import StrataData
import StrataGenerator
@testable import StrataProject
import StrataSegments
import Testing

/// Realized performance measured by every refresh once a run's horizon has passed, and `strata audit verify`
/// checking the stored scores.
@Suite("realized performance on refresh, stored scores audited", .serialized)
struct RealizedOnRefreshTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-realized-\(UUID().uuidString)")
    var project: URL { root.appendingPathComponent("project") }
    var projectFile: URL { project.appendingPathComponent("strata.yml") }

    func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    func store() throws -> SegmentStore { try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path) }

    /// A project with a churn champion trained on the June export, and a refresh of June (run 1).
    func setUp() throws {
        try ProjectFolder.create(at: project)
        for cut in ["2025-06-30", "2025-12-31"] {
            let settings = try GeneratorConfiguration(personCount: 600, seed: 7, kind: .primaryCare, from: "2023-01-01", to: cut)
            _ = try ClinicGenerator(settings).write(export: export(cut), truth: root.appendingPathComponent("truth-\(cut)"))
        }
        let source = ExportSource(path: export("2025-06-30").path, configurationFile: projectFile.path)
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: project.appendingPathComponent("models/churn-june.json")),
                                on: try source.read())
        _ = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export("2025-06-30"), user: "test"))
    }

    @Test func aRefreshPastTheHorizonMeasuresAndStoresTheRealizedPerformanceOnce() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp()
        // Run 1's horizon (180 days from 2025-06-30) has not passed in June: nothing measured.
        #expect(try store().realized().isEmpty)
        let stored = try #require(try store().runScores(named: "churn_score").first)
        let asOf = try #require(try store().runs().first?.asOf)

        // The December refresh: 2025-06-30 + 180 = 2025-12-27 <= 2025-12-31, so run 1 is due.
        _ = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export("2025-12-31"), user: "test"))
        let realized = try store().realized()
        #expect(realized.count == 1 && realized[0].run == 1 && realized[0].model == 1 && realized[0].asOf == asOf)
        let expected = try RawExportFacts.handAUC(stored, asOf: asOf, later: export("2025-12-31"))
        #expect(abs(realized[0].auc - expected.auc) < 1e-9, "\(realized[0].auc) against \(expected.auc)")
        #expect(realized[0].rows == expected.rows)
        let card = try String(contentsOf: project.appendingPathComponent("models/churn-june.md"), encoding: .utf8)
        #expect(card.contains("- scored \(asOf) (run 1, \(expected.rows) patients): AUC"))

        // Measured once: neither another refresh nor models health measures run 1 again (run 2, December,
        // is not due), and models health shows the stored figures.
        let entries = try store().auditEntries().filter { $0.action == "realized performance" }.count
        #expect(entries == 1)
        let health = try ModelHealth.run(project: project, export: export("2025-12-31"), user: "test")
        #expect(health.realized.map(\.run) == [1] && health.realized[0].auc == realized[0].auc)
        #expect(health.table.contains("scored \(asOf) (run 1"))
        _ = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export("2025-12-31"), user: "test"))
        #expect(try store().auditEntries().filter { $0.action == "realized performance" }.count == entries)
        #expect(try store().realized() == realized)
        #expect(try AuditVerification.check(store: store(), listsFolder: project.appendingPathComponent("lists")).isIntact)
    }

    /// A patient the run did not score (a death on file: the stored score is NaN) is left out of the realized
    /// figures instead of stopping them (`models health` failed with "score 2 is nan" on such a store).
    @Test func unscoredPatientsAreLeftOut() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp()
        var stored = try #require(try store().runScores(named: "churn_score").first)
        let runs = try store().runs()
        let later = try ExportSource(path: export("2025-12-31").path, configurationFile: projectFile.path).read().export
        let measured = { (scores: RunScores) in
            try RealizedPerformance.measure([scores], runs: runs, export: later, exportFingerprint: "f",
                                            lastDay: try Day(iso: "2025-12-31"))
        }
        let before = try #require(try measured(stored).first)
        for index in stored.scores.indices.filter({ stored.scores[$0].isFinite }).prefix(2) { stored.scores[index] = .nan }
        let after = try #require(try measured(stored).first)
        let expected = try RawExportFacts.handAUC(stored, asOf: runs[0].asOf, later: export("2025-12-31"))
        #expect(after.rows == expected.rows && after.rows == before.rows - 2)
        #expect(abs(after.auc - expected.auc) < 1e-9, "\(after.auc) against \(expected.auc)")
    }

    @Test func auditVerifyFindsAStoredScoreChangedOrRemoved() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp()
        let lists = project.appendingPathComponent("lists")
        #expect(try AuditVerification.check(store: store(), listsFolder: lists).isIntact)
        // The refresh entry recorded the scores' fingerprint beside the run's.
        let entry = try #require(try store().auditEntries().last { $0.action == "refresh" })
        #expect(entry.outputFingerprints["scores:1"] == (try store().scoresFingerprint(run: 1)))

        // One patient's stored score changed (a bit of its Float32), as a program writing to the store would: found.
        let flip = """
            scores = bytearray(db.execute("SELECT scores FROM run_score WHERE run = 1").fetchone()[0])
            scores[5] ^= 1
            db.execute("UPDATE run_score SET scores = ? WHERE run = 1", (bytes(scores),))
            """
        try sqlite(flip)
        #expect(try AuditVerification.check(store: store(), listsFolder: lists).problems
            == ["run 1: its stored scores were changed after entry \(entry.sequence) recorded them"])
        // Flipped back: intact again.
        try sqlite(flip)
        #expect(try AuditVerification.check(store: store(), listsFolder: lists).isIntact)

        // The scores removed: found too.
        try sqlite("db.execute(\"DELETE FROM run_score WHERE run = 1\")")
        #expect(try AuditVerification.check(store: store(), listsFolder: lists).problems
            == ["run 1: its stored scores, recorded by entry \(entry.sequence), are missing"])
    }

    /// Runs Python's sqlite3 on the project's store behind Strata's back (`db` is the connection).
    func sqlite(_ code: String) throws {
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n\(code)\ndb.commit()",
                            project.appendingPathComponent("strata.sqlite").path]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0, "\(code)")
    }
}
