import StrataLinearAlgebra
import StrataModels

/// On a refit, whether the previous model's k still holds up: its clusters, refitted from where they are now.
///
/// The rule alone (the largest k with stability ≥ 0.8 and smallest cluster ≥ 2%) may land on another k next
/// month for no reason in the patients: a k near 0.8 falls on either side with the noise of five refits, and a
/// new k renames and refills every `cluster = '…'` segment. So a refit first asks whether the partition the
/// clinic already uses is still structure: refits on 80% subsamples that start from the previous clusters (the
/// means of the previous model's clusters of this export's patients) rather than from fresh seeds, compared as
/// stability compares them. If they agree (stability ≥ ``ClusterSelection/minimumStability``) and the previous
/// clusters refined on the selection sample keep every cluster at ≥ ``ClusterSelection/minimumClusterShare``,
/// the refit keeps the previous k.
public struct DiscoveryPreviousK: Codable, Sendable, Equatable {
    /// The previous model's k.
    public var k: Int
    /// Mean adjusted Rand index between refits on subsamples, each started from the previous clusters.
    public var stability: Double
    /// The smallest cluster's share after refining the previous clusters on the selection sample.
    public var smallestClusterShare: Double
    /// Fewer distinct clusters than k were left.
    public var degenerate: Bool
    /// Whether the previous k was kept (it qualifies).
    public var kept: Bool

    enum CodingKeys: String, CodingKey {
        case k, stability, smallestClusterShare = "smallest_cluster_share", degenerate, kept
    }

    /// Measures the previous k on `sample` (the selection sample of `x`, this run's matrix); nil when the
    /// previous clusters cannot start a fit (one has no patient in this export) or the sample is too small.
    /// - Parameters:
    ///   - x: every patient, in the space this run clusters in, rows as the previous model's labels.
    ///   - configuration: this run's k-means settings (the k and the initialization are replaced).
    static func measure(_ previous: PreviousModel, x: Matrix<Double>, sample: Matrix<Double>,
                        configuration: KMeans.Configuration, options: ClusterStability.Options,
                        using rng: inout Xoshiro256StarStar) throws -> DiscoveryPreviousK? {
        let k = previous.clusterCount
        guard k >= 2, Int(options.fraction * Double(sample.rows)) > k,
              let start = previous.warmStart(x, clusterCount: k) else { return nil }
        var warm = configuration
        warm.clusterCount = k
        warm.initialization = .centers(start)
        warm.initCount = 1
        let refined = try KMeans(warm).fit(sample, using: &rng)
        let stability = try ClusterStability.stability(sample, configuration: warm, options: options, using: &rng)
        let degenerate = Set(refined.labels).count < k
        let smallest = Double(refined.clusterSizes.min() ?? 0) / Double(max(sample.rows, 1))
        let kept = !degenerate && stability >= ClusterSelection.minimumStability && smallest >= ClusterSelection.minimumClusterShare
        return DiscoveryPreviousK(k: k, stability: stability, smallestClusterShare: smallest, degenerate: degenerate, kept: kept)
    }

    /// The reason for a choice that took this check into account, given the rule's own reason.
    func reason(rule: String) -> String {
        let share = "\((smallestClusterShare * 1000).rounded() / 10)%"
        let measured = "refits started from its clusters have stability \(ClusterSelection.formatted(stability))"
        if kept {
            return "k=\(k) is the previous model's k and holds up: \(measured) (>= \(ClusterSelection.minimumStability)) "
                + "and a smallest cluster of \(share) (>= 2.0%); the rule alone: \(rule)"
        }
        var problems = [measured]
        if degenerate { problems.append("fewer than \(k) distinct clusters are left") }
        else if smallestClusterShare < ClusterSelection.minimumClusterShare { problems.append("a smallest cluster of \(share)") }
        return rule + "; the previous model's k=\(k) was not kept: " + problems.joined(separator: " and ")
    }
}
