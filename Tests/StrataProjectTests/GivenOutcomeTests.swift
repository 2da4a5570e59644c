import Foundation
import StrataData
import StrataFeatures
import StrataModels
@testable import StrataProject
import StrataRandom
import Testing

/// Training on an outcome the export carries (`strata train churn --label-column churned --positive yes`), on
/// a labelled table of patients with attributes and no visits at all, against scikit-learn's 5-fold AUC on the
/// same one-hot design (`Golden/given_outcome.json`, made by `Golden/make_given_outcome_golden.py`, which
/// builds the same rows and Strata's folds).
@Suite("given outcomes", .serialized)
struct GivenOutcomeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-given-\(UUID().uuidString)")

    struct Golden: Decodable {
        var rows: Int
        var positives: Int
        var cv_auc_mean: Double
        var training_auc: Double
    }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/given_outcome.json")
        do { return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url)) } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()

    static let insurance = ["private", "medicaid", "medicare", "uninsured"], insuranceEffect = [0.0, 0.6, -0.4, 1.1]
    static let neighbourhoods = ["riverside", "old_town", "hillcrest", "harbour", "university", "northgate"]
    static let neighbourhoodEffect = [0.0, 0.2, -0.2, 0.4, 0.0, -0.3]

    /// The export: patients.csv with four attributes and the outcome `churned`, and the other required tables
    /// empty; the project turns every visit family off, so the design is the attributes' alone.
    func labelledTable() throws -> (export: URL, configuration: URL) {
        let export = root.appendingPathComponent("members")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        var generator = SplitMix64(seed: 2026)
        func uniform() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        var lines = ["patient_id,birth_date,sex,created_at,insurance,neighbourhood,chronic_condition,household_size,churned"]
        for row in 0..<2000 {
            let u = (0..<5).map { _ in uniform() }
            let plan = Int(u[0] * 4), area = Int(u[1] * 6), chronic = u[2] < 0.3, household = 1 + Int(u[3] * 6)
            let z = -0.5 + Self.insuranceEffect[plan] + Self.neighbourhoodEffect[area] + (chronic ? 0.8 : 0) - 0.15 * Double(household - 3)
            let churned = u[4] < 1 / (1 + exp(-z))
            lines.append("M\(row),1980-01-01,unknown,2024-01-01T00:00:00Z,\(Self.insurance[plan]),\(Self.neighbourhoods[area]),"
                + "\(chronic ? "yes" : "no"),\(household),\(churned ? "yes" : "no")")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: export.appendingPathComponent("patients.csv"))
        for table in [CanonicalTable.appointments, .communications, .consents] {
            try Data((table.columns.map(\.name).joined(separator: ",") + "\n").utf8).write(to: export.appendingPathComponent(table.fileName))
        }
        let families = ["recency", "frequency", "monetary", "tenure", "demographics", "visit_intervals", "attendance",
                        "booking_lead_time", "services", "engagement", "contact_recency", "upcoming", "outreach", "conditions", "leads"]
        let configuration = root.appendingPathComponent("strata.yml")
        try Data(("features:\n" + families.map { "  \($0): false\n" }.joined() + """
            attributes:
              insurance: {type: category}
              neighbourhood: {type: category}
              chronic_condition: {type: flag}
              household_size: {type: number}

            """).utf8).write(to: configuration)
        return (export, configuration)
    }

    @Test func anAttributeOnlyTableTrainsLikeScikitLearnAndScores() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (export, configuration) = try labelledTable()
        let outcome = TrainingRun.GivenOutcome(column: "churned", positive: "yes")
        let source = ExportSource(path: export.path, configurationFile: configuration.path)
        let modelFile = root.appendingPathComponent("churn.json")
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, folds: 5, seed: 0, modelFile: modelFile, outcome: outcome),
                                          on: try source.read(extraColumns: outcome.extraColumns(for: .churn)))
        let golden = Self.golden
        #expect(trained.summary.rows == golden.rows && trained.summary.positives == golden.positives)
        #expect(trained.summary.features.count == 12)
        #expect(trained.summary.features.allSatisfy { $0.hasPrefix("attribute.") })
        let auc = try #require(trained.summary.metrics["cv_auc_mean"])
        // The issue asks for agreement within 0.002. With the same rows, design, folds and objective the AUCs (ranks
        // of nearly equal probabilities) agree to rounding, and other folds (seed 1) would still be within 0.002
        // here: 1e-6 makes the test see a change of folds, rows, levels or penalty.
        #expect(abs(auc - golden.cv_auc_mean) <= 1e-6, "Strata \(auc), scikit-learn \(golden.cv_auc_mean)")
        #expect(abs(try #require(trained.summary.metrics["auc"]) - golden.training_auc) <= 1e-6)
        #expect(trained.summary.labelColumn == "churned" && trained.summary.positiveValue == "yes")
        #expect(trained.warnings.contains { $0.hasPrefix("no out-of-time holdout") })
        let model = try ModelFile<LogisticParameters>.read(from: modelFile, kind: LogisticParameters.kind)
        #expect(model.training["label_column"] == "churned" && model.training["positive_value"] == "yes")

        // Scoring the same table (no visits) with the project's attributes.
        let scores = root.appendingPathComponent("scores.csv")
        let scored = try ScoringRun.run(ScoringRun.Configuration(modelFile: modelFile, output: scores), from: source)
        _ = scored
        let lines = try String(contentsOf: scores, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2001)
    }

    /// `strata train conversion --label-column converted --positive yes`: the outcome is a column of leads.csv,
    /// the design is what was known of a lead when it was created (source, interest).
    @Test func aConversionOutcomeOfLeadsTrainsOnEveryLeadWithItsLabel() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let export = root.appendingPathComponent("leads-export")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try Data("patient_id,birth_date,sex,created_at\nP1,1980-01-01,female,2024-01-01T00:00:00Z\n".utf8)
            .write(to: export.appendingPathComponent("patients.csv"))
        for table in [CanonicalTable.appointments, .communications, .consents] {
            try Data((table.columns.map(\.name).joined(separator: ",") + "\n").utf8).write(to: export.appendingPathComponent(table.fileName))
        }
        var generator = SplitMix64(seed: 7)
        func uniform() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        let sources = ["web", "referral", "ad"], rates = [0.2, 0.8, 0.1]
        var lines = ["lead_id,patient_id,created_at,source,interest,converted"], positives = 0
        for row in 0..<600 {
            let source = Int(uniform() * 3), converted = uniform() < rates[source]
            positives += converted ? 1 : 0
            lines.append("L\(row),,2024-0\(1 + row % 6)-15T10:00:00Z,\(sources[source]),\(row % 2 == 0 ? "braces" : "invisalign"),\(converted ? "yes" : "no")")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: export.appendingPathComponent("leads.csv"))
        let outcome = TrainingRun.GivenOutcome(column: "converted", positive: "yes")
        let modelFile = root.appendingPathComponent("conversion.json")
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .conversion, folds: 5, seed: 0, modelFile: modelFile, outcome: outcome),
                                          on: try ExportSource(path: export.path).read(extraColumns: outcome.extraColumns(for: .conversion)))
        // Every lead is a row with its own label: the count of "yes" the test wrote, whatever the visits say.
        #expect(trained.summary.rows == 600 && trained.summary.positives == positives)
        #expect(trained.summary.labelColumn == "converted" && trained.summary.positiveValue == "yes")
        // The source decides conversion here (0.8 by referral, 0.1-0.2 otherwise), so the score ranks well.
        #expect(try #require(trained.summary.metrics["cv_auc_mean"]) > 0.75)
        let model = try ModelFile<LogisticParameters>.read(from: modelFile, kind: LogisticParameters.kind)
        #expect(model.training["label_column"] == "converted" && model.training["target"] == "conversion")
    }

    @Test func aPositiveValueNoRowHasIsAnErrorListingTheValues() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (export, configuration) = try labelledTable()
        let outcome = TrainingRun.GivenOutcome(column: "churned", positive: "Yes")
        let source = ExportSource(path: export.path, configurationFile: configuration.path)
        let error = #expect(throws: GivenOutcomeError.self) {
            _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: root.appendingPathComponent("m.json"), outcome: outcome),
                                    on: try source.read(extraColumns: outcome.extraColumns(for: .churn)))
        }
        guard case let .noPositiveRow(column, positive, file, values)? = error else {
            Issue.record("expected noPositiveRow, got \(String(describing: error))")
            return
        }
        #expect(column == "churned" && positive == "Yes" && file == "patients.csv" && Set(values) == ["yes", "no"])
        #expect(error?.description.contains("no row has the positive value \"Yes\"") == true)
        // The outcome may not also be an attribute: the model would read its own label. (`churned` is read as
        // an optional extra column, as a scoring run reads a model's outcome column.)
        let leaking = TrainingRun.GivenOutcome(column: "chronic_condition", positive: "yes")
        let churned = [CanonicalTable.patients: [ExtraColumn("outcome:churned", column: "churned", .text, required: false)]]
        #expect(throws: GivenOutcomeError.outcomeIsAnAttribute(column: "chronic_condition", attribute: "chronic_condition")) {
            _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: root.appendingPathComponent("m.json"), outcome: leaking),
                                    on: try source.read(extraColumns: leaking.extraColumns(for: .churn).merging(churned, uniquingKeysWith: +)))
        }
    }
}
