import StrataData
import StrataSegments
import Testing

/// A frame whose `x` holds `values` (nil: missing).
private func frame(_ values: [Double?]) -> SegmentFrame {
    var frame = SegmentFrame(patientCount: values.count, asOf: Day(year: 2025, month: 6, day: 30)!)
    frame.set("x", .number(values))
    return frame
}

private func members(_ rule: String, _ frame: SegmentFrame) throws -> [Int] {
    try SegmentRule(rule).bind(to: frame).members(of: frame)
}

private func ruleError(_ rule: String, _ frame: SegmentFrame) -> RuleError? {
    do { _ = try SegmentRule(rule).bind(to: frame) } catch { return error }
    return nil
}

/// A percentage as a fraction `numerator / denominator` of 100, so the expected counts are integer arithmetic.
private let percentages: [(text: String, numerator: Int, denominator: Int)] = [
    ("1", 1, 1), ("5", 5, 1), ("10", 10, 1), ("12.5", 125, 10), ("25", 25, 1), ("33", 33, 1), ("50", 50, 1),
    ("90", 90, 1), ("99", 99, 1), ("100", 100, 1),
]

@Suite("Rank rules")
struct RankRuleTests {
    /// Worked by hand on ten patients with the values 1...10 (one missing):
    /// top 10% of the 9 with a value is ⌈0.9⌉ = 1 patient (the 10); bottom 25% is ⌈2.25⌉ = 3 (1, 2, 3).
    @Test func handWorkedExamples() throws {
        let f = frame([5, 1, 10, nil, 7, 3, 2, 9, 8, 4].map { $0.map(Double.init) })
        #expect(try members("x in top 10%", f) == [2])
        #expect(try members("x in bottom 25%", f) == [1, 5, 6])
        // Top 50% of 9: ⌈4.5⌉ = 5 patients, the values 10, 9, 8, 7, 5.
        #expect(try members("x in top 50%", f) == [0, 2, 4, 7, 8])
        // `not in` is the complement among patients with a value; the missing one is in neither.
        #expect(try members("x not in top 50%", f) == [1, 5, 6, 9])
        #expect(try members("x in TOP 100%", f) == [0, 1, 2, 4, 5, 6, 7, 8, 9])
        // percentile: 100 · (values ≤ x) / 9; the 10 is at 100, the 9 at 800/9 = 88.9, the 1 at 11.1.
        #expect(try members("percentile(x) = 100", f) == [2])
        #expect(try members("percentile(x) > 88 and percentile(x) < 89", f) == [7])
        #expect(try members("percentile(x) is missing", f) == [3])
        // Ranks of a sum, and in a larger rule.
        #expect(try members("x + 100 in top 10%", f) == [2])
        #expect(try members("x in top 50% and x in bottom 50%", f) == [0])
    }

    /// Ties at the threshold are all in: with the values 5, 5, 5, 1, top 25% (⌈1⌉ = 1 patient) selects all
    /// three 5s; bottom 25% selects the 1 alone.
    @Test func tiesAtTheThresholdAreAllIn() throws {
        let f = frame([5, 5, 1, 5])
        #expect(try members("x in top 25%", f) == [0, 1, 3])
        #expect(try members("x in bottom 25%", f) == [2])
        #expect(try members("x in bottom 50%", f) == [0, 1, 2, 3])  // ⌈2⌉ = 2: the 1 and then 5, tied with all
        #expect(try members("percentile(x) = 100", f) == [0, 1, 3])
        #expect(try members("percentile(x) = 25", f) == [2])
    }

    /// `top 10%` of 30 patients is 3; of 31 it is ⌈3.1⌉ = 4. `top 2.2%` of 1,500 is 33, though 2.2 · 1500 / 100
    /// is 33.00000000000001 in binary (found by searching p = 0.1 ... 99.9, n ≤ 3000 for a product that
    /// is a whole number but not in floating point).
    @Test func wholeCountsAreNotRoundedUp() throws {
        #expect(try members("x in top 2.2%", frame((1...1500).map(Double.init))) == Array(1467..<1500))
        #expect(try members("x in top 10%", frame((1...30).map(Double.init))).count == 3)
        #expect(try members("x in top 10%", frame((1...31).map(Double.init))).count == 4)
        #expect(try members("x in top 0.1%", frame((1...1000).map(Double.init))) == [999])
    }

    @Test func datesRankByDay() throws {
        var f = SegmentFrame(patientCount: 4, asOf: Day(year: 2025, month: 6, day: 30)!)
        f.set("last_visit", .date(["2025-06-01", "2024-01-01", nil, "2025-05-01"].map { $0.flatMap(SegmentFrame.day(fromISO:)) }))
        #expect(try members("last_visit in top 34%", f) == [0, 3])  // ⌈0.34 · 3⌉ = ⌈1.02⌉ = 2
        #expect(try members("last_visit in top 33%", f) == [0])  // ⌈0.99⌉ = 1: the most recent
        #expect(try members("last_visit in bottom 66%", f) == [1, 3])  // ⌈1.98⌉ = 2
    }

    @Test func nobodyWithAValueSelectsNobody() throws {
        let f = frame([nil, nil])
        #expect(try members("x in top 10%", f).isEmpty)
        #expect(try members("x not in top 10%", f).isEmpty)
        #expect(try members("percentile(x) >= 0", f).isEmpty)
        #expect(try members("x in top 10%", frame([])).isEmpty)
    }

