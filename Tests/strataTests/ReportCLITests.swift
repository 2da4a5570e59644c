import Foundation
import StrataProject
import StrataSegments
import Testing

/// `strata report` and `strata refresh --report` through the built binary: the files, the audit entry with
/// their fingerprints, a given run, and the errors for a project without runs, an unknown run and a
/// min_cell_size below 11.
@Suite("strata report end to end", .serialized)
struct ReportCLITests {
    let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-report-cli-\(UUID().uuidString)")

    func setUp() throws {
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        for cut in ["2025-11-30", "2025-12-31"] {
            let result = try StrataBinary.run(["generate", "--patients", "300", "--seed", "5", "--kind", "primary-care", "--to", cut,
                                               "--out", project.appendingPathComponent("exports/\(cut)").path,
                                               "--truth-out", project.appendingPathComponent("truth-\(cut)").path])
            #expect(result.status == 0, "\(result.standardError)")
        }
    }

    @Test func refreshWithReportThenAReportOfTheFirstRun() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp()
        let none = try StrataBinary.run(["report", "--project", project.path])
        #expect(none.status != 0 && none.standardError.contains("the store has no runs yet"))

        for cut in ["2025-11-30", "2025-12-31"] {
            let refresh = try StrataBinary.run(["refresh", "--project", project.path, project.appendingPathComponent("exports/\(cut)").path,
                                                "--report"])
            #expect(refresh.status == 0, "\(refresh.standardError)")
            #expect(refresh.standardError.contains("report written to"))
        }
        let second = project.appendingPathComponent("reports/run-2")
        for file in ["report.html", "report.ipynb", "aggregates/segments.csv", "aggregates/consent.csv", "aggregates/run.csv"] {
            #expect(FileManager.default.fileExists(atPath: second.appendingPathComponent(file).path), "\(file) missing")
        }

        let first = try StrataBinary.run(["report", "--project", project.path, "--run", "1", "--json"])
        #expect(first.status == 0, "\(first.standardError)")
        let summary = try JSONDecoder().decode(ReportSummary.self, from: Data(first.standardOutput.utf8))
        #expect(summary.run == 1 && summary.export == "2025-11-30")
        #expect(summary.sections.first == "run" && summary.sections.contains("segments") && summary.sections.contains("consent"))
        #expect(!summary.sections.contains("churn"))  // no churn model in this project

        // The audit entry holds each file's fingerprint.
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        let entry = try #require(try store.auditEntries().last)
        let inputs = try JSONDecoder().decode([String: String].self, from: Data(entry.inputs.utf8))
        let outputs = try JSONDecoder().decode([String: String].self, from: Data(entry.outputs.utf8))
        #expect(entry.action == "report" && inputs["run"] == "1")
        let html = try Data(contentsOf: project.appendingPathComponent("reports/run-1/report.html"))
        #expect(outputs["report.html"] == Fingerprint.of(html))

        let unknown = try StrataBinary.run(["report", "--project", project.path, "--run", "7"])
        #expect(unknown.status != 0 && unknown.standardError.contains("no run 7 in the store (runs are numbered 1 to 2)"))
    }

    @Test func aMinimumCellSizeBelowElevenIsRefusedWithItsPlace() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp()
        let file = project.appendingPathComponent("strata.yml")
        try (try String(contentsOf: file, encoding: .utf8) + "\nreports:\n  min_cell_size: 5\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try StrataBinary.run(["report", "--project", project.path])
        #expect(result.status != 0)
        #expect(result.standardError.contains("reports.min_cell_size: 5 is below 11"), "\(result.standardError)")
        #expect(result.standardError.contains("strata.yml:"))
    }
}
