import StrataLinearAlgebra

/// Choosing `k`: fit k-means for each `k` in a range and compare inertia, silhouette, Davies-Bouldin and
/// Calinski-Harabasz, and (when asked) stability across subsamples with the size of the smallest cluster.
public enum ClusterSelection {
    /// The stability a `k` needs to be recommended when stability is measured.
    public static let minimumStability = 0.8
    /// The share of rows the smallest cluster of a recommended `k` must hold when stability is measured.
    public static let minimumClusterShare = 0.02

    /// The criteria for one `k`.
    public struct Candidate: Sendable, Equatable {
        public var clusterCount: Int
        /// Within-cluster sum of squares; always falls as `k` grows, so it is shown, not used to choose.
        public var inertia: Double
        public var iterations: Int
        /// Mean silhouette (exact or sampled, see ``Result/silhouetteSampled``); higher is better.
        public var silhouette: Double
        /// Lower is better.
        public var daviesBouldin: Double
        /// Higher is better.
        public var calinskiHarabasz: Double
        /// Fewer distinct clusters than `k` were found.
        public var degenerate: Bool
        /// The share of rows in the smallest cluster.
        public var smallestClusterShare: Double = 0
        /// Mean adjusted Rand index between refits on subsamples (``ClusterStability``); nil when not measured.
        public var stability: Double?
    }

    /// The table and the recommendation.
    public struct Result: Sendable {
        public var candidates: [Candidate]
        /// The recommended `k`.
        public var recommendedClusterCount: Int
        /// Why, in one sentence naming the criteria that agree.
        public var reason: String
        /// Whether silhouettes were computed on a sample of rows rather than all of them.
        public var silhouetteSampled: Bool
    }

    /// Which `k`s get their stability measured.
    public enum StabilityScope: Sendable, Equatable {
        /// Every `k` of the range: the full table of evidence.
        case everyK
        /// What the rule needs: from the largest `k` downwards, each `k` that could qualify (distinct clusters,
        /// smallest cluster ≥ ``minimumClusterShare``, both known before any refit) until one does; the others
        /// are not measured (stability nil). When none qualifies, every `k` is measured, as the fallback (the
        /// most stable `k`) compares them all.
        case untilOneQualifies
    }

