import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
import StrataProject
import Testing

/// `strata train lifetime` on a small orthodontic clinic, where plain maximum likelihood runs BG/NBD's a and b
/// off to infinity (scheduled visits: about the same dropout chance for everyone): the command returns the
/// limit model and says so, instead of failing (before: "parameters ran off to [1.41, 0.87, 2.1e55, 2.5e56]").
@Suite("BG/NBD at the boundary on a generated clinic")
struct LifetimeBoundaryTrainingTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lifetime-boundary-\(UUID().uuidString)")

    /// `strata generate --patients 200 --seed 7 --kind orthodontic --to 2025-11-30`, read with an empty project file.
    func smallOrthodonticClinic() throws -> ExportSource.Loaded {
        let folder = root.appendingPathComponent("export")
        let settings = try GeneratorConfiguration(personCount: 200, seed: 7, kind: .orthodontic, to: "2025-11-30")
        _ = try ClinicGenerator(settings).write(export: folder, truth: root.appendingPathComponent("truth"))
        let projectFile = root.appendingPathComponent("strata.yml")
        try Data().write(to: projectFile)
        return try ExportSource(path: folder.path, configurationFile: projectFile.path).read(tables: { $0.features.tablesNeeded })
    }

    @Test func aSmallOrthodonticClinicGetsTheLimitModelWithANote() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = try smallOrthodonticClinic()
        let modelFile = root.appendingPathComponent("models/lifetime.json")
        let trained = try LifetimeRun.train(.init(modelFile: modelFile, workers: 2), on: loaded)

        // The model is the limit, and the summary, its lines and its warnings say so.
        let summary = trained.summary
        let p = try #require(summary.commonDropout)
        #expect(p > 0 && p < 1 && summary.a == .infinity && summary.b == .infinity && summary.penalty == 0)
        #expect(trained.lines.contains { $0.contains(String(format: "a and b → ∞ with a/(a + b) = %.4f", p)) })
        #expect(trained.warnings.contains { $0.hasPrefix("BG/NBD: plain maximum likelihood has no maximum inside the parameter space") })

        // The model file carries it (no a and b, `common_dropout` and the note) and reads back.
        let file = try ModelFile<LifetimeParameters>.read(from: modelFile, kind: LifetimeModel.kind)
        let visits = file.parameters.visits
        #expect(visits.commonDropout == p && visits.fit?.note?.contains("grew without bound") == true)

        // The limit is the likelihood's supremum here: along a = p·s, b = (1 − p)·s (r and α the limit's) the
        // four-parameter log-likelihood rises with s, and stays below the limit's.
        let asOf = try Day(iso: try #require(summary.asOf))
        let summarized = try LifetimeSummaries.summary(loaded.export, asOf: asOf, unit: .days).summary
        let limit = visits.logLikelihood(summarized, workers: 2)
        #expect(abs(limit - summary.logLikelihood) <= 1e-9 * abs(limit))
        let ray = [1e1, 1e3, 1e5].map {
            BetaGeometricModel(r: visits.r, alpha: visits.alpha, a: p * $0, b: (1 - p) * $0).logLikelihood(summarized, workers: 2)
        }
        #expect(ray[0] < ray[1] && ray[1] < ray[2] && ray[2] <= limit, "\(ray) against \(limit)")

        // Its predictions are ordinary numbers: P(alive) in [0, 1], expected visits ≥ 0.
        let columns = try LifetimeModel(file.parameters).apply(summarized, horizonDays: 365, workers: 2)
        #expect(columns[0].values.allSatisfy { (0...1).contains($0) })
        #expect(columns[1].values.allSatisfy { $0.isFinite && $0 >= 0 })

        // A penalty keeps a and b finite, so no limit is taken: the fit the user asked for.
        let penalized = try LifetimeRun.train(.init(penalty: 0.01, modelFile: modelFile, workers: 2), on: loaded)
        #expect(penalized.summary.commonDropout == nil && penalized.summary.a.isFinite && penalized.summary.b.isFinite)
    }
}
