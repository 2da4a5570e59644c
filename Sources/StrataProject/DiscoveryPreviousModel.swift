import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// The model a refit follows: its features and clusters of this export's patients.
struct PreviousModel {
    let file: ModelFile<KMeansParameters>
    /// This export's patients in the previous model's standardized space, and the previous model's clusters of them.
    let x: Matrix<Double>
    let labels: [Int]

    init(file: ModelFile<KMeansParameters>, export: ClinicExport, asOf: Day) throws {
        self.file = file
        x = try FeaturePipeline.apply(file.featureSchema, to: export, asOf: asOf).matrix
        labels = try file.parameters.model(as: Double.self).predict(x)
    }

    var clusterCount: Int { file.parameters.centers.count }

    /// How far this export's data may have moved from the previous model's standardization for a refit to keep
    /// it: each column's mean by less than this many of the previous standard deviations...
    static let keptCenterShift = 0.25
    /// ...and its standard deviation within this factor of the previous one, either way.
    static let keptScaleRatio = 1.25

    /// Whether a refit keeps the previous model's feature schema (its fill values, priors, centers and scales)
    /// rather than `fresh`, the one fitted on this export: when both have the same columns (names, families,
    /// transforms, missing-value policies, levels, windows) and, in every standardized column, this export's
    /// mean moved less than ``keptCenterShift`` previous standard deviations and its standard deviation stayed
    /// within a factor ``keptScaleRatio``. A refit then measures patients with the yardstick their clusters
    /// were found with: a month's drift in the means (everyone's tenure a month longer) would otherwise move
    /// every patient in the standardized space and some across a border, for nothing they did.
    func keepsStandardization(of fresh: FeatureSchema) -> Bool {
        let old = file.featureSchema.columns, new = fresh.columns
        guard old.count == new.count, old.contains(where: { $0.scale != nil }) else { return false }
        // The family weights are folded into both schemas' scales alike (same columns, same families): the
        // weight turns a scale back into the column's standard deviation.
        let weights = DiscoveryFeatures.familyWeights(old)
        for (index, (before, now)) in zip(old, new).enumerated() {
            guard before.name == now.name, before.family == now.family, before.transforms == now.transforms,
                  before.missing == now.missing, before.levels == now.levels, (before.scale == nil) == (now.scale == nil),
                  before.parameters?["window_days"] == now.parameters?["window_days"] else { return false }
            guard let oldScale = before.scale, let newScale = now.scale else { continue }
            let deviation = oldScale * weights[index]
            guard abs((now.center ?? 0) - (before.center ?? 0)) < Self.keptCenterShift * deviation,
                  newScale < oldScale * Self.keptScaleRatio, newScale > oldScale / Self.keptScaleRatio else { return false }
        }
        return true
    }

    /// Means of `rows` (a matrix of this export's patients) per cluster of `labels`; nil when a cluster is empty.
    static func means(_ rows: Matrix<Double>, labels: [Int], clusterCount: Int) -> [[Double]]? {
        let d = rows.columns
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: clusterCount)
        var sizes = [Int](repeating: 0, count: clusterCount)
        for (row, label) in labels.enumerated() {
            sizes[label] += 1
            for (j, value) in rows.row(row).enumerated() { sums[label][j] += value }
        }
        guard !sizes.contains(0) else { return nil }
        return (0..<clusterCount).map { q in sums[q].map { $0 / Double(sizes[q]) } }
    }

    /// The mean of the rows of `rows` in `cluster` (zeros for none).
    static func mean(_ rows: Matrix<Double>, of labels: [Int], cluster: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: rows.columns), count = 0
        for (row, label) in labels.enumerated() where label == cluster {
            count += 1
            for (j, value) in rows.row(row).enumerated() { sum[j] += value }
        }
        return sum.map { $0 / Double(max(count, 1)) }
    }

    /// The previous partition's centers in the new matrix `x` (the means of its clusters there), as a start for
    /// a fit of the same k; nil for another k or an empty previous cluster.
    func warmStart(_ newX: Matrix<Double>, clusterCount k: Int) -> Matrix<Double>? {
        guard k == clusterCount, let means = Self.means(newX, labels: labels, clusterCount: k) else { return nil }
        return Matrix(rows: k, columns: newX.columns, elements: means.flatMap { $0 })
    }

    /// Ids and names carried to a fit with `labels`: the means of its clusters in the previous model's space,
    /// matched to the previous centers by ``ClusterMatching``.
    func carryOver(labels newLabels: [Int], clusterCount: Int) -> (ids: [Int], names: [Int: String], report: ClusterMatching.Report) {
        // An empty refit cluster (none after a fit) would have no mean: it sits at the origin and matches nothing.
        let means = Self.means(x, labels: newLabels, clusterCount: clusterCount)
            ?? (0..<clusterCount).map { q in Self.mean(x, of: newLabels, cluster: q) }
        let previousIDs = file.parameters.clusterIDs ?? Array(file.parameters.centers.indices)
        let nextID = ((previousIDs + (file.parameters.retiredClusterIDs ?? [])).max() ?? -1) + 1
        let (ids, report) = ClusterMatching.match(previousCenters: file.parameters.centers, previousIDs: previousIDs,
                                                  newCenters: means, previousLabels: labels, newLabels: newLabels,
                                                  nextID: nextID)
        let previousNames = ProjectModels.names(of: file)
        var names: [Int: String] = [:]
        for matched in report.matches { names[matched.cluster] = previousNames[matched.previousCluster] }
        return (ids, names, report)
    }
}
