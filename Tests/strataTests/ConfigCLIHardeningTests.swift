import Foundation
import Testing

/// Issue 16 through the built binary: numbers out of range in flags, `strata.yml` and model files (row 6),
/// a deeply nested `strata.yml` (row 7), a bad model file in `models/` (row 19), duplicate keys and broken
/// YAML (row 21), outputs outside the project (row 22). Each exits non-zero with the place and the value;
/// none traps.
@Suite("strata.yml, flags and model files through the binary", .serialized)
final class ConfigCLIHardeningTests {
    let folder: URL
    var export: URL { folder.appendingPathComponent("exports/2025-12-31") }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let result = try StrataBinary.run(["generate", "--patients", "60", "--seed", "5", "--kind", "primary-care",
                                           "--to", "2025-12-31", "--out", export.path,
                                           "--truth-out", folder.appendingPathComponent("truth").path])
        #expect(result.status == 0, "\(result.standardError)")
    }

    /// A class, so that the folder goes when the test ends.
    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, to name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func hugeDayCountsInFlagsAndConfigAreErrorsNotTraps() throws {
        // Int32(horizonDays) trapped.
        let horizon = try StrataBinary.run(["train", "churn", export.path, "--horizon-days", "9223372036854775807"])
        #expect(horizon.status == 64)
        #expect(horizon.standardError.contains("--horizon-days must be a whole number of days from 1 to 36500, got 9223372036854775807"))
        let window = try StrataBinary.run(["train", "conversion", export.path, "--window-days", "0"])
        #expect(window.status == 64)
        // Int(Double(Int.max)) trapped in the feature definitions.
        let config = try write("features:\n  frequency: {windows: [9223372036854775807]}\n", to: "windows.yml")
        let discover = try StrataBinary.run(["discover", export.path, "--as-of", "2025-12-31", "--config", config.path, "--k", "2"])
        #expect(discover.status == 1)
        #expect(discover.standardError.contains("windows.yml:2:25: features.frequency.windows[0]: frequency window of "
                                                + "9223372036854775807 days; expected a whole number of days from 1 to 36500"))
    }

    @Test func nestedDuplicateAndBrokenYAMLAreErrorsWithAPlace() throws {
        let deep = try write("models: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n",
                             to: "deep.yml")
        let nested = try StrataBinary.run(["validate", export.path, "--config", deep.path])
        #expect(nested.status == 1)  // was SIGSEGV (139)
        #expect(nested.standardError.contains("deep.yml:1:"))
        #expect(nested.standardError.contains("collections nest more than 64 levels deep"))

        let twice = try write("labels:\n  churn_horizon_days: 30\n  churn_horizon_days: 60\n", to: "twice.yml")
        let duplicate = try StrataBinary.run(["validate", export.path, "--config", twice.path])
        #expect(duplicate.status == 1)
        #expect(duplicate.standardError.contains("twice.yml:3:3: the key \"churn_horizon_days\" appears twice"))

        let broken = try write("labels:\n  churn_horizon_days: [30\n", to: "broken.yml")
        let invalid = try StrataBinary.run(["validate", export.path, "--config", broken.path])
        #expect(invalid.status == 1)
        #expect(invalid.standardError.contains("broken.yml:3:1: this is not valid YAML:"))
    }

    /// A churn model file as `strata train` writes it, one column, with `window` as its window.
    func churnModel(window: String) -> String {
        """
        {"kind": "logistic", "formatVersion": 1, "strataVersion": "0.1.0", "createdAt": "2026-01-01T00:00:00Z",
         "featureSchema": {"columns": [{"name": "visits_90d", "family": "frequency", "label": "visits in the last 90 days",
           "transforms": ["log1p"], "center": 0.5, "scale": 0.7, "parameters": {"window_days": \(window)}}]},
         "parameters": {"coefficients": [-0.8], "intercept": -1, "featureMeans": [0], "penalty": "l2", "c": 1,
           "classWeight": "none", "tolerance": 1e-6, "solver": "newton", "iterations": 5, "converged": true},
         "metrics": {"auc": 0.7}, "training": {"horizon_days": "180", "target": "churn"}}
        """
    }

    @Test func aBadModelFileInModelsIsAnErrorNamingTheField() throws {
        let project = folder.appendingPathComponent("project")
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        try FileManager.default.copyItem(at: export, to: project.appendingPathComponent("exports/2025-12-31"))
        // A sound model file scores; the same file with a window of 1e300 days used to trap inside refresh.
        _ = try write(churnModel(window: "90"), to: "project/models/churn-2025-12-31.json")
        let first = try StrataBinary.run(["refresh", "--project", project.path])
        #expect(first.status == 0, "\(first.standardError)")
        _ = try write(churnModel(window: "1e300"), to: "project/models/churn-2026-01-31.json")
        let second = try StrataBinary.run(["refresh", "--project", project.path])
        #expect(second.status == 1)
        #expect(second.standardError.contains("churn-2026-01-31.json: featureSchema.columns[0] (\"visits_90d\").parameters.window_days "
                                              + "is 1e+300; expected a whole number of days from 1 to 36500"))
        // The first run is still there.
        let segments = try StrataBinary.run(["segments", "list", "--project", project.path])
        #expect(segments.status == 0, "\(segments.standardError)")

        let scored = try StrataBinary.run(["score", export.path, "--model", project.appendingPathComponent("models/churn-2026-01-31.json").path,
                                           "--out", folder.appendingPathComponent("scores.csv").path])
        #expect(scored.status == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("scores.csv").path))
    }

    @Test func outputsOutsideTheProjectNeedToBeAllowed() throws {
        let project = folder.appendingPathComponent("project")
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        try FileManager.default.copyItem(at: export, to: project.appendingPathComponent("exports/2025-12-31"))
        let file = project.appendingPathComponent("strata.yml")
        let template = try String(contentsOf: file, encoding: .utf8)
        try template.replacingOccurrences(of: "  lists: lists ", with: "  lists: ../elsewhere ").write(to: file, atomically: true, encoding: .utf8)
        let refused = try StrataBinary.run(["refresh", "--project", project.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("outputs.lists: \"../elsewhere\" leads to"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere").path))
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("strata.sqlite").path))

        try template.replacingOccurrences(of: "  lists: lists ", with: "  lists: ../elsewhere ")
            .replacingOccurrences(of: "outputs:\n", with: "outputs:\n  allow_outside_project: true\n")
            .write(to: file, atomically: true, encoding: .utf8)
        let allowed = try StrataBinary.run(["refresh", "--project", project.path])
        #expect(allowed.status == 0, "\(allowed.standardError)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere/latest").path))
    }
}
