import ArgumentParser
import Foundation
import StrataLinearAlgebra
import StrataProject

/// `strata kmeans`: k-means on a plain matrix, or the criteria for a range of k.
struct KMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "Cluster the rows of a matrix with k-means, or compare a range of k.",
        discussion: """
            Lloyd steps run as a fused distance-and-argmin pass over tiles of rows (chunked GEMM for large k·d), \
            rows split across --workers; with --algorithm hamerly (the default) bounds skip the rows whose label \
            cannot change, with the same labels, iterations and inertia as lloyd. A run stops when no label changes, when the squared center shift is at \
            most --tol times the mean column variance, or after --max-iter steps; labels and inertia come from \
            the final centers (as scikit-learn). With --k A...B every k in the range is fitted and scored by \
            inertia, silhouette (exact up to --silhouette-sample-size rows, sampled above), Davies-Bouldin and \
            Calinski-Harabasz, and a k is recommended.
            """
    )

    @Option(help: "The matrix: .npy (float32/float64/int) or numeric .csv (optional header).")
    var input: String

    @Option(help: "The number of clusters, or a range such as 2...12 to compare.",
            transform: ClusterCountArgument.parser("--k", example: "2...12"))
    var k: ClusterCountArgument

    @Option(name: .customLong("init"), help: "Seeding: k-means++, random, or a .npy/.csv file of k initial centers.")
    var initialization: SeedingArgument = .kMeansPlusPlus

    @Option(name: .customLong("n-init"), help: "Seeding runs, keeping the lowest inertia (default: 1; 10 for random).")
    var nInit: Int?

    @Option(name: .customLong("max-iter"), help: "Most Lloyd steps per run (mini-batch: passes over the data).")
    var maxIter: Int = 300

    @Option(help: "Tolerance on the squared center shift, relative to the mean column variance; 0 disables it.")
    var tol: Double = 1e-4

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(help: "hamerly (Lloyd with bounds that skip known distances; the same result as lloyd), lloyd or minibatch.",
            transform: choice("--algorithm"))
    var algorithm: MatrixClusteringRun.Algorithm = .hamerly

    @Option(name: .customLong("batch-size"), help: "Rows per mini-batch step.")
    var batchSize: Int = 1024

    @Option(help: "Arithmetic: float32 or float64.", transform: choice("--dtype"))
    var dtype: MatrixClusteringRun.Precision = .float64

    @Option(help: "Row-parallel workers (default: all cores); results are reproducible for a seed and worker count.")
    var workers: Int = Parallel.processorCount

    @Option(name: .customLong("silhouette-sample-size"), help: "With a range of k: exact silhouette up to this many rows, sampled above.")
    var silhouetteSampleSize: Int = 10_000

    @Option(name: .customLong("labels-out"), help: "Write each row's cluster here (.npy or .csv).")
    var labelsOut: String?

    @Option(name: .customLong("model-out"), help: "Write the model file (JSON: centers, hyperparameters, inertia) here.")
    var modelOut: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        if k.isRange {
            guard k.counts.lowerBound >= 2 else { throw ValidationError("--k range must start at 2 or more, got '\(k.text)'") }
            guard labelsOut == nil && modelOut == nil else {
                throw ValidationError("--labels-out and --model-out need a single --k, got the range '\(k.text)'")
            }
        } else {
            guard k.counts.lowerBound >= 1 else { throw ValidationError("--k must be at least 1, got \(k.text)") }
        }
        if case let .file(path) = initialization {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--init must be k-means++, random or an existing centers file, got '\(path)'")
            }
            guard !k.isRange else { throw ValidationError("--init with a centers file needs a single --k, got the range '\(k.text)'") }
        }
        if let nInit, nInit < 1 { throw ValidationError("--n-init must be at least 1, got \(nInit)") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1, got \(maxIter)") }
        guard tol.isFinite && tol >= 0 else { throw ValidationError("--tol must be a finite number >= 0, got \(tol)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard silhouetteSampleSize >= 2 else {
            throw ValidationError("--silhouette-sample-size must be at least 2, got \(silhouetteSampleSize)")
        }
        for (flag, path) in [("--labels-out", labelsOut), ("--model-out", modelOut)] {
            guard let path else { continue }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else { throw ValidationError("\(flag): folder '\(folder)' does not exist") }
        }
        if let labelsOut, !["npy", "csv"].contains(URL(fileURLWithPath: labelsOut).pathExtension.lowercased()) {
            throw ValidationError("--labels-out must end in .npy or .csv, got '\(labelsOut)'")
        }
    }

    var clustering: MatrixClusteringRun.Configuration {
        var run = MatrixClusteringRun.Configuration(input: URL(fileURLWithPath: input), clusterCounts: k.counts, comparing: k.isRange)
        (run.seeding, run.initCount, run.maxIterations, run.tolerance, run.seed) = (initialization.seeding, nInit, maxIter, tol, seed)
        (run.algorithm, run.batchSize, run.precision, run.workers) = (algorithm, batchSize, dtype, workers)
        run.silhouetteSampleSize = silhouetteSampleSize
        (run.labelsFile, run.modelFile) = (labelsOut.map { URL(fileURLWithPath: $0) }, modelOut.map { URL(fileURLWithPath: $0) })
        return run
    }

    func run() throws {
        let summary = try MatrixClusteringRun.run(clustering)
        printWarnings(summary.warnings ?? [])
        if json {
            try printJSON(summary)
        } else {
            summary.lines(silhouetteSampleSize: silhouetteSampleSize).forEach { print($0) }
        }
    }
}