    @Test(arguments: [
        ("x in top 0%", 10, "'top' needs a percentage above 0% and at most 100%, found 0%"),
        ("x in bottom 100.5%", 13, "'bottom' needs a percentage above 0% and at most 100%, found 100.5%"),
        ("x in top 10", 12, "expected '%' after 'top 10', found end of rule"),
        ("x in top x%", 10, "expected a percentage such as 10% after 'top', found field 'x'"),
        ("x in top -5%", 10, "expected a percentage such as 10% after 'top', found '-'"),
        ("x in top", 9, "expected a percentage such as 10% after 'top', found end of rule"),
        ("x % 2", 3, "unexpected '%'; expected 'and', 'or' or the end of the rule"),
    ])
    func badRanksNameTheirColumn(_ rule: String, _ column: Int, _ message: String) throws {
        #expect(throws: RuleError.self) { try SegmentRule(rule) }
        do { _ = try SegmentRule(rule) } catch {
            #expect(error.location.column == column, "\(error)")
            #expect(error.message == message, "\(error)")
        }
    }

    @Test func ranksNeedNumbersOrDates() throws {
        var f = frame([1, 2])
        f.set("sex", .text(["female", "male"]))
        #expect(ruleError("sex in top 10%", f)?.message == "'in top' ranks numbers or dates, found text")
        #expect(ruleError("percentile(sex) > 50", f)?.message
            == "'percentile' ranks a number or a date, found text; write it as percentile(total_amount)")
        #expect(ruleError("percentile(x, x) > 50", f)?.message == "'percentile' takes one argument, found 2; write it as percentile(total_amount)")
        #expect(ruleError("x in top 10%", f) == nil)
        // A field named `top` still works everywhere else.
        f.set("top", .number([1, 5]))
        #expect(try members("top > 2", f) == [1])
    }

    /// The reason a member is in lists the percentile it was selected by.
    @Test func reasonsShowThePercentile() throws {
        let f = frame([10, 20, 30, 40])
        let catalog = try SegmentCatalog([SegmentDefinition(name: "best", rule: "percentile(x) > 50", purpose: .marketing)])
        let best = try catalog.evaluate(f)[0]
        #expect(best.rows == [2, 3])
        #expect(best.reason(row: 3, in: f) == "x=40, percentile(x)=100")
        #expect(best.reason(row: 2, in: f) == "x=30, percentile(x)=75")
    }

    /// The property: on seeded frames with many ties and missing values, `x in top p%` selects
    /// k = ⌈p·n/100⌉ patients of the n with a value when no one else shares the k-th largest value, never
    /// fewer, and the patients strictly above it are fewer than k; it is exactly the rule `x >= t` with t
    /// the k-th largest value, computed here by sorting; the mirror holds for `bottom`; and
    /// `percentile(x) > 100 - p` selects the same patients as `top p%`.
    @Test(arguments: 0..<40)
    func topAndBottomSelectTheirShareAndEqualAThresholdRule(_ seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed))
        let count = Int.random(in: 0...80, using: &rng)
        // Few distinct values (many ties) on even seeds, all distinct on odd ones.
        let distinct = seed % 2 == 1
        var pool = Array(0..<max(count, 1)).shuffled(using: &rng)
        let values: [Double?] = (0..<count).map { i in
            if Int.random(in: 0..<6, using: &rng) == 0 { return nil }
            return distinct ? Double(pool.removeLast()) : Double(Int.random(in: 0..<6, using: &rng))
        }
        let f = frame(values)
        let present = values.compactMap { $0 }
        let n = present.count
        for percent in percentages {
            // k = ⌈numerator · n / (denominator · 100)⌉ in integers.
            let scaled = percent.numerator * n, per = percent.denominator * 100
            let k = (scaled + per - 1) / per
            let top = try members("x in top \(percent.text)%", f)
            let bottom = try members("x in bottom \(percent.text)%", f)
            guard n > 0 else {
                #expect(top.isEmpty && bottom.isEmpty)
                continue
            }
            let descending = present.sorted(by: >), ascending = present.sorted()
            let high = descending[k - 1], low = ascending[k - 1]
            let above = present.filter { $0 > high }.count, atOrAbove = present.filter { $0 >= high }.count
            #expect(top.count == atOrAbove && above < k && k <= atOrAbove, "seed \(seed), top \(percent.text)%")
            if distinct { #expect(top.count == k, "seed \(seed), top \(percent.text)% of \(n)") }
            let atLeastHigh = try members("x >= \(Int(high))", f), atMostLow = try members("x <= \(Int(low))", f)
            #expect(top == atLeastHigh, "seed \(seed), top \(percent.text)%")
            #expect(bottom == atMostLow, "seed \(seed), bottom \(percent.text)%")
            let below = present.filter { $0 < low }.count
            #expect(below < k && k <= bottom.count, "seed \(seed), bottom \(percent.text)%")
            if percent.denominator == 1 {
                let byPercentile = try members("percentile(x) > \(100 - percent.numerator)", f)
                #expect(top == byPercentile, "seed \(seed), \(percent.text)%")
            }
            // Missing values are in neither a rank nor its negation.
            let outside = try members("x not in top \(percent.text)%", f)
            #expect(Set(outside).isDisjoint(with: top) && outside.count + top.count == n)
        }
    }
}
