/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), after Howard Hinnant's
/// `days_from_civil` / `civil_from_days` algorithms. No time zones: segment rules work in whole days.
enum CivilDate {
    /// Days since 1970-01-01 of a calendar date (month and day 1-based).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day number.
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2023-02-29.
    static func days(fromISO text: String) -> Int? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day) else { return nil }
        return days(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DD` for a day number.
    static func iso(_ days: Int) -> String {
        let (y, m, d) = civil(days)
        func pad(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Moves a date by a duration; months and years step the calendar and clamp the day to the month's end.
    static func add(_ duration: RuleDuration, sign: Int, to days: Int) -> Int {
        switch duration.unit {
        case .days: return days + sign * duration.amount
        case .weeks: return days + sign * 7 * duration.amount
        case .months, .years:
            let months = sign * duration.amount * (duration.unit == .years ? 12 : 1)
            let (y, m, d) = civil(days)
            let total = y * 12 + (m - 1) + months
            let (year, month) = (Int((Double(total) / 12).rounded(.down)), ((total % 12) + 12) % 12 + 1)
            return self.days(year: year, month: month, day: min(d, daysInMonth(year: year, month: month)))
        }
    }
}
