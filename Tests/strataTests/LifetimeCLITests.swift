import Foundation
import StrataModels
import StrataProject
import Testing

@Suite("strata lifetime and strata train lifetime")
struct LifetimeCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../StrataModelsTests/Fixtures/lifetime").standardized
    static let demoClinic = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../datasets/demo-clinic").standardized

    /// A fresh folder with `cdnow.csv`: the CDNOW calibration summary (weeks) under Strata's column names,
    /// with the monetary column unless `monetary` is false.
    func workspace(monetary: Bool = true) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lifetime-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = try String(contentsOf: Self.fixtures.appendingPathComponent("cdnow_customers_summary_with_transactions.csv"),
                                encoding: .utf8)
        var lines = source.split(whereSeparator: \.isNewline).map(String.init)
        lines[0] = "ID,frequency,recency,T,monetary_value"
        if !monetary { lines = lines.map { $0.split(separator: ",").prefix(4).joined(separator: ",") } }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("cdnow.csv"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func jsonHasThePapersParametersAndTheSpendModel() throws {
        let folder = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["lifetime", "--summary", "cdnow.csv", "--time-unit", "weeks", "--json"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONDecoder().decode(LifetimeFitSummary.self, from: Data(result.standardOutput.utf8))
        // FHL 2005: 0.243, 4.414, 0.793, 2.426, LL −9582.4.
        #expect(abs(summary.r - 0.243) <= 1e-3 && abs(summary.alpha - 4.414) <= 1e-3)
        #expect(abs(summary.a - 0.793) <= 1e-3 && abs(summary.b - 2.426) <= 1e-3)
        #expect(abs(summary.logLikelihood - -9582.4) <= 0.1)
        #expect(summary.patients == 2357 && summary.repeatPatients == 946 && summary.spendPatients == 946)
        // lifetimes 0.11.3's Gamma-Gamma on the same rows: p 6.2488, q 3.7446, γ 15.4477 (Fixtures/lifetime/golden.json).
        #expect(abs((summary.p ?? 0) - 6.2488) <= 1e-2 && abs((summary.q ?? 0) - 3.7446) <= 1e-2)
        #expect(abs((summary.gamma ?? 0) - 15.4477) <= 1e-2)
        #expect(summary.timeUnit == "weeks" && summary.spendNotFitted == nil)
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]).keys
        for key in ["r", "alpha", "a", "b", "log_likelihood", "p", "q", "gamma", "frequency_spend_correlation"] {
            #expect(keys.contains(key), "missing \(key)")
        }
    }

    @Test func withoutMonetaryColumnThereIsNoSpendModel() throws {
        let folder = try workspace(monetary: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["lifetime", "--summary", "cdnow.csv", "--json"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]).keys
        #expect(keys.contains("log_likelihood") && !keys.contains("p") && !keys.contains("gamma"))
        let text = try StrataBinary.run(["lifetime", "--summary", "cdnow.csv"], in: folder)
        #expect(text.status == 0)
        #expect(text.standardOutput.hasPrefix("BG/NBD: r 0.2426, alpha 4.4135, a 0.7929, b 2.4258; log-likelihood -9582.42"))
    }

    @Test func predictionsFileHasOneRowPerSummaryRow() throws {
        let folder = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try StrataBinary.run(["lifetime", "--summary", "cdnow.csv", "--time-unit", "weeks", "--horizon-days", "91",
                                           "--predictions-out", "predictions.csv"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = try String(contentsOf: folder.appendingPathComponent("predictions.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline)
        #expect(lines.first == "p_alive,expected_visits_91d,clv_91d")
        #expect(lines.count == 2358)
        // Row 1 is customer 1 (x 2, tₓ 30.43, T 38.86): lifetimes' P(alive) 0.72661 at the fitted parameters.
        let first = lines[1].split(separator: ",").compactMap { Double($0) }
        #expect(first.count == 3 && abs(first[0] - 0.7266) <= 1e-3)
        // A customer without repeat visits is alive by the model's definition.
        #expect(lines[3].hasPrefix("1.0,"))
    }

    @Test func badRowsNameTheirLineAndWriteNothing() throws {
        let folder = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = "frequency,recency,T\n1,2,3\n2,5,4\n"
        try bad.write(to: folder.appendingPathComponent("bad.csv"), atomically: true, encoding: .utf8)
        let result = try StrataBinary.run(["lifetime", "--summary", "bad.csv", "--predictions-out", "p.csv"], in: folder)
        #expect(result.status == 1)
        #expect(result.standardError.contains("bad.csv:3"), "\(result.standardError)")
        #expect(result.standardError.contains("recency = 5.0") && result.standardError.contains("from 0 to T (4.0)"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.csv").path))

        try "frequency,recency\n1,2\n".write(to: folder.appendingPathComponent("short.csv"), atomically: true, encoding: .utf8)
        let missing = try StrataBinary.run(["lifetime", "--summary", "short.csv"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("missing required column"))

        try "frequency,recency,T\n1,abc,3\n".write(to: folder.appendingPathComponent("text.csv"), atomically: true, encoding: .utf8)
        let text = try StrataBinary.run(["lifetime", "--summary", "text.csv"], in: folder)
        #expect(text.status == 1)
        #expect(text.standardError.contains("text.csv:2: not a number: found \"abc\", expected a finite number for recency"), "\(text.standardError)")

        try "frequency,recency,T\n1,2\n".write(to: folder.appendingPathComponent("fields.csv"), atomically: true, encoding: .utf8)
        let fields = try StrataBinary.run(["lifetime", "--summary", "fields.csv"], in: folder)
        #expect(fields.status == 1)
        #expect(fields.standardError.contains("fields.csv:2: wrong field count: found \"2 fields\", expected 3 fields"), "\(fields.standardError)")

        let flag = try StrataBinary.run(["lifetime", "--summary", "cdnow.csv", "--penalizer=-1"], in: folder)
        #expect(flag.status == 64)
        #expect(flag.standardError.contains("--penalizer must be a finite number >= 0, got -1.0"))
    }

    @Test func spendThatCannotBeFittedKeepsTheVisitsModelWithoutClv() throws {
        let folder = try workspace()
        defer { try? FileManager.default.removeItem(at: folder) }
        // CDNOW's rows with every repeat customer's mean spend set to 25: no spread, so Gamma-Gamma diverges.
        let source = try String(contentsOf: folder.appendingPathComponent("cdnow.csv"), encoding: .utf8)
        let fixed = source.split(whereSeparator: \.isNewline).enumerated().map { index, line -> String in
            guard index > 0 else { return String(line) }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            fields[4] = Double(fields[1])! > 0 ? "25" : "0"
            return fields.joined(separator: ",")
        }
        try (fixed.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("fixed.csv"), atomically: true, encoding: .utf8)
        let result = try StrataBinary.run(["lifetime", "--summary", "fixed.csv", "--time-unit", "weeks", "--json",
                                           "--predictions-out", "predictions.csv"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONDecoder().decode(LifetimeFitSummary.self, from: Data(result.standardOutput.utf8))
        // The visits model is CDNOW's, as without spend.
        #expect(abs(summary.r - 0.243) <= 1e-3 && abs(summary.b - 2.426) <= 1e-3)
        #expect(summary.p == nil && summary.q == nil && summary.gamma == nil)
        let why = try #require(summary.spendNotFitted)
        #expect(why.hasPrefix("Gamma-Gamma fit failed: p, q, γ ran off to"), "\(why)")
        #expect(summary.warnings.contains { $0.contains("there is no CLV") })
        let header = try String(contentsOf: folder.appendingPathComponent("predictions.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).first
        #expect(header == "p_alive,expected_visits_365d")
        let text = try StrataBinary.run(["lifetime", "--summary", "fixed.csv", "--time-unit", "weeks"], in: folder)
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("\nspend model: not fitted, Gamma-Gamma fit failed: p, q, γ ran off to"), "\(text.standardOutput)")
    }

    @Test func trainLifetimeWithoutAPenaltyKeepsTheVisitsModel() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-train-lifetime-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Plain maximum likelihood on the demo clinic: BG/NBD fits; Gamma-Gamma either fits or (spend at fixed prices
        // sends p to infinity) is recorded as not fitted, with the reason in the output and the model file.
        let result = try StrataBinary.run(["train", "lifetime", Self.demoClinic.path, "--as-of", "2025-06-30", "--json"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONDecoder().decode(LifetimeFitSummary.self, from: Data(result.standardOutput.utf8))
        #expect(summary.converged && summary.patients > 1000 && summary.penalty == 0)
        let file = try ModelFile<LifetimeParameters>.read(from: folder.appendingPathComponent("models/lifetime-2025-06-30.json"),
                                                          kind: LifetimeModel.kind)
        #expect(file.parameters.visits.r == summary.r && file.parameters.visits.b == summary.b)
        if let why = summary.spendNotFitted {
            #expect(file.parameters.spend == nil && file.parameters.spendNotFitted == why && summary.p == nil)
            #expect(file.parameters.lifetimeValueUnavailable == "the spend model was not fitted: \(why)")
        } else {
            #expect(file.parameters.spend != nil && file.parameters.spendNotFitted == nil && summary.p != nil)
        }
    }

    @Test func trainLifetimeWritesAModelFileWithoutPatientData() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-train-lifetime-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The demo clinic's primary care (issue 19) has preventive visits at fixed prices, whose spend barely
        // varies: plain maximum likelihood sends Gamma-Gamma's p to infinity (an error naming the penalty), so
        // the demo is fitted with the small penalty docs/lifetime.md recommends for primary care.
        let result = try StrataBinary.run(["train", "lifetime", Self.demoClinic.path, "--as-of", "2025-06-30", "--penalizer", "0.01", "--json"], in: folder)
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONDecoder().decode(LifetimeFitSummary.self, from: Data(result.standardOutput.utf8))
        #expect(summary.asOf == "2025-06-30" && summary.timeUnit == "days" && summary.converged)
        #expect(summary.model?.hasSuffix("/models/lifetime-2025-06-30.json") == true)
        #expect(summary.patients > 1000 && summary.repeatPatients > 100)
        let url = folder.appendingPathComponent("models/lifetime-2025-06-30.json")
        let file = try ModelFile<LifetimeParameters>.read(from: url, kind: LifetimeModel.kind)
        #expect(file.parameters.visits.r == summary.r && file.parameters.timeUnit == .days)
        #expect(file.parameters.spend != nil)
        #expect(file.training["as_of"] == "2025-06-30" && file.training["export_fingerprint"]?.count == 64)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.contains("P000"), "the model file holds patient identifiers")
    }
}
