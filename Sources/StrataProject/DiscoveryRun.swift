import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// Discovering behavioral clusters in an export's patients: the `discover.families` features as of a date
/// (counts and amounts `log1p`, standardized), k-means for each k of a range with the k that holds up under
/// subsampling, persona names, ids carried over from a previous model, and the model file.
public enum DiscoveryRun {
    public struct Configuration: Sendable {
        /// The as-of date T: features use events at or before the end of that day.
        public var asOf: Day
        /// The numbers of clusters to choose from (one number: no choice).
        public var clusterCounts: ClosedRange<Int>
        /// Whether `clusterCounts` is a range to choose from (even `k...k` given as a range).
        public var choosing: Bool
        /// k-means++ seeding runs per k.
        public var initCount: Int
        public var seed: UInt64
        /// Exact silhouette up to this many patients, sampled above.
        public var silhouetteSampleSize: Int
        /// Refits on subsamples per k for stability (``ClusterStability``); nil chooses k by silhouette.
        public var stability: ClusterStability.Options?
        /// Measure the stability of every k of the range (the full table of evidence) rather than only the ks
        /// the rule needs: from the largest k down to the first that qualifies (plus the previous model's k).
        public var stabilityEveryK: Bool
        /// Choosing k (every criterion, stability included) uses at most this many patients, drawn at
        /// random; the final fit uses all of them.
        public var selectionSampleSize: Int
        /// The previous cluster model, whose ids and names matched clusters keep.
        public var previousModel: URL?
        /// The model file to write, if any.
        public var modelFile: URL?
        /// The lifetime model whose predictions describe each cluster (mean P(alive), expected visits, CLV); nil:
        /// the newest one of the project whose models folder `modelFile` is in, if any.
        public var lifetimeModel: URL?

        public init(asOf: Day, clusterCounts: ClosedRange<Int> = 2...10, choosing: Bool = true, initCount: Int = 10,
                    seed: UInt64 = 0, silhouetteSampleSize: Int = 10_000, stability: ClusterStability.Options? = .init(),
                    stabilityEveryK: Bool = false, selectionSampleSize: Int = 50_000, previousModel: URL? = nil, modelFile: URL? = nil,
                    lifetimeModel: URL? = nil) {
            self.asOf = asOf
            self.clusterCounts = clusterCounts
            self.choosing = choosing
            self.initCount = initCount
            self.seed = seed
            self.silhouetteSampleSize = silhouetteSampleSize
            self.stability = stability
            self.stabilityEveryK = stabilityEveryK
            self.selectionSampleSize = selectionSampleSize
            self.previousModel = previousModel
            self.modelFile = modelFile
            self.lifetimeModel = lifetimeModel
        }
    }

    /// Fits, names, matches to the previous model and (optionally) writes the model file.
    ///
    /// Every random choice comes from its own generator derived from the seed (``ClusterRandomStreams``): the
    /// selection sample, choosing k, the previous k's check, a forced k's stability and the final fit, so that
    /// none depends on how much another stage drew (e.g. on how many ks had their stability measured).
    public static func run(_ configuration: Configuration, on source: ExportSource.Loaded) throws -> DiscoverySummary {
        try run(configuration, on: source, keepingFeatures: nil)
    }

