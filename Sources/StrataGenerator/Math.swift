import Foundation

// The few elementary functions the generator needs, named once so the simulation reads as math.

/// `ln(1 - u)` for u in [0, 1); finite because u < 1.
@inline(__always) func log1pNegative(_ u: Double) -> Double { Foundation.log1p(-u) }

@inline(__always) func exponent(_ x: Double) -> Double { Foundation.exp(x) }

@inline(__always) func cosine(_ x: Double) -> Double { Foundation.cos(x) }

/// The logistic function `1 / (1 + e^-x)`.
@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

@inline(__always) func naturalLog(_ x: Double) -> Double { Foundation.log(x) }

/// The standard normal density.
@inline(__always) func normalDensity(_ z: Double) -> Double { Foundation.exp(-z * z / 2) / (2 * Double.pi).squareRoot() }

/// The standard normal distribution function, `Φ(z) = erfc(−z/√2)/2`.
@inline(__always) func normalCDF(_ z: Double) -> Double { Foundation.erfc(-z / 2.squareRoot()) / 2 }

/// The standard normal quantile of `p` in (0, 1), by bisection on ``normalCDF(_:)`` (for a few constants only).
func inverseNormal(_ p: Double) -> Double {
    var low = -10.0, high = 10.0
    for _ in 0..<100 {
        let middle = (low + high) / 2
        if normalCDF(middle) < p { low = middle } else { high = middle }
    }
    return (low + high) / 2
}
