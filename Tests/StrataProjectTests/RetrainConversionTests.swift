import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// `strata retrain` with leads: a conversion challenger fitted on the newest export and compared with the
/// conversion champion on the leads of the challenger's out-of-time holdout, in both directions.
@Suite("retrain: conversion", .serialized)
struct RetrainConversionTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-retrain-conversion-\(UUID().uuidString)")
    var project: URL { root.appendingPathComponent("project") }
    var projectFile: URL { project.appendingPathComponent("strata.yml") }

    func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    func store() throws -> SegmentStore { try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path) }

    /// A regression whose L1 penalty is so strong every coefficient is zero: a constant score, AUC 0.5.
    static let constant = LogisticRegression(LogisticRegression.Configuration(c: 1e-6, penalty: .l1))

    @Test func aBetterConversionChallengerIsPromotedAndAWorseOneIsNot() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try ProjectFolder.create(at: project)
        // Enough people that the leads of one 90-day window have both outcomes. Idealized on purpose: the test is
        // about the retrain's decisions and needs a conversion signal that 35 leads show (holdout AUC 0.62 here);
        // in the realistic clinic a converted lead's first visit may wait or be missed, and the same 35 leads
        // give 0.54, which cannot tell a better challenger from a constant.
        for cut in ["2025-06-30", "2025-12-31", "2026-07-31"] {
            var settings = try GeneratorConfiguration(personCount: 2_500, seed: 11, kind: .primaryCare, from: "2023-01-01", to: cut)
            settings.behaviour = .idealized
            _ = try ClinicGenerator(settings).write(export: export(cut), truth: root.appendingPathComponent("truth-\(cut)"))
        }
        // A deliberately poor conversion champion on the June export: a constant score.
        let june = try ExportSource(path: export("2025-06-30").path, configurationFile: projectFile.path).read()
        let trained = try TrainingRun.run(TrainingRun.Configuration(
            target: .conversion, regression: Self.constant, modelFile: project.appendingPathComponent("models/conversion-june.json")),
                                          on: june)
        #expect(trained.lines.last == "registered as model 1 (champion)")

        // December: T = 2025-12-31, N = 90, the window is the leads created in (T − 2N, T − N] =
        // (2025-07-04, 2025-10-02]; the champion's leads were created through 2025-06-30 − 90 = 2025-04-01.
        let better = try RetrainRun.run(RetrainRun.Configuration(project: project, export: export("2025-12-31"), user: "test"))
        #expect(better.targets.map(\.target) == ["churn", "conversion"])
        let conversion = better.targets[1]
        #expect(conversion.window == "leads created in (2025-07-04, 2025-10-02], first visits through 2025-12-31")
        #expect(conversion.champion == 1 && conversion.decision == .promoted, "\(conversion.reason)")
        let championAUC = try #require(conversion.championMetrics?.auc), challengerAUC = try #require(conversion.challenger?.auc)
        #expect(abs(championAUC - 0.5) < 1e-9 && challengerAUC > 0.6)

        // The champion's side recomputed here from the raw definitions: the leads created in the window, a
        // lead converting when its patient completes a visit within 90 days of the lead's creation.
        let december = try ExportSource(path: export("2025-12-31").path, configurationFile: projectFile.path).read().export
        let start = try Day(iso: "2025-07-04").endTimestamp, end = try Day(iso: "2025-10-02").endTimestamp
        let windowLeads = (0..<december.leads.count).filter { december.leads.createdAt[$0] >= start && december.leads.createdAt[$0] < end }
        #expect(conversion.rows == windowLeads.count && conversion.rows > 0)
        let challengerFile = try #require(conversion.challengerFile)
        let model = try ModelFile<LogisticParameters>.read(from: project.appendingPathComponent("models/\(challengerFile)"),
                                                           kind: LogisticParameters.kind)
        #expect(model.training["target"] == "conversion" && model.training["leads_created_through"] == "2025-10-02")
        let conversionModels = try store().registeredModels().filter { $0.target == "conversion" }
        #expect(conversionModels.map(\.status) == [.retired, .champion])

        // July 2026: T = 2026-07-31, the window starts at 2026-02-01, after the December champion's leads
        // (through 2025-10-02). A constant challenger against it is worse and stays a candidate.
        var worse = RetrainRun.Configuration(project: project, user: "test")
        worse.regression = Self.constant
        let kept = try RetrainRun.run(worse)
        let keptConversion = try #require(kept.targets.first { $0.target == "conversion" })
        #expect(keptConversion.decision == .kept && keptConversion.champion == conversionModels[1].id)
        #expect(keptConversion.reason.hasSuffix("the challenger is worse"), "\(keptConversion.reason)")
        #expect(try store().registeredModels().filter { $0.target == "conversion" }.map(\.status) == [.retired, .champion, .candidate])
        #expect(try AuditVerification.check(store: store(), listsFolder: project.appendingPathComponent("lists")).isIntact)
    }

    @Test func aConversionChampionFittedOnTheWindowsLeadsIsKept() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try ProjectFolder.create(at: project)
        let settings = try GeneratorConfiguration(personCount: 800, seed: 11, kind: .primaryCare, from: "2023-01-01", to: "2025-12-31")
        _ = try ClinicGenerator(settings).write(export: export("2025-12-31"), truth: root.appendingPathComponent("truth"))
        let loaded = try ExportSource(path: export("2025-12-31").path, configurationFile: projectFile.path).read()
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .conversion, regression: Self.constant,
                                                          modelFile: project.appendingPathComponent("models/conversion-dec.json")),
                                on: loaded)
        let result = try RetrainRun.run(RetrainRun.Configuration(project: project, user: "test"))
        let conversion = try #require(result.targets.first { $0.target == "conversion" })
        #expect(conversion.decision == .kept && conversion.championMetrics == nil)
        #expect(conversion.reason.contains("fitted on leads created through 2025-10-02, past 2025-07-04"), "\(conversion.reason)")
    }
}
