import StrataLinearAlgebra

/// Independent random generators derived from one draw of a caller's generator, one per task (a `k`, a
/// stability refit), so that what each task draws depends only on the seed and the task's place, not on the
/// order or the thread the tasks run in.
///
/// ```swift
/// let streams = ClusterRandomStreams(using: &generator)   // one draw
/// var forK7 = streams.generator(7)                         // the same sequence whenever k = 7 is fitted
/// ```
public struct ClusterRandomStreams: Sendable {
    /// The word every stream is derived from.
    public let base: UInt64

    /// Streams derived from one 64-bit draw of `rng`.
    public init(using rng: inout some RandomNumberGenerator) {
        base = rng.next()
    }

    public init(base: UInt64) {
        self.base = base
    }

    /// The generator of the task at `path` (e.g. `[k]`, or `[k, run]`): each step mixes one index into the
    /// state with SplitMix64's finalizer, a bijection with full avalanche, so neighbouring paths give unrelated
    /// seeds.
    public func generator(_ path: Int...) -> Xoshiro256StarStar {
        var state = base
        for index in path {
            state = SplitMix64.mix(state ^ SplitMix64.mix(UInt64(bitPattern: Int64(index)) &+ 0x9E37_79B9_7F4A_7C15))
        }
        return Xoshiro256StarStar(seed: state)
    }
}
