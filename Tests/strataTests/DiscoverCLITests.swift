import Foundation
import StrataModels
import StrataProject
import Testing

/// `strata discover` end to end on a small generated export.
@Suite("strata discover")
struct DiscoverCLITests {
    @Test func profilesCoverEveryPatientAndTheModelFileHoldsNoPatientData() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("discover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = folder.appendingPathComponent("export"), model = folder.appendingPathComponent("model.json")
        let generated = try StrataBinary.run(["generate", "--patients", "300", "--seed", "4", "--out", export.path,
                                              "--truth-out", folder.appendingPathComponent("truth").path])
        #expect(generated.status == 0)
        let result = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--k", "2...4", "--json",
                                           "--model-out", model.path])
        #expect(result.status == 0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let k = try #require(object["k"] as? Int)
        #expect((2...4).contains(k))
        #expect(object["recommended_k"] as? Int == k)
        // k is chosen by stability now (issue 15): the reason names the rule and the chosen k's stability.
        let reason = try #require(object["reason"] as? String)
        #expect(reason.hasPrefix("k=\(k) is the largest k with stability >= 0.8") || reason.hasPrefix("no k has stability >= 0.8"),
                "\(reason)")
        let stability = try #require(object["stability"] as? Double)
        #expect(reason.contains(ClusterSelection.formatted(stability)))
        let clusters = try #require(object["clusters"] as? [[String: Any]])
        #expect(clusters.count == k)
        #expect(Set(clusters.compactMap { $0["id"] as? Int }) == Set(0..<k))
        #expect(clusters.allSatisfy { ($0["name"] as? String ?? "").split(separator: " ").count <= 4 && $0["size"] is Int })
        let shares = clusters.compactMap { $0["share"] as? Double }
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
        #expect(clusters.allSatisfy { !($0["name"] as? String ?? "").isEmpty })
        // The documented shape (docs/cli.md).
        let typed = try JSONDecoder().decode(DiscoverySummary.self, from: Data(result.standardOutput.utf8))
        #expect(typed.k == k && typed.clusters.count == k && typed.recommendedK == k && typed.candidates?.count == 3)
        let text = try String(contentsOf: model, encoding: .utf8)
        #expect(text.contains("\"kind\" : \"kmeans\""))
        #expect(!text.contains("patient_id") && !text.contains("\"labels\""))
    }

    @Test func aRefitWithThePreviousModelKeepsIDsAndPrintsTheMatch() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("discover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = folder.appendingPathComponent("export"), model = folder.appendingPathComponent("model.json")
        _ = try StrataBinary.run(["generate", "--patients", "300", "--seed", "4", "--out", export.path,
                                  "--truth-out", folder.appendingPathComponent("truth").path])
        let first = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--k", "3", "--json",
                                          "--model-out", model.path])
        #expect(first.status == 0)
        let refit = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--k", "3", "--seed", "8",
                                          "--previous-model", model.path])
        #expect(refit.status == 0)
        #expect(refit.standardOutput.contains("matched to the previous model: "), "\(refit.standardOutput)")
        let missing = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--k", "3",
                                            "--previous-model", folder.appendingPathComponent("none.json").path])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("none.json: cannot read model file"))
    }

    @Test func badDateIsRejected() throws {
        let result = try StrataBinary.run(["discover", "/nonexistent", "--as-of", "30/06/2024"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--as-of must be a date like 2024-06-30 (YYYY-MM-DD), got \"30/06/2024\""))
    }
}
