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

extension OrderStatistics {
    /// The finite values of an array or of one matrix column, in their order, as integers that sort as the
    /// values do: what ``select(ranks:)`` reads, a radix select where the quickselect above compares doubles.
    ///
    /// A key is the value's bits with the sign bit flipped for positive values and every bit flipped for
    /// negative ones, so keys compare as `<` compares the values except that −0.0 sorts just below +0.0.
    public struct FiniteValues: Sendable {
        /// The keys, in the order of the values; a slice because ``columns(of:_:)`` keeps several columns in
        /// one array.
        let keys: ArraySlice<UInt64>
        /// The smallest and largest key; meaningless when there are no keys.
        let low: UInt64, high: UInt64

        /// How many values are finite.
        public var count: Int { keys.count }

        /// The largest finite value, nil when there is none.
        public var maximum: Double? { keys.isEmpty ? nil : Self.value(high) }

        /// The finite values of `values`.
        public init(_ values: [Double]) {
            var keys: [UInt64] = []
            keys.reserveCapacity(values.count)
            var low = UInt64.max, high = UInt64.min
            for value in values where value.isFinite {
                let key = Self.key(value)
                keys.append(key)
                low = Swift.min(low, key)
                high = Swift.max(high, key)
            }
            self.init(keys: keys[...], low: low, high: high)
        }

        init(keys: ArraySlice<UInt64>, low: UInt64, high: UInt64) {
            self.keys = keys
            self.low = low
            self.high = high
        }

