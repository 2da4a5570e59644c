import Foundation
import GRDB

// Stored run scores as refresh's realized-performance step and `strata audit verify` read them: only the runs
// still waiting for their outcome, and a fingerprint of one run's score rows.

extension SegmentStore {
    /// The stored score columns named `name` scored by a registered model with a horizon, that have no realized
    /// performance yet and that `isDue` accepts (told the run, its as-of date and the horizon), oldest run
    /// first. Only the accepted runs' scores are read, so a refresh pays nothing for runs not yet due.
    public func runScoresAwaitingOutcome(named name: String, isDue: (_ run: Int64, _ asOf: String, _ horizonDays: Int) -> Bool)
        throws -> [RunScores] {
        try read { db in
            let waiting = try Row.fetchAll(db, sql: """
                SELECT run_score.run AS run, run.asOf AS asOf, run_score.horizonDays AS horizonDays
                FROM run_score JOIN run ON run.id = run_score.run
                WHERE run_score.name = ? AND run_score.model IS NOT NULL AND run_score.horizonDays IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM realized WHERE realized.model = run_score.model AND realized.run = run_score.run)
                ORDER BY run_score.run
                """, arguments: [name])
            return try waiting.filter { isDue($0["run"], $0["asOf"], $0["horizonDays"]) }.compactMap { row in
                try Self.runScores(db, run: row["run"], named: name)
            }
        }
    }

    /// The fingerprint of run `run`'s stored scores: each score column's name, model, horizon, patient list
    /// and score bytes (nil when the run stored none). A refresh records it in its audit entry
    /// (`scores:N`), and `strata audit verify` recomputes it.
    public func scoresFingerprint(run: Int64) throws -> String? {
        try read { db in try Self.scoresFingerprint(db, run: run) }
    }

    static func scoresFingerprint(_ db: Database, run: Int64) throws -> String? {
        let rows = try Row.fetchAll(db, sql: """
            SELECT run_score.name AS name, run_score.model AS model, run_score.horizonDays AS horizonDays,
              run_score.patients AS patients, run_score.scores AS scores, patient_list.ids AS ids
            FROM run_score LEFT JOIN patient_list ON patient_list.hash = run_score.patients
            WHERE run_score.run = ? ORDER BY run_score.name
            """, arguments: [run])
        guard !rows.isEmpty else { return nil }
        var data = Data()
        for row in rows {
            let name: String = row["name"], patients: String = row["patients"]
            let model: Int64? = row["model"], horizon: Int? = row["horizonDays"]
            // The ids themselves, not only their hash: a changed list under the old hash is found too.
            let ids: Data = row["ids"] ?? Data(), scores: Data = row["scores"]
            data.append(Data("\(name)\n\(model.map(String.init) ?? "-")\n\(horizon.map(String.init) ?? "-")\n\(patients)\n".utf8))
            data.append(Data("\(ids.count)\n".utf8) + ids + Data("\n\(scores.count)\n".utf8) + scores)
        }
        return Fingerprint.of(data)
    }

    private static func runScores(_ db: Database, run: Int64, named name: String) throws -> RunScores? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT run_score.model AS model, run_score.horizonDays AS horizonDays, run_score.scores AS scores, patient_list.ids AS ids
            FROM run_score JOIN patient_list ON patient_list.hash = run_score.patients
            WHERE run_score.run = ? AND run_score.name = ?
            """, arguments: [run, name]) else { return nil }
        let ids: Data = row["ids"], scores: Data = row["scores"]
        let idText = String(decoding: ids, as: UTF8.self)
        return RunScores(run: run, name: name, model: row["model"], horizonDays: row["horizonDays"],
                         patientIDs: idText.isEmpty ? [] : idText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                         scores: floats(scores))
    }
}

extension StoreSession {
    /// The fingerprint of run `run`'s stored scores, inside the transaction that stored them (see
    /// ``SegmentStore/scoresFingerprint(run:)``).
    public func scoresFingerprint(run: Int64) throws -> String? {
        try SegmentStore.scoresFingerprint(db, run: run)
    }
}
