/// Seedable pseudo-random numbers, fixed here (not the standard library's, whose generator is unspecified)
/// so that a seed means the same sequence on every platform and Swift version. Every module that needs
/// reproducible randomness (the generator, k-means seeding, folds, tests) uses these two.

/// SplitMix64 (Steele, Lea, Flood 2014): a 64-bit counter passed through a strong mixing function. Used to
/// expand a seed into xoshiro state, and as a tiny generator for test data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finalizer: a bijection on 64-bit words with full avalanche.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman, Vigna 2018): 256 bits of state, period 2^256 - 1, passes BigCrush.
///
/// The state is filled with four SplitMix64 outputs from the seed, as the authors recommend.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        (s0, s1, s2, s3) = (expander.next(), expander.next(), expander.next(), expander.next())
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }  // the one forbidden state; unreachable in practice
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
