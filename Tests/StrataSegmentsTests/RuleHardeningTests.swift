import Foundation
import StrataData
import StrataSegments
import Testing

/// Four patients as of 2024-06-30: a yes/no field `f`, ages, visit dates and a day count.
private func frame() -> SegmentFrame {
    var frame = SegmentFrame(patientCount: 4, asOf: Day(year: 2024, month: 6, day: 30)!)
    let day = { (iso: String?) in iso.flatMap(SegmentFrame.day(fromISO:)) }
    frame.set("f", .flag([true, false, nil, false]))
    frame.set("age", .number([45, 8, 67, nil]))
    frame.set("last_visit", .date([day("2024-06-10"), day("2023-05-27"), nil, day("1960-01-01")]))
    frame.set("days_since_last_visit", .number([20, 400, nil, 23_557]))
    frame.set("tenure_days", .number([100, 1000, 10, nil]))
    return frame
}

private func members(_ rule: String) throws -> [Int] {
    let frame = frame()
    return try SegmentRule(rule).bind(to: frame).members(of: frame)
}

/// The error a rule gets when parsed and bound to `frame()`, or nil when it is accepted.
private func ruleError(_ rule: String) -> RuleError? {
    do {
        _ = try SegmentRule(rule).bind(to: frame())
        return nil
    } catch {
        return error
    }
}

/// `term` joined `count` times by `joiner`, e.g. `f or f or f`.
private func chain(_ term: String, _ joiner: String, _ count: Int) -> String {
    Array(repeating: term, count: count).joined(separator: " \(joiner) ")
}

@Suite("Rule limits and ranges")
struct RuleHardeningTests {
    // MARK: Nesting and size (issue 16, row 4): a hostile rule gets an error, never a stack overflow.

    @Test(arguments: ["(", "[", "not "])
    func tenThousandNestingLevelsAreRejected(_ opener: String) throws {
        let closer = opener == "(" ? ")" : opener == "[" ? "]" : ""
        let rule = String(repeating: opener, count: 10_000) + "f" + String(repeating: closer, count: 10_000)
        let error = try #require(ruleError(rule))
        let limit = SegmentRule.maximumNesting
        // The opener that starts level 33 is the one pointed at.
        #expect(error.location.column == limit * opener.count + 1)
        #expect(error.message == "'\(opener.trimmingCharacters(in: .whitespaces))' opens level \(limit + 1) of nesting; a rule nests at most \(limit) levels of '(', '[' and 'not'")
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let limit = SegmentRule.maximumNesting
        let deepest = String(repeating: "(", count: limit) + "f" + String(repeating: ")", count: limit)
        #expect(try members(deepest) == [0])
        // Every kind of level at once: `not`, `(` and the list of `in`.
        #expect((limit / 2 - 1) % 2 == 1)
        let mixed = String(repeating: "not (", count: limit / 2 - 1) + "age in [45, 8]" + String(repeating: ")", count: limit / 2 - 1)
        // An odd number of `not`s: the negation of `age in [45, 8]`, unknown for patient 3, who has no age.
        #expect(try members(mixed) == [2])
        #expect(ruleError("(" + deepest + ")")?.location.column == limit + 1)
        // Problems are reported in reading order: the level too many comes before the bad character after it.
        for opener in ["(", "[", "not "] {
            #expect(ruleError(String(repeating: opener, count: limit + 1) + ";")?.location.column == limit * opener.count + 1)
        }
    }

    @Test(arguments: ["or", "and"])
    func sixtyThousandTermChainsAreRejected(_ joiner: String) throws {
        let error = try #require(ruleError(chain("f", joiner, 60_000)))
        // "f or " is 5 characters and 2 tokens: token 4001 is term 2001, at column 2000 * 5 + 1.
        #expect(error.message == "the rule has more than \(SegmentRule.maximumTokens) tokens (names, values and operators), the limit")
        #expect(error.location.column == (SegmentRule.maximumTokens / 2) * (joiner.count + 3) + 1)
    }

    @Test func sixtyThousandTermSumsAndListsAreRejected() throws {
        let sum = "last_visit < as_of" + String(repeating: " - 1d", count: 60_000)
        #expect(ruleError(sum)?.message == "the rule has more than \(SegmentRule.maximumTokens) tokens (names, values and operators), the limit")
        let list = "age in [" + Array(repeating: "1", count: 60_000).joined(separator: ",") + "]"
        #expect(ruleError(list)?.message == "the rule has more than \(SegmentRule.maximumTokens) tokens (names, values and operators), the limit")
    }

