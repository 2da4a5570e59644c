import Foundation
import StrataProject
import Testing

/// Issue 13 end to end on the binary: train → refresh → a later export → retrain → models → a changed
/// champion refused → audit verify.
@Suite("strata retrain end to end", .serialized)
struct RetrainCLITests {
    let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-retrain-\(UUID().uuidString)")

    func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    func strata(_ arguments: [String]) throws -> StrataBinary.Result {
        try StrataBinary.run(arguments + ["--project", project.path])
    }

    @Test func trainRefreshRetrainAndAChangedChampionRefused() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        for cut in ["2025-06-30", "2025-12-31"] {
            let generated = try StrataBinary.run(["generate", "--patients", "500", "--seed", "5", "--kind", "primary-care",
                                                  "--to", cut, "--out", export(cut).path,
                                                  "--truth-out", project.appendingPathComponent("truth-\(cut)").path])
            #expect(generated.status == 0, "\(generated.standardError)")
        }
        // A deliberately poor first champion on the June export: every coefficient zero, a constant score.
        let train = try StrataBinary.run(["train", "churn", export("2025-06-30").path, "--config",
                                          project.appendingPathComponent("strata.yml").path, "--penalty", "l1", "--C", "0.000001",
                                          "--model-out", project.appendingPathComponent("models/churn-2025-06-30.json").path])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(train.standardOutput.contains("registered as model 1 (champion)"))
        let refresh = try strata(["refresh", export("2025-06-30").path])
        #expect(refresh.status == 0, "\(refresh.standardError)")

        // Retrain on the December export: the challenger wins by the default rule.
        let dry = try strata(["retrain", "--dry-run"])
        #expect(dry.status == 0, "\(dry.standardError)")
        #expect(dry.standardOutput.contains("would promote: champion model 1"))
        let retrain = try strata(["retrain", "--json"])
        #expect(retrain.status == 0, "\(retrain.standardError)")
        let summary = try JSONDecoder().decode(RetrainSummary.self, from: Data(retrain.standardOutput.utf8))
        // Churn, and conversion (the export has leads; its first model is promoted).
        #expect(summary.targets.map(\.target) == ["churn", "conversion"])
        #expect(summary.targets.map(\.decision) == [.promoted, .promoted] && summary.targets[0].challengerModel == 2)

        let list = try strata(["models", "list", "--json"])
        let listing = try JSONDecoder().decode(ModelListing.self, from: Data(list.standardOutput.utf8))
        #expect(listing.models.map(\.status) == ["retired", "champion", "champion"])
        #expect(listing.models.map(\.target) == ["churn", "churn", "conversion"])
        #expect(try strata(["models", "show", "2"]).standardOutput.hasPrefix("model 2: churn (logistic), champion"))

        // Refresh applies model 2 and records it; its health reads every input of the model.
        let second = try strata(["refresh", "--json"])
        #expect(second.status == 0, "\(second.standardError)")
        let health = try strata(["models", "health", "--json"])
        #expect(health.status == 0, "\(health.standardError)")
        let drift = try JSONDecoder().decode(ModelHealthSummary.self, from: Data(health.standardOutput.utf8))
        #expect(drift.models.map(\.target) == ["churn"] && drift.models[0].model == 2)
        #expect((drift.models[0].inputs ?? []).count > 3 && drift.models[0].score != nil)

        // The champion's file edited by one byte: refused, nothing recorded, exit status non-zero.
        let file = project.appendingPathComponent("models/\(summary.targets[0].challengerFile ?? "")")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 1] = bytes[bytes.count - 1] == UInt8(ascii: "\n") ? UInt8(ascii: " ") : UInt8(ascii: "\n")
        try bytes.write(to: file)
        let refused = try strata(["refresh", export("2025-06-30").path])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("the churn champion (model 2) was changed after it was registered"))
        #expect(try strata(["audit", "verify"]).standardOutput.hasPrefix("audit log intact"))
        #expect(try strata(["audit", "verify"]).status == 0)
        let unknown = try strata(["models", "promote", "9"])
        #expect(unknown.status != 0 && unknown.standardError.contains("no model 9 in the registry"))
    }

    @Test func generateTakesAShiftAndNamesItsFlagWhenItIsWrong() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        let wrong = try StrataBinary.run(["generate", "--patients", "50", "--seed", "1", "--shift", "older:2024-07-01",
                                          "--out", project.appendingPathComponent("wrong").path])
        #expect(wrong.status != 0)
        #expect(wrong.standardError.contains("--shift older:2024-07-01: expected KIND:YYYY-MM-DD with KIND one of younger-arrivals"),
                "\(wrong.standardError)")
        let shifted = try StrataBinary.run(["generate", "--patients", "50", "--seed", "1", "--shift", "younger-arrivals:2024-07-01",
                                            "--out", project.appendingPathComponent("shifted").path,
                                            "--truth-out", project.appendingPathComponent("truth").path])
        #expect(shifted.status == 0, "\(shifted.standardError)")
        let settings = try String(contentsOf: project.appendingPathComponent("truth/generator.json"), encoding: .utf8)
        #expect(settings.contains("\"--shift\", \"younger-arrivals:2024-07-01\""))
    }
}
