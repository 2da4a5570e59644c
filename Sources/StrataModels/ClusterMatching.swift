/// Carrying cluster identities across refits: a refit's clusters are matched to the previous model's by
/// minimum-cost assignment on the distances between centers, both in the previous model's standardized
/// space. Matched clusters keep their id (and so their name and the segments that use it); clusters left
/// unmatched get new ids; previous clusters left unmatched are retired.
public enum ClusterMatching {
    /// The matching of a refit to its previous model.
    public struct Report: Codable, Sendable, Equatable {
        /// A previous cluster and the refit cluster that took its id.
        public struct Match: Codable, Sendable, Equatable {
            public var id: Int
            /// The refit cluster's index in the new model.
            public var cluster: Int
            /// The previous cluster's index in the previous model.
            public var previousCluster: Int
            /// Euclidean distance between the two centers in the previous model's standardized space.
            public var distance: Double
            /// Of the rows the previous model puts in this cluster, the share the refit puts in its match.
            public var keptShare: Double

            enum CodingKeys: String, CodingKey {
                case id, cluster, previousCluster = "previous_cluster", distance, keptShare = "kept_share"
            }
        }

        public var matches: [Match]
        /// Ids given to refit clusters that match no previous one.
        public var newIDs: [Int]
        /// Ids of previous clusters that match no refit cluster.
        public var retiredIDs: [Int]
        /// The share of all rows whose cluster id is the same under both models.
        public var keptShare: Double

        enum CodingKeys: String, CodingKey {
            case matches, newIDs = "new_ids", retiredIDs = "retired_ids", keptShare = "kept_share"
        }
    }

    /// Matches refit clusters to previous ones.
    ///
    /// Costs are Euclidean distances between centers. The Hungarian algorithm (``MinimumCostAssignment``)
    /// pairs `min(k_previous, k_new)` clusters at least total distance; a pair is kept only when the refit
    /// center is nearer the previous center than half the distance from that center to the nearest other
    /// previous center (so a cluster that moved into a neighbour's place is new, not the old one renamed).
    /// - Parameters:
    ///   - previousCenters: the previous model's centers, `k_previous` rows.
    ///   - newCenters: the refit's centers in the previous model's space (e.g. the means, in that space, of
    ///     the rows the refit puts in each cluster), `k_new` rows of the same length.
    ///   - previousIDs: the previous clusters' ids.
    ///   - previousLabels, newLabels: both models' clusters of the same rows, for the kept shares.
    ///   - nextID: the first id a new cluster may take (above every id ever used, retired ones included).
    /// - Returns: the id of every refit cluster, and the report.
    /// - Precondition: consistent shapes and finite centers (the caller's fitted values).
    public static func match(previousCenters: [[Double]], previousIDs: [Int], newCenters: [[Double]],
                             previousLabels: [Int], newLabels: [Int], nextID: Int) -> (ids: [Int], report: Report) {
        precondition(previousCenters.count == previousIDs.count && previousLabels.count == newLabels.count,
                     "ClusterMatching.match: \(previousCenters.count) centers for \(previousIDs.count) ids, "
                     + "\(previousLabels.count) previous labels for \(newLabels.count) new ones")
        let cost = previousCenters.map { previous in newCenters.map { distance(previous, $0) } }
        // Half the distance to the nearest other previous center: beyond it, a center is nearer a neighbour's place.
        let reach = previousCenters.indices.map { p in
            previousCenters.indices.filter { $0 != p }.map { 0.5 * distance(previousCenters[p], previousCenters[$0]) }.min() ?? .infinity
        }
        // Overlaps: rows per (previous cluster, new cluster).
        var overlap = [[Int]](repeating: [Int](repeating: 0, count: newCenters.count), count: previousCenters.count)
        var previousSizes = [Int](repeating: 0, count: previousCenters.count)
        for (p, q) in zip(previousLabels, newLabels) {
            overlap[p][q] += 1
            previousSizes[p] += 1
        }
        var ids = [Int?](repeating: nil, count: newCenters.count)
        var matches: [Report.Match] = []
        var retired: [Int] = []
        for (p, q) in MinimumCostAssignment.solve(cost).enumerated() {
            guard let q, cost[p][q] < reach[p] else {
                retired.append(previousIDs[p])
                continue
            }
            ids[q] = previousIDs[p]
            matches.append(Report.Match(id: previousIDs[p], cluster: q, previousCluster: p, distance: cost[p][q],
                                        keptShare: previousSizes[p] > 0 ? Double(overlap[p][q]) / Double(previousSizes[p]) : 0))
        }
        var next = nextID
        var newIDs: [Int] = []
        for q in ids.indices where ids[q] == nil {
            ids[q] = next
            newIDs.append(next)
            next += 1
        }
        let kept = matches.reduce(0) { $0 + overlap[$1.previousCluster][$1.cluster] }
        let report = Report(matches: matches.sorted { $0.id < $1.id }, newIDs: newIDs, retiredIDs: retired.sorted(),
                            keptShare: previousLabels.isEmpty ? 1 : Double(kept) / Double(previousLabels.count))
        return (ids.map { $0! }, report)
    }

    private static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
}
