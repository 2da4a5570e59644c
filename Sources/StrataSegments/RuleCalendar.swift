import StrataData

/// Calendar steps for rule durations, on `StrataData.CivilDate` day numbers.
enum RuleCalendar {
    /// The years a month or year step may reach: well inside `CivilDate`'s `Int32` day numbers, which end
    /// near year 5,880,000.
    static let calendarYears = -5_000_000...5_000_000

    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2023-02-29.
    static func day(fromISO text: String) -> Int? {
        CivilDate.parseISODate(text).map(Int.init)
    }

    /// Moves a date by a duration; months and years step the calendar and clamp the day to the month's end.
    ///
    /// - Returns: the day, or nil when it cannot be computed: a day step beyond `Int`, or a month step from
    ///   or to a date outside ``calendarYears``. Durations in rules are at most 10,000 years, so only long
    ///   sums or dates a program put in a frame get there.
    static func add(_ duration: RuleDuration, sign: Int, to day: Int) -> Int? {
        switch duration.unit {
        case .days, .weeks:
            let (step, stepOverflow) = duration.amount.multipliedReportingOverflow(by: sign * (duration.unit == .weeks ? 7 : 1))
            let (moved, overflow) = day.addingReportingOverflow(step)
            return stepOverflow || overflow ? nil : moved
        case .months, .years:
            let (months, stepOverflow) = duration.amount.multipliedReportingOverflow(by: sign * (duration.unit == .years ? 12 : 1))
            guard !stepOverflow, let day32 = Int32(exactly: day) else { return nil }
            let (y, m, d) = CivilDate.civil(fromDays: day32)
            guard calendarYears.contains(y), abs(months) <= calendarYears.upperBound * 12 else { return nil }
            let total = y * 12 + (m - 1) + months
            let year = total >= 0 ? total / 12 : (total - 11) / 12
            guard calendarYears.contains(year) else { return nil }
            let month = total - year * 12 + 1
            return Int(CivilDate.days(year: year, month: month, day: min(d, CivilDate.daysInMonth(year: year, month: month))))
        }
    }

    /// `YYYY-MM-DD` for a day number, or `day N` for one outside the calendar.
    static func isoString(_ day: Int) -> String {
        guard let day32 = Int32(exactly: day), calendarYears.contains(CivilDate.civil(fromDays: day32).year) else {
            return "day \(day)"
        }
        return CivilDate.isoString(days: day32)
    }
}
