import StrataData

/// Calendar steps for rule durations, on `StrataData.CivilDate` day numbers.
enum RuleCalendar {
    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2023-02-29.
    static func day(fromISO text: String) -> Int? {
        CivilDate.parseISODate(text).map(Int.init)
    }

    /// Moves a date by a duration; months and years step the calendar and clamp the day to the month's end.
    static func add(_ duration: RuleDuration, sign: Int, to day: Int) -> Int {
        switch duration.unit {
        case .days: return day + sign * duration.amount
        case .weeks: return day + sign * 7 * duration.amount
        case .months, .years:
            let months = sign * duration.amount * (duration.unit == .years ? 12 : 1)
            let (y, m, d) = CivilDate.civil(fromDays: Int32(day))
            let total = y * 12 + (m - 1) + months
            let year = total >= 0 ? total / 12 : (total - 11) / 12
            let month = total - year * 12 + 1
            return Int(CivilDate.days(year: year, month: month, day: min(d, CivilDate.daysInMonth(year: year, month: month))))
        }
    }
}
