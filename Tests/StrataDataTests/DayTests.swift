import Foundation
import StrataData
import Testing

/// `Day`: the leakage rule ("at or before the end of day T"), label windows `(T, T + n]`, and date arithmetic.
@Suite struct DayTests {
    // 2024-03-01 is day 19783: 54 years × 365 days + 13 leap days (1972 ... 2020) + 60 days of Jan and Feb 2024.
    let t = Day(year: 2024, month: 3, day: 1)!

    /// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`, read by the export's own timestamp parser.
    func timestamp(_ text: String) -> Int64 {
        let bytes = Array(text.utf8)
        return ByteParsing.isoTimestamp(bytes.span, 0, bytes.count)!
    }

    // MARK: The leakage rule

    @Test func anEventAtTheLastSecondOfTCountsAndOneAtMidnightAfterDoesNot() {
        #expect(t.daysSince1970 == 19_783)
        #expect(t.includes(timestamp("2024-03-01T23:59:59Z")))
        #expect(!t.includes(timestamp("2024-03-02T00:00:00Z")))
        #expect(t.includes(timestamp("2024-03-01T00:00:00Z")))
        #expect(t.includes(timestamp("2019-06-15T12:00:00Z")))  // anything earlier counts too
    }

    @Test func theCutOffIsTheFirstSecondOfTheNextDay() {
        #expect(t.endTimestamp == timestamp("2024-03-02T00:00:00Z"))
        #expect(t.endTimestamp == (19_783 + 1) * 86_400)
        #expect(t.endTimestamp == t.next.startTimestamp)
        #expect(t.startTimestamp == timestamp("2024-03-01T00:00:00Z"))
        #expect(Day(containing: t.endTimestamp - 1) == t)
        #expect(Day(containing: t.endTimestamp) == t.next)
    }

    // MARK: Label windows

    @Test func aLabelWindowExcludesTAndIncludesTheLastSecondOfTPlusHorizon() {
        let window = t.window(days: 60)  // (2024-03-01, 2024-04-30]
        #expect(window.last == Day(year: 2024, month: 4, day: 30)!)
        #expect(!window.contains(timestamp("2024-03-01T23:59:59Z")))  // T itself: features' side
        #expect(window.contains(timestamp("2024-03-02T00:00:00Z")))   // T + 1's first second
        #expect(window.contains(timestamp("2024-04-30T23:59:59Z")))   // T + 60's last second
        #expect(!window.contains(timestamp("2024-05-01T00:00:00Z")))  // T + 61
        #expect(window.startTimestamp == t.endTimestamp)
        #expect(window.endTimestamp == window.last.endTimestamp)
        #expect(window.description == "(2024-03-01, 2024-04-30]")
    }

    @Test func aOneDayWindowIsExactlyTheNextDay() {
        let window = t.window(days: 1)
        #expect(window.startTimestamp == t.next.startTimestamp)
        #expect(window.endTimestamp == t.next.endTimestamp)
        // The rule and the window never overlap and leave no gap: every second is on exactly one side.
        for offset in Int64(-2)...2 {
            let moment = t.endTimestamp + offset
            #expect(t.includes(moment) != window.contains(moment))
        }
    }

    // MARK: Before 1970

    @Test func daysBefore1970AreNegativeAndTheRuleStillHolds() throws {
        let eve = try Day(iso: "1969-12-31")
        #expect(eve.daysSince1970 == -1)
        #expect(eve.description == "1969-12-31")
        #expect(eve.startTimestamp == -86_400)
        #expect(eve.endTimestamp == 0)
        #expect(eve.includes(-1))  // 1969-12-31T23:59:59Z
        #expect(!eve.includes(0))  // 1970-01-01T00:00:00Z
        // Timestamps before the epoch round down to their day, not towards zero.
        #expect(Day(containing: -1) == eve)
        #expect(Day(containing: -86_400) == eve)
        #expect(Day(containing: -86_401) == eve - 1)
        #expect(Day(containing: 0) == Day(daysSince1970: 0))
        let leap = try Day(iso: "1900-03-01")  // 1900 is not a leap year
        #expect((leap - 1).description == "1900-02-28")
        #expect(try Day(iso: "1600-02-29").description == "1600-02-29")  // 1600 is
    }

    // MARK: Parsing and printing

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10", "30/06/2024", "2024-6-30", " 2024-06-30",
                      "2024-06-30 ", "2024-06-30T00:00:00Z", "", "yyyy-mm-dd"])
    func textThatIsNoDateIsRefusedWithTheText(_ text: String) {
        #expect(throws: DayParseError(text: text)) { try Day(iso: text) }
        #expect(DayParseError(text: text).description.contains("'\(text)'"))
    }

    @Test(arguments: ["1970-01-01", "2024-02-29", "2000-02-29", "1969-07-20", "0001-01-01", "9999-12-31"])
    func descriptionIsTheISODateItWasParsedFrom(_ text: String) throws {
        #expect(try Day(iso: text).description == text)
    }

    @Test func calendarDatesThatDoNotExistAreNil() {
        #expect(Day(year: 2023, month: 2, day: 29) == nil)
        #expect(Day(year: 2024, month: 2, day: 30) == nil)
        #expect(Day(year: 2024, month: 0, day: 1) == nil)
        let leapDay = Day(year: 2024, month: 2, day: 29)?.civil
        #expect(leapDay?.year == 2024 && leapDay?.month == 2 && leapDay?.day == 29)
    }

    // MARK: Arithmetic

    @Test func addingDaysCrossesMonthsYearsAndLeapDays() throws {
        #expect((try Day(iso: "2024-02-28") + 1).description == "2024-02-29")
        #expect((try Day(iso: "2024-02-28") + 2).description == "2024-03-01")
        #expect((try Day(iso: "2023-02-28") + 1).description == "2023-03-01")
        #expect((try Day(iso: "2024-12-31") + 1).description == "2025-01-01")
        #expect((try Day(iso: "2025-01-01") - 1).description == "2024-12-31")
        #expect((try Day(iso: "2024-01-01") + 366).description == "2025-01-01")
        #expect((t + (-60)) == t - 60)
        var day = t
        day += 30
        day -= 31
        #expect(day == t - 1)
    }

    @Test func differencesAndOrder() throws {
        let newYear = try Day(iso: "2025-01-01")
        #expect(newYear - (try Day(iso: "2024-01-01")) == 366)
        #expect((try Day(iso: "2024-01-01")) - newYear == -366)
        #expect(t < t.next)
        #expect(t - 1 < t)
        #expect(t.distance(to: t + 45) == 45)
        #expect(t.advanced(by: -3) == t - 3)
        #expect(Array(t...(t + 2)).map(\.description) == ["2024-03-01", "2024-03-02", "2024-03-03"])
        #expect(Set([t, t + 0, Day(daysSince1970: t.daysSince1970)]).count == 1)
    }

    // MARK: Codable

    @Test func encodesAsAnISODateString() throws {
        let data = try JSONEncoder().encode(["as_of": t])
        #expect(String(decoding: data, as: UTF8.self) == #"{"as_of":"2024-03-01"}"#)
        #expect(try JSONDecoder().decode([String: Day].self, from: data) == ["as_of": t])
    }

    @Test func decodingTextThatIsNoDateFails() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Day].self, from: Data(#"["2023-02-29"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Day].self, from: Data("[19783]".utf8)) }
    }

    @Test func aDayOutsideFourDigitYearsDoesNotEncode() throws {
        let far = try Day(iso: "9999-12-31") + 1
        #expect(throws: EncodingError.self) { try JSONEncoder().encode([far]) }
    }
}