    /// ``run(_:on:)``, giving `keepingFeatures` every patient's features in the model file's schema, bit for bit
    /// what a refresh as of the same day applies the model to, once the file is written.
    static func run(_ configuration: Configuration, on source: ExportSource.Loaded,
                    keepingFeatures: ((Matrix<Double>) -> Void)?) throws -> DiscoverySummary {
        let settings = source.configuration
        var timings = DiscoveryTimings()
        // The schema applied (not the clustered matrix, which is weighted after standardizing: one rounding more),
        // for `keepingFeatures`.
        var (table, driftReference, applied) = try DiscoveryFeatures.fitted(
            source.export, asOf: configuration.asOf, spec: settings.features, families: settings.discover.families,
            driftReference: configuration.modelFile != nil, keepingApplied: keepingFeatures != nil)
        table.schema = DiscoveryFeatures.labeled(table.schema)
        timings.lap("features")
        let previous = try configuration.previousModel.map { url throws -> PreviousModel in
            try PreviousModel(file: ModelFile<KMeansParameters>.read(from: url, kind: KMeansParameters.kind),
                              export: source.export, asOf: configuration.asOf)
        }
        var standardizationKept: Bool?
        if let previous {
            standardizationKept = previous.keepsStandardization(of: table.schema)
            if standardizationKept == true {
                // The previous schema applied to this export, as a refresh applies it (and so its drift reference).
                table = FeatureTable(patientIDs: table.patientIDs, matrix: previous.x, schema: previous.file.featureSchema)
                applied = keepingFeatures == nil ? nil : previous.x
                if driftReference != nil {
                    driftReference = Drift.reference(previous.x, schema: table.schema, scores: nil, asOf: configuration.asOf)
                }
            }
        }
        let x = table.matrix
        var seeded = Xoshiro256StarStar(seed: configuration.seed)
        let streams = ClusterRandomStreams(using: &seeded)
        var sampling = streams.generator(0)
        var kMeans = KMeans.Configuration(clusterCount: configuration.clusterCounts.lowerBound, initCount: configuration.initCount)
        let selectionRows = DiscoveryFeatures.sample(x, size: configuration.selectionSampleSize, using: &sampling)
        timings.lap("selection sample and previous model")
        var selection: ClusterSelection.Result?
        var stability: Double?
        var previousK: DiscoveryPreviousK?
        if configuration.choosing {
            let largest = min(configuration.clusterCounts.upperBound, max(selectionRows.rows - 1, 2))
            guard configuration.clusterCounts.lowerBound <= largest else {
                throw WorkflowError.tooFewRows(clusterCounts: configuration.clusterCounts, rows: x.rows, largest: largest)
            }
            let counts = configuration.clusterCounts.lowerBound...largest
            var choosing = streams.generator(1)
            var chosen = try ClusterSelection.evaluate(selectionRows, clusterCounts: counts, configuration: kMeans,
                                                       silhouetteSampleSize: configuration.silhouetteSampleSize,
                                                       stability: configuration.stability,
                                                       stabilityScope: configuration.stabilityEveryK ? .everyK : .untilOneQualifies,
                                                       using: &choosing)
            stability = chosen.candidates.first { $0.clusterCount == chosen.recommendedClusterCount }?.stability
            // A refit keeps the previous k while its clusters still hold up: a k that comes and goes with the noise
            // of the stability estimate would empty and refill segments for nothing.
            if let previous, let options = configuration.stability, counts.contains(previous.clusterCount) {
                var checking = streams.generator(2)
                previousK = try DiscoveryPreviousK.measure(previous, x: x, sample: selectionRows, configuration: kMeans,
                                                           options: options, using: &checking)
                if let previousK {
                    chosen.reason = previousK.reason(rule: chosen.reason)
                    if previousK.kept {
                        chosen.recommendedClusterCount = previousK.k
                        stability = previousK.stability
                    }
                }
            }
            kMeans.clusterCount = chosen.recommendedClusterCount
            selection = chosen
        } else if let options = configuration.stability, kMeans.clusterCount >= 2,
                  Int(options.fraction * Double(selectionRows.rows)) > kMeans.clusterCount {
            var measuring = streams.generator(3)
            stability = try ClusterStability.stability(selectionRows, configuration: kMeans, options: options, using: &measuring)
        }
        timings.lap("choosing k")
        var fitting = streams.generator(4)
        var model = try finalFit(x, sample: selectionRows, configuration: kMeans, using: &fitting)
        if let previous, let warm = previous.warmStart(x, clusterCount: kMeans.clusterCount) {
            var warmConfiguration = kMeans
            warmConfiguration.initialization = .centers(warm)
            let warmModel = try KMeans(warmConfiguration).fit(x, using: &fitting)
            // The previous partition's shape is kept unless a fresh seeding beats it by more than 1% of inertia.
            if warmModel.inertia <= model.inertia * 1.01 { model = warmModel }
        }
        timings.lap("final fit")
        let labels = model.labels
        let described = try ClusterDescriptions.describe(source.export, asOf: configuration.asOf, table: table, model: model)
        // The lifetime model only describes the clusters: when its predictions cannot be made, discovery goes on
        // without them and says why (a model given by name that cannot be read is still an error).
        let lifetimeModel = try ClusterLifetimeProfile.model(given: configuration.lifetimeModel, modelFile: configuration.modelFile)
        timings.lap("descriptions")
        var lifetimeWarnings: [String] = []
        var lifetime: [ClusterLifetimeProfile]?
        if let lifetimeModel {
            do {
                lifetime = try ClusterLifetimeProfile.profiles(lifetimeModel, export: source.export, asOf: configuration.asOf,
                                                               labels: labels, clusterCount: model.clusterCount)
            } catch {
                lifetimeWarnings.append("clusters described without \(lifetimeModel.url.lastPathComponent): \(error)")
            }
        }

        timings.lap("lifetime")
        var ids = Array(0..<model.clusterCount)
        var fixedNames: [Int: String] = [:]
        var retired: [Int] = []
        var match: ClusterMatching.Report?
        if let previous {
            let carried = previous.carryOver(labels: labels, clusterCount: model.clusterCount)
            (ids, match) = (carried.ids, carried.report)
            fixedNames = carried.names
            retired = (previous.file.parameters.retiredClusterIDs ?? []) + carried.report.retiredIDs
        }
        // Names given in strata.yml win, by id; a carried-over name another cluster was given is made anew.
        let renames = settings.clusters.names
        for (index, id) in ids.enumerated() {
            if let name = renames[id] { fixedNames[index] = name }
        }
        for (index, name) in fixedNames where renames[ids[index]] == nil && renames.values.contains(name) {
            fixedNames[index] = nil
        }
        let names = PersonaNames.names(differences: described.differences, sizes: model.clusterSizes,
                                       schema: table.schema, fixed: fixedNames)
        let clusters = (0..<model.clusterCount).map { index in
            DiscoverySummary.Cluster(index: index, id: ids[index], name: names[index], size: described.sizes[index],
                                     share: Double(described.sizes[index]) / Double(max(x.rows, 1)),
                                     description: described.descriptions[index], features: described.features[index],
                                     lifetime: lifetime?[index])
        }
        let asOf = configuration.asOf.description
        let families = table.schema.columns.reduce(into: [String]()) { if !$0.contains($1.family) { $0.append($1.family) } }
        if let modelFile = configuration.modelFile {
            var file = model.modelFile(featureSchema: table.schema, seed: configuration.seed, clusterNames: names,
                                       training: ["as_of": asOf, "patients": "\(x.rows)", "features": "\(x.columns)"])
            file.parameters.clusterIDs = ids
            file.parameters.clusterDescriptions = described.descriptions
            file.parameters.retiredClusterIDs = retired.isEmpty ? nil : retired.sorted()
            file.parameters.families = families
            file.parameters.match = match
            if let stability { file.metrics["stability"] = stability }
            file.drift = driftReference
            try file.write(to: modelFile)
            try ModelRegistry.registerIfInProject(modelFile, exportFolder: source.folder)
        }
        timings.lap("names, ids and model file")
        if let applied, configuration.modelFile != nil { keepingFeatures?(applied) }
        return DiscoverySummary(
            k: model.clusterCount, stability: stability, inertia: model.inertia, asOf: asOf, patients: x.rows,
            families: families, clusters: clusters, recommendedK: selection?.recommendedClusterCount,
            reason: selection?.reason, candidates: selection?.candidates.map(ClusterCandidate.init), match: match,
            previousK: previousK, previousStandardizationKept: standardizationKept, warnings: model.warnings + lifetimeWarnings)
    }

