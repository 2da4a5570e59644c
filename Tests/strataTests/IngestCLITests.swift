import Foundation
import Testing

/// `strata validate` and `strata features` end to end: exit codes, output, and an output folder left
/// untouched when the export is broken. A class, so that the folders a test made go when it ends (`deinit`).
@Suite("strata validate / features")
final class IngestCLITests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let valid = tests.appendingPathComponent("StrataDataTests/Fixtures/valid").path
    static let hand = tests.appendingPathComponent("StrataFeaturesTests/Fixtures/hand").path
    static func broken(_ kind: String) -> String { tests.appendingPathComponent("StrataDataTests/Fixtures/broken/\(kind)").path }
    static let synthea = tests.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/datasets/synthea-csv-111").path

    /// The folders ``temporaryFolder()`` made for the running test.
    private var folders: [URL] = []

    deinit {
        for folder in folders { try? FileManager.default.removeItem(at: folder) }
    }

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folders.append(url)
        return url
    }

    @Test func validateCleanExportExitsZero() throws {
        let result = try StrataBinary.run(["validate", Self.valid])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("patients: 3\n"))
        #expect(result.standardOutput.hasSuffix("problems: none\n"))
        #expect(result.standardError.isEmpty)
    }

    @Test func validateBrokenExportExitsOneWithThePlace() throws {
        let result = try StrataBinary.run(["validate", Self.broken("bad-date")])
        #expect(result.status == 1)
        #expect(result.standardError == "error: patients.csv:3:8: bad date: found \"2023-02-29\", expected a date like 2024-02-29 (YYYY-MM-DD)\n")
        #expect(result.standardOutput.isEmpty)
    }

    @Test func validateWithMaxBadRowsReportsAndStillFails() throws {
        let result = try StrataBinary.run(["validate", Self.broken("unknown-value"), "--max-bad-rows", "5"])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("problems: 1 bad rows skipped (--max-bad-rows); first 1:\n  appointments.csv:3:46: unknown value"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: synthea)))
    func syntheaSampleGivesEveryPatientAVector() throws {
        let validate = try StrataBinary.run(["validate", Self.synthea])
        #expect(validate.status == 0)
        #expect(validate.standardOutput.contains("format: synthea\n"))
        #expect(validate.standardOutput.contains("patients: 111\n"))
        #expect(validate.standardOutput.contains("  appointments    7584 rows\n"))
        let out = try temporaryFolder().appendingPathComponent("features")
        let features = try StrataBinary.run(["features", Self.synthea, "--as-of", "2023-01-01", "--out", out.path])
        #expect(features.status == 0, "\(features.standardError)")
        let ids = try String(contentsOf: out.appendingPathComponent("patient_ids.csv"), encoding: .utf8).split(separator: "\n")
        #expect(ids.count == 112)  // header + 111 patients
        let rows = try String(contentsOf: out.appendingPathComponent("features.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 112)
        #expect(rows.dropFirst().allSatisfy { !$0.contains("nan") })
    }

    @Test func featuresWritesTheFolder() throws {
        let out = try temporaryFolder().appendingPathComponent("features")
        let result = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-03-01", "--out", out.path, "--labels"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.hasPrefix("wrote 5 patients x "))
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(files == ["features.csv", "features.npy", "labels.csv", "patient_ids.csv", "schema.json"])
        let labels = try String(contentsOf: out.appendingPathComponent("labels.csv"), encoding: .utf8)
        #expect(labels == "patient_id,churn_180d\nP1,1\nP2,0\nP3,1\nP4,1\nP5,0\n")

        // Re-applying the written schema gives the same matrix.
        let again = try temporaryFolder().appendingPathComponent("scored")
        let scored = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-03-01", "--out", again.path,
                                           "--schema", out.appendingPathComponent("schema.json").path])
        #expect(scored.status == 0)
        #expect(try Data(contentsOf: again.appendingPathComponent("features.csv")) == Data(contentsOf: out.appendingPathComponent("features.csv")))
    }

    @Test(arguments: ["unterminated-quote", "duplicate-id", "unknown-patient", "missing-table", "empty-file"])
    func brokenExportLeavesTheOutputFolderUntouched(kind: String) throws {
        let out = try temporaryFolder().appendingPathComponent("features")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep me\n".utf8).write(to: out.appendingPathComponent("features.csv"))
        let result = try StrataBinary.run(["features", Self.broken(kind), "--as-of", "2024-03-01", "--out", out.path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("error: "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["features.csv"])
        #expect(try String(contentsOf: out.appendingPathComponent("features.csv"), encoding: .utf8) == "keep me\n")
        let siblings = try FileManager.default.contentsOfDirectory(atPath: out.deletingLastPathComponent().path)
        #expect(siblings == ["features"])
    }

    /// Issue 16, row 1: `--out` naming a project used to leave only the feature files in it.
    @Test func featuresIntoAProjectRefusesWithoutForceAndKeepsEverything() throws {
        let project = try temporaryFolder().appendingPathComponent("clinic")
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let export = project.appendingPathComponent("exports/2024-03-01")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.hand), to: export)
        let before = try FileManager.default.contentsOfDirectory(atPath: project.path).sorted()
        let config = try Data(contentsOf: project.appendingPathComponent("strata.yml"))

        let refused = try StrataBinary.run(["features", export.path, "--as-of", "2024-03-01", "--out", project.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.hasPrefix("error: ") && refused.standardError.contains("not empty"))
        // The library names its parameter (`replacing`); the command line names the flag that sets it.
        #expect(refused.standardError.contains("(--force)") && !refused.standardError.contains("replacing"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.path).sorted() == before)

        let forced = try StrataBinary.run(["features", export.path, "--as-of", "2024-03-01", "--out", project.path, "--force"])
        #expect(forced.status == 0, "\(forced.standardError)")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: project.path))
        #expect(after == Set(before).union(["features.csv", "features.npy", "patient_ids.csv", "schema.json"]))
        #expect(try Data(contentsOf: project.appendingPathComponent("strata.yml")) == config)
        #expect(try FileManager.default.contentsOfDirectory(atPath: export.path).sorted()
                == FileManager.default.contentsOfDirectory(atPath: Self.hand).sorted())
    }

    @Test func badArgumentsAreRejected() throws {
        let date = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-02-30", "--out", "/tmp/x"])
        #expect(date.status != 0)
        #expect(date.standardError.contains("--as-of must be a date like 2024-06-30 (YYYY-MM-DD), got \"2024-02-30\""))
        let format = try StrataBinary.run(["validate", Self.valid, "--format", "excel"])
        #expect(format.status != 0)
    }

    @Test func configWithAnUnknownKeyFailsNamingIt() throws {
        let folder = try temporaryFolder()
        let config = folder.appendingPathComponent("strata.yml")
        try Data("features:\n  frequncy: {windows: [30]}\n".utf8).write(to: config)
        let result = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-03-01", "--out",
                                           folder.appendingPathComponent("out").path, "--config", config.path])
        #expect(result.status == 1)
        #expect(result.standardError.contains("unknown key \"features.frequncy\""))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }
}
