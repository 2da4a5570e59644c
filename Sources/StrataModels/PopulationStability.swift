import Foundation
import StrataLinearAlgebra

/// The population stability index (PSI): how far one variable's distribution in a current sample has moved
/// from a reference sample (a model's training rows).
///
/// The reference is cut into bins at its own quantiles (deciles by default; ties merged, so a variable with
/// few distinct values gets fewer bins), and with `eᵢ` the reference's and `aᵢ` the current sample's share of
/// rows in bin `i`:
///
///     PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)
///
/// A share of zero is replaced by ``minimumShare`` (an empty bin would make the logarithm infinite). The index
/// is zero for identical shares and grows with any shift, in either direction. The usual reading
/// (``Band``): below 0.1 stable, 0.1 to 0.25 worth watching, above 0.25 a shift to act on.
public enum PopulationStability {
    /// The share an empty bin counts as.
    public static let minimumShare = 0.0001

    /// A variable's reference distribution, as a model file stores it: no rows, only cut points and shares.
    public struct Reference: Codable, Sendable, Equatable {
        /// The variable (a feature column, or `score`).
        public var name: String
        /// Ascending, distinct interior cut points: bin 0 is `x ≤ edges[0]`, bin `i` is
        /// `edges[i−1] < x ≤ edges[i]`, the last bin `x > edges.last`. Empty: one bin.
        public var edges: [Double]
        /// The reference's share of rows in each bin (`edges.count + 1` values summing to 1).
        public var shares: [Double]

        public init(name: String, edges: [Double], shares: [Double]) {
            self.name = name
            self.edges = edges
            self.shares = shares
        }
    }

    /// The reading of an index.
    public enum Band: String, Codable, Sendable, Comparable {
        /// PSI < 0.1.
        case stable
        /// 0.1 ≤ PSI ≤ 0.25.
        case watch
        /// PSI > 0.25.
        case act

        public init(_ index: Double) {
            self = index < 0.1 ? .stable : index <= 0.25 ? .watch : .act
        }

