import Foundation
import Testing

@Suite("strata generate")
struct GenerateCLITests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-generate-\(UUID().uuidString)")

    @Test func writesACanonicalExportAndItsTruthApart() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("export"), truth = directory.appendingPathComponent("truth")
        let result = try StrataBinary.run(["generate", "--patients", "50", "--seed", "1", "--out", out.path, "--truth-out", truth.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == ["appointments.csv", "communications.csv", "conditions.csv", "consents.csv", "leads.csv", "patients.csv"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: truth.path).sorted() == ["generator.json", "ground_truth.csv"])
        #expect(try StrataBinary.run(["validate", out.path]).status == 0)
        // A second run into the same folder is refused, and leaves it as it was.
        let before = try Data(contentsOf: out.appendingPathComponent("patients.csv"))
        let again = try StrataBinary.run(["generate", "--patients", "60", "--seed", "2", "--out", out.path, "--truth-out", truth.path])
        #expect(again.status != 0)
        #expect(again.standardError.contains("it is replaced only with --force"), "\(again.standardError)")
        #expect(try Data(contentsOf: out.appendingPathComponent("patients.csv")) == before)
    }

    @Test func lifeEventRatesAreRecordedForReplay() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("export"), truth = directory.appendingPathComponent("truth")
        let result = try StrataBinary.run(["generate", "--patients", "30", "--seed", "1", "--kind", "aesthetic", "--out", out.path,
                                           "--truth-out", truth.path, "--life-events", "new_insurer=0,moving_away=0.1,bad_experience=0.2"])
        #expect(result.status == 0, "\(result.standardError)")
        let settings = try String(contentsOf: truth.appendingPathComponent("generator.json"), encoding: .utf8)
        #expect(settings.contains("\"--life-events\", \"moving_away=0.1,new_insurer=0.0,bad_experience=0.2\""), "\(settings)")
        #expect(settings.contains("\"life_events_per_year\": {\"moving_away\": 0.1, \"new_insurer\": 0.0, \"bad_experience\": 0.2}"))
    }

    @Test(arguments: [
        ["--patients", "0", "--seed", "1"],
        ["--patients", "10", "--seed", "1", "--from", "2024-01-01", "--to", "2023-01-01"],
        ["--patients", "10", "--seed", "1", "--kind", "veterinary"],
        ["--patients", "10", "--seed", "1", "--to", "2023-02-29"],
        ["--patients", "10", "--seed", "1", "--life-events", "moving_away=0.05,new_insurer=0.03"],
        ["--patients", "10", "--seed", "1", "--life-events", "moving_away=0.05,new_insurer=0.03,bad_experience=1"],
    ])
    func badOptionsExit64AndWriteNothing(_ arguments: [String]) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("export")
        let result = try StrataBinary.run(["generate"] + arguments + ["--out", out.path])
        #expect(result.status == 64, "\(arguments): \(result.standardError)")
        // The message names the flag whose value is wrong (the library names its parameter).
        let flag = arguments.count == 4 ? arguments[0] : arguments[arguments.count - 2]
        #expect(result.standardError.contains(flag), "\(arguments): \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(!FileManager.default.fileExists(atPath: out.path + "-truth"))
    }
}
