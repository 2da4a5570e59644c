import Foundation
import StrataLinearAlgebra

// strata-bench: Swift-side kernels the benchmark runner (Benchmarks/run.py) times against its peers.
// Usage: strata-bench gemm N REPEATS  -> one JSON object on stdout.

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

let arguments = CommandLine.arguments
guard arguments.count == 4, arguments[1] == "gemm", let n = Int(arguments[2]), let repeats = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: strata-bench gemm N REPEATS\n".utf8))
    exit(2)
}
let single = try gemmGFLOPs(Float.self, n: n, repeats: repeats)
let double = try gemmGFLOPs(Double.self, n: n, repeats: repeats)
let json = ["sgemm_gflops": single, "dgemm_gflops": double, "blas_threads": [Double(BLAS.threadCount)]]
let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