    /// The fit of the chosen k: `initCount` seedings on the selection sample, the best refined by Lloyd steps
    /// on every row (when the sample is every row, the sample fit itself). Seeding on the sample keeps a
    /// million-patient run to one pass of Lloyd steps over all rows.
    static func finalFit(_ x: Matrix<Double>, sample: Matrix<Double>, configuration: KMeans.Configuration,
                         using generator: inout Xoshiro256StarStar) throws -> KMeansModel<Double> {
        let sampleModel = try KMeans(configuration).fit(sample, using: &generator)
        guard sample.rows < x.rows else { return sampleModel }
        var refine = configuration
        refine.initialization = .centers(sampleModel.centers)
        refine.initCount = 1
        return try KMeans(refine).fit(x, using: &generator)
    }

}

/// `strata discover --json` (documented in docs/cli.md).
public struct DiscoverySummary: Codable, Sendable, Equatable {
    /// One cluster: its stable id, persona name, size, description and distinguishing features.
    public struct Cluster: Codable, Sendable, Equatable {
        /// The stable id (kept across refits that match the cluster; `clusters.names` in strata.yml uses it).
        public var id: Int
        /// The cluster's index in the model file's centers.
        public var cluster: Int
        public var name: String
        public var size: Int
        public var share: Double
        /// The distinguishing features in words, with raw values.
        public var description: String
        public var distinguishingFeatures: [Feature]
        /// What the lifetime model says of the cluster's patients, when there is one.
        public var lifetime: ClusterLifetimeProfile?

