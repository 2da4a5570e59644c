import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// The registry, refresh applying champions, and `strata retrain`'s decision in both directions, on a small
/// generated clinic with two exports half a year apart.
@Suite("model registry and retrain", .serialized)
struct ModelRegistryTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-registry-\(UUID().uuidString)")
    var project: URL { root.appendingPathComponent("project") }
    var projectFile: URL { project.appendingPathComponent("strata.yml") }

    /// A project with exports cut at each of `cuts` (the same simulated clinic, seen later).
    func setUp(_ cuts: [String] = ["2025-06-30", "2025-12-31"]) throws {
        try ProjectFolder.create(at: project)
        for cut in cuts {
            let settings = try GeneratorConfiguration(personCount: 600, seed: 7, kind: .primaryCare, from: "2023-01-01", to: cut)
            _ = try ClinicGenerator(settings).write(export: export(cut), truth: root.appendingPathComponent("truth-\(cut)"))
        }
    }

    func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    /// `strata train churn` on the export cut at `cut`, into the project's models folder.
    @discardableResult
    func train(_ cut: String, regression: LogisticRegression = LogisticRegression()) throws -> TrainingRun.Result {
        let source = ExportSource(path: export(cut).path, configurationFile: projectFile.path)
        return try TrainingRun.run(TrainingRun.Configuration(target: .churn, regression: regression,
                                                             modelFile: project.appendingPathComponent("models/churn-\(cut).json")),
                                   on: try source.read())
    }

    func store() throws -> SegmentStore { try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path) }

    /// The registered churn models, oldest first (retrain registers conversion challengers too when there are leads).
    func churnModels() throws -> [RegisteredModel] { try store().registeredModels().filter { $0.target == "churn" } }

    /// A regression whose L1 penalty is so strong every coefficient is zero: a constant score, AUC 0.5.
    static let constant = LogisticRegression(LogisticRegression.Configuration(c: 1e-6, penalty: .l1))

    @Test func trainingInsideTheProjectRegistersAndRefreshAppliesTheChampion() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp(["2025-06-30"])
        let trained = try train("2025-06-30")
        #expect(trained.lines.last == "registered as model 1 (champion)")
        // A second model of the target is a candidate; the champion stays.
        let modelFile = project.appendingPathComponent("models/churn-again.json")
        let source = ExportSource(path: export("2025-06-30").path, configurationFile: projectFile.path)
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, seed: 3, modelFile: modelFile), on: try source.read())
        let models = try store().registeredModels()
        #expect(models.map(\.status) == [.champion, .candidate])
        let file = try ModelFile<LogisticParameters>.read(from: project.appendingPathComponent("models/churn-2025-06-30.json"),
                                                          kind: LogisticParameters.kind)
        #expect(models[0].target == "churn" && models[0].horizonDays == 180)
        #expect(models[0].asOf == file.training["as_of"] && models[0].exportFingerprint == file.training["export_fingerprint"])
        #expect(models[0].fileHash == (try Fingerprint.of(file: project.appendingPathComponent("models/churn-2025-06-30.json"))))
        #expect(models[0].metrics["holdout_auc"] != nil)
        // The model card beside the file: every section, the metrics table, and no patient data.
        let card = try String(contentsOf: project.appendingPathComponent("models/churn-2025-06-30.md"), encoding: .utf8)
        for section in ["# Model 1: churn (logistic)", "## Data window", "## Population", "## Features", "## Metrics",
                        "### Realized", "## Drift", "## Known limits"] {
            #expect(card.contains(section), "\(section)")
        }
        #expect(card.contains("| auc | ") && card.contains("- `days_since_last_visit`"))
        #expect(!card.contains("P0000"))

        // The newest file by name would be churn-again.json; refresh applies the champion and records its number.
        let summary = try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        let run = try #require(try store().latestRun())
        #expect(run.id == summary.run)
        #expect(run.modelVersions["registry:churn"] == "1")
        #expect(run.modelVersions["churn-2025-06-30.json"] != nil && run.modelVersions["churn-again.json"] == nil)

        // Promoting model 2 by hand retires model 1 and the next refresh applies model 2.
        _ = try ModelRegistry.perform(.promote(2), project: project, user: "test")
        #expect(try store().registeredModels().map(\.status) == [.retired, .champion])
        let next = try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        #expect(try store().latestRun()?.modelVersions["registry:churn"] == "2" && next.run == 2)
        let actions = try store().auditEntries().map(\.action)
        // Each refresh that applies other models than the run before (the first: none) records a model change.
        #expect(actions == ["model registered", "model promoted", "model registered", "model change", "refresh",
                            "model promoted", "model change", "refresh"])
        #expect(try AuditVerification.check(store: store(), listsFolder: project.appendingPathComponent("lists")).isIntact)
    }

    @Test func aChampionEditedByOneByteOrMissingStopsTheRefreshBeforeAnythingIsWritten() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp(["2025-06-30"])
        try train("2025-06-30")
        let file = project.appendingPathComponent("models/churn-2025-06-30.json")
        let original = try Data(contentsOf: file)
        var edited = original
        // A digit of a coefficient: still a valid model file, but not the one registered.
        let index = try #require(edited.firstIndex(of: UInt8(ascii: "7")))
        edited[index] = UInt8(ascii: "8")
        try edited.write(to: file)
        #expect {
            try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        } throws: { error in
            guard case let .championChanged(model, target, path, _, _) = error as? ModelRegistryError else { return false }
            return model == 1 && target == "churn" && path == file.path
        }
        #expect(try store().runs().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("lists/run-0001").path))

        try FileManager.default.removeItem(at: file)
        #expect(throws: ModelRegistryError.championMissing(model: 1, target: "churn", path: file.path)) {
            try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        }
        try original.write(to: file)
        #expect(try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test")).run == 1)
    }

    @Test func retrainPromotesABetterChallengerAndKeepsTheChampionAgainstAWorseOne() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp(["2025-06-30", "2025-12-31", "2026-07-31"])
        // A deliberately poor champion: a constant score, trained on the June export.
        try train("2025-06-30", regression: Self.constant)
        let configuration = RetrainRun.Configuration(project: project, export: export("2025-12-31"), user: "test")

        // A dry run decides but writes nothing.
        let before = try store().auditEntries().count
        var dry = configuration
        dry.dryRun = true
        let preview = try RetrainRun.run(dry)
        // The export has leads: a conversion challenger too, the first conversion model (retrain: conversion).
        #expect(preview.targets.map(\.decision) == [.promoted, .promoted] && preview.targets[0].challengerModel == nil)
        #expect(try store().auditEntries().count == before)
        #expect(try store().registeredModels().count == 1)

        // The December export: T = 2025-12-31 (the last event day), E = T - 180 = 2025-07-04, after the June
        // champion's labels (through 2025-06-30), so neither model saw the window's labels.
        let better = try RetrainRun.run(configuration)
        let churn = try #require(better.targets.first)
        #expect(churn.window.hasPrefix("features as of 2025-07-04"))
        #expect(churn.decision == .promoted && churn.champion == 1 && churn.challengerModel == 2)
        let championAUC = try #require(churn.championMetrics?.auc), challengerAUC = try #require(churn.challenger?.auc)
        #expect(abs(championAUC - 0.5) < 1e-9 && challengerAUC > 0.6)
        #expect(try churnModels().map(\.status) == [.retired, .champion])

        // The champion's side recomputed here: model 1 applied to the patients on file at E, labels in (E, T].
        let loaded = try ExportSource(path: export("2025-12-31").path, configurationFile: projectFile.path).read()
        let evaluationDay = try Day(iso: "2025-07-04")
        let rows = ChurnTraining.patientsOnFile(loaded.export, asOf: evaluationDay)
        #expect(churn.rows == rows.count)

        // Now, on the newest export (T = 2026-07-31, its last event day; E = T - 180 = 2026-02-01, after model 2's
        // labels), a deliberately worse challenger against
        // the good champion: kept, registered as a candidate.
        var worse = RetrainRun.Configuration(project: project, user: "test")
        worse.regression = Self.constant
        let kept = try RetrainRun.run(worse)
        // Model 3 is the first retrain's conversion challenger.
        #expect(kept.targets[0].decision == .kept && kept.targets[0].champion == 2 && kept.targets[0].challengerModel == 4)
        #expect(kept.targets[0].reason.hasSuffix("the challenger is worse"), "\(kept.targets[0].reason)")
        #expect(kept.targets[0].window.hasPrefix("features as of 2026-02-01"))
        #expect(try churnModels().map(\.status) == [.retired, .champion, .candidate])
        // Both retrains wrote their comparison of each target (churn, conversion) to the audit log, which stays intact.
        #expect(try store().auditEntries().filter { $0.action == "retrain" }.count == 4)
        #expect(try AuditVerification.check(store: store(), listsFolder: project.appendingPathComponent("lists")).isIntact)
        // Each challenger has its own file, named by its export's last event day.
        #expect(try churnModels().map(\.file) == ["churn-2025-06-30.json", "churn-2025-12-31.json", "churn-2026-07-31.json"])
    }

    @Test func aChampionWhoseLabelsReachIntoTheWindowIsKept() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp(["2025-12-31"])
        try train("2025-12-31", regression: Self.constant)
        let result = try RetrainRun.run(RetrainRun.Configuration(project: project, user: "test"))
        #expect(result.targets[0].decision == .kept)
        #expect(result.targets[0].reason.contains("the champion's labels run through 2025-12-31, past 2025-07-04"))
        #expect(result.targets[0].championMetrics == nil)
        // The challenger is still registered, beside the champion's file of the same date, not over it.
        #expect(result.targets[0].challengerFile == "churn-2025-12-31-2.json")
        #expect(try churnModels().map(\.status) == [.champion, .candidate])
    }

    @Test func promoteWhenIsReadAndUnknownKeysAreNamed() throws {
        let rule = try ProjectConfiguration.parse("models:\n  promote_when:\n    auc_drop_at_most: 0.01\n").modelSettings().promoteWhen
        #expect(rule == ModelSettings.PromotionRule(aucDropAtMost: 0.01, logLossIncreaseAtMost: 0.01))
        #expect(throws: ConfigurationError(file: "strata.yml", message:
            "models.promote_when: unknown key 'auc_drop' (expected auc_drop_at_most, log_loss_increase_at_most)")) {
            try ProjectConfiguration.parse("models:\n  promote_when:\n    auc_drop: 0.01\n").modelSettings()
        }
        // AUC 0.800 -> 0.796 (drop 0.004 <= 0.005) and log loss 0.500 -> 0.504 (+0.8% <= 1%): passes.
        #expect(ModelSettings.PromotionRule().accepts(champion: (0.8, 0.5), challenger: (0.796, 0.504)).0)
        // Log loss 0.500 -> 0.506 (+1.2%): fails, whatever the AUC.
        #expect(!ModelSettings.PromotionRule().accepts(champion: (0.8, 0.5), challenger: (0.9, 0.506)).0)
    }

    @Test func realizedPerformanceIsTheAUCOfTheStoredScoresOnTheLaterExportsVisits() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try setUp()
        try train("2025-06-30")
        // Run 1 scores everyone in the June export as of its last day and keeps the scores.
        _ = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export("2025-06-30"), user: "test"))
        let stored = try #require(try store().runScores(named: "churn_score").first)
        let asOf = try #require(try store().runs().first?.asOf)
        #expect(stored.model == 1 && stored.horizonDays == 180 && stored.patientIDs.count == stored.scores.count)

        // Half a year later the horizon has passed: models health measures and stores the realized performance.
        let health = try ModelHealth.run(project: project, export: export("2025-12-31"), user: "test")
        let realized = try #require(health.realized.first)
        #expect(health.realized.count == 1 && realized.model == 1 && realized.run == 1 && realized.scoredAsOf == asOf)
        #expect(try store().realized().map(\.auc) == [realized.auc])

        // The same AUC from the raw files: churned = no completed appointment on a day in (asOf, asOf + 180]
        // in the December export's appointments.csv, for the patients still in its patients.csv; the AUC is
        // the share of (churned, stayed) pairs the stored scores rank right, ties counting one half.
        let expected = try RawExportFacts.handAUC(stored, asOf: asOf, later: export("2025-12-31"))
        #expect(abs(realized.auc - expected.auc) < 1e-9, "\(realized.auc) against \(expected.auc)")
        #expect(realized.rows == expected.rows)
        #expect(health.table.contains("scored \(asOf) (run 1"))
        let card = try String(contentsOf: project.appendingPathComponent("models/churn-2025-06-30.md"), encoding: .utf8)
        #expect(card.contains("- scored \(asOf) (run 1, \(realized.rows) patients): AUC"))
    }
}
