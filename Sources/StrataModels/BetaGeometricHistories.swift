import StrataLinearAlgebra

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
    ///
    /// Each of `workers` tasks scans every row but keeps only the histories whose hash falls in its share, in
    /// its own table, so the histories come out of each task in the order of their first row; merging the tasks'
    /// lists by first row gives the same histories, in the same order, as one task would.
    /// - Complexity: O(n) expected per task: an open-addressing hash table of `Int32` slots, at most half full.
    init(_ summary: LifetimeSummary, workers: Int = Parallel.processorCount) {
        rows = summary.count
        let parts = rows >= 65_536 ? max(1, min(workers, 16)) : 1
        let (xs, recencies, ages) = (summary.frequency, summary.recency, summary.age)
        let rowCount = rows
        let found = Parallel.map(rangesOf: parts, workers: parts) { range -> Part in
            Part(xs, recencies, ages, rows: rowCount, part: range.lowerBound, of: parts)
        }
        if parts == 1, let only = found.first {
            (frequency, recency, age, count) = (only.frequency, only.recency, only.age, only.count)
            return
        }
        let total = found.reduce(0) { $0 + $1.firstRow.count }
        frequency.reserveCapacity(total); recency.reserveCapacity(total); age.reserveCapacity(total); count.reserveCapacity(total)
        var heads = [Int](repeating: 0, count: parts)
        for _ in 0..<total {
            var next = -1
            for part in 0..<parts where heads[part] < found[part].firstRow.count {
                if next < 0 || found[part].firstRow[heads[part]] < found[next].firstRow[heads[next]] { next = part }
            }
            let from = found[next], index = heads[next]
            frequency.append(from.frequency[index]); recency.append(from.recency[index]); age.append(from.age[index])
            count.append(from.count[index])
            heads[next] += 1
        }
    }

    /// The histories of one share of the hash values, in the order of their first row.
    private struct Part: Sendable {
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = [], count: [Double] = []
        var firstRow: [Int] = []

        init(_ xs: [Double], _ recencies: [Double], _ ages: [Double], rows: Int, part: Int, of parts: Int) {
            var capacity = 16
            while capacity < 2 * rows / parts { capacity <<= 1 }
            let mask = capacity - 1
            var slots = [Int32](repeating: -1, count: capacity)
            for row in 0..<rows {
                let x = xs[row], tx = recencies[row], t = ages[row]
                let h = BetaGeometricHistories.hash(x, tx, t)
                // The high half picks the part, the low bits the slot.
                guard parts == 1 || Int(UInt64(bitPattern: Int64(h)) >> 32) % parts == part else { continue }
                var slot = h & mask
                while true {
                    let group = Int(slots[slot])
                    if group < 0 {
                        slots[slot] = Int32(frequency.count)
                        frequency.append(x)
                        recency.append(tx)
                        age.append(t)
                        count.append(1)
                        firstRow.append(row)
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
    }

    /// The number of distinct histories.
    var distinctCount: Int { frequency.count }

    /// A hash of the three values' bits (murmur3's 64-bit finalizer over a multiplicative mix), so that whole
    /// numbers, whose low bits are all zero, still spread over the table.
    @inline(__always)
    fileprivate static func hash(_ x: Double, _ tx: Double, _ t: Double) -> Int {
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