        init(index: Int, id: Int, name: String, size: Int, share: Double, description: String, features: [Feature],
             lifetime: ClusterLifetimeProfile?) {
            self.id = id
            cluster = index
            self.name = name
            self.size = size
            self.share = share
            self.description = description
            distinguishingFeatures = features
            self.lifetime = lifetime
        }

        enum CodingKeys: String, CodingKey {
            case id, cluster, name, size, share, description, distinguishingFeatures = "distinguishing_features", lifetime
        }
    }

    /// A feature that sets a cluster apart: its standardized difference from all patients, and the cluster's
    /// and everyone's means of the raw values (before missing-value fill, transforms and rate smoothing; nil
    /// when every value is missing, e.g. days since the last visit of patients who never visited).
    public struct Feature: Codable, Sendable, Equatable {
        public var name: String
        public var label: String
        public var standardizedDifference: Double
        public var clusterMean: Double?
        public var populationMean: Double?

        enum CodingKeys: String, CodingKey {
            case name, label, standardizedDifference = "standardized_difference", clusterMean = "cluster_mean"
            case populationMean = "population_mean"
        }
    }

    /// The recommended or forced k.
    public var k: Int
    /// The stability of that k (mean adjusted Rand index between refits on 80% subsamples; for a previous model's
    /// k kept by ``DiscoveryPreviousK``, refits started from its clusters); nil when not measured.
    public var stability: Double?
    public var inertia: Double
    public var asOf: String
    public var patients: Int
    /// The feature families clustered on.
    public var families: [String]
    public var clusters: [Cluster]
    /// With a range of k: the k chosen, why, and every k's criteria.
    public var recommendedK: Int?
    public var reason: String?
    public var candidates: [ClusterCandidate]?
    /// With a previous model: how clusters were matched to it.
    public var match: ClusterMatching.Report?
    /// With a previous model and a range of k: whether its k still holds up (``DiscoveryPreviousK``).
    public var previousK: DiscoveryPreviousK?
    /// With a previous model: whether its feature schema (centers, scales, fill values) was kept because the
    /// columns are the same and the data moved little (``PreviousModel/keepsStandardization(of:)``).
    public var previousStandardizationKept: Bool?
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case k, stability, inertia, asOf = "as_of", patients, families, clusters, recommendedK = "recommended_k", reason,
             candidates, match, previousK = "previous_k", previousStandardizationKept = "previous_standardization_kept",
             warnings
    }
}