    @Test func overlongRulesAreRejectedBeforeTheyAreRead() throws {
        let limit = SegmentRule.maximumLength
        let rule = "f or age = '" + String(repeating: "x", count: limit) + "'"
        let error = try #require(ruleError(rule))
        #expect(error.message == "the rule is longer than \(limit) characters, the limit")
        #expect(error.location.column == limit + 1)
        // The printed error shows the part around the problem, not 20,000 characters.
        #expect(error.description.count < 400)
        #expect(error.description.hasPrefix("column \(limit + 1): the rule is longer than"))
    }

    /// The longest chains the limits allow parse, bind, evaluate, compare and print without deep recursion.
    @Test func chainsOfTheLargestAllowedSizeWork() throws {
        let tokens = SegmentRule.maximumTokens
        // `not f or f or ... or f`: 1 + (2 * terms - 1) tokens = the limit.
        let or = "not " + chain("f", "or", tokens / 2)
        #expect(try members(or) == [0, 1, 3])
        #expect(try SegmentRule(or) == SegmentRule(or))
        #expect(try SegmentRule(or).fieldNames == ["f"])
        #expect(ruleError(or + " or f")?.message == "the rule has more than \(tokens) tokens (names, values and operators), the limit")

        // `not f and not f ...`: 3 * terms - 1 tokens, just under the limit.
        let and = chain("not f", "and", (tokens + 1) / 3)
        #expect(try members(and) == [1, 3])

        // `last_visit + Nd`, N steps of `- 1d`, `= last_visit`: 3 + 2 * N + 2 tokens.
        let steps = (tokens - 5) / 2
        let sum = "last_visit + \(steps)d" + String(repeating: " - 1d", count: steps) + " = last_visit"
        #expect(try members(sum) == [0, 1, 3])

        let list = "age in [" + Array(repeating: "45", count: (tokens - 4) / 2).joined(separator: ",") + "]"
        #expect(try members(list) == [0])
    }

    /// Rules at the nesting limit, on a thread with a small stack (512 KiB, what secondary threads get on
    /// macOS) in a debug build, whose frames are the largest: nothing the limits allow recurses deeply
    /// enough to overflow it (they need less than 256 KiB). The second and third rules take the heaviest
    /// paths (every level inside a `between` bound or a list); they are rejected as type errors once
    /// bound, after the binder has gone all the way down.
    @Test func theDeepestAllowedRulesFitASmallStack() throws {
        let limit = SegmentRule.maximumNesting
        var valid = "f", throughBetween = "1"
        for level in 0..<limit {
            valid = level.isMultiple(of: 2) ? "(\(valid) or age between 1 and 2 + 3)" : "not \(valid)"
            throughBetween = "(age between \(throughBetween) and 2)"
        }
        let throughLists = "age in " + String(repeating: "[", count: limit) + "1" + String(repeating: "]", count: limit)
        let rules = [valid, throughBetween, throughLists]
        let outcomes = runOnSmallStack {
            rules.map { rule -> String in
                let frame = frame()
                do throws(RuleError) {
                    return try SegmentRule(rule).bind(to: frame).members(of: frame).description
                } catch {
                    return error.message
                }
            }
        }
        #expect(outcomes.count == 3)
        #expect(outcomes[0] == "[0]")
        #expect(outcomes[1] == "'between' needs three numbers or three dates, found a number, a yes/no value and a number")
        #expect(outcomes[2].hasPrefix("'in' compares a number with a list of a list of a list of"))
    }

    // MARK: Literal ranges (issue 16, row 5): an out-of-range literal is a parse error, never a trap.

