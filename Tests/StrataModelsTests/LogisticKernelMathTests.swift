import Foundation
import Testing
@testable import StrataLinearAlgebra

/// The vectorized exp and log1p of the logistic kernel against the C library, in units of the last place.
@Suite("Logistic kernel math")
struct LogisticKernelMathTests {
    static func ulps(_ value: Double, _ reference: Double) -> Double {
        reference == 0 ? Swift.abs(value) / Double.leastNormalMagnitude : Swift.abs(value - reference) / reference.ulp
    }

    /// The largest error in ulp of `vector` against `scalar` over `arguments`, eight at a time.
    static func worstError(_ arguments: [Double], _ vector: (SIMD8<Double>) -> SIMD8<Double>,
                           _ scalar: (Double) -> Double) -> Double {
        var worst = 0.0
        for start in stride(from: 0, to: arguments.count - 7, by: 8) {
            let lanes = SIMD8<Double>(arguments[start..<(start + 8)])
            let values = vector(lanes)
            for lane in 0..<8 { worst = Swift.max(worst, ulps(values[lane], scalar(lanes[lane]))) }
        }
        return worst
    }

    @Test func exponentialMatchesTheCLibrary() {
        var generator = LogisticTestGenerator(seed: 41)
        var arguments: [Double] = [0, -1e-300, -1e-12, -0.5 * log(2), -log(2), -1, -20, -700, -708]
        arguments += (0..<4000).map { _ in -Double.random(in: 0...708, using: &generator) }
        arguments += (0..<4000).map { _ in -Double.random(in: 0...1, using: &generator) }
        let worst = Self.worstError(arguments, LogisticKernel.exponentialOfNonPositive) { exp($0) }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test func logOnePlusMatchesLog1p() {
        var generator = LogisticTestGenerator(seed: 43)
        var arguments: [Double] = [0, 1e-300, 1e-20, 1e-9, 0.41421356237309503, 0.41421356237309515, 0.5, 1, 2.3e-308, 0.999]
        arguments += (0..<4000).map { _ in Double.random(in: 0...1, using: &generator) }
        arguments += (0..<4000).map { _ in exp(-Double.random(in: 0...700, using: &generator)) }
        let worst = Self.worstError(arguments, LogisticKernel.logOnePlusUnit) { log1p($0) }
        #expect(worst <= 4, "worst error \(worst) ulp")
    }
}