/// One k's criteria in a k selection (`strata discover --json`, `strata kmeans --json` with a range).
public struct ClusterCandidate: Codable, Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double
    public var daviesBouldin: Double
    public var calinskiHarabasz: Double
    /// Mean adjusted Rand index between refits on subsamples (discover only); null when not measured (the rule
    /// did not need it, see `--stability-every-k`).
    public var stability: Double?
    /// The share of rows in the smallest cluster.
    public var smallestClusterShare: Double
    public var iterations: Int
    public var degenerate: Bool

    init(_ candidate: ClusterSelection.Candidate) {
        k = candidate.clusterCount
        inertia = candidate.inertia
        silhouette = candidate.silhouette
        daviesBouldin = candidate.daviesBouldin
        calinskiHarabasz = candidate.calinskiHarabasz
        stability = candidate.stability
        smallestClusterShare = candidate.smallestClusterShare
        iterations = candidate.iterations
        degenerate = candidate.degenerate
    }

    enum CodingKeys: String, CodingKey {
        case k, inertia, silhouette, daviesBouldin = "davies_bouldin", calinskiHarabasz = "calinski_harabasz", stability,
             smallestClusterShare = "smallest_cluster_share", iterations, degenerate
    }

    /// As synthesized, but `stability` is written as `null` when not measured rather than left out, so a
    /// reader of `--json` sees which ks were not refitted on subsamples.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(k, forKey: .k)
        try container.encode(inertia, forKey: .inertia)
        try container.encode(silhouette, forKey: .silhouette)
        try container.encode(daviesBouldin, forKey: .daviesBouldin)
        try container.encode(calinskiHarabasz, forKey: .calinskiHarabasz)
        try container.encode(stability, forKey: .stability)
        try container.encode(smallestClusterShare, forKey: .smallestClusterShare)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(degenerate, forKey: .degenerate)
    }
}

extension DiscoverySummary {
    /// The report for people: the choice of k (with `requested`, the k or range asked for), the match to the
    /// previous model, then each cluster, largest first, with its description.
    public func lines(requested: String) -> [String] {
        var lines: [String] = []
        if let reason { lines.append("k=\(k) of \(requested): \(reason)") }
        var header = "\(patients) patients as of \(asOf), \(k) clusters on \(families.joined(separator: ", "))"
        if let stability { header += String(format: ", stability %.3f", stability) }
        lines.append(header + ", inertia \(String(format: "%.4g", inertia))")
        if let kept = previousStandardizationKept {
            lines.append(kept ? "standardization: the previous model's (same columns, the data moved little)"
                              : "standardization: fitted on this export (the columns changed or the data moved)")
        }
        if let match {
            lines.append(String(format: "matched to the previous model: %.1f%% of patients keep their cluster", 100 * match.keptShare))
            for matched in match.matches {
                let name = clusters.first { $0.id == matched.id }?.name ?? ""
                lines.append("  id \(matched.id) \"\(name)\": " + String(format: "center moved %.3f, %.1f%% kept",
                                                                              matched.distance, 100 * matched.keptShare))
            }
            if !match.newIDs.isEmpty { lines.append("  new ids: " + match.newIDs.map(String.init).joined(separator: ", ")) }
            if !match.retiredIDs.isEmpty { lines.append("  retired ids: " + match.retiredIDs.map(String.init).joined(separator: ", ")) }
        }
        for profile in clusters.sorted(by: { $0.size > $1.size }) {
            lines.append("")
            lines.append("id \(profile.id) \"\(profile.name)\": \(profile.size) patients" + String(format: " (%.1f%%)", 100 * profile.share))
            lines.append("  \(profile.description)")
            if let lifetime = profile.lifetime?.line { lines.append("  \(lifetime)") }
        }
        return lines
    }
}
