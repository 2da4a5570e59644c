import StrataData
import StrataSegments
import Testing

/// Four patients as of 2024-06-30 with their completed visits by service and their conditions:
///
/// | patient | visits | conditions |
/// |---|---|---|
/// | 0 | mammogram 2022-06-30, mammogram 2022-07-01, flu_shot 2023-10-02, flu_shot 2024-06-30 | diabetes since 2019-03-01 |
/// | 1 | diabetes_follow_up 2024-01-02 | none |
/// | 2 | none | diabetes with no onset date |
/// | 3 | flu_shot 2023-07-01 | E11.9 since 2024-06-01 |
///
/// `immunization` is a service the clinic offers that nobody has had.
private func clinic() -> SegmentFrame {
    var frame = SegmentFrame(patientCount: 4, asOf: Day(year: 2024, month: 6, day: 30)!)
    let day = { (iso: String) in SegmentFrame.day(fromISO: iso)! }
    frame.set("age", .number([52, 30, 8, nil]))
    frame.set("birth_date", .date([day("1972-01-15"), day("1994-03-01"), day("2016-02-29"), nil]))
    frame.setVisits(VisitHistory(
        services: ["mammogram", "flu_shot", "diabetes_follow_up", "immunization"],
        visits: [[("flu_shot", day("2024-06-30")), ("mammogram", day("2022-06-30")), ("flu_shot", day("2023-10-02")),
                  ("mammogram", day("2022-07-01"))],
                 [("diabetes_follow_up", day("2024-01-02"))],
                 [],
                 [("flu_shot", day("2023-07-01"))]]))
    var onsets = ConditionOnsets()
    onsets.record("diabetes", patient: 0, day: day("2019-03-01"), patientCount: 4)
    onsets.record("diabetes", patient: 2, day: nil, patientCount: 4)
    onsets.record("E11.9", patient: 3, day: day("2024-06-01"), patientCount: 4)
    onsets.declare("pregnancy", patientCount: 4)
    frame.onsets = onsets
    return frame
}

private func members(_ rule: String) throws -> [Int] {
    let frame = clinic()
    return try SegmentRule(rule).bind(to: frame).members(of: frame)
}

private func bindingError(_ rule: String) -> RuleError? {
    do { _ = try SegmentRule(rule).bind(to: clinic()); return nil } catch { return error }
}

@Suite("Rule functions: when")
struct RuleFunctionTests {
    @Test(arguments: [
        // The last mammogram of patient 0 is 2022-07-01; as_of - 2y is 2022-06-30.
        ("last_visit_for('mammogram') = 2022-07-01", [0]),
        ("last_visit_for('mammogram') > as_of - 2y", [0]),
        // Patients 1-3 have no mammogram: missing, so neither < nor >= selects them.
        ("last_visit_for('mammogram') < as_of - 1y", [0]),
        ("not last_visit_for('mammogram') < as_of - 1y", []),
        ("last_visit_for('mammogram') is missing", [1, 2, 3]),
        ("last_visit_for('mammogram') is missing or last_visit_for('mammogram') < as_of - 1y", [0, 1, 2, 3]),
        // Any of a list: patient 0's latest is the flu shot on the as-of day itself.
        ("last_visit_for(['mammogram', 'flu_shot']) = as_of", [0]),
        ("last_visit_for(['diabetes_follow_up', 'flu_shot']) >= 2024-01-01", [0, 1]),
        ("as_of - last_visit_for('diabetes_follow_up') > 150d", [1]),  // 180 days
        ("last_visit_for('immunization') is missing", [0, 1, 2, 3]),
    ])
    func lastVisitFor(_ rule: String, _ expected: [Int]) throws {
        #expect(try members(rule) == expected)
    }

    /// Windows end at the as-of day and include it: `(as_of - window, as_of]`.
    @Test(arguments: [
        // 365d: 2023-07-02 ... 2024-06-30. Patient 0: 2023-10-02 and 2024-06-30; patient 3's 2023-07-01 is out.
        ("visits_for(['flu_shot'], 365d) = 2", [0]),
        ("visits_for(['flu_shot'], 365d) = 0", [1, 2, 3]),
        // 1y back is 2023-06-30, so 2023-07-01 is inside (days 2023-07-01 ... 2024-06-30).
        ("visits_for('flu_shot', 1y) = 1", [3]),
        // 2y back is 2022-06-30, excluded; 2022-07-01 is the first day in.
        ("visits_for('mammogram', 2y) = 1", [0]),
        ("visits_for('mammogram', 2y) = 0", [1, 2, 3]),
        ("visits_for('mammogram', 731d) = 1", [0]),  // 731 days back is 2022-06-30 itself
        ("visits_for('mammogram', 732d) = 2", [0]),
        ("visits_for('mammogram') = 2", [0]),
        ("visits_for(['mammogram', 'flu_shot']) >= 3", [0]),
        ("visits_for('diabetes_follow_up', 26w) = 1", [1]),  // 182 days: 2024-01-01 ... 2024-06-30
        ("visits_for('diabetes_follow_up', 180d) = 1", []),  // 2024-01-03 ... 2024-06-30
    ])
    func visitsFor(_ rule: String, _ expected: [Int]) throws {
        #expect(try members(rule) == expected)
    }

