import StrataRandom

/// The generator's streams of pseudo-random numbers: SplitMix64 to derive seeds, xoshiro256** to draw
/// (both from StrataRandom).
///
/// Every person gets an independent stream derived from `(seed, person index, purpose)`, so persons can be
/// simulated in any order, on any number of cores, and still produce the same bytes. The algorithms are
/// fixed here (not the standard library's, whose generator is unspecified) so a seed means the same export
/// on every platform and Swift version.

/// What a stream is used for; part of its derivation so the streams of one person never overlap.
enum StreamPurpose: UInt64 {
    /// The person's profile and life in the clinic, in time order.
    case history = 1
    /// The Monte Carlo replicas behind the ground-truth churn probability.
    case groundTruth = 2
    /// Preventive care given at completed visits (``PreventiveCare``): adherence and each choice.
    case preventive = 3
    /// The `realistic` behaviour's hidden life events and death (``HiddenLifeEvents``).
    case lifeEvents = 4
}

extension Xoshiro256StarStar {
    /// The stream for one person and purpose. The index is hashed before it meets the seed, so neighbouring
    /// persons do not get shifted copies of one SplitMix sequence.
    init(seed: UInt64, stream: UInt64, purpose: StreamPurpose) {
        let base = SplitMix64.mix(seed ^ 0x5354_5241_5441_0001)  // "STRATA" + version of the derivation
        self.init(seed: base ^ SplitMix64.mix(stream &* 0xD1B5_4A32_D192_ED03 &+ purpose.rawValue))
    }

    /// A uniform double in [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// True with probability `p` (values outside [0, 1] act as 0 or 1).
    mutating func bernoulli(_ p: Double) -> Bool { uniform() < p }

    /// A uniform integer in `0..<count` (Lemire's multiply-shift on the high 32 bits; the bias is below
    /// 2^-32 · count, irrelevant for the small counts used here).
    mutating func index(_ count: Int) -> Int {
        precondition(count > 0 && count <= Int(UInt32.max), "index(\(count))")
        return Int(((next() >> 32) &* UInt64(count)) >> 32)
    }

    /// A uniform integer in `range`.
    mutating func integer(in range: ClosedRange<Int>) -> Int { range.lowerBound + index(range.count) }

    /// An exponential variate with the given mean: `-mean · ln(1 - U)`.
    mutating func exponential(mean: Double) -> Double { -mean * log1pNegative(uniform()) }

    /// A standard normal variate (Box–Muller, one of the pair; no cached state, so streams stay simple).
    mutating func normal() -> Double {
        let radius = (-2 * log1pNegative(uniform())).squareRoot()
        return radius * cosine(2 * Double.pi * uniform())
    }

    /// A log-normal multiplier with median 1: `exp(sigma · Z)`.
    mutating func logNormalFactor(sigma: Double) -> Double { exponent(sigma * normal()) }

    /// An index drawn with probability proportional to `weights` (non-negative, positive sum).
    mutating func weightedIndex(_ weights: [Double]) -> Int {
        var total = 0.0
        for weight in weights { total += weight }
        var target = uniform() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.count - 1
    }
}
