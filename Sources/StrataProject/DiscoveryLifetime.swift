import Foundation
import StrataData
import StrataModels
import StrataSegments

/// What a lifetime model says of one cluster's patients: their mean P(alive), expected visits and (with a
/// spend model) CLV over the model's horizon, over the cluster's patients with a completed visit by the as-of
/// day (the others have no summary, so no prediction).
public struct ClusterLifetimeProfile: Codable, Sendable, Equatable {
    /// N of the expected visits and CLV: the lifetime model's horizon in days.
    public var horizonDays: Int
    /// The cluster's patients with a completed visit by the as-of day, whom the means are over.
    public var patients: Int
    public var meanPAlive: Double?
    /// The share of those patients whose P(alive) is below 0.3 (likely gone).
    public var likelyGoneShare: Double?
    public var meanExpectedVisits: Double?
    /// Absent when the model has no usable spend model or the export no amounts.
    public var meanCLV: Double?

    enum CodingKeys: String, CodingKey {
        case horizonDays = "horizon_days", patients, meanPAlive = "mean_p_alive", likelyGoneShare = "likely_gone_share"
        case meanExpectedVisits = "mean_expected_visits", meanCLV = "mean_clv"
    }

    /// The P(alive) below which a patient counts as likely gone in ``likelyGoneShare``.
    public static let likelyGoneThreshold = 0.3

    /// One profile per cluster of `labels` (one label per patient of `export`, in `0..<clusterCount`), from
    /// `model`'s predictions as of `asOf`, the same values a refresh gives rules.
    static func profiles(_ model: StoredLifetimeModel, export: ClinicExport, asOf: Day, labels: [Int],
                         clusterCount: Int) throws -> [ClusterLifetimeProfile] {
        let columns = try model.columns(export, asOf: asOf)
        func values(_ prefix: String) -> [Double]? { columns.first { $0.name.hasPrefix(prefix) }?.values }
        let pAlive = values("p_alive"), visits = values("expected_visits_"), clv = values("clv_")
        var counts = [Int](repeating: 0, count: clusterCount), gone = counts
        var sums = [[Double]](repeating: [0, 0, 0], count: clusterCount)
        for (row, label) in labels.enumerated() {
            guard let alive = pAlive?[row], !alive.isNaN else { continue }
            counts[label] += 1
            if alive < likelyGoneThreshold { gone[label] += 1 }
            sums[label][0] += alive
            sums[label][1] += visits?[row] ?? 0
            sums[label][2] += clv?[row] ?? 0
        }
        return (0..<clusterCount).map { cluster in
            let n = counts[cluster]
            func mean(_ index: Int, present: Bool) -> Double? { present && n > 0 ? sums[cluster][index] / Double(n) : nil }
            return ClusterLifetimeProfile(
                horizonDays: model.horizonDays, patients: n, meanPAlive: mean(0, present: pAlive != nil),
                likelyGoneShare: n > 0 ? Double(gone[cluster]) / Double(n) : nil,
                meanExpectedVisits: mean(1, present: visits != nil), meanCLV: mean(2, present: clv != nil))
        }
    }

    /// The lifetime model discovery describes clusters with: the one given, else the newest in the project whose
    /// models folder the model file is written to (the one a refresh applies), else none.
    static func model(given: URL?, modelFile: URL?) throws -> StoredLifetimeModel? {
        if let given {
            return try StoredLifetimeModel(file: ModelFile<LifetimeParameters>.read(from: given, kind: LifetimeModel.kind),
                                           url: given, fingerprint: Fingerprint.of(file: given))
        }
        guard let modelFile, let project = ModelRegistry.project(holding: modelFile) else { return nil }
        return try ProjectModels.newestLifetime(in: project.modelsURL)
    }

    /// "P(alive) 0.62 on average (18% below 0.3), 1.8 expected visits and 412.00 CLV in the next 365 days", or
    /// nil when no patient of the cluster has a prediction.
    var line: String? {
        guard let meanPAlive, let likelyGoneShare else { return nil }
        var text = String(format: "P(alive) %.2f on average (%.0f%% below %.1f)", meanPAlive, 100 * likelyGoneShare,
                          Self.likelyGoneThreshold)
        if let meanExpectedVisits { text += String(format: ", %.1f expected visits", meanExpectedVisits) }
        if let meanCLV { text += String(format: " and %.2f CLV", meanCLV) }
        return text + " in the next \(horizonDays) days, over \(patients) patients with a visit"
    }
}
