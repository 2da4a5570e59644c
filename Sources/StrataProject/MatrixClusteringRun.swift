import Dispatch
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// k-means on a plain matrix (`strata kmeans`): one fit with its labels and model file, or the criteria of
/// every k in a range with a recommendation.
public enum MatrixClusteringRun {
    /// The arithmetic of a fit.
    public enum Precision: String, CaseIterable, Codable, Sendable {
        case float32, float64
    }

    /// The step each iteration takes: Lloyd with or without bounds (the same result; ``KMeansAlgorithm``), or
    /// mini-batch.
    public enum Algorithm: String, CaseIterable, Codable, Sendable {
        case lloyd, hamerly, minibatch
    }

    /// Where the first centers come from.
    public enum Seeding: Equatable, Sendable {
        case kMeansPlusPlus
        case random
        /// A `.npy`/`.csv` file of k centers.
        case centers(URL)

        /// As `strata kmeans --init` takes it.
        public var name: String {
            switch self {
            case .kMeansPlusPlus: "k-means++"
            case .random: "random"
            case let .centers(url): url.relativePath
            }
        }
    }

    public struct Configuration: Sendable {
        public var input: URL
        /// The numbers of clusters to compare, or one.
        public var clusterCounts: ClosedRange<Int>
        /// Whether to compare the range (else fit `clusterCounts.lowerBound`).
        public var comparing: Bool
        public var seeding: Seeding = .kMeansPlusPlus
        /// Seeding runs; nil: 1, or 10 for random seeding.
        public var initCount: Int?
        public var maxIterations = 300
        public var tolerance = 1e-4
        public var seed: UInt64 = 0
        public var algorithm: Algorithm = .hamerly
        public var batchSize = 1024
        public var precision: Precision = .float64
        public var workers = Parallel.processorCount
        public var silhouetteSampleSize = 10_000
        /// Each row's cluster (`.npy` or `.csv`), for a single k.
        public var labelsFile: URL?
        public var modelFile: URL?

        public init(input: URL, clusterCounts: ClosedRange<Int>, comparing: Bool) {
            self.input = input
            self.clusterCounts = clusterCounts
            self.comparing = comparing
        }
    }

    /// Fits (or compares) and writes the requested files; everything is computed before anything is written.
    public static func run(_ configuration: Configuration) throws -> KMeansSummary {
        switch configuration.precision {
        case .float32: try run(configuration, as: Float.self)
        case .float64: try run(configuration, as: Double.self)
        }
    }

