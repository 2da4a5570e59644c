import Foundation
import StrataSegments

/// Facts read straight from an export's CSV files, to check what Strata computed against the raw rows (no
/// Strata code in between). Dates are compared as `YYYY-MM-DD` text.
enum RawExportFacts {
    /// The patients with a completed appointment scheduled on a day `includes` accepts.
    static func completedVisitors(_ export: URL, on includes: (String) -> Bool) throws -> Set<String> {
        var patients: Set<String> = []
        for line in try String(contentsOf: export.appendingPathComponent("appointments.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields[3] == "completed" && includes(String(fields[1].prefix(10))) { patients.insert(String(fields[0])) }
        }
        return patients
    }

    /// The AUC of `stored` from the raw files of `later`: churned = no completed appointment on a day in
    /// (asOf, asOf + 180] in its appointments.csv, for the patients still in its patients.csv; the share of
    /// (churned, stayed) pairs the scores rank right, ties counting one half; patients without a score (NaN:
    /// a death on file at the run) left out. Also the number of patients.
    static func handAUC(_ stored: RunScores, asOf: String, later: URL) throws -> (auc: Double, rows: Int) {
        let patients = Set(try String(contentsOf: later.appendingPathComponent("patients.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) })
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let end = formatter.string(from: formatter.date(from: asOf)!.addingTimeInterval(180 * 86_400))
        let visited = try completedVisitors(later) { $0 > asOf && $0 <= end }
        var churned: [Float] = [], stayed: [Float] = []
        for (id, score) in zip(stored.patientIDs, stored.scores) where patients.contains(id) && !score.isNaN {
            if visited.contains(id) { stayed.append(score) } else { churned.append(score) }
        }
        var right = 0.0
        for c in churned { for s in stayed { right += c > s ? 1 : c == s ? 0.5 : 0 } }
        return (right / Double(churned.count * stayed.count), churned.count + stayed.count)
    }
}
