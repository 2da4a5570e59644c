import Foundation
import StrataData
import StrataFeatures
@testable import StrataProject
@testable import StrataSegments
import Testing

/// Where a report's churn curves come from: an earlier run's stored scores once their horizon has passed
/// (same model file and fingerprint), else the model applied again; and the export found by its fingerprint.
@Suite("report scores", .serialized)
struct ReportScoresTests {
    @Test func storedScoresAreUsedOnceTheirHorizonHasPassedAndTheModelIsTheSame() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-report-scores-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: project) }
        _ = try DemoRun.run(DemoRun.Configuration(directory: project, patients: 200, user: "test"))
        let folder = project.appendingPathComponent("exports/2025-12-31")
        let loaded = try ExportSource(path: folder.path, configurationFile: project.appendingPathComponent("strata.yml").path).read()
        let models = try ProjectModels(directory: project.appendingPathComponent("models"))
        let churn = try #require(models.churn)
        let name = try #require(models.versions.keys.first { $0.hasPrefix("churn-") })
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        let runs = try store.runs()
        #expect(runs.count == 2)
        let horizon = try #require(Int(churn.training["horizon_days"] ?? ""))
        let asOf = try Day(iso: "2025-12-31")
        // Run 1 scored as of 2025-11-30; pretend it was as of a day whose horizon has passed by 2025-12-31.
        let earlierDay = asOf - horizon
        var earlier = runs[0]
        earlier.asOf = earlierDay.description
        let stored = try #require(try store.runScores(named: "churn_score").first { $0.run == earlier.id })
        let domain = try Project(directory: project)

        let used = try ReportRun.churnScores(churn, name: name, fingerprint: models.versions[name], export: loaded.export, run: runs[1],
                                             runs: [earlier, runs[1]], asOf: asOf, store: store, project: domain)
        #expect(used.evaluatedOn.hasPrefix("the scores run \(earlier.id) gave as of \(earlierDay.description)"), "\(used.evaluatedOn)")
        // The stored scores of the patients still on file and alive through the horizon, in stored order,
        // against the churn label as of that day.
        let labels = Labels.churn(loaded.export, asOf: earlierDay, horizonDays: horizon)
        var expected: [(Double, Double)] = []
        for (id, score) in zip(stored.patientIDs, stored.scores) where !score.isNaN {
            guard let row = loaded.export.patients.ids.index(of: id),
                  !Labels.isLeftOutOfChurn(loaded.export, row, asOf: earlierDay, horizonDays: horizon) else { continue }
            expected.append((Double(score), labels[row]))
        }
        #expect(expected.count > 100)
        #expect(used.probabilities == expected.map(\.0))
        #expect(used.outcomes == expected.map(\.1))

        // Another model file (another fingerprint), or a horizon not yet passed: the model is applied again.
        var otherModel = earlier
        otherModel.modelVersions[name] = "another fingerprint"
        let recomputed = try ReportRun.churnScores(churn, name: name, fingerprint: models.versions[name], export: loaded.export,
                                                   run: runs[1], runs: [otherModel, runs[1]], asOf: asOf, store: store, project: domain)
        let notYet = try ReportRun.churnScores(churn, name: name, fingerprint: models.versions[name], export: loaded.export,
                                               run: runs[1], runs: runs, asOf: asOf, store: store, project: domain)
        let applied = try ReportRun.churnEvaluation(churn, name: name, export: loaded.export, asOf: asOf, project: domain)
        for other in [recomputed, notYet] {
            #expect(other.evaluatedOn == applied.evaluatedOn)
            #expect(other.probabilities == applied.probabilities)
        }
    }
}