    @Test(arguments: [
        ("last_visit < as_of + 9223372036854775807d", "9223372036854775807d", 3_652_425, "d"),
        ("last_visit < as_of + 9223372036854775807w", "9223372036854775807w", 521_775, "w"),
        ("last_visit < as_of - 9223372036854775807m", "9223372036854775807m", 120_000, "m"),
        ("last_visit < as_of + 9223372036854775807y", "9223372036854775807y", 10_000, "y"),
        ("days_since_last_visit > 9223372036854775807w", "9223372036854775807w", 521_775, "w"),
        ("days_since_last_visit > 9223372036854775808d", "9223372036854775808d", 3_652_425, "d"),
        ("last_visit > 1960-01-01 - 99999999999999999999999y", "99999999999999999999999y", 10_000, "y"),
        ("last_visit < as_of + 3652426d", "3652426d", 3_652_425, "d"),
        ("last_visit < as_of + 10001y", "10001y", 10_000, "y"),
    ])
    func durationsOutOfRangeAreRejected(_ rule: String, _ literal: String, _ maximum: Int, _ unit: String) throws {
        let error = try #require(ruleError(rule))
        #expect(error.message == "duration \(literal) is out of range: at most \(maximum)\(unit) (10000 years)")
        #expect(error.location.column == rule.distance(from: rule.startIndex, to: rule.range(of: literal)!.lowerBound) + 1)
        #expect(error.location.length == literal.count)
    }

    @Test func durationsAtTheLimitAndTheirSumsStayInRange() throws {
        #expect(try members("last_visit < as_of + 10000y") == [0, 1, 3])
        #expect(try members("last_visit > as_of - 3652425d") == [0, 1, 3])
        #expect(try members("days_since_last_visit < 521775w") == [0, 1, 3])
        #expect(try members("last_visit - 120000m < 1960-01-01") == [0, 1, 3])
        // Sums of the largest durations go millions of years past 9999 without overflowing.
        let far = "last_visit < as_of" + String(repeating: " + 10000y", count: 400)
        #expect(try members(far) == [0, 1, 3])
        let before = "last_visit > 1960-01-01" + String(repeating: " - 3652425d", count: 1_000)
        #expect(try members(before) == [0, 1, 3])
    }

    /// Dates a program put in a frame outside any calendar: stepping them is unknown, never a trap.
    @Test func extremeFrameDatesAreUnknownNotATrap() throws {
        var frame = SegmentFrame(patientCount: 3, asOf: Day(daysSince1970: 0))
        frame.set("d", .date([Int.max, Int.min, 0]))
        let expected: [(String, [Int])] = [
            ("d + 1d > as_of", [2]), ("d + 1d is missing", [0]), ("d - 1w < as_of", [2]), ("d - 1w is missing", [1]),
            ("d + 1m > as_of", [2]), ("d - 1y < as_of", [2]), ("d - 1y is missing", [0, 1]),
            ("d - as_of > 0", [0]), ("as_of - d > 0", []), ("as_of - d is missing", [1]),
        ]
        for (rule, rows) in expected {
            #expect(try SegmentRule(rule).bind(to: frame).members(of: frame) == rows, "\(rule)")
        }
        #expect(try SegmentRule("d = as_of + 1y - 12m").bind(to: frame).members(of: frame) == [2])
        // Reasons print such a date as a day number rather than trapping on the way to a calendar date.
        #expect(frame.describe(row: 0, fields: ["d"]) == "d=day 9223372036854775807")
        #expect(frame.describe(row: 2, fields: ["d"]) == "d=1970-01-01")
    }

    @Test func numbersBeyondDoubleAreRejected() throws {
        let digits = "1" + String(repeating: "0", count: 400)
        let error = try #require(ruleError("age < \(digits)"))
        #expect(error.message == "the number 1000000000… (401 digits) is out of range")
        #expect(error.location.column == 7)
        // Large but finite numbers and negative ones are fine.
        #expect(try members("age < 1" + String(repeating: "0", count: 300)) == [0, 1, 2])
        #expect(try members("age > -9223372036854775808") == [0, 1, 2])
    }

    // MARK: Rules that silently select nothing or the wrong thing (issue 16, row 18).

    @Test(arguments: [
        ("age between 60 and 10", 13, "'between' needs the lower bound first, but 60 is above 10"),
        ("age between -5 and -10", 13, "'between' needs the lower bound first, but -5 is above -10"),
        ("last_visit between 2024-12-31 and 2024-01-01", 20, "'between' needs the lower bound first, but 2024-12-31 is after 2024-01-01"),
        ("last_visit between as_of and as_of - 1y", 20, "'between' needs the lower bound first, but as_of is after as_of - 1y (2024-06-30 is after 2023-06-30)"),
    ])
    func betweenWithBoundsReversedIsRejected(_ rule: String, _ column: Int, _ message: String) throws {
        let error = try #require(ruleError(rule))
        #expect(error.message == message)
        #expect(error.location.column == column)
    }