    @Test(arguments: [
        ("condition_onset('diabetes') < 2020-01-01", [0]),
        ("condition_onset('diabetes') is missing", [1, 2, 3]),  // patient 2 has it, with no known onset
        ("condition_onset('E11.9') >= as_of - 30d", [3]),
        ("condition_onset('pregnancy') is missing", [0, 1, 2, 3]),
    ])
    func conditionOnset(_ rule: String, _ expected: [Int]) throws {
        #expect(try members(rule) == expected)
    }

    /// The immunization rule of the template: birthdays as dates; 2016-02-29 + 8y is 2024-02-29.
    @Test func birthdaysAsDates() throws {
        #expect(try members("birth_date + 8y = 2024-02-29") == [2])
        #expect(try members("age between 4 and 10 and (last_visit_for('immunization') is missing or last_visit_for('immunization') < birth_date + 4y)") == [2])
    }

    @Test(arguments: [
        ("last_visit_for('mamogram') is missing", 16, "unknown service 'mamogram'; did you mean 'mammogram'?"),
        ("visits_for(['flu_shot', 'flushot'], 1y) = 0", 25, "unknown service 'flushot'; did you mean 'flu_shot'?"),
        ("last_visits_for('mammogram') is missing", 1, "unknown function 'last_visits_for'; did you mean 'last_visit_for'?"),
        ("condition_onset('diabetis') < as_of", 17, "unknown condition 'diabetis'; did you mean 'diabetes'?"),
        ("last_visit_for(3) is missing", 16, "'last_visit_for' needs a service name or a list of them"),
        ("last_visit_for(['mammogram', 3]) is missing", 30, "'last_visit_for' needs service names in quotes, found 3"),
        ("last_visit_for([]) is missing", 16, "'last_visit_for' needs at least one service, found an empty list"),
        ("last_visit_for('mammogram', 1y) is missing", 1, "'last_visit_for' takes one argument, found 2"),
        ("visits_for() = 0", 1, "'visits_for' takes one or two arguments, found 0"),
        ("visits_for('flu_shot', 365) = 0", 24, "the window of 'visits_for' must be a duration such as 365d, 26w, 6m or 2y; found 365"),
        ("visits_for('flu_shot', 0d) = 0", 24, "the window of 'visits_for' must be at least one day, found 0d"),
        ("condition_onset('e11.9') < as_of", 17, "unknown condition 'e11.9'; did you mean 'E11.9'?"),  // codes as written
        ("condition_onset(['diabetes']) < as_of", 17, "'condition_onset' needs a condition code, description or group in quotes"),
        // Types: a date is not a number, a count is not a date, and the functions are not yes/no tests.
        ("last_visit_for('mammogram') > 2", 1, "cannot compare a date with a number"),
        ("visits_for('mammogram') < as_of - 2y", 1, "cannot compare a number with a date"),
        ("visits_for('mammogram') > 30d", 1, "is a plain number, not a number of days"),
        ("last_visit_for('mammogram')", 1, "a rule must be a yes/no test, but this is a date"),
        ("last_visit_for('mammogram') + 1 > as_of", 1, "cannot add a number to a date"),
    ])
    func bindingErrors(_ rule: String, _ column: Int, _ message: String) throws {
        let error = try #require(bindingError(rule))
        #expect(error.location.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error.message)")
    }

    /// A service or condition the export does not have at all, and that is no typo of one it has (a template's
    /// mammograms in a dental practice), matches nothing, and the binding says so instead of failing.
    @Test func namesTheExportDoesNotHaveMatchNothingWithANote() throws {
        let frame = clinic()
        let rule = try SegmentRule("visits_for(['colonoscopy', 'flu_shot'], 1y) = 0 and last_visit_for('colonoscopy') is missing")
        let bound = try rule.bind(to: frame)
        #expect(bound.members(of: frame) == [1, 2])  // patients 0 and 3 had flu shots in the year
        #expect(bound.notes == ["service 'colonoscopy' is in no appointment of the export, so no patient has a visit for it"])
        let onset = try SegmentRule("condition_onset('glaucoma') is missing").bind(to: frame)
        #expect(onset.members(of: frame) == [0, 1, 2, 3])
        #expect(onset.notes == ["condition 'glaucoma' is neither in the export's conditions nor a condition group, so no patient has it"])
        #expect(try SegmentRule("visits_for('flu_shot') > 0").bind(to: frame).notes.isEmpty)
    }

    @Test(arguments: [
        ("last_visit_for('mammogram' is missing", 28, "expected ')' to close the one at column 15"),
        ("visits_for('flu_shot',) = 0", 23, "expected a value"),
    ])
    func syntaxErrors(_ rule: String, _ column: Int, _ message: String) {
        do {
            _ = try SegmentRule(rule)
            Issue.record("\(rule) parsed")
        } catch {
            #expect(error.location.column == column, "\(error)")
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    /// A call's parenthesis counts toward the nesting limit like any other.
    @Test func callsCountTowardTheNestingLimit() {
        let nested = String(repeating: "(", count: SegmentRule.maximumNesting - 1) + "last_visit_for('mammogram') is missing"
            + String(repeating: ")", count: SegmentRule.maximumNesting - 1)
        let tooDeep = "(" + nested + ")"
        #expect((try? SegmentRule(nested)) != nil)
        #expect(throws: RuleError.self) { try SegmentRule(tooDeep) }
    }
}
