import StrataData
import StrataSegments
import Testing

/// A five-patient frame, as of 2024-06-30, with the kinds of fields the refresh provides.
private func clinic() -> SegmentFrame {
    var frame = SegmentFrame(patientCount: 5, asOf: Day(year: 2024, month: 6, day: 30)!)
    let day = { (iso: String?) in iso.flatMap(SegmentFrame.day(fromISO:)) }
    frame.set("age", .number([45, 8, 67, 30, 52]))
    frame.set("sex", .text(["female", "male", "female", nil, "male"]))
    frame.set("completed_visits", .number([1, 6, 12, 0, 3]))
    frame.set("days_since_last_visit", .number([20, 400, 95, nil, 200]))
    frame.set("last_visit", .date([day("2024-06-10"), day("2023-05-27"), day("2024-03-27"), nil, day("2023-12-13")]))
    frame.set("last_mammogram", .date([nil, nil, day("2022-01-10"), nil, nil]))
    frame.set("churn_score", .number([0.2, 0.85, 0.1, nil, 0.65]))
    frame.set("conditions", .list([[], ["asthma"], ["diabetes", "hypertension"], [], ["diabetes"]]))
    frame.set("lead_interest", .text([nil, nil, nil, "invisalign", "braces"]))
    frame.set("cluster", .text(["new, young", "lapsed, high no-show", "regular", nil, "lapsed, high no-show"]))
    frame.set("has_upcoming_appointment", .flag([true, false, false, nil, false]))
    return frame
}

private func members(_ rule: String) throws -> [Int] {
    let frame = clinic()
    return try SegmentRule(rule).bind(to: frame).members(of: frame)
}

@Suite("Segment rules")
struct SegmentRuleTests {
    /// The examples the documentation carries, each with the patients it must select.
    @Test(arguments: [
        ("completed_visits = 1 and last_visit >= as_of - 90d", [0]),                       // new, no second visit
        ("last_visit < as_of - 6m", [1, 4]),                                               // inactive 6 months
        ("last_visit < as_of - 12m", [1]),                                                 // inactive 12 months
        ("completed_visits >= 3 and days_since_last_visit <= 180d", [2]),                  // regulars
        ("churn_score >= 0.6", [1, 4]),                                                    // churn risk
        ("sex = 'female' and age >= 40 and (last_mammogram is missing or last_mammogram < as_of - 1y)", [0, 2]),
        ("age < 18", [1]),                                                                 // children
        ("conditions contains \"diabetes\"", [2, 4]),                                      // diabetics
        ("lead_interest = 'invisalign'", [3]),
        ("lead_interest in ['braces', 'invisalign'] and not lead_interest = 'invisalign'", [4]),
        ("cluster = \"lapsed, high no-show\"", [1, 4]),
        ("age between 40 and 60", [0, 4]),
        ("sex not in ['male']", [0, 2]),
        ("has_upcoming_appointment", [0]),
        ("last_visit between 2024-01-01 and as_of", [0, 2]),
        ("as_of - last_visit > 365", [1]),
        ("days_since_last_visit is missing", [3]),
        ("TRUE or churn_score > 0.5", [0, 1, 2, 3, 4]),
    ])
    func documentedExamples(_ rule: String, _ expected: [Int]) throws {
        #expect(try members(rule) == expected)
    }

    /// Unknown is neither in nor out: `not` of a test on a missing value stays unknown.
    @Test func threeValuedLogic() throws {
        #expect(try members("churn_score > 0.5") == [1, 4])
        #expect(try members("not churn_score > 0.5") == [0, 2])  // patient 3 (no score) in neither
        #expect(try members("churn_score > 0.5 or age > 60") == [1, 2, 4])
        #expect(try members("churn_score > 0.5 or age < 40") == [1, 3, 4])  // true or unknown = true
        // unknown and false = false, so its negation is true even for patient 3, who has no score.
        #expect(try members("not (churn_score > 0.5 and age > 100)") == [0, 1, 2, 3, 4])
        // unknown and true = unknown: patient 3 stays out.
        #expect(try members("not (churn_score > 0.5 and age > 10)") == [0, 1, 2])
        #expect(try members("churn_score is not missing") == [0, 1, 2, 4])
    }

    /// Months and years step the calendar, clamping the day (leap years included).
    @Test func calendarDurations() throws {
        var frame = SegmentFrame(patientCount: 1, asOf: Day(year: 2024, month: 3, day: 31)!)
        frame.set("d", .date([SegmentFrame.day(fromISO: "2024-02-29")]))
        let equal = { (rule: String) in try SegmentRule(rule).bind(to: frame).matches(0) }
        #expect(try equal("d = as_of - 1m"))
        #expect(try equal("d - 1y = 2023-02-28"))
        #expect(try equal("d + 1y = 2025-02-28"))
        #expect(try equal("d + 4y = 2028-02-29"))
        #expect(try equal("as_of - 2w = 2024-03-17"))
        #expect(try equal("as_of + 1m = 2024-04-30"))
        #expect(try equal("as_of - 14m = 2023-01-31"))
    }

    @Test(arguments: [
        ("days_since_last_vist > 180", 1, "unknown field 'days_since_last_vist'; did you mean 'days_since_last_visit'?"),
        ("age > 'forty'", 1, "cannot compare a number with text"),
        ("sex < 'm'", 1, "'<' needs numbers or dates; text can only be compared with = or !="),
        ("age > 40 and", 13, "expected a value (a field, number, text, date or duration), found end of rule"),
        ("(age > 40", 10, "expected ')' to close the one at column 1, found end of rule"),
        ("lead_interest = 'braces", 17, "text starting here has no closing '"),
        ("last_visit < 2023-02-29", 14, "'2023-02-29' is not a valid date (YYYY-MM-DD)"),
        ("age + 1", 1, "a rule must be a yes/no test, but this is a number"),
        ("days_since_last_visit > 6m", 25, "only durations in days (d) or weeks (w) compare with numbers; months and years have no fixed length"),
        ("age in [1, 'two']", 12, "a list holds one kind of value: a number before, text here"),
        ("conditions contains 3", 1, "a list of text cannot contain a number"),
        ("age > 40 age", 10, "unexpected field 'age'; expected 'and', 'or' or the end of the rule"),
        ("age > 40; drop table patients", 9, "unexpected character ';'"),
        ("sex = 'female' and 12abc", 20, "'12abc' is not a number or a duration (units: d, w, m, y)"),
    ])
    func errorsPointAtTheColumn(_ rule: String, _ column: Int, _ message: String) {
        do {
            _ = try SegmentRule(rule).bind(to: clinic())
            Issue.record("'\(rule)' was accepted")
        } catch {
            #expect(error.location.column == column, "\(rule)")
            #expect(error.message == message, "\(rule)")
            #expect(error.description.contains("\n  \(rule)\n"))
        }
    }

    @Test func caretLineUnderlinesTheProblem() {
        let error = #expect(throws: RuleError.self) { try SegmentRule("age > 40 and sexx = 'f'").bind(to: clinic()) }
        #expect(error?.description == """
            column 14: unknown field 'sexx'; did you mean 'sex'?
              age > 40 and sexx = 'f'
                           ^^^^
            """)
    }

    @Test func fieldNamesInOrder() throws {
        #expect(try SegmentRule("age > 40 and (sex = 'female' or age < 10) and churn_score > 0.5").fieldNames == ["age", "sex", "churn_score"])
    }
}
