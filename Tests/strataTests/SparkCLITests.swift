import Foundation
import Testing

/// `strata features --partitions` and `strata models import` end to end: the files Spark reads, and an MLlib
/// model whose columns do not match refused with exit 1 and the column named (docs/scaling.md).
@Suite("strata features --partitions / models import")
struct SparkCLITests {
    static let hand = IngestCLITests.hand

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-spark-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The MLlib JSON of a logistic model on `columns`, with zero coefficients.
    private func mllib(columns: [String], fingerprint: String, label: String) throws -> Data {
        let model: [String: Any] = [
            "format": "strata-mllib-model", "format_version": 1, "kind": "logistic", "columns": columns,
            "schema_fingerprint": fingerprint,
            "logistic": ["coefficients": columns.map { _ in 0.0 }, "intercept": 0.5, "reg_param": 0.01, "elastic_net_param": 0.0,
                         "standardization": false, "weight_sum": 4.0, "tolerance": 1e-12, "iterations": 3,
                         "feature_means": columns.map { _ in 0.0 }, "label": label]]
        return try JSONSerialization.data(withJSONObject: model)
    }

    @Test func partitionsThenImportChecksTheColumns() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let features = folder.appendingPathComponent("features")
        let written = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-03-01", "--labels", "--partitions", "2",
                                            "--out", features.path, "--quiet"])
        #expect(written.status == 0, "\(written.standardError)")
        #expect(written.standardOutput.contains("in 2 partitions to"))
        let names = try FileManager.default.contentsOfDirectory(atPath: features.path).sorted()
        #expect(names == ["part-00000.csv", "part-00001.csv", "partitions.json", "schema.json"])
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: features.appendingPathComponent("partitions.json"))) as! [String: Any]
        let columns = manifest["columns"] as! [String]
        let fingerprint = manifest["schema_fingerprint"] as! String
        let label = (manifest["labels"] as! [String])[0]
        let header = try String(contentsOf: features.appendingPathComponent("part-00001.csv"), encoding: .utf8).prefix { $0 != "\n" }
        #expect(String(header) == (["patient_id"] + columns + [label]).joined(separator: ","))

        // Two columns swapped: refused, naming the position and both names; nothing written.
        var swapped = columns
        swapped.swapAt(0, 1)
        let bad = folder.appendingPathComponent("bad.json")
        try mllib(columns: swapped, fingerprint: fingerprint, label: label).write(to: bad)
        let out = folder.appendingPathComponent("churn-mllib.json")
        let refused = try StrataBinary.run(["models", "import", bad.path, "--features", features.path, "--out", out.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("column 1 is \"\(columns[1])\"; the features have \"\(columns[0])\" there"))
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let good = folder.appendingPathComponent("good.json")
        try mllib(columns: columns, fingerprint: fingerprint, label: label).write(to: good)
        let imported = try StrataBinary.run(["models", "import", good.path, "--features", features.path, "--out", out.path, "--json"])
        #expect(imported.status == 0, "\(imported.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(imported.standardOutput.utf8)) as! [String: Any]
        #expect(summary["kind"] as? String == "logistic" && summary["target"] as? String == "churn")
        // C = 1/(reg_param · n) = 1/(0.01 · 4) = 25.
        #expect(abs((summary["c"] as? Double ?? 0) - 25) < 1e-9)
        // The imported file scores: every patient on file gets σ(0.5) = 0.622459.
        let scores = folder.appendingPathComponent("scores.csv")
        let scored = try StrataBinary.run(["score", Self.hand, "--model", out.path, "--as-of", "2024-03-01", "--out", scores.path,
                                           "--reasons", "0", "--quiet"])
        #expect(scored.status == 0, "\(scored.standardError)")
        let lines = try String(contentsOf: scores, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix(",0.622459") })
    }

    @Test func discoveryWithLabelsIsABadCommandLine() throws {
        let result = try StrataBinary.run(["features", Self.hand, "--as-of", "2024-03-01", "--partitions", "2", "--discovery",
                                           "--labels", "--out", "/tmp/never-written-\(UUID().uuidString)"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("--discovery cannot be combined with --labels"))
    }
}
