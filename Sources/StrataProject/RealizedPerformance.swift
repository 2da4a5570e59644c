import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// How well the scores a run made predicted what happened: once a model's horizon has passed since a run it
/// scored, its AUC, calibration and lift on the outcome read from a later export.
public enum RealizedPerformance {
    /// The scores of `run` (the churn score of the model `models` applied) kept in the store, compactly
    /// (see ``StoreSession/recordScores(_:named:patientIDs:model:horizonDays:run:)``). Refresh calls this
    /// in its transaction.
    static func keepScores(_ scores: [String: [Double]], models: any SegmentModels, export: ClinicExport, run: Int64,
                           in session: StoreSession) throws {
        guard let churn = scores["churn_score"], !Drift.monitoringOff else { return }
        let applied = (models as? ProjectModels) ?? ((models as? LifetimeSegmentModels)?.base as? ProjectModels)
        let ids = (0..<export.patients.count).map { export.patients.ids[$0] }
        let horizon = applied?.churn?.training["horizon_days"].flatMap { Int($0) }
        try session.recordScores(churn, named: "churn_score", patientIDs: ids, model: applied?.championIDs[.churn],
                                 horizonDays: horizon, run: run)
    }

    /// The realized performance of every stored run score whose horizon has passed by `lastDay`, with the
    /// outcome (no completed visit in `(as-of, as-of + horizon]`) read from `export`. Patients no longer in
    /// the export are left out, and so are those the run did not score (a stored NaN: a death on file at the
    /// run); a run whose patients all churned or all stayed has no AUC and is skipped.
    public static func measure(_ stored: [RunScores], runs: [RunRecord], export: ClinicExport, exportFingerprint: String,
                               lastDay: Day) throws -> [RealizedRecord] {
        let asOfByRun = Dictionary(uniqueKeysWithValues: runs.map { ($0.id, $0.asOf) })
        var records: [RealizedRecord] = []
        for scored in stored {
            guard let model = scored.model, let horizon = scored.horizonDays, let asOfText = asOfByRun[scored.run],
                  let asOf = try? Day(iso: asOfText), asOf + horizon <= lastDay else { continue }
            let labels = Labels.churn(export, asOf: asOf, horizonDays: horizon)
            var targets: [Double] = [], scores: [Double] = []
            for (id, score) in zip(scored.patientIDs, scored.scores) where score.isFinite {
                guard let row = export.patients.ids.index(of: id) else { continue }
                targets.append(labels[row])
                scores.append(Double(score))
            }
            let positives = targets.reduce(0, +)
            guard positives > 0, positives < Double(targets.count) else { continue }
            let rate = positives / Double(targets.count)
            let meanScore = scores.reduce(0, +) / Double(scores.count)
            let top = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(max(1, targets.count / 10))
            let topRate = top.reduce(0) { $0 + targets[$1] } / Double(top.count)
            records.append(RealizedRecord(
                model: model, run: scored.run, asOf: asOfText, horizonDays: horizon, rows: targets.count, positives: Int(positives),
                auc: try Metrics.rocAUC(targets: targets, scores: scores), calibration: meanScore / rate, lift: topRate / rate,
                exportFingerprint: exportFingerprint, computedAt: ISO8601DateFormatter().string(from: Date())))
        }
        return records
    }

    /// Measures and stores the realized performance of every run whose horizon has passed by `lastDay` and that
    /// has none yet (a run measured once keeps its figures), and updates the cards of the models measured.
    /// Only the due runs' scores are read from the store.
    /// - Returns: the records stored now.
    @discardableResult
    static func recordDue(_ project: Project, store: SegmentStore, export: ClinicExport, exportFingerprint: String, lastDay: Day,
                          user: String) throws -> [RealizedRecord] {
        let due = try store.runScoresAwaitingOutcome(named: "churn_score") { _, asOf, horizon in
            (try? Day(iso: asOf)).map { $0 + horizon <= lastDay } ?? false
        }
        guard !due.isEmpty else { return [] }
        let records = try measure(due, runs: store.runs(), export: export, exportFingerprint: exportFingerprint, lastDay: lastDay)
        guard !records.isEmpty else { return [] }
        try store.record(realized: records, user: user)
        try AuditHead.advance(store: store)
        // Each model's card shows every realized measurement so far.
        let models = Dictionary(uniqueKeysWithValues: try store.registeredModels().map { ($0.id, $0) })
        let allRealized = try store.realized()
        for id in Set(records.map(\.model)) {
            guard let model = models[id] else { continue }
            let file = project.modelsURL.appendingPathComponent(model.file)
            if FileManager.default.fileExists(atPath: file.path) {
                try ModelCard.write(model, file: file, realized: allRealized.filter { $0.model == id })
            }
        }
        return records
    }

    /// Measures and stores what is due (see ``recordDue(_:store:export:exportFingerprint:lastDay:user:)``), then
    /// returns every stored realized performance, each beside the model's training (out-of-time holdout) AUC.
    static func update(_ project: Project, export: ClinicExport, folder: URL, lastDay: Day, user: String) throws -> [Realized] {
        guard FileManager.default.fileExists(atPath: project.storeURL.path) else { return [] }
        let store = try SegmentStore(path: project.storeURL.path)
        try recordDue(project, store: store, export: export, exportFingerprint: try Fingerprint.of(folder: folder), lastDay: lastDay,
                      user: user)
        let models = Dictionary(uniqueKeysWithValues: try store.registeredModels().map { ($0.id, $0) })
        return try store.realized().map { record in
            let metrics = models[record.model]?.metrics ?? [:]
            return Realized(model: record.model, run: record.run, scoredAsOf: record.asOf, rows: record.rows, auc: record.auc,
                            calibration: record.calibration, lift: record.lift,
                            trainedAUC: metrics["holdout_auc"] ?? metrics["auc"])
        }
    }

    /// One run's realized performance as `strata models health` reports it.
    public struct Realized: Codable, Sendable, Equatable {
        public var model: Int64
        public var run: Int64
        public var scoredAsOf: String
        public var rows: Int
        public var auc: Double
        public var calibration: Double
        public var lift: Double
        /// The model's out-of-time holdout AUC at training (its training AUC when it has no holdout).
        public var trainedAUC: Double?

        enum CodingKeys: String, CodingKey {
            case model, run, scoredAsOf = "scored_as_of", rows, auc, calibration, lift, trainedAUC = "trained_auc"
        }

        /// "model 1, scored 2025-06-30 (run 1): AUC 0.81, trained 0.86; calibration 1.02, top-decile lift 2.9"
        public var line: String {
            String(format: "model %lld, scored %@ (run %lld, %d patients): AUC %.3f", model, scoredAsOf, run, rows, auc)
                + (trainedAUC.map { String(format: ", trained %.3f", $0) } ?? "")
                + String(format: "; calibration %.2f (mean score / churn rate), top-decile lift %.2f", calibration, lift)
        }
    }
}