    private static func run<S: BLASScalar>(_ configuration: Configuration, as _: S.Type) throws -> KMeansSummary {
        let readStart = DispatchTime.now().uptimeNanoseconds
        let (x, columnNames) = try MatrixFile.read(configuration.input, as: S.self)
        let readSeconds = seconds(since: readStart)
        var generator = Xoshiro256StarStar(seed: configuration.seed)
        let kMeans = try kMeansConfiguration(configuration)
        if configuration.comparing {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = try ClusterSelection.evaluate(x, clusterCounts: configuration.clusterCounts, configuration: kMeans,
                                                       silhouetteSampleSize: configuration.silhouetteSampleSize, using: &generator)
            var summary = KMeansSummary()
            summary.candidates = result.candidates.map(ClusterCandidate.init)
            summary.recommendedK = result.recommendedClusterCount
            summary.reason = result.reason
            summary.silhouetteSampled = result.silhouetteSampled
            summary.seconds = seconds(since: start)
            return summary
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try KMeans(kMeans).fit(x, using: &generator)
        let fitSeconds = seconds(since: start)
        if let modelFile = configuration.modelFile {
            let schema = columnNames.map { FeatureSchema.plain(names: $0) } ?? .plain(columnCount: x.columns)
            try model.modelFile(featureSchema: schema, seed: configuration.seed,
                                training: ["input": configuration.input.lastPathComponent, "rows": "\(x.rows)",
                                           "columns": "\(x.columns)", "dtype": configuration.precision.rawValue])
                .write(to: modelFile)
        }
        if let labelsFile = configuration.labelsFile {
            try MatrixFile.writeVector(model.labels, name: "cluster", to: labelsFile)
        }
        var summary = KMeansSummary()
        summary.k = model.clusterCount
        summary.inertia = model.inertia
        summary.iterations = model.iterations
        summary.converged = model.converged
        summary.fitSeconds = fitSeconds
        summary.secondsPerIteration = fitSeconds / Double(max(model.iterations, 1))
        summary.readSeconds = readSeconds
        summary.algorithm = configuration.algorithm
        summary.initialization = configuration.seeding.name
        summary.dtype = configuration.precision
        summary.workers = configuration.workers
        summary.clusterSizes = model.clusterSizes
        summary.warnings = model.warnings
        summary.centers = (0..<model.centers.rows).map { i in model.centers.row(i).map { Double($0) } }
        return summary
    }

    private static func kMeansConfiguration(_ configuration: Configuration) throws -> KMeans.Configuration {
        let seeding: KMeansInitialization
        switch configuration.seeding {
        case .kMeansPlusPlus: seeding = .kMeansPlusPlus()
        case .random: seeding = .random
        case let .centers(url): seeding = .centers(try MatrixFile.read(url, as: Double.self).matrix)
        }
        let runs = configuration.initCount ?? (seeding == .random ? 10 : 1)
        let iteration: KMeansAlgorithm = switch configuration.algorithm {
        case .lloyd: .lloyd
        case .hamerly: .hamerly
        case .minibatch: .miniBatch(KMeansMiniBatchOptions(batchSize: configuration.batchSize))
        }
        return KMeans.Configuration(clusterCount: configuration.clusterCounts.lowerBound, initialization: seeding, initCount: runs,
                                    maxIterations: configuration.maxIterations, tolerance: configuration.tolerance,
                                    algorithm: iteration, workers: configuration.workers)
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// `strata kmeans --json`: a single fit fills the fit fields, a range of k the comparison fields.
public struct KMeansSummary: Codable, Sendable, Equatable {
    // A single fit.
    public var k: Int?
    public var inertia: Double?
    public var iterations: Int?
    public var converged: Bool?
    public var fitSeconds: Double?
    public var secondsPerIteration: Double?
    public var readSeconds: Double?
    public var algorithm: MatrixClusteringRun.Algorithm?
    /// `k-means++`, `random` or the centers file.
    public var initialization: String?
    public var dtype: MatrixClusteringRun.Precision?
    public var workers: Int?
    public var clusterSizes: [Int]?
    public var warnings: [String]?
    public var centers: [[Double]]?
    // A range of k.
    public var candidates: [ClusterCandidate]?
    public var recommendedK: Int?
    public var reason: String?
    public var silhouetteSampled: Bool?
    public var seconds: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case k, inertia, iterations, converged, fitSeconds = "fit_seconds", secondsPerIteration = "seconds_per_iteration"
        case readSeconds = "read_seconds", algorithm, initialization = "init", dtype, workers, clusterSizes = "cluster_sizes"
        case warnings, centers, candidates, recommendedK = "recommended_k", reason, silhouetteSampled = "silhouette_sampled"
        case seconds
    }
}

extension KMeansSummary {
    /// The report for people: a fit's iterations, times and cluster sizes, or the comparison table of a range
    /// of k with its recommendation.
    public func lines(silhouetteSampleSize: Int) -> [String] {
        if let candidates, let recommendedK, let reason {
            let widths = [4, 16, 10, 14, 17, 10]
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
            }
            var lines = [line(["k", "inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "iterations"])]
            for candidate in candidates {
                let cells = ["\(candidate.k)", String(format: "%.6g", candidate.inertia), String(format: "%.4f", candidate.silhouette),
                             String(format: "%.4f", candidate.daviesBouldin), String(format: "%.4f", candidate.calinskiHarabasz),
                             "\(candidate.iterations)"]
                lines.append(line(cells) + (candidate.degenerate ? "  (fewer distinct clusters)" : ""))
            }
            if silhouetteSampled == true { lines.append("silhouette on a sample of \(silhouetteSampleSize) rows") }
            lines.append("recommended k=\(recommendedK): \(reason)")
            return lines
        }
        let iterations = iterations ?? 0, fitSeconds = fitSeconds ?? 0
        let stop = converged == true ? "converged" : "stopped at the iteration limit"
        var lines = ["k-means: k=\(k ?? 0), \(iterations) iterations (\(stop)), inertia \(inertia ?? .nan)"]
        lines.append(String(format: "fit %.3f s (%.2f ms per iteration), read %.3f s", fitSeconds,
                            (secondsPerIteration ?? 0) * 1000, readSeconds ?? 0))
        let sizes = clusterSizes ?? []
        let total = Double(max(sizes.reduce(0, +), 1))
        for (cluster, size) in sizes.enumerated() {
            lines.append(String(format: "  cluster %2d: %9d rows (%5.1f%%)", cluster, size, 100 * Double(size) / total))
        }
        return lines
    }
}