        public static func < (lhs: Band, rhs: Band) -> Bool {
            let order: [Band] = [.stable, .watch, .act]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// The reference of `values` (non-finite values are left out): cut points at the `k/bins` quantiles,
    /// `k = 1 ... bins − 1` (the lower of the two middle values, `numpy.quantile(..., method="lower")`), repeated
    /// cut points merged.
    /// - Complexity: O(n) expected: the cut points are selected (``OrderStatistics/FiniteValues``), not sorted
    ///   for; a churn fit's reference sorted forty columns of a million values.
    public static func reference(name: String, values: [Double], bins: Int = 10) -> Reference {
        reference(name: name, finite: OrderStatistics.FiniteValues(values), bins: bins)
    }

    /// The reference of each column of `x`, named by `names` (one per column): what
    /// ``reference(name:values:bins:)`` gives for `x.column(j)`, with the columns read a few at a time in one
    /// pass over their rows instead of copied out one by one, the groups spread over `workers`.
    public static func references(_ x: Matrix<Double>, names: [String], bins: Int = 10,
                                  workers: Int = Parallel.processorCount) -> [Reference] {
        precondition(names.count == x.columns, "\(names.count) names for a matrix of \(x.columns) columns")
        // Four columns (32 bytes of a row) a task: more columns a pass keep more of each cache line read
        // but leave the last tasks unbalanced and hold more keys at once.
        let groups = Parallel.partition(names.count, into: Swift.max(1, (names.count + groupWidth - 1) / groupWidth))
        return Parallel.map(rangesOf: groups.count, workers: Swift.min(workers, groups.count)) { tasks in
            tasks.flatMap { task in
                zip(groups[task], OrderStatistics.FiniteValues.columns(of: x, groups[task])).map { column, finite in
                    reference(name: names[column], finite: finite, bins: bins)
                }
            }
        }.flatMap { $0 }
    }

    /// Columns a task of ``references(_:names:bins:workers:)`` reads together.
    static let groupWidth = 4

    /// The reference of `finite`: the cut points are selected with the number of values at or below each,
    /// and a bin's count is the difference of its two cut points' counts, so no second pass bins the values.
    static func reference(name: String, finite: OrderStatistics.FiniteValues, bins: Int) -> Reference {
        precondition(bins >= 1, "bins must be >= 1, got \(bins)")
        guard let maximum = finite.maximum else { return Reference(name: name, edges: [], shares: [1]) }
        let positions = (1..<max(bins, 1)).map { (finite.count - 1) * $0 / bins }
        var edges: [Double] = [], atOrBelow: [Int] = []
        for cut in finite.select(ranks: positions) {
            // A cut at the maximum would leave the last bin empty in the reference.
            if cut.value < maximum, edges.last != cut.value {
                edges.append(cut.value)
                atOrBelow.append(cut.atOrBelow)
            }
        }
        var shares: [Double] = [], previous = 0
        for count in atOrBelow + [finite.count] {
            shares.append(Double(count - previous) / Double(finite.count))
            previous = count
        }
        return Reference(name: name, edges: edges, shares: shares)
    }

    /// The share of `values` (finite ones) in each bin of `edges`.
    public static func shares(of values: [Double], edges: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var total = 0
        for value in values where value.isFinite {
            counts[bin(value, edges: edges)] += 1
            total += 1
        }
        guard total > 0 else { return counts.map { _ in 0 } }
        return counts.map { Double($0) / Double(total) }
    }

    /// The share of each column's finite values in each bin of that column's cut points: for column `j` of
    /// `x`, what ``shares(of:edges:)`` gives for `x.column(j)` and `edges[j]`, in one pass over the rows of
    /// the row-major matrix (no column copied out), the rows split across `workers`. Counts are whole numbers,
    /// so the shares do not depend on the split.
    /// - Parameter edges: ascending cut points of the first `edges.count` columns (at most `x.columns`).
    /// - Complexity: O(rows · Σⱼ edges[j].count).
    public static func columnShares(_ x: Matrix<Double>, edges: [[Double]], workers: Int = Parallel.processorCount) -> [[Double]] {
        precondition(edges.count <= x.columns, "\(edges.count) columns of cut points for a matrix of \(x.columns) columns")
        let columns = edges.count, width = x.columns, elements = x.elements
        // Every column's cut points in one array, and where each column's bins start among all the counts.
        let flatEdges = edges.flatMap { $0 }
        let edgeStarts = edges.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
        let binStarts = edges.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count + 1) }
        let binCount = binStarts[columns]
        let partial = Parallel.map(rangesOf: x.rows, workers: workers) { range -> (counts: [Int], totals: [Int]) in
            var counts = [Int](repeating: 0, count: binCount), totals = [Int](repeating: 0, count: columns)
            // Through pointers, without the arrays' bounds checks and reference counting on every element (the
            // refresh's cluster assignment with its drift check at 1M: 0.39 to 0.35 s).
            elements.withUnsafeBufferPointer { elements in
            flatEdges.withUnsafeBufferPointer { flatEdges in
            edgeStarts.withUnsafeBufferPointer { edgeStarts in
            binStarts.withUnsafeBufferPointer { binStarts in
            counts.withUnsafeMutableBufferPointer { counts in
            totals.withUnsafeMutableBufferPointer { totals in
                for row in range {
                    let base = row * width
                    for column in 0..<columns {
                        let value = elements[base + column]
                        guard value.isFinite else { continue }
                        // The number of cut points below the value, as ``bin(_:edges:)`` finds it: at most nine
                        // comparisons for deciles, without the branches of a binary search.
                        var bin = 0
                        for edge in edgeStarts[column]..<edgeStarts[column + 1] where flatEdges[edge] < value { bin += 1 }
                        counts[binStarts[column] + bin] += 1
                        totals[column] += 1
                    }
                }
            }}}}}}
            return (counts, totals)
        }
        var counts = [Int](repeating: 0, count: binCount), totals = [Int](repeating: 0, count: columns)
        for part in partial {
            for bin in 0..<binCount { counts[bin] += part.counts[bin] }
            for column in 0..<columns { totals[column] += part.totals[column] }
        }
        return (0..<columns).map { column in
            counts[binStarts[column]..<binStarts[column + 1]].map { totals[column] > 0 ? Double($0) / Double(totals[column]) : 0 }
        }
    }

    /// The bin of `value`: the number of cut points below it.
    @inline(__always)
    static func bin(_ value: Double, edges: [Double]) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if edges[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The index of `values` against `reference`.
    public static func index(_ reference: Reference, values: [Double]) -> Double {
        index(expected: reference.shares, actual: shares(of: values, edges: reference.edges))
    }

    /// `Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)` with zero shares raised to ``minimumShare``.
    public static func index(expected: [Double], actual: [Double]) -> Double {
        precondition(expected.count == actual.count, "expected \(expected.count) shares, got \(actual.count)")
        var sum = 0.0
        for (e, a) in zip(expected, actual) {
            let expectedShare = Swift.max(e, minimumShare), actualShare = Swift.max(a, minimumShare)
            sum += (actualShare - expectedShare) * Foundation.log(actualShare / expectedShare)
        }
        return sum
    }
}

/// What a model file keeps for drift: the reference of each input column and of the score, from the
/// training rows.
public struct DriftReference: Codable, Sendable, Equatable {
    /// The training rows' feature date.
    public var asOf: String
    public var rows: Int
    /// One per input column, in the schema's order.
    public var inputs: [PopulationStability.Reference]
    /// The model's score (churn probability) on the training rows; nil for models without a score.
    public var score: PopulationStability.Reference?

    public init(asOf: String, rows: Int, inputs: [PopulationStability.Reference], score: PopulationStability.Reference?) {
        self.asOf = asOf
        self.rows = rows
        self.inputs = inputs
        self.score = score
    }
}
