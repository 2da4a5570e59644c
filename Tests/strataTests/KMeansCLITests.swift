import Foundation
import StrataProject
import Testing

/// `strata kmeans` end to end: the built binary on small files, exact outputs and exit codes.
@Suite("strata kmeans")
struct KMeansCLITests {
    /// Two well-separated groups of three rows: centers (1/3, 1/3) and (31/3, 31/3), inertia 8/3.
    static let twoGroups = "visits,recency\n0,0\n0,1\n1,0\n10,10\n10,11\n11,10\n"

    func folderWithInput() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.twoGroups.write(to: folder.appendingPathComponent("x.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func fitsAndWritesLabelsAndModel() throws {
        let folder = try folderWithInput()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "2", "--seed", "3", "--json",
                                           "--labels-out", "labels.csv", "--model-out", "model.json"], in: folder)
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty)
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let inertia = try #require(object["inertia"] as? Double)
        #expect(abs(inertia - 8.0 / 3.0) < 1e-12)
        #expect(object["iterations"] as? Int != nil)
        #expect(object["fit_seconds"] as? Double != nil)
        #expect(object["seconds_per_iteration"] as? Double != nil)
        let centers = try #require(object["centers"] as? [[Double]])
        #expect(centers.count == 2 && centers.allSatisfy { $0.count == 2 })
        #expect(Set(centers.map { ($0[0] * 3).rounded() }) == [1, 31])
        let typed = try JSONDecoder().decode(KMeansSummary.self, from: Data(result.standardOutput.utf8))
        #expect(typed.k == 2 && typed.centers?.count == centers.count && typed.initialization == "k-means++" && typed.dtype == .float64)
        let labels = try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(labels.first == "cluster")
        let values = labels.dropFirst()
        #expect(values.count == 6)
        #expect(Set(values.prefix(3)).count == 1 && Set(values.suffix(3)).count == 1 && values.first != values.last)
        let model = try String(contentsOf: folder.appendingPathComponent("model.json"), encoding: .utf8)
        #expect(model.contains("\"kind\" : \"kmeans\""))
        #expect(model.contains("\"visits\""))
    }

    @Test func rangeOfKPrintsTheCriteriaAndARecommendation() throws {
        let folder = try folderWithInput()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "2...3"], in: folder)
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "   k           inertia  silhouette  davies_bouldin  calinski_harabasz  iterations")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("   2"))
        #expect(lines.last?.hasPrefix("recommended k=2: k=2 has the highest silhouette") == true)

        let json = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "2...3", "--json"], in: folder)
        let typed = try JSONDecoder().decode(KMeansSummary.self, from: Data(json.standardOutput.utf8))
        #expect(typed.candidates?.map(\.k) == [2, 3] && typed.recommendedK == 2 && typed.k == nil)
    }

    @Test func badFlagsAreRejectedNamingTheValue() throws {
        let folder = try folderWithInput()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zero = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "0"], in: folder)
        #expect(zero.status != 0)
        #expect(zero.standardError.contains("--k must be at least 1, got 0"))
        let algorithm = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "2", "--algorithm", "elkan"], in: folder)
        #expect(algorithm.status != 0)
        #expect(algorithm.standardError.contains("--algorithm must be lloyd, hamerly or minibatch, got 'elkan'"))
        let range = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "2..3"], in: folder)
        #expect(range.status != 0)
        #expect(range.standardError.contains("--k must be a number or a range like 2...12, got '2..3'"))
    }

    @Test func tooManyClustersFailsAndWritesNothing() throws {
        let folder = try folderWithInput()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["kmeans", "--input", "x.csv", "--k", "7", "--labels-out", "labels.csv",
                                           "--model-out", "model.json"], in: folder)
        #expect(result.status != 0)
        #expect(result.standardError.contains("n_samples=6 should be >= n_clusters=7"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("labels.csv").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.json").path))
    }
}
