/// Calendar arithmetic on the proleptic Gregorian calendar in UTC, without Foundation: dates are days since
/// 1970-01-01 (`Int32`), timestamps are seconds since 1970-01-01T00:00:00Z (`Int64`).
///
/// The conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for every year in
/// `-9999...9999`.
public enum CivilDate {
    public static let secondsPerDay: Int64 = 86_400

    /// Days since 1970-01-01 of `year-month-day` (the date must be valid; see ``isValid(year:month:day:)``).
    @inlinable
    public static func days(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// The `(year, month, day)` of a day count since 1970-01-01.
    public static func civil(fromDays days: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    @inlinable
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    @inlinable
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        (1...12).contains(month) && day >= 1 && day <= daysInMonth(year: year, month: month)
    }

    /// The day (since 1970-01-01) a timestamp falls on, in UTC (floor division, so correct before 1970).
    @inlinable
    public static func day(ofTimestamp seconds: Int64) -> Int32 {
        let quotient = seconds / secondsPerDay
        return Int32(seconds % secondsPerDay < 0 ? quotient - 1 : quotient)
    }

    /// `YYYY-MM-DD` for a day count.
    public static func isoString(days: Int32) -> String {
        let (y, m, d) = civil(fromDays: days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for a timestamp.
    public static func isoString(timestamp seconds: Int64) -> String {
        let day = Self.day(ofTimestamp: seconds)
        let rest = Int(seconds - Int64(day) * secondsPerDay)
        return isoString(days: day) + "T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// Parses `YYYY-MM-DD` (what `--as-of` takes).
    public static func parseISODate(_ text: String) -> Int32? {
        let bytes = Array(text.utf8)
        return ByteParsing.isoDate(bytes.span, 0, bytes.count)
    }

    /// Whole years from `birth` to `date` (both days since 1970-01-01), as a person counts their age: the
    /// birthday of someone born on 29 February is reached on 1 March in common years. Negative when
    /// `birth` is after `date`.
    public static func wholeYears(from birth: Int32, to date: Int32) -> Int {
        let b = civil(fromDays: birth), d = civil(fromDays: date)
        var years = d.year - b.year
        if (d.month, d.day) < (b.month, b.day) { years -= 1 }
        return years
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
