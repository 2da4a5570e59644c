import ArgumentParser
import Foundation
import StrataLinearAlgebra

/// `strata selfcheck`: checks that OpenBLAS and LAPACKE are linked and compute correctly here.
struct SelfCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Check that OpenBLAS and LAPACKE compute correctly on this machine."
    )

    @Option(help: "Size of the square sgemm timed at the end.")
    var size: Int = 1024

    func validate() throws {
        guard (1...8192).contains(size) else { throw ValidationError("--size must be in 1...8192, got \(size)") }
    }

    func run() throws {
        print("OpenBLAS threads: \(BLAS.threadCount)")
        if let fallback = ProcessInfo.processInfo.environment[BLASCore.fallbackVariable] {
            print("OpenBLAS core: \(BLASCore.name) (OpenBLAS chose \(fallback) for this CPU, which it does not know)")
        } else {
            print("OpenBLAS core: \(BLASCore.name)")
        }
        let timeout = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"]
            ?? ProcessInfo.processInfo.environment["GOTO_THREAD_TIMEOUT"]
        print("OpenBLAS idle workers spin for: " + (timeout.map { "2^\($0) cycles" } ?? "OpenBLAS's default (2^28 cycles)"))

        // A product checked against the definition.
        let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        let b = Matrix<Double>([[7, 8], [9, 10], [11, 12]])
        let c = try BLAS.product(a, b)
        try expect(c == Matrix([[58, 64], [139, 154]]), "dgemm 2x3 · 3x2")

        // A symmetric positive definite solve: A = [[4, 2], [2, 3]], A·x = [2, 1] gives x = [0.5, 0].
        let x = try Cholesky(Matrix<Double>([[4, 2], [2, 3]])).solve([2, 1])
        try expect(abs(x[0] - 0.5) < 1e-12 && abs(x[1]) < 1e-12, "dpotrf/dpotrs 2x2 solve")

        // A matrix that is not positive definite must be reported, not crash.
        do {
            _ = try Cholesky(Matrix<Double>([[1, 2], [2, 1]]))
            throw SelfCheckFailure(check: "dpotrf on an indefinite matrix did not fail")
        } catch LinearAlgebraError.notPositiveDefinite(pivot: 2) {}

        let gflops = try timeSquareSgemm(size)
        print("sgemm \(size)x\(size): \(String(format: "%.1f", gflops)) GFLOP/s")
        print("BLAS self-check: ok")
    }

    private func timeSquareSgemm(_ n: Int) throws -> Double {
        var generator = SystemRandomNumberGenerator()
        let a = Matrix<Float>(rows: n, columns: n, elements: (0..<(n * n)).map { _ in .random(in: -1...1, using: &generator) })
        var c = Matrix<Float>(rows: n, columns: n)
        try BLAS.gemm(a, a, into: &c)  // warm-up
        let start = DispatchTime.now().uptimeNanoseconds
        try BLAS.gemm(a, a, into: &c)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9
    }

    private func expect(_ condition: Bool, _ check: String) throws {
        guard condition else { throw SelfCheckFailure(check: check) }
        print("  ok  \(check)")
    }
}

struct SelfCheckFailure: Error, CustomStringConvertible {
    let check: String
    var description: String { "BLAS self-check failed: \(check)" }
}