    /// Fits `configuration` (with each `k` of `clusterCounts` substituted) and scores every fit.
    ///
    /// Without `stability`, the recommendation is the `k` with the highest silhouette among fits that found
    /// `k` distinct clusters (ties to the smaller `k`); the reason says whether Davies-Bouldin and
    /// Calinski-Harabasz agree. With `stability`, `k`s are also refitted on subsamples (``ClusterStability``;
    /// which ones, `stabilityScope`) and the recommendation is the largest `k` whose stability is at least
    /// ``minimumStability`` and whose smallest cluster holds at least ``minimumClusterShare`` of the rows
    /// (the most stable `k` when none qualifies); the reason says which `k` failed which test, and which `k`s
    /// were not measured.
    ///
    /// Each `k` fits and measures with generators of its own (``ClusterRandomStreams``, from one draw of `rng`),
    /// and every `k`'s silhouette is on the same sample, drawn from a stream of its own: a `k`'s figures do not
    /// depend on which other `k`s were fitted or measured before it.
    /// - Parameters:
    ///   - clusterCounts: at least 2 and at most `n − 1`.
    ///   - silhouetteSampleSize: silhouettes are exact up to this many rows, sampled above (one sample for all `k`s).
    ///   - stability: the subsampling scheme, or nil to choose by silhouette.
    ///   - stabilityScope: which `k`s are refitted on subsamples.
    /// - Throws: ``KMeansError`` from the fits, or for a range outside `2...(n − 1)`.
    public static func evaluate<S: BLASScalar>(
        _ x: Matrix<S>, clusterCounts: ClosedRange<Int>, configuration: KMeans.Configuration,
        sampleWeights: [S]? = nil, silhouetteSampleSize: Int = 10_000, stability: ClusterStability.Options? = nil,
        stabilityScope: StabilityScope = .untilOneQualifies, using rng: inout some RandomNumberGenerator
    ) throws(KMeansError) -> Result {
        try stability?.validate()
        guard clusterCounts.lowerBound >= 2 else {
            throw .invalidParameter(name: "k", value: "\(clusterCounts.lowerBound)...\(clusterCounts.upperBound)",
                                    expected: "a range starting at 2 or more")
        }
        guard clusterCounts.upperBound <= x.rows - 1 else {
            throw .invalidParameter(name: "k", value: "\(clusterCounts.lowerBound)...\(clusterCounts.upperBound)",
                                    expected: "a range ending at most at n_samples - 1 = \(x.rows - 1)")
        }
        guard silhouetteSampleSize >= 2 else {
            throw .invalidParameter(name: "silhouette_sample_size", value: "\(silhouetteSampleSize)", expected: "at least 2")
        }
        let streams = ClusterRandomStreams(using: &rng)
        var candidates: [Candidate] = []
        // The labelings with at least 2 clusters, by candidate, for their silhouettes.
        var scoredLabels: [(candidate: Int, labels: [Int])] = []
        var configurations: [KMeans.Configuration] = []
        for k in clusterCounts {
            var perK = configuration
            perK.clusterCount = k
            if case .centers = perK.initialization { perK.initialization = .kMeansPlusPlus() }
            var generator = streams.generator(k, 0)
            let model = try KMeans(perK).fit(x, sampleWeights: sampleWeights, using: &generator)
            let labels = model.labels
            let distinct = Set(labels).count
            var candidate = Candidate(clusterCount: k, inertia: model.inertia, iterations: model.iterations,
                                      silhouette: 0, daviesBouldin: 0, calinskiHarabasz: 0, degenerate: distinct < k,
                                      smallestClusterShare: Double(model.clusterSizes.min() ?? 0) / Double(max(x.rows, 1)))
            if distinct >= 2 {
                scoredLabels.append((candidates.count, labels))
                // Labels with 2...n-1 distinct values always satisfy the metrics' checks.
                candidate.daviesBouldin = (try? ClusterMetrics.daviesBouldin(x, labels: labels,
                                                                              workers: configuration.workers)) ?? 0
                candidate.calinskiHarabasz = (try? ClusterMetrics.calinskiHarabasz(x, labels: labels,
                                                                                    workers: configuration.workers)) ?? 0
            }
            candidates.append(candidate)
            configurations.append(perK)
        }
        // The silhouettes of every k on one sample of rows (its own stream), the distances computed once, beside
        // the stability refits (which need only the fits): five refits on two cores left one idle for the last.
        // One BLAS thread around both, as each asks.
        let silhouettes = try BLAS.withThreadCount(1) { () throws(KMeansError) -> [Swift.Result<Double, ClusterMetricsError>] in
            let scoring = Started { [scoredLabels, workers = configuration.workers] in
                var sampling = streams.generator(0)
                return try ClusterMetrics.silhouetteScoreResults(x, labelings: scoredLabels.map(\.labels),
                                                                 sampleSize: silhouetteSampleSize, using: &sampling, workers: workers)
            }
            // Within the region even when a refit fails, so that the silhouettes never run with more BLAS threads.
            defer { _ = try? scoring.value() }
            try measureStability(&candidates, configurations: configurations, x: x, options: stability, scope: stabilityScope,
                                 streams: streams)
            return (try? scoring.value()) ?? []
        }
        for (index, score) in zip(scoredLabels.map(\.candidate), silhouettes) { candidates[index].silhouette = (try? score.get()) ?? 0 }
        let (recommended, reason) = stability == nil ? recommend(candidates) : recommendStable(candidates)
        return Result(candidates: candidates, recommendedClusterCount: recommended, reason: reason,
                      silhouetteSampled: x.rows > silhouetteSampleSize)
    }

    /// The stability of the candidates `scope` asks for (none without `options`), each refitted from its own
    /// stream of `streams`.
    private static func measureStability<S: BLASScalar>(
        _ candidates: inout [Candidate], configurations: [KMeans.Configuration], x: Matrix<S>,
        options stability: ClusterStability.Options?, scope stabilityScope: StabilityScope, streams: ClusterRandomStreams
    ) throws(KMeansError) {
        if let stability {
            func measure(_ index: Int) throws(KMeansError) {
                var generator = streams.generator(candidates[index].clusterCount, 1)
                candidates[index].stability = try ClusterStability.stability(
                    x, configuration: configurations[index], options: stability, using: &generator)
            }
            switch stabilityScope {
            case .everyK:
                for index in candidates.indices { try measure(index) }
            case .untilOneQualifies:
                var found = false
                for index in candidates.indices.reversed() where couldQualify(candidates[index]) {
                    try measure(index)
                    if qualifies(candidates[index]) {
                        found = true
                        break
                    }
                }
                if !found {
                    for index in candidates.indices where candidates[index].stability == nil { try measure(index) }
                }
            }
        }
    }

