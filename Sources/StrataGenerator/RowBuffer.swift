/// A growable byte buffer that CSV rows are formatted into by hand: integers, cents, dates and UTC
/// timestamps without `String(format:)` or `DateFormatter`, which would dominate the generator's time.
///
/// Fields are written unquoted: every text the generator emits comes from its own catalog, which holds no
/// commas, quotes or line breaks (a test checks that).
struct RowBuffer {
    private(set) var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) mutating func append(_ text: [UInt8]) { bytes.append(contentsOf: text) }

    @inline(__always) mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    @inline(__always) mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// A text field followed by a comma.
    @inline(__always) mutating func field(_ text: [UInt8]) {
        bytes.append(contentsOf: text)
        bytes.append(UInt8(ascii: ","))
    }

    /// A header line: the names joined by commas.
    mutating func appendHeader(_ names: [String]) {
        append(Array(names.joined(separator: ",").utf8))
        newline()
    }

    /// A non-negative integer in decimal.
    mutating func appendInteger(_ value: Int) { appendZeroPadded(value, width: 1) }

    /// `value` left-padded with zeros to `width` digits (more digits when needed).
    mutating func appendZeroPadded(_ value: Int, width: Int) {
        precondition(value >= 0, "appendZeroPadded(\(value))")
        var divisor = 1, digits = 1
        while divisor <= value / 10 { divisor *= 10; digits += 1 }
        if digits < width { for _ in 0..<(width - digits) { bytes.append(48) } }
        var remaining = value
        while divisor > 0 {
            bytes.append(UInt8(48 + remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// An amount in cents as `123.45`.
    mutating func appendCents(_ cents: Int) {
        appendInteger(cents / 100)
        bytes.append(UInt8(ascii: "."))
        appendTwoDigits(cents % 100)
    }

    @inline(__always) private mutating func appendTwoDigits(_ value: Int) {
        bytes.append(UInt8(48 + value / 10))
        bytes.append(UInt8(48 + value % 10))
    }

    /// `YYYY-MM-DD` (years 0...9999).
    mutating func appendDate(days: Int) {
        let (year, month, day) = CivilTime.cachedCivil(days: days)
        appendTwoDigits(year / 100)
        appendTwoDigits(year % 100)
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(month)
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(day)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch, UTC.
    mutating func appendTimestamp(_ instant: Int64) {
        let day = CivilTime.day(of: instant)
        let secondOfDay = Int(instant - Int64(day) * CivilTime.secondsPerDay)
        appendDate(days: day)
        bytes.append(UInt8(ascii: "T"))
        appendTwoDigits(secondOfDay / 3600)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay / 60 % 60)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay % 60)
        bytes.append(UInt8(ascii: "Z"))
    }
}