    @Test func betweenWithLiteralBoundsReversedIsAParseError() throws {
        // Caught when the project is opened, before any export is read.
        #expect(throws: RuleError.self) { try SegmentRule("age between 60 and 10") }
        #expect(throws: SegmentDefinitionError.self) {
            try SegmentCatalog([SegmentDefinition(name: "seniors", rule: "age between 60 and 10", purpose: .care)])
        }
        #expect(try members("age between 45 and 45") == [0])
        #expect(try members("last_visit between as_of - 1y and as_of") == [0])
    }

    @Test(arguments: [
        ("age > 5d", 1, "'age' is a plain number, not a number of days, so it cannot be compared with the duration 5d"),
        ("5w <= age", 1, "'age' is a plain number, not a number of days, so it cannot be compared with the duration 5w"),
        ("age + 1 = 30d", 1, "'age + 1' is a plain number, not a number of days, so it cannot be compared with the duration 30d"),
        ("age != 30d", 1, "'age' is a plain number, not a number of days, so it cannot be compared with the duration 30d"),
    ])
    func durationsCompareOnlyWithNumbersOfDays(_ rule: String, _ column: Int, _ message: String) throws {
        let error = try #require(ruleError(rule))
        #expect(error.message == message)
        #expect(error.location.column == column)
    }

    @Test func numbersOfDaysStillCompareWithDurations() throws {
        #expect(try members("days_since_last_visit > 52w") == [1, 3])
        #expect(try members("tenure_days >= 100d") == [0, 1])
        #expect(try members("as_of - last_visit > 1w") == [0, 1, 3])
        #expect(try members("days_since_last_visit + 30 < 60d") == [0])
        #expect(try members("age > 5") == [0, 1, 2])
    }

    @Test(arguments: [
        (SegmentDefinition(name: "lapsed", rule: "age > 1", purpose: .care, exclude: ["lapsed"]),
         "segment 'lapsed': excludes itself, which would leave it always empty"),
        (SegmentDefinition(name: "lapsed", rule: "age > 1", purpose: .care, channels: ["email", "sms", "email"]),
         "segment 'lapsed': channel 'email' is listed twice"),
    ])
    func selfExclusionAndRepeatedChannelsAreRejected(_ definition: SegmentDefinition, _ message: String) {
        do {
            _ = try SegmentCatalog([definition])
            Issue.record("\(definition) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func repeatedExclusionsAreRejected() {
        let definitions = [
            SegmentDefinition(name: "a", rule: "age > 1", purpose: .care, exclude: ["b", "b"]),
            SegmentDefinition(name: "b", rule: "age > 50", purpose: .care),
        ]
        #expect(throws: SegmentDefinitionError(segment: "a", message: "excludes 'b' twice")) { try SegmentCatalog(definitions) }
    }

    /// Exclusions read the excluded segment's rule, not its members, so two segments that exclude each
    /// other are well defined: a patient matching both rules is in neither.
    @Test func mutualExclusionDropsTheOverlapFromBoth() throws {
        let catalog = try SegmentCatalog([
            SegmentDefinition(name: "adults", rule: "age >= 18", purpose: .care, exclude: ["outliers"]),
            SegmentDefinition(name: "outliers", rule: "age >= 60 or age < 10", purpose: .care, exclude: ["adults"]),
        ])
        let frame = frame()
        let segments = try catalog.evaluate(frame)
        // Ages 45, 8, 67 and missing: 67 matches both rules and is in neither.
        #expect(segments.map(\.rows) == [[0], [1]])
        #expect(catalog.exitReason(segments[0], row: 2, in: frame) == "excluded by segment 'outliers'")
        #expect(catalog.exitReason(segments[1], row: 2, in: frame) == "excluded by segment 'adults'")
    }
}

/// Runs `body` on a thread whose stack is 512 KiB and returns what it returned.
private func runOnSmallStack(_ body: @escaping @Sendable () -> [String]) -> [String] {
    final class Box: @unchecked Sendable { var result: [String] = [] }
    let box = Box()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.result = body()
        done.signal()
    }
    thread.stackSize = 512 * 1024
    thread.start()
    done.wait()
    return box.result
}
