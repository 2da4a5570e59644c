import Foundation
import StrataProject
import StrataSegments
import Testing

@Suite("strata logistic")
struct LogisticCLITests {
    /// The scikit-learn golden data and fits shared with the StrataModels tests.
    struct Golden: Decodable {
        struct Dataset: Decodable { var x: [[Double]]; var y: [Double] }
        struct Fit: Decodable { var name: String; var coefficients: [Double]; var intercept: Double }
        var standard: Dataset
        var fits: [Fit]

        static func load() throws -> Golden {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../StrataModelsTests/Fixtures/logistic/golden.json")
            return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        }
    }

    /// A fresh folder with `x.csv` (header row) and `y.csv` from the golden data, `targets` replacing y.
    func workspace(targets: [Double]? = nil) throws -> (folder: URL, golden: Golden) {
        let golden = try Golden.load()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-logistic-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let header = (0..<golden.standard.x[0].count).map { "feature_\($0)" }.joined(separator: ",")
        let rows = golden.standard.x.map { $0.map { "\($0)" }.joined(separator: ",") }
        try ([header] + rows).joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("x.csv"), atomically: true, encoding: .utf8)
        try (targets ?? golden.standard.y).map { "\($0)" }.joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("y.csv"), atomically: true, encoding: .utf8)
        return (folder, golden)
    }

    @Test func jsonMatchesScikitLearnAndWritesAModelFile() throws {
        let (folder, golden) = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv", "--C", "1",
                                           "--tol", "1e-10", "--model-out", "model.json", "--json"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        let output = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let reference = try #require(golden.fits.first { $0.name == "l2_c1" })
        let coefficients = try #require(output["coefficients"] as? [Double])
        #expect(coefficients.count == 5)
        for (mine, theirs) in zip(coefficients, reference.coefficients) { #expect(Swift.abs(mine - theirs) <= 1e-6) }
        #expect(Swift.abs((output["intercept"] as? Double ?? .nan) - reference.intercept) <= 1e-6)
        for key in ["iterations", "log_loss", "auc", "fit_seconds", "average_precision", "brier", "converged"] {
            #expect(output[key] != nil, "missing \(key)")
        }
        #expect(output["feature_names"] as? [String] == (0..<5).map { "feature_\($0)" })
        let auc = try #require(output["auc"] as? Double)
        let typed = try JSONDecoder().decode(LogisticSummary.self, from: Data(result.standardOutput.utf8))
        #expect(zip(typed.coefficients, coefficients).allSatisfy { Swift.abs($0 - $1) <= 1e-12 } && Swift.abs(typed.auc - auc) <= 1e-12)
        #expect(auc > 0.5 && auc < 1)

        let model = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("model.json"))) as? [String: Any])
        #expect(model["kind"] as? String == "logistic")
        let parameters = try #require(model["parameters"] as? [String: Any])
        #expect(parameters["penalty"] as? String == "l2")
        #expect((parameters["coefficients"] as? [Double])?.count == 5)
        let training = try #require(model["training"] as? [String: String])
        // Issue 18: one fingerprint (SHA-256 over the files' names and hashes) for inputs, exports and runs.
        #expect(training["input_fingerprint"] == (try Fingerprint.of(files: [folder.appendingPathComponent("x.csv"),
                                                                             folder.appendingPathComponent("y.csv")])))
        let permissions = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("model.json").path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    @Test func textOutputNamesTheColumns() throws {
        let (folder, _) = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv", "--penalty", "l1", "--C", "0.1"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("solver proximal-newton"))
        #expect(result.standardOutput.contains("feature_4"))
        #expect(result.standardOutput.contains("training: AUC"))
    }

    @Test func oneClassTargetFailsAndWritesNothing() throws {
        let (folder, golden) = try workspace(targets: Array(repeating: 1, count: 240))
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = golden
        let result = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv", "--model-out", "model.json"], in: folder)
        #expect(result.status != 0)
        #expect(result.standardError.contains("all 240 targets are 1.0; expected both classes 0 and 1"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.json").path))
    }

    @Test func rowCountMismatchAndBadTargetsAreReported() throws {
        let (folder, _) = try workspace(targets: [0, 1, 0])
        defer { try? FileManager.default.removeItem(at: folder) }
        let mismatch = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv"], in: folder)
        #expect(mismatch.status != 0)
        #expect(mismatch.standardError.contains("240 rows but the target has 3 values"))
        let (other, _) = try workspace(targets: (0..<240).map { $0 == 7 ? 2 : Double($0 % 2) })
        defer { try? FileManager.default.removeItem(at: other) }
        let notBinary = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv"], in: other)
        #expect(notBinary.status != 0)
        #expect(notBinary.standardError.contains("target 7 is 2.0; expected 0 or 1"))
    }

    @Test func invalidOptionsAreRejected() throws {
        let (folder, _) = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let penalty = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv", "--penalty", "l3"], in: folder)
        #expect(penalty.status == 64)
        #expect(penalty.standardError.contains("--penalty must be l2, l1 or elasticnet, got 'l3'"))
        let c = try StrataBinary.run(["logistic", "--input", "x.csv", "--target", "y.csv", "--C", "0"], in: folder)
        #expect(c.status == 64)
        #expect(c.standardError.contains("--C must be a finite number > 0, got 0.0"))
    }

    // MARK: strata train / strata score on the bundled demo clinic

    static let demoClinic = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/demo-clinic").standardized
    static let demoTruth = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/demo-clinic-truth/ground_truth.csv").standardized

    @Test func trainChurnThenScore() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-train-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = try StrataBinary.run(["train", "churn", Self.demoClinic.path, "--as-of", "2025-12-31",
                                          "--reference", Self.demoTruth.path, "--model-out", "churn.json", "--json"], in: folder)
        #expect(train.status == 0, "\(train.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(train.standardOutput.utf8)) as? [String: Any])
        // Training features as of T - 180 days, labels through T, the holdout fitted one horizon earlier.
        #expect(summary["as_of"] as? String == "2025-07-04")
        #expect(summary["labels_through"] as? String == "2025-12-31")
        #expect(summary["holdout_fit_as_of"] as? String == "2025-01-05")
        let metrics = try #require(summary["metrics"] as? [String: Double])
        let holdoutAUC = try #require(metrics["holdout_auc"]), referenceAUC = try #require(metrics["holdout_reference_auc"])
        // The demo clinic is realistic (issue 23): patients also leave for reasons the export does not show, and
        // the generator's probabilities know them (and who is dormant), so they are a ceiling the score stays
        // below (0.864 against 0.936; docs/logistic.md), and the score lands in issue 23's band for what the
        // export allows (0.72-0.88). Issue 6's "within 0.02 of the generator" holds for the idealized process:
        // `idealizedChurnScoreIsWithinTwoHundredthsOfTheGenerator`.
        #expect(referenceAUC > holdoutAUC, "holdout AUC \(holdoutAUC), generator \(referenceAUC)")
        #expect((0.72...0.88).contains(holdoutAUC), "holdout AUC \(holdoutAUC)")
        #expect((metrics["cv_auc_std"] ?? 1) < 0.02)
        let typed = try JSONDecoder().decode(TrainingSummary.self, from: Data(train.standardOutput.utf8))
        #expect(typed.target == .churn && typed.asOf == "2025-07-04" && typed.horizonDays == 180)
        // Two JSON parsers may round the last digit apart.
        #expect(Set(typed.metrics.keys) == Set(metrics.keys)
                && typed.metrics.allSatisfy { Swift.abs($0.value - (metrics[$0.key] ?? .nan)) <= 1e-12 })
        let model = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("churn.json"))) as? [String: Any])
        let training = try #require(model["training"] as? [String: String])
        #expect(training["horizon_days"] == "180" && training["as_of"] == "2025-07-04")
        // Issue 18: the export's fingerprint as a refresh records it, so the store recognises the training export.
        #expect(training["export_fingerprint"] == (try Fingerprint.of(folder: Self.demoClinic)))
        // No patient identifiers in the model file.
        let modelText = try String(contentsOf: folder.appendingPathComponent("churn.json"), encoding: .utf8)
        #expect(!modelText.contains("P0000001"))

        let score = try StrataBinary.run(["score", Self.demoClinic.path, "--model", "churn.json", "--out", "scores.csv"], in: folder)
        #expect(score.status == 0, "\(score.standardError)")
        let lines = try String(contentsOf: folder.appendingPathComponent("scores.csv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.first == "patient_id,score,reason_1,reason_2,reason_3")
        #expect(lines.count > 4000)
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        let probability = try #require(Double(first[1]))
        #expect(probability >= 0 && probability <= 1)
        #expect(first[2].contains(" risk ("))
    }

    /// Issue 6: on the idealized process the out-of-time AUC is within 0.02 of the AUC of the generator's own
    /// churn probabilities on the same patients. The clinic is the demo's (generator.json's arguments) with
    /// `--behaviour idealized`: the bundled demo clinic before issue 23, byte for byte (0.978 against 0.995).
    @Test func idealizedChurnScoreIsWithinTwoHundredthsOfTheGenerator() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-idealized-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let generated = try StrataBinary.run(["generate", "--patients", "5000", "--seed", "20251231", "--kind", "primary-care",
                                              "--from", "2021-01-01", "--to", "2025-12-31", "--as-of", "2025-07-04",
                                              "--horizon-days", "180", "--behaviour", "idealized",
                                              "--out", "clinic", "--truth-out", "truth"], in: folder)
        #expect(generated.status == 0, "\(generated.standardError)")
        let train = try StrataBinary.run(["train", "churn", "clinic", "--as-of", "2025-12-31", "--reference", "truth/ground_truth.csv",
                                          "--model-out", "churn.json", "--json"], in: folder)
        #expect(train.status == 0, "\(train.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(train.standardOutput.utf8)) as? [String: Any])
        let metrics = try #require(summary["metrics"] as? [String: Double])
        let holdoutAUC = try #require(metrics["holdout_auc"]), referenceAUC = try #require(metrics["holdout_reference_auc"])
        #expect(referenceAUC > 0.99)
        #expect(referenceAUC - holdoutAUC <= 0.02, "holdout AUC \(holdoutAUC), generator \(referenceAUC)")
    }

    @Test func trainConversionThenScoreOpenLeads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-conversion-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = try StrataBinary.run(["train", "conversion", Self.demoClinic.path, "--as-of", "2025-12-31",
                                          "--reference", Self.demoTruth.path, "--model-out", "conversion.json", "--json"],
                                         in: folder)
        #expect(train.status == 0, "\(train.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(train.standardOutput.utf8)) as? [String: Any])
        // Leads whose 90-day window closed by T; the holdout refits one window earlier.
        #expect(summary["leads_created_through"] as? String == "2025-10-02")
        #expect(summary["holdout_fit_created_through"] as? String == "2025-07-04")
        #expect(summary["window_days"] as? Int == 90)
        let features = try #require(summary["features"] as? [String])
        #expect(features.allSatisfy { $0.hasPrefix("lead_source.") || $0.hasPrefix("lead_interest.") })
        let metrics = try #require(summary["metrics"] as? [String: Double])
        // The generator converts leads with logistic(-0.1 + source + interest + age), and age is not in an
        // export for leads who never convert: source and interest carry real but partial signal.
        #expect(try #require(metrics["cv_auc_mean"]) > 0.6)
        #expect(metrics["holdout_reference_auc"] != nil)
        let typed = try JSONDecoder().decode(TrainingSummary.self, from: Data(train.standardOutput.utf8))
        #expect(typed.target == .conversion && typed.windowDays == 90 && typed.leadsCreatedThrough == "2025-10-02")
        let modelText = try String(contentsOf: folder.appendingPathComponent("conversion.json"), encoding: .utf8)
        #expect(!modelText.contains("L0000") && !modelText.contains("P0000"))

        let score = try StrataBinary.run(["score", Self.demoClinic.path, "--model", "conversion.json", "--out", "leads.csv"],
                                         in: folder)
        #expect(score.status == 0, "\(score.standardError)")
        let lines = try String(contentsOf: folder.appendingPathComponent("leads.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "lead_id,score,reason_1,reason_2,reason_3")
        #expect(lines.count > 10)
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(first[0].hasPrefix("L"))
        #expect(first[2].contains(" chance ("))

        // Without its window the model cannot say which leads are open: an error, not a guessed default.
        var edited = try #require(try JSONSerialization.jsonObject(with: Data(modelText.utf8)) as? [String: Any])
        var training = try #require(edited["training"] as? [String: String])
        training["window_days"] = nil
        edited["training"] = training
        try JSONSerialization.data(withJSONObject: edited).write(to: folder.appendingPathComponent("no-window.json"))
        let refused = try StrataBinary.run(["score", Self.demoClinic.path, "--model", "no-window.json", "--out", "x.csv"],
                                           in: folder)
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("a conversion model needs training.window_days"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.csv").path))
    }

    @Test func trainConversionNeedsAClosedWindow() throws {
        let result = try StrataBinary.run(["train", "conversion", Self.demoClinic.path, "--as-of", "2019-01-01"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("no 90-day conversion window has closed"))
    }
}
