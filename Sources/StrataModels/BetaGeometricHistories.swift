/// A summary's distinct (x, tₓ, T) histories, each with the number of rows that have it, in the order of their
/// first row.
///
/// The BG/NBD likelihood of a row depends on its history alone, so Σ ln L over the rows equals Σ count · ln L
/// over the distinct histories (lifetimes fits on such grouped rows too). Summaries in whole days or weeks
/// repeat histories a lot: every patient without a repeat visit has (0, 0, T), and T takes one value per
/// first-visit day; a 1,000,000-row summary spread over 78 weeks of days has about a third as many histories.
struct BetaGeometricHistories: Sendable, Equatable {
    var frequency: [Double] = []
    var recency: [Double] = []
    var age: [Double] = []
    /// Rows with each history.
    var count: [Double] = []
    /// The summary's row count, `Σ count`.
    let rows: Int

    /// Groups `summary`'s rows by exact equality of (x, tₓ, T).
    /// - Complexity: O(n) expected: one open-addressing hash table of `Int32` slots, at most half full.
    init(_ summary: LifetimeSummary) {
        rows = summary.count
        var capacity = 16
        while capacity < 2 * rows { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)
        let (xs, recencies, ages) = (summary.frequency, summary.recency, summary.age)
        for row in 0..<rows {
            let x = xs[row], tx = recencies[row], t = ages[row]
            var slot = Self.hash(x, tx, t) & mask
            while true {
                let group = Int(slots[slot])
                if group < 0 {
                    slots[slot] = Int32(frequency.count)
                    frequency.append(x)
                    recency.append(tx)
                    age.append(t)
                    count.append(1)
                    break
                }
                if frequency[group] == x && recency[group] == tx && age[group] == t {
                    count[group] += 1
                    break
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The number of distinct histories.
    var distinctCount: Int { frequency.count }

    /// A hash of the three values' bits (murmur3's 64-bit finalizer over a multiplicative mix), so that whole
    /// numbers, whose low bits are all zero, still spread over the table.
    @inline(__always)
    private static func hash(_ x: Double, _ tx: Double, _ t: Double) -> Int {
        var h = x.bitPattern &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ tx.bitPattern) &* 0xC2B2_AE3D_27D4_EB4F
        h = (h ^ t.bitPattern) &* 0x1656_67B1_9E37_79F9
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return Int(truncatingIfNeeded: h)
    }
}
