import ArgumentParser
import Foundation
import StrataProject
@testable import strata
import Testing

/// Issue 14, item 8: `train`, `discover`, `features` and `score` (and `validate`) take the newest dated export
/// under `exports.path` when no export is given, as `refresh` does, through the one rule of
/// `StrataProject.newestExport(under:mapped:)`.
@Suite("newest export by default", .serialized)
struct NewestExportCLITests {
    let project: URL

    init() throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-newest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    }

    /// A project whose `exports/` holds an older export that cannot be read (a command that took it fails),
    /// the newest one, generated, and a later-named folder that holds no export.
    func setUp() throws {
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let older = project.appendingPathComponent("exports/2025-03-31")
        try FileManager.default.createDirectory(at: older, withIntermediateDirectories: true)
        try "not,an,export\n".write(to: older.appendingPathComponent("patients.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: project.appendingPathComponent("exports/zz-notes"), withIntermediateDirectories: true)
        let generated = try StrataBinary.run(["generate", "--patients", "400", "--seed", "5", "--kind", "primary-care",
                                              "--to", "2025-06-30", "--out", "exports/2025-06-30", "--truth-out", "truth"],
                                             in: project)
        #expect(generated.status == 0, "\(generated.standardError)")
    }

    func parse<C: ParsableCommand>(_ arguments: [String], as _: C.Type = C.self) throws -> C {
        try #require(try Strata.parseAsRoot(arguments) as? C)
    }

    @Test func everyCommandLeavesTheExportToTheProjectAndItResolvesToTheNewest() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp()
        let config = project.appendingPathComponent("strata.yml").path
        let options: [ExportOptions] = [
            try parse(["train", "churn", "--config", config], as: Train.self).export,
            try parse(["discover", "--as-of", "2025-06-30", "--config", config], as: Discover.self).export,
            try parse(["features", "--as-of", "2025-06-30", "--out", "f", "--config", config], as: Features.self).export,
            try parse(["score", "--model", "m.json", "--out", "s.csv", "--config", config], as: Score.self).export,
            try parse(["validate", "--config", config], as: Validate.self).export,
        ]
        for option in options {
            #expect(option.path == nil)
            let source = option.source
            #expect(try source.folder(source.configuration()).path == project.appendingPathComponent("exports/2025-06-30").path)
        }
        // A path given still wins.
        let given = try parse(["train", "churn", "elsewhere", "--config", config], as: Train.self).export.source
        #expect(try given.folder(given.configuration()).path.hasSuffix("/elsewhere"))
    }

    @Test func withoutAProjectFileTheMessageSaysWhatToGive() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        let result = try StrataBinary.run(["train", "churn"], in: project)
        #expect(result.status == 1)
        #expect(result.standardError == "error: give the export folder, or set exports.path in strata.yml\n")
    }

    @Test func trainDiscoverFeaturesAndScoreReadTheNewestExport() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp()
        let validate = try StrataBinary.run(["validate"], in: project)
        #expect(validate.status == 0, "\(validate.standardError)")
        let patients = try #require(validate.standardOutput.split(separator: "\n").first { $0.hasPrefix("patients: ") })
            .dropFirst("patients: ".count)

        let train = try StrataBinary.run(["train", "churn", "--model-out", "models/churn.json"], in: project)
        #expect(train.status == 0, "\(train.standardError)")
        let discover = try StrataBinary.run(["discover", "--as-of", "2025-06-30", "--k", "2", "--n-init", "1"], in: project)
        #expect(discover.status == 0, "\(discover.standardError)")
        let features = try StrataBinary.run(["features", "--as-of", "2025-06-30", "--out", "features"], in: project)
        #expect(features.status == 0, "\(features.standardError)")
        #expect(features.standardOutput.hasPrefix("wrote \(patients) patients x "))
        let score = try StrataBinary.run(["score", "--model", "models/churn.json", "--out", "scores.csv"], in: project)
        #expect(score.status == 0, "\(score.standardError)")
        let scores = try String(contentsOf: project.appendingPathComponent("scores.csv"), encoding: .utf8)
        // Every patient on file and alive on the scoring day (the cut) is scored: the clinic's patients less
        // those whose death (on or before the cut, the only ones an export shows) is on file.
        let rows = try String(contentsOf: project.appendingPathComponent("exports/2025-06-30/patients.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let deceased = try #require(rows.first?.firstIndex(of: "deceased_at"))
        let dead = rows.dropFirst().filter { !$0[deceased].isEmpty }.count
        #expect(dead > 0)
        #expect(scores.split(separator: "\n").count == Int(patients)! - dead + 1)
    }
}