    /// The `k` with the highest silhouette (non-degenerate fits first, ties to the smaller `k`) and why.
    static func recommend(_ candidates: [Candidate]) -> (Int, String) {
        let eligible = candidates.contains { !$0.degenerate } ? candidates.filter { !$0.degenerate } : candidates
        let best = eligible.max { $0.silhouette < $1.silhouette || ($0.silhouette == $1.silhouette && $0.clusterCount > $1.clusterCount) }!
        let lowestDaviesBouldin = eligible.min { $0.daviesBouldin < $1.daviesBouldin }!
        let highestCalinski = eligible.max { $0.calinskiHarabasz < $1.calinskiHarabasz }!
        var reason = "k=\(best.clusterCount) has the highest silhouette (\(formatted(best.silhouette)))"
        let agreeing = [lowestDaviesBouldin.clusterCount == best.clusterCount ? "the lowest Davies-Bouldin" : nil,
                        highestCalinski.clusterCount == best.clusterCount ? "the highest Calinski-Harabasz" : nil]
            .compactMap { $0 }
        if agreeing.isEmpty {
            reason += "; Davies-Bouldin prefers k=\(lowestDaviesBouldin.clusterCount) and Calinski-Harabasz k=\(highestCalinski.clusterCount)"
        } else {
            reason += " and " + agreeing.joined(separator: " and ")
            if lowestDaviesBouldin.clusterCount != best.clusterCount {
                reason += "; Davies-Bouldin prefers k=\(lowestDaviesBouldin.clusterCount)"
            }
            if highestCalinski.clusterCount != best.clusterCount {
                reason += "; Calinski-Harabasz prefers k=\(highestCalinski.clusterCount)"
            }
        }
        return (best.clusterCount, reason)
    }

    /// Whether a candidate meets the stable rule: distinct clusters, stability ≥ ``minimumStability``, smallest
    /// cluster ≥ ``minimumClusterShare``.
    public static func qualifies(_ candidate: Candidate) -> Bool {
        couldQualify(candidate) && (candidate.stability ?? 0) >= minimumStability
    }

    /// Whether a candidate passes the tests known before any refit (distinct clusters, smallest cluster ≥
    /// ``minimumClusterShare``), so that its stability decides.
    public static func couldQualify(_ candidate: Candidate) -> Bool {
        !candidate.degenerate && candidate.smallestClusterShare >= minimumClusterShare
    }

    /// The largest `k` with stability ≥ ``minimumStability`` and smallest cluster ≥ ``minimumClusterShare``
    /// (non-degenerate), and why; without one, the most stable `k` (ties to the smaller `k`). A `k` whose
    /// stability was not measured (nil) is named as such, never as failing.
    static func recommendStable(_ candidates: [Candidate]) -> (Int, String) {
        func percent(_ share: Double) -> String { "\((share * 1000).rounded() / 10)%" }
        func failure(_ candidate: Candidate) -> String {
            if candidate.degenerate { return "k=\(candidate.clusterCount) found fewer than \(candidate.clusterCount) distinct clusters" }
            var problems: [String] = []
            if let stability = candidate.stability, stability < minimumStability {
                problems.append("stability \(formatted(stability))")
            }
            if candidate.smallestClusterShare < minimumClusterShare {
                problems.append("a smallest cluster of \(percent(candidate.smallestClusterShare))")
            }
            return "k=\(candidate.clusterCount) has " + problems.joined(separator: " and ")
        }
        let rule = "stability >= \(minimumStability) and smallest cluster >= \(percent(minimumClusterShare)) of patients"
        guard let best = candidates.last(where: qualifies) else {
            let steadiest = candidates.max { ($0.stability ?? 0) < ($1.stability ?? 0)
                || (($0.stability ?? 0) == ($1.stability ?? 0) && $0.clusterCount > $1.clusterCount) }!
            return (steadiest.clusterCount, "no k has \(rule); k=\(steadiest.clusterCount) is the most stable "
                    + "(\(formatted(steadiest.stability ?? 0)), smallest cluster \(percent(steadiest.smallestClusterShare)))")
        }
        var reason = "k=\(best.clusterCount) is the largest k with \(rule) (stability \(formatted(best.stability ?? 0)), "
            + "smallest cluster \(percent(best.smallestClusterShare)))"
        let larger = candidates.filter { $0.clusterCount > best.clusterCount }
        if !larger.isEmpty { reason += "; " + larger.map(failure).joined(separator: "; ") }
        // A larger k left unmeasured failed a test its reason above names; a smaller one could not have been chosen.
        let unmeasured = candidates.filter { $0.stability == nil && $0.clusterCount < best.clusterCount }
        if !unmeasured.isEmpty {
            reason += "; stability not measured for k=" + unmeasured.map { String($0.clusterCount) }.joined(separator: ", ")
                + " (the rule takes the largest k that qualifies)"
        }
        return (best.clusterCount, reason)
    }

    public static func formatted(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded)"
    }
}
