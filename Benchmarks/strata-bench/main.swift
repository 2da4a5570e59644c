import Foundation
import StrataData
import StrataLinearAlgebra
import StrataModels
import StrataRandom

// strata-bench: Swift-side kernels the benchmark runner (Benchmarks/run.py) times against its peers.
// Usage: strata-bench gemm N REPEATS  -> one JSON object on stdout.
//        strata-bench kmeans-seeding X.npy K SEEDS OUT_FOLDER  -> one JSON object per seed: the greedy k-means++
//        centers `strata kmeans --seed S` starts from (written to OUT_FOLDER/strata-seed<S>.npy), their potential
//        Σ min‖x − c‖² (the inertia of the first assignment) and the seconds seeding took.

func gemmGFLOPs<S: BLASScalar>(_: S.Type, n: Int, repeats: Int) throws -> [Double] {
    var generator = SystemRandomNumberGenerator()
    let a = Matrix<S>(rows: n, columns: n, elements: (0..<(n * n)).map { _ in S(Double.random(in: -1...1, using: &generator)) })
    let b = Matrix<S>(rows: n, columns: n, elements: (0..<(n * n)).map { _ in S(Double.random(in: -1...1, using: &generator)) })
    var c = Matrix<S>(rows: n, columns: n)
    try BLAS.gemm(a, b, into: &c)  // warm-up: thread pool start, page faults
    return try (0..<repeats).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        try BLAS.gemm(a, b, into: &c)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9
    }
}

/// For each seed, k-means++ centers drawn as `strata kmeans --seed S` draws them (Float, all cores), saved as .npy,
/// and their potential computed in Double.
func kMeansSeeding(input: URL, clusterCount k: Int, seeds: Int, folder: URL) throws {
    let x = try MatrixFile.read(input, as: Float.self).matrix
    let workers = Parallel.processorCount
    for seed in 0..<seeds {
        var generator = Xoshiro256StarStar(seed: UInt64(seed))
        let start = DispatchTime.now().uptimeNanoseconds
        let centers = KMeans.plusPlusCenters(x, clusterCount: k, workers: workers, using: &generator)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
        _ = KMeansKernels.assign(x, centers: centers, sampleWeights: nil, labels: labels, accumulateSums: false,
                                 workers: workers)
        let potential = KMeansKernels.exactInertia(x, centers: centers, labels: labels, sampleWeights: nil, workers: workers)
        try MatrixFile.write(centers, to: folder.appendingPathComponent("strata-seed\(seed).npy"))
        let json: [String: Any] = ["seed": seed, "potential": potential, "seconds": seconds]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }
}

let arguments = CommandLine.arguments
if arguments.count == 6, arguments[1] == "kmeans-seeding", let k = Int(arguments[3]), let seeds = Int(arguments[4]) {
    try kMeansSeeding(input: URL(fileURLWithPath: arguments[2]), clusterCount: k, seeds: seeds,
                      folder: URL(fileURLWithPath: arguments[5]))
    exit(0)
}
guard arguments.count == 4, arguments[1] == "gemm", let n = Int(arguments[2]), let repeats = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: strata-bench gemm N REPEATS | kmeans-seeding X.npy K SEEDS OUT_FOLDER\n".utf8))
    exit(2)
}
let single = try gemmGFLOPs(Float.self, n: n, repeats: repeats)
let double = try gemmGFLOPs(Double.self, n: n, repeats: repeats)
let json = ["sgemm_gflops": single, "dgemm_gflops": double, "blas_threads": [Double(BLAS.threadCount)]]
let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