        /// The finite values of each of `columns` of `x`, in one pass over those columns' rows: copying one
        /// column at a time out of a row-major matrix reads every row once per column.
        /// - Complexity: O(rows · columns.count).
        public static func columns(of x: Matrix<Double>, _ columns: Range<Int>) -> [FiniteValues] {
            precondition(columns.lowerBound >= 0 && columns.upperBound <= x.columns,
                         "columns \(columns) of a matrix of \(x.columns) columns")
            let rows = x.rows, width = x.columns, group = columns.count, first = columns.lowerBound
            // Column k's keys at k · rows ..< k · rows + counts[k].
            var keys = [UInt64](repeating: 0, count: rows * group)
            var counts = [Int](repeating: 0, count: group)
            var lows = [UInt64](repeating: .max, count: group), highs = [UInt64](repeating: .min, count: group)
            x.elements.withUnsafeBufferPointer { elements in
                keys.withUnsafeMutableBufferPointer { keys in
                    counts.withUnsafeMutableBufferPointer { counts in
                        lows.withUnsafeMutableBufferPointer { lows in
                            highs.withUnsafeMutableBufferPointer { highs in
                                for row in 0..<rows {
                                    let base = row * width + first
                                    for column in 0..<group {
                                        let value = elements[base + column]
                                        guard value.isFinite else { continue }
                                        let key = Self.key(value)
                                        keys[column * rows + counts[column]] = key
                                        counts[column] += 1
                                        lows[column] = Swift.min(lows[column], key)
                                        highs[column] = Swift.max(highs[column], key)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return (0..<group).map { column in
                FiniteValues(keys: keys[(column * rows)..<(column * rows + counts[column])], low: lows[column], high: highs[column])
            }
        }

        /// A value at a rank of the sorted finite values, and how many of them are at most it (its rank's
        /// upper end among equal values, plus one): bin counts come from these without counting again.
        public struct Selected: Sendable, Equatable {
            public var value: Double
            public var atOrBelow: Int
        }

        /// The values a sort of the finite values would put at each of `ranks` (ascending, each within
        /// `0..<count`; repeats allowed), in that order, each with the number of finite values `<=` it.
        ///
        /// Exactly what ``OrderStatistics/select(_:ranks:)`` returns for the finite values in their order,
        /// −0.0 and +0.0 included: where both occur (the only values that compare equal with different bits,
        /// whose choice at a rank depends on the quickselect's swaps) the values come from that quickselect.
        /// - Complexity: O(n) per level of a most-significant-digit radix select, 12 bits a level, each level
        ///   reading only the buckets that hold a rank.
        public func select(ranks: [Int]) -> [Selected] {
            guard let first = ranks.first, let last = ranks.last else { return [] }
            precondition(zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 }, "ranks must be ascending")
            precondition(first >= 0 && last < count, "ranks outside 0..<\(count)")
            var distinct: [Int] = []
            for rank in ranks where distinct.last != rank { distinct.append(rank) }
            var selected = [Selected](repeating: Selected(value: 0, atOrBelow: 0), count: distinct.count)
            if hasBothZeros {
                selected = quickselected(distinct)
            } else {
                keys.withUnsafeBufferPointer { keys in
                    Self.refine(keys, low: low, high: high, below: 0, ranks: distinct[...], into: &selected)
                }
            }
            var next = 0
            return ranks.map { rank in
                while distinct[next] != rank { next += 1 }
                return selected[next]
            }
        }

        static let negativeZero = key(-0.0), positiveZero = key(0.0)

        /// Whether both −0.0 and +0.0 occur.
        var hasBothZeros: Bool {
            low <= Self.negativeZero && high >= Self.positiveZero && keys.contains(Self.negativeZero)
                && keys.contains(Self.positiveZero)
        }

        /// ``select(ranks:)`` through the quickselect, for values with both zeros.
        private func quickselected(_ ranks: [Int]) -> [Selected] {
            var values = keys.map(Self.value)
            let cuts = OrderStatistics.select(&values, ranks: ranks)
            return cuts.map { cut in Selected(value: cut, atOrBelow: values.reduce(0) { $0 + ($1 <= cut ? 1 : 0) }) }
        }

        /// The keys at `ranks` (distinct, ascending, counted in the whole sort) of `keys`, which sort after
        /// `below` others and lie in `low...high`: a histogram of the next 12 bits below the bits all keys
        /// share finds each rank's bucket and the count before it; only those buckets are copied out and
        /// refined, until a bucket holds one key.
        private static func refine(_ keys: UnsafeBufferPointer<UInt64>, low: UInt64, high: UInt64, below: Int,
                                   ranks: ArraySlice<Int>, into selected: inout [Selected]) {
            if low == high {
                for index in ranks.indices { selected[index] = Selected(value: value(low), atOrBelow: below + keys.count) }
                return
            }
            if keys.count <= 64 {
                let sorted = keys.sorted()
                for index in ranks.indices {
                    let rank = ranks[index] - below, key = sorted[rank]
                    var end = rank + 1
                    while end < sorted.count && sorted[end] == key { end += 1 }
                    selected[index] = Selected(value: value(key), atOrBelow: below + end)
                }
                return
            }
            let span = high - low
            let shift = Swift.max(0, (UInt64.bitWidth - span.leadingZeroBitCount) - radixBits)
            let bucketCount = Int(span >> UInt64(shift)) + 1
            var histogram = [Int](repeating: 0, count: bucketCount)
            histogram.withUnsafeMutableBufferPointer { histogram in
                for key in keys { histogram[Int((key &- low) >> UInt64(shift))] += 1 }
            }
            // Each bucket holding ranks: where it starts in the sort, its size, and its ranks' indices.
            var buckets: [(bucket: Int, start: Int, count: Int, ranks: Range<Int>)] = []
            var start = below, bucket = 0, index = ranks.startIndex
            while index < ranks.endIndex {
                while start + histogram[bucket] <= ranks[index] {
                    start += histogram[bucket]
                    bucket += 1
                }
                var end = index + 1
                while end < ranks.endIndex && ranks[end] < start + histogram[bucket] { end += 1 }
                buckets.append((bucket, start, histogram[bucket], index..<end))
                index = end
            }
            if shift == 0 {
                // A bucket one key wide: that key.
                for (bucket, start, count, indices) in buckets {
                    for index in indices {
                        selected[index] = Selected(value: value(low + UInt64(bucket)), atOrBelow: start + count)
                    }
                }
                return
            }
            var slots = [Int](repeating: -1, count: bucketCount), offsets: [Int] = []
            var total = 0
            for (slot, bucket) in buckets.enumerated() {
                slots[bucket.bucket] = slot
                offsets.append(total)
                total += bucket.count
            }
            var gathered = [UInt64](repeating: 0, count: total)
            var lows = [UInt64](repeating: .max, count: buckets.count), highs = [UInt64](repeating: .min, count: buckets.count)
            var writes = offsets
            gathered.withUnsafeMutableBufferPointer { gathered in
                slots.withUnsafeBufferPointer { slots in
                    writes.withUnsafeMutableBufferPointer { writes in
                        lows.withUnsafeMutableBufferPointer { lows in
                            highs.withUnsafeMutableBufferPointer { highs in
                                for key in keys {
                                    let slot = slots[Int((key &- low) >> UInt64(shift))]
                                    guard slot >= 0 else { continue }
                                    gathered[writes[slot]] = key
                                    writes[slot] += 1
                                    lows[slot] = Swift.min(lows[slot], key)
                                    highs[slot] = Swift.max(highs[slot], key)
                                }
                            }
                        }
                    }
                }
            }
            gathered.withUnsafeBufferPointer { gathered in
                for (slot, bucket) in buckets.enumerated() {
                    let part = UnsafeBufferPointer(rebasing: gathered[offsets[slot]..<(offsets[slot] + bucket.count)])
                    refine(part, low: lows[slot], high: highs[slot], below: bucket.start, ranks: ranks[bucket.ranks],
                           into: &selected)
                }
            }
        }

        /// Bits a level of ``refine`` sorts by: 4,096 counts, which stay in the first-level cache.
        static let radixBits = 12

        @inline(__always)
        static func key(_ value: Double) -> UInt64 {
            let bits = value.bitPattern
            return bits >> 63 == 1 ? ~bits : bits | (1 << 63)
        }

        @inline(__always)
        static func value(_ key: UInt64) -> Double {
            Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key)
        }
    }
}
