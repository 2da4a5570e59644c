/// Calendar arithmetic on UTC instants, without Foundation's calendars: the generator formats tens of
/// millions of timestamps, and these integer formulas (Howard Hinnant's `days_from_civil` /
/// `civil_from_days`, proleptic Gregorian) are exact and fast.
enum CivilTime {
    static let secondsPerDay: Int64 = 86_400
    static let secondsPerHour: Int64 = 3_600

    /// Days since 1970-01-01 for a Gregorian date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The Gregorian date of a day count since 1970-01-01.
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

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
    static func day(of instant: Int64) -> Int {
        Int(instant >= 0 ? instant / secondsPerDay : (instant - secondsPerDay + 1) / secondsPerDay)
    }

    /// Parses `YYYY-MM-DD` strictly (a real calendar date); nil otherwise.
    static func parseDate(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), day >= 1 else { return nil }
        let result = days(year: year, month: month, day: day)
        guard civil(days: result) == (year, month, day) else { return nil }
        return result
    }

    /// `YYYY-MM-DD` for a day count.
    static func dateString(days: Int) -> String {
        var buffer = RowBuffer(capacity: 10)
        buffer.appendDate(days: days)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}
