/// The k-th smallest values of an array without sorting it (quickselect): a median fill value, the cut points
/// of a drift reference. Each selected value is the one a full sort would put at its rank, so results are
/// the sort's, exactly.
public enum OrderStatistics {
    /// Reorders `values` so `values[rank]` is the value a full sort would put there, with nothing larger
    /// before it and nothing smaller after it; returns that value.
    /// - Complexity: O(n) expected; O(n log n) at worst.
    public static func select(_ values: inout [Double], rank: Int) -> Double {
        precondition(values.indices.contains(rank), "rank \(rank) outside 0..<\(values.count)")
        select(&values, rank: rank, in: 0, values.count - 1)
        return values[rank]
    }

    /// The values a full sort would put at each of `ranks` (ascending, each within `values`; repeats allowed),
    /// in that order. `values` is reordered, its elements kept: each selected rank splits the array, and the
    /// ranks below and above it are looked for on their own side only.
    /// - Complexity: O(n log m) expected for m distinct ranks, against a sort's O(n log n): the nine cut points
    ///   of a ten-bin drift reference over a million values take about four passes instead of twenty.
    public static func select(_ values: inout [Double], ranks: [Int]) -> [Double] {
        guard let first = ranks.first, let last = ranks.last else { return [] }
        precondition(zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 }, "ranks must be ascending")
        precondition(values.indices.contains(first) && values.indices.contains(last), "ranks outside 0..<\(values.count)")
        var distinct: [Int] = []
        for rank in ranks where distinct.last != rank { distinct.append(rank) }
        selectAll(&values, ranks: distinct[...], in: 0, values.count - 1)
        return ranks.map { values[$0] }
    }

    /// Places every rank of `ranks` (distinct, ascending, within `low...high`) at its sorted position, the
    /// middle one first.
    private static func selectAll(_ values: inout [Double], ranks: ArraySlice<Int>, in low: Int, _ high: Int) {
        guard !ranks.isEmpty else { return }
        let middle = ranks.startIndex + ranks.count / 2, rank = ranks[middle]
        select(&values, rank: rank, in: low, high)
        selectAll(&values, ranks: ranks[..<middle], in: low, rank - 1)
        selectAll(&values, ranks: ranks[(middle + 1)...], in: rank + 1, high)
    }

    /// Quickselect of `rank` within `low...high` (median-of-three pivots, Hoare partition); afterwards nothing
    /// in `low..<rank` is larger than `values[rank]` and nothing in `rank...high` smaller. Falls back to sorting
    /// the remaining range when partitions keep coming out lopsided.
    private static func select(_ values: inout [Double], rank: Int, in low: Int, _ high: Int) {
        var low = low, high = high
        var budget = 64
        while high > low {
            if budget == 0 {
                values[low...high].sort()
                return
            }
            budget -= 1
            let mid = low + (high - low) / 2
            // Median of three as the pivot.
            if values[mid] < values[low] { values.swapAt(mid, low) }
            if values[high] < values[low] { values.swapAt(high, low) }
            if values[high] < values[mid] { values.swapAt(high, mid) }
            let pivot = values[mid]
            // Hoare partition: afterwards values[low...j] <= pivot <= values[i...high], j < i.
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                high = j
            } else if rank >= i {
                low = i
            } else {
                return  // between the two parts: equal to the pivot
            }
        }
    }
}
