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

    @Test func stabilityIsMeasuredWhereItDecidesAndEverywhereWithStabilityEveryK() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("discover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = folder.appendingPathComponent("export")
        _ = try StrataBinary.run(["generate", "--patients", "300", "--seed", "4", "--out", export.path,
                                  "--truth-out", folder.appendingPathComponent("truth").path])
        func discover(_ extra: [String]) throws -> (k: Int, reason: String, unmeasured: [Int], candidates: Int) {
            let result = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--k", "2...5", "--json"] + extra)
            #expect(result.status == 0, "\(result.standardError)")
            let object = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            let candidates = try #require(object["candidates"] as? [[String: Any]])
            // Not measured is written as null, not left out.
            #expect(candidates.allSatisfy { $0.keys.contains("stability") })
            let unmeasured = candidates.filter { $0["stability"] is NSNull }.compactMap { $0["k"] as? Int }
            return (try #require(object["k"] as? Int), try #require(object["reason"] as? String), unmeasured, candidates.count)
        }
        let needed = try discover([]), every = try discover(["--stability-every-k"])
        #expect(needed.k == every.k && needed.candidates == 4)
        #expect(every.unmeasured.isEmpty && !every.reason.contains("not measured"))
        #expect(needed.unmeasured.allSatisfy { $0 < needed.k })
        if !needed.unmeasured.isEmpty {
            #expect(needed.reason.contains("stability not measured for k=" + needed.unmeasured.map(String.init).joined(separator: ", ")),
                    "\(needed.reason)")
        }
        let clash = try StrataBinary.run(["discover", export.path, "--as-of", "2024-06-30", "--stability-every-k",
                                          "--stability-runs", "0"])
        #expect(clash.status != 0)
        #expect(clash.standardError.contains("--stability-every-k measures stability, which --stability-runs 0 turns off"))
    }

    @Test func badDateIsRejected() throws {
        let result = try StrataBinary.run(["discover", "/nonexistent", "--as-of", "30/06/2024"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--as-of must be a date like 2024-06-30 (YYYY-MM-DD), got \"30/06/2024\""))
    }
}
