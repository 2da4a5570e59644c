/// Rank rules: where a patient's value stands among the frame's patients, so that "high-value" can mean the
/// clinic's own top patients rather than a fixed amount.
///
/// The population of a rank is the frame's patients with a value for the ranked expression (`n` of them);
/// patients without one are missing (unknown) in every rank test, as in any other test.
///
/// - `x in top p%` selects every patient whose value is at least the k-th largest, k = ⌈p·n/100⌉ (a product
///   within 1e-9 of a whole number counts as that number, so `top 2.2%` of 1,500 patients is 33, not 34, though
///   2.2 · 1500 / 100 is 33.00000000000001 in binary). It is
///   `x >= t` with t that k-th largest value. **Ties at t are all in**: when patients share the value t, the
///   rank selects more than k of them rather than an arbitrary part; the patients above t are always fewer
///   than k. Without ties at t it selects exactly k.
/// - `x in bottom p%` is the mirror: every patient whose value is at most the k-th smallest (`x <= t`).
/// - `x not in top p%` is `not (x in top p%)`: still unknown without a value.
/// - `percentile(x)` = 100 · (patients with a value at or below x) / n: the highest value is at 100, the
///   lowest at 100/n, tied patients share one percentile. `percentile(x) > 100 - p` selects exactly the
///   patients of `x in top p%` (for p whose 100 - p is exact in binary, such as whole percentages).
///
/// Numbers and dates rank (`last_visit in top 10%`: the most recent visits). The population is evaluated
/// once when the rule is bound (one sort, O(n log n)); each patient's test is then a comparison (a binary
/// search for `percentile`).
enum RankDirection: String, Sendable {
    case top, bottom
}

/// The sorted values of a ranked expression over the frame's patients that have one.
struct RankPopulation {
    /// Ascending; dates as day numbers. NaN (a sum such as ∞ − ∞) counts as no value.
    let sorted: [Double]

    init(_ evaluate: RuleBinder.Evaluator, patientCount: Int) {
        var values: [Double] = []
        values.reserveCapacity(patientCount)
        for row in 0..<patientCount {
            if let value = Self.number(evaluate(row)) { values.append(value) }
        }
        sorted = values.sorted()
    }

    /// A number or a date as a number; nil for a missing value or NaN.
    static func number(_ value: RuleValue?) -> Double? {
        switch value {
        case let .number(x)?: x.isNaN ? nil : x
        case let .date(day)?: Double(day)
        default: nil
        }
    }

    /// k = ⌈percent·n/100⌉, with a product within 1e-9 (relative) of a whole number taken as that number; at
    /// least 1 and at most n for n ≥ 1.
    static func rankCount(percent: Double, of n: Int) -> Int {
        let exact = percent * Double(n) / 100
        let nearest = exact.rounded()
        let count = abs(exact - nearest) <= 1e-9 * max(1, nearest) ? nearest : exact.rounded(.up)
        return min(max(Int(count), 1), n)
    }

    /// The value a `top` or `bottom` rank compares with: the k-th largest or the k-th smallest; nil when no
    /// patient has a value.
    func threshold(_ direction: RankDirection, percent: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let k = Self.rankCount(percent: percent, of: sorted.count)
        return direction == .top ? sorted[sorted.count - k] : sorted[k - 1]
    }

    /// 100 · (values ≤ `value`) / n.
    func percentile(of value: Double) -> Double {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return 100 * Double(low) / Double(sorted.count)
    }
}

extension RuleBinder {
    /// `value in top p%` / `value in bottom p%` (negated: `not in`), over the frame's patients with a value.
    func bindRank(_ value: RuleExpression, _ direction: RankDirection, percent: Double, negated: Bool,
                  _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        let ranked = try bind(value)
        guard ranked.type == .number || ranked.type == .date else {
            throw fail(value.location, "'in \(direction.rawValue)' ranks numbers or dates, found \(ranked.type.words)")
        }
        let evaluate = ranked.evaluate
        let threshold = RankPopulation(evaluate, patientCount: frame.patientCount).threshold(direction, percent: percent)
        return Bound(type: .flag) { i in
            guard let threshold, let x = RankPopulation.number(evaluate(i)) else { return nil }
            let inside = direction == .top ? x >= threshold : x <= threshold
            return .flag(inside != negated)
        }
    }

    /// `percentile(value)`: see ``RankPopulation/percentile(of:)``.
    func bindPercentile(_ argument: RuleExpression) throws(RuleError) -> Bound {
        let ranked = try bind(argument)
        guard ranked.type == .number || ranked.type == .date else {
            throw fail(argument.location, "'percentile' ranks a number or a date, found \(ranked.type.words); write it as \(RuleFunction.percentile.example)")
        }
        let evaluate = ranked.evaluate
        let population = RankPopulation(evaluate, patientCount: frame.patientCount)
        return Bound(type: .number) { i in
            RankPopulation.number(evaluate(i)).map { .number(population.percentile(of: $0)) }
        }
    }
}
