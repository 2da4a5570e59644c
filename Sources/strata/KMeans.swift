import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// `strata kmeans`: k-means on a plain matrix, or the criteria for a range of k.
struct KMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "Cluster the rows of a matrix with k-means, or compare a range of k.",
        discussion: """
            Lloyd steps assign rows with a fused distance-and-argmin kernel (GEMM blocks when k times the feature count is \
            large), rows split across --workers. A run stops when \
            no label changes, when the squared center shift is at most --tol times the mean column variance, \
            or after --max-iter steps; labels and inertia come from the final centers (as scikit-learn). \
            With --k A...B every k in the range is fitted and scored by inertia, silhouette (exact up to \
            --silhouette-sample-size rows, sampled above), Davies-Bouldin and Calinski-Harabasz, and a k is \
            recommended.
            """
    )

    @Option(help: "The matrix: .npy (float32/float64/int) or numeric .csv (optional header).")
    var input: String

    @Option(help: "The number of clusters, or a range such as 2...12 to compare.")
    var k: String

    @Option(name: .customLong("init"), help: "Seeding: k-means++, random, or a .npy/.csv file of k initial centers.")
    var initialization: String = "k-means++"

    @Option(name: .customLong("n-init"), help: "Seeding runs, keeping the lowest inertia (default: 1; 10 for random).")
    var nInit: Int?

    @Option(name: .customLong("max-iter"), help: "Most Lloyd steps per run (mini-batch: passes over the data).")
    var maxIter: Int = 300

    @Option(help: "Tolerance on the squared center shift, relative to the mean column variance; 0 disables it.")
    var tol: Double = 1e-4

    @Option(help: "Seed of every random choice.")
    var seed: UInt64 = 0

    @Option(help: "lloyd or minibatch.")
    var algorithm: String = "lloyd"

    @Option(name: .customLong("batch-size"), help: "Rows per mini-batch step.")
    var batchSize: Int = 1024

    @Option(help: "Arithmetic: float32 or float64.")
    var dtype: String = "float64"

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

    /// `--k` as a range (a single k is `k...k`).
    var clusterCounts: ClosedRange<Int>? { parseClusterCounts(k) }

    var isRange: Bool { Int(k) == nil }

    func validate() throws {
        guard let counts = clusterCounts else {
            throw ValidationError("--k must be a number or a range like 2...12, got '\(k)'")
        }
        if isRange {
            guard counts.lowerBound >= 2 else { throw ValidationError("--k range must start at 2 or more, got '\(k)'") }
            guard labelsOut == nil && modelOut == nil else {
                throw ValidationError("--labels-out and --model-out need a single --k, got the range '\(k)'")
            }
        } else {
            guard counts.lowerBound >= 1 else { throw ValidationError("--k must be at least 1, got \(k)") }
        }
        if !["k-means++", "random"].contains(initialization) {
            guard FileManager.default.fileExists(atPath: initialization) else {
                throw ValidationError("--init must be k-means++, random or an existing centers file, got '\(initialization)'")
            }
            guard !isRange else { throw ValidationError("--init with a centers file needs a single --k, got the range '\(k)'") }
        }
        if let nInit, nInit < 1 { throw ValidationError("--n-init must be at least 1, got \(nInit)") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1, got \(maxIter)") }
        guard tol.isFinite && tol >= 0 else { throw ValidationError("--tol must be a finite number >= 0, got \(tol)") }
        guard ["lloyd", "minibatch"].contains(algorithm) else {
            throw ValidationError("--algorithm must be lloyd or minibatch, got '\(algorithm)'")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard ["float32", "float64"].contains(dtype) else {
            throw ValidationError("--dtype must be float32 or float64, got '\(dtype)'")
        }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard silhouetteSampleSize >= 2 else {
            throw ValidationError("--silhouette-sample-size must be at least 2, got \(silhouetteSampleSize)")
        }
        for (flag, path) in [("--labels-out", labelsOut), ("--model-out", modelOut)] {
            guard let path else { continue }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else {
                throw ValidationError("\(flag): folder '\(folder)' does not exist")
            }
        }
        if let labelsOut, !["npy", "csv"].contains(URL(fileURLWithPath: labelsOut).pathExtension.lowercased()) {
            throw ValidationError("--labels-out must end in .npy or .csv, got '\(labelsOut)'")
        }
    }

    func run() throws {
        if dtype == "float32" { try run(Float.self) } else { try run(Double.self) }
    }

    private func run<S: BLASScalar>(_: S.Type) throws {
        let readStart = Date()
        let (x, columnNames) = try MatrixFile.read(URL(fileURLWithPath: input), as: S.self)
        let readSeconds = Date().timeIntervalSince(readStart)
        var generator = Xoshiro256StarStar(seed: seed)
        let configuration = try makeConfiguration(clusterCount: clusterCounts!.lowerBound)
        if isRange {
            let start = Date()
            let result = try ClusterSelection.evaluate(x, clusterCounts: clusterCounts!, configuration: configuration,
                                                       silhouetteSampleSize: silhouetteSampleSize, using: &generator)
            report(result, seconds: Date().timeIntervalSince(start))
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let model = try KMeans(configuration).fit(x, using: &generator)
        let fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        for warning in model.warnings { writeToStandardError("warning: \(warning)\n") }
        // Everything is computed before anything is written; each file is written atomically.
        if let modelOut {
            let schema = columnNames.map { FeatureSchema.plain(names: $0) } ?? .plain(columnCount: x.columns)
            try model.modelFile(featureSchema: schema, seed: seed,
                                training: ["input": URL(fileURLWithPath: input).lastPathComponent,
                                           "rows": "\(x.rows)", "columns": "\(x.columns)", "dtype": dtype])
                .write(to: URL(fileURLWithPath: modelOut))
        }
        if let labelsOut {
            try MatrixFile.writeVector(model.labels, name: "cluster", to: URL(fileURLWithPath: labelsOut))
        }
        report(model, fitSeconds: fitSeconds, readSeconds: readSeconds)
    }

    private func makeConfiguration(clusterCount: Int) throws -> KMeans.Configuration {
        let seeding: KMeansInitialization
        switch initialization {
        case "k-means++": seeding = .kMeansPlusPlus()
        case "random": seeding = .random
        default: seeding = .centers(try MatrixFile.read(URL(fileURLWithPath: initialization), as: Double.self).matrix)
        }
        let runs = nInit ?? (seeding == .random ? 10 : 1)
        let iteration: KMeansAlgorithm = algorithm == "minibatch"
            ? .miniBatch(KMeansMiniBatchOptions(batchSize: batchSize)) : .lloyd
        return KMeans.Configuration(clusterCount: clusterCount, initialization: seeding, initCount: runs,
                                    maxIterations: maxIter, tolerance: tol, algorithm: iteration, workers: workers)
    }

    private func report<S: BLASScalar>(_ model: KMeansModel<S>, fitSeconds: Double, readSeconds: Double) {
        let perIteration = fitSeconds / Double(max(model.iterations, 1))
        if json {
            let object: [String: Any] = [
                "k": model.clusterCount, "inertia": model.inertia, "iterations": model.iterations,
                "converged": model.converged, "fit_seconds": fitSeconds, "seconds_per_iteration": perIteration,
                "read_seconds": readSeconds, "algorithm": algorithm, "init": initialization, "dtype": dtype,
                "workers": workers, "cluster_sizes": model.clusterSizes, "warnings": model.warnings,
                "centers": (0..<model.centers.rows).map { i in model.centers.row(i).map { Double($0) } },
            ]
            printJSON(object)
            return
        }
        let stop = model.converged ? "converged" : "stopped at --max-iter"
        print("k-means: k=\(model.clusterCount), \(model.iterations) iterations (\(stop)), inertia \(model.inertia)")
        print(String(format: "fit %.3f s (%.2f ms per iteration), read %.3f s", fitSeconds, perIteration * 1000, readSeconds))
        let total = Double(max(model.labels.count, 1))
        for (cluster, size) in model.clusterSizes.enumerated() {
            print(String(format: "  cluster %2d: %9d rows (%5.1f%%)", cluster, size, 100 * Double(size) / total))
        }
    }

    private func report(_ result: ClusterSelection.Result, seconds: Double) {
        if json {
            let candidates: [[String: Any]] = result.candidates.map {
                ["k": $0.clusterCount, "inertia": $0.inertia, "silhouette": $0.silhouette,
                 "davies_bouldin": $0.daviesBouldin, "calinski_harabasz": $0.calinskiHarabasz,
                 "iterations": $0.iterations, "degenerate": $0.degenerate]
            }
            printJSON(["candidates": candidates, "recommended_k": result.recommendedClusterCount, "reason": result.reason,
                       "silhouette_sampled": result.silhouetteSampled, "seconds": seconds])
            return
        }
        let headers = ["k", "inertia", "silhouette", "davies_bouldin", "calinski_harabasz", "iterations"]
        let widths = [4, 16, 10, 14, 17, 10]
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { String(repeating: " ", count: max(0, $1 - $0.count)) + $0 }.joined(separator: "  ")
        }
        print(line(headers))
        for candidate in result.candidates {
            let cells = ["\(candidate.clusterCount)", String(format: "%.6g", candidate.inertia),
                         String(format: "%.4f", candidate.silhouette), String(format: "%.4f", candidate.daviesBouldin),
                         String(format: "%.4f", candidate.calinskiHarabasz), "\(candidate.iterations)"]
            print(line(cells) + (candidate.degenerate ? "  (fewer distinct clusters)" : ""))
        }
        if result.silhouetteSampled { print("silhouette on a sample of \(silhouetteSampleSize) rows") }
        print("recommended k=\(result.recommendedClusterCount): \(result.reason)")
    }

    private func printJSON(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }
}

/// A `--k` value: a number `K` (as `K...K`) or a range `A...B` with `A <= B`; nil for anything else.
func parseClusterCounts(_ text: String) -> ClosedRange<Int>? {
    if let single = Int(text) { return single...single }
    let bounds = text.components(separatedBy: "...")
    guard bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high else { return nil }
    return low...high
}
