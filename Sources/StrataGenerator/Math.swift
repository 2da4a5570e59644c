import Foundation

// The few elementary functions the generator needs, named once so the simulation reads as math.

/// `ln(1 - u)` for u in [0, 1); finite because u < 1.
@inline(__always) func log1pNegative(_ u: Double) -> Double { Foundation.log1p(-u) }

@inline(__always) func exponent(_ x: Double) -> Double { Foundation.exp(x) }

@inline(__always) func cosine(_ x: Double) -> Double { Foundation.cos(x) }

/// The logistic function `1 / (1 + e^-x)`.
@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

@inline(__always) func naturalLog(_ x: Double) -> Double { Foundation.log(x) }
