import StrataData

/// Calendar arithmetic for the generator on top of `StrataData.CivilDate` (the same proleptic Gregorian
/// UTC calendar the ingest uses), in `Int` days and `Int64` seconds since 1970-01-01, plus what only the
/// generator needs: weekdays and a table that makes formatting tens of millions of dates cheap.
enum CivilTime {
    static let secondsPerDay: Int64 = CivilDate.secondsPerDay
    static let secondsPerHour: Int64 = 3_600

    /// Days since 1970-01-01 for a Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int { Int(CivilDate.days(year: year, month: month, day: day)) }

    /// The Gregorian date of a day count since 1970-01-01.
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) { CivilDate.civil(fromDays: Int32(days)) }

    /// ``civil(days:)`` through a table for 1900-01-01 ..< 2200-01-01 (formatting dates is the generator's
    /// most frequent calendar operation); other days are computed.
    @inline(__always) static func cachedCivil(days: Int) -> (year: Int, month: Int, day: Int) {
        let offset = days - civilTableStart
        guard offset >= 0 && offset < civilTable.count else { return civil(days: days) }
        let packed = Int(civilTable[offset])
        return (packed >> 9, (packed >> 5) & 15, packed & 31)
    }

    private static let civilTableStart = days(year: 1900, month: 1, day: 1)
    /// `year << 9 | month << 5 | day` per day.
    private static let civilTable: [UInt32] = (civilTableStart..<days(year: 2200, month: 1, day: 1)).map { day in
        let (year, month, dayOfMonth) = civil(days: day)
        return UInt32(year << 9 | month << 5 | dayOfMonth)
    }

    /// 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(days: Int) -> Int { ((days % 7) + 11) % 7 }

    /// The day count of an instant (seconds since the epoch), rounding toward the past.
    static func day(of instant: Int64) -> Int { Int(CivilDate.day(ofTimestamp: instant)) }

    /// Parses `YYYY-MM-DD` strictly (a real calendar date), as the ingest does; nil otherwise.
    static func parseDate(_ text: String) -> Int? { CivilDate.parseISODate(text).map(Int.init) }

    /// `YYYY-MM-DD` for a day count.
    static func dateString(days: Int) -> String { CivilDate.isoString(days: Int32(days)) }
}
