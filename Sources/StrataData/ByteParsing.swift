/// Parsers that read values straight from the bytes of a CSV field (`bytes[start..<end]`), without making
/// a `String` and without Foundation. Each returns `nil` when the text is not of the expected form.
public enum ByteParsing {
    @inlinable @inline(__always)
    static func digit(_ byte: UInt8) -> Int? {
        byte &- 48 < 10 ? Int(byte &- 48) : nil
    }

    /// `count` decimal digits starting at `position`, or nil.
    @inlinable @inline(__always)
    static func digits(_ bytes: Span<UInt8>, _ position: Int, _ count: Int) -> Int? {
        var value = 0
        for index in position..<(position + count) {
            guard let d = digit(bytes[index]) else { return nil }
            value = value * 10 + d
        }
        return value
    }

    /// Whether any of the eight bytes of `word` is `byte` (the classic "has zero byte" test on `word ^ byte·0x01…01`).
    @inlinable @inline(__always)
    static func containsByte(_ word: UInt64, _ byte: UInt8) -> Bool {
        matchBits(word, byte) != 0
    }

    /// Nonzero when a byte of `word` is `byte`; its lowest set bit is the top bit of the first (lowest
    /// addressed) such byte, so `trailingZeroBitCount / 8` is that byte's index. (Bits above it may be
    /// false positives from the borrow, never bits below.)
    @inlinable @inline(__always)
    static func matchBits(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & (ones << 7)
    }

    /// `YYYY-MM-DD` as days since 1970-01-01; the date must exist (so `2023-02-29` is rejected).
    @inlinable
    public static func isoDate(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int32? {
        guard end - start == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
              let year = digits(bytes, start, 4), let month = digits(bytes, start + 5, 2),
              let day = digits(bytes, start + 8, 2),
              CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        return CivilDate.days(year: year, month: month, day: day)
    }

    /// ISO-8601 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM)` as seconds since the epoch, UTC.
    /// A space may replace the `T`; seconds may be left out; a fraction is truncated to whole seconds.
    /// The zone is required: a timestamp without one is ambiguous.
    @inlinable
    public static func isoTimestamp(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        if end - start == 20, bytes[start + 19] == UInt8(ascii: "Z"), let seconds = utcTimestamp(bytes, start) {
            return seconds
        }
        guard end - start >= 17, let day = isoDate(bytes, start, start + 10) else { return nil }
        let separator = bytes[start + 10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "t"),
              let hour = digits(bytes, start + 11, 2), bytes[start + 13] == UInt8(ascii: ":"),
              let minute = digits(bytes, start + 14, 2), hour < 24, minute < 60 else { return nil }
        var position = start + 16
        var second = 0
        if position < end && bytes[position] == UInt8(ascii: ":") {
            guard position + 3 <= end, let s = digits(bytes, position + 1, 2), s < 61 else { return nil }
            second = min(s, 59)
            position += 3
            if position < end && (bytes[position] == UInt8(ascii: ".") || bytes[position] == UInt8(ascii: ",")) {
                position += 1
                let fractionStart = position
                while position < end, digit(bytes[position]) != nil { position += 1 }
                guard position > fractionStart else { return nil }
            }
        }
        guard let offset = zoneOffset(bytes, position, end) else { return nil }
        return Int64(day) * CivilDate.secondsPerDay + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }

    /// The common form `YYYY-MM-DDTHH:MM:SSZ` (20 bytes from `start`, years 1900-2199) as seconds since the
    /// epoch; nil for anything else, which the general parser then decides. Same result as the general
    /// parser, with the calendar from tables instead of divisions.
    @inlinable
    static func utcTimestamp(_ bytes: Span<UInt8>, _ start: Int) -> Int64? {
        let zero = UInt8(ascii: "0")
        let y0 = bytes[start] &- zero, y1 = bytes[start + 1] &- zero, y2 = bytes[start + 2] &- zero
        let y3 = bytes[start + 3] &- zero, m0 = bytes[start + 5] &- zero, m1 = bytes[start + 6] &- zero
        let d0 = bytes[start + 8] &- zero, d1 = bytes[start + 9] &- zero, h0 = bytes[start + 11] &- zero
        let h1 = bytes[start + 12] &- zero, n0 = bytes[start + 14] &- zero, n1 = bytes[start + 15] &- zero
        let s0 = bytes[start + 17] &- zero, s1 = bytes[start + 18] &- zero
        // One test for all fourteen digits: a byte below "0" wraps to a large value.
        guard max(max(max(y0, y1), max(y2, y3)), max(max(m0, m1), max(d0, d1)), max(max(h0, h1), max(n0, n1)),
                  max(s0, s1)) < 10,
              bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
              bytes[start + 10] == UInt8(ascii: "T"), bytes[start + 13] == UInt8(ascii: ":"),
              bytes[start + 16] == UInt8(ascii: ":") else { return nil }
        let year = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
        let month = Int(m0) * 10 + Int(m1), day = Int(d0) * 10 + Int(d1)
        let hour = Int(h0) * 10 + Int(h1), minute = Int(n0) * 10 + Int(n1), second = Int(s0) * 10 + Int(s1)
        guard year >= CalendarTables.firstYear, year < CalendarTables.firstYear + CalendarTables.years,
              month >= 1, month <= 12, day >= 1, hour < 24, minute < 60, second < 61 else { return nil }
        let monthIndex = (year - CalendarTables.firstYear) * 12 + month - 1
        let monthStart = CalendarTables.monthStarts[monthIndex]
        guard day <= Int(CalendarTables.monthStarts[monthIndex + 1] - monthStart) else { return nil }
        let days = Int64(monthStart) + Int64(day - 1)
        return days * CivilDate.secondsPerDay + Int64(hour * 3600 + minute * 60 + min(second, 59))
    }

    /// `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` or `+HH` at `bytes[start..<end]` as seconds east of UTC.
    @inlinable
    static func zoneOffset(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int? {
        guard start < end else { return nil }
        let first = bytes[start]
        if first == UInt8(ascii: "Z") || first == UInt8(ascii: "z") { return end == start + 1 ? 0 : nil }
        guard first == UInt8(ascii: "+") || first == UInt8(ascii: "-") else { return nil }
        let sign = first == UInt8(ascii: "+") ? 1 : -1
        let length = end - start
        let hours: Int?, minutes: Int?
        switch length {
        case 3: (hours, minutes) = (digits(bytes, start + 1, 2), 0)
        case 5: (hours, minutes) = (digits(bytes, start + 1, 2), digits(bytes, start + 3, 2))
        case 6 where bytes[start + 3] == UInt8(ascii: ":"):
            (hours, minutes) = (digits(bytes, start + 1, 2), digits(bytes, start + 4, 2))
        default: return nil
        }
        guard let hours, let minutes, hours <= 18, minutes < 60 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }

    /// Exact powers of ten representable in a `Double`.
    @usableFromInline
    static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// A decimal number `[-+]digits[.digits]` (also `.5`, `5.`): plain digits, as the canonical format
    /// writes amounts. An exponent (`1e+5`, `1.2E+05`) is rejected: it is how a spreadsheet shows a number
    /// it has rounded, so the value may not be the one the clinic recorded.
    ///
    /// When the significant digits fit in 2^53 and at most 22 decimals follow the point, the result is
    /// `mantissa / 10^decimals`: both exact, one correctly rounded division, so the result is the double
    /// nearest the text (what `Double(String)` and polars return). Longer texts, checked to be of the same
    /// form first, go through `Double(String)`: the accepted texts do not depend on the path.
    @inlinable
    public static func decimal(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Double? {
        guard start < end else { return nil }
        var position = start
        var negative = false
        if bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
            negative = bytes[position] == UInt8(ascii: "-")
            position += 1
        }
        var mantissa: UInt64 = 0
        var digitCount = 0, decimals = 0
        var seenPoint = false
        while position < end {
            let byte = bytes[position]
            if let d = digit(byte) {
                // Past 19 digits the mantissa could overflow: keep checking the form, Double(String) converts.
                if digitCount < 19 { mantissa = mantissa &* 10 &+ UInt64(d) }
                digitCount += 1
                if seenPoint { decimals += 1 }
            } else if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            position += 1
        }
        guard digitCount > 0 else { return nil }
        guard digitCount <= 19, mantissa < (1 << 53), decimals <= 22 else { return slowDecimal(bytes, start, end) }
        let magnitude = decimals == 0 ? Double(mantissa) : Double(mantissa) / powersOfTen[decimals]
        return negative ? -magnitude : magnitude
    }

    /// What ``decimal(_:_:_:)`` accepts, for the message about `bytes[start..<end]`, which it rejected:
    /// a text with an exponent is told why.
    public static func decimalExpectation(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> String {
        var hasExponent = false
        for index in start..<end where bytes[index] | 0x20 == UInt8(ascii: "e") { hasExponent = true }
        return hasExponent
            ? "a decimal number like 120.50 without an exponent (spreadsheets write 1.2E+05 for numbers they have rounded)"
            : "a decimal number like 120.50"
    }

    /// `Double(String)` of a text already checked to be `[-+]digits[.digits]`.
    @usableFromInline
    static func slowDecimal(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var text = ""
        for index in start..<end { text.unicodeScalars.append(UnicodeScalar(bytes[index])) }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}

/// Days since 1970-01-01 of the first of every month from 1900 to 2199 (and of 2200-01-01, closing the
/// last month), for the fast timestamp path of ``ByteParsing``.
@usableFromInline
enum CalendarTables {
    @usableFromInline static let firstYear = 1900
    @usableFromInline static let years = 300
    @usableFromInline static let monthStarts: [Int32] = (0...(years * 12)).map { index in
        CivilDate.days(year: firstYear + index / 12, month: index % 12 + 1, day: 1)
    }
}

/// A date or timestamp layout for mapped exports, written with the usual letters: `yyyy` year, `MM` month,
/// `dd` day, `HH` hour (00-23), `mm` minute, `ss` second, `SSS...` fraction (ignored); any other character
/// must appear literally; text in single quotes is literal (`yyyy-MM-dd'T'HH:mm:ss'Z'`). Without a zone
/// in the layout, times are read as UTC.
public struct DateLayout: Sendable, Equatable, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case year, month, day, hour, minute, second, fraction(Int), literal(UInt8)
    }

    let pieces: [Piece]
    public let description: String

    /// Parses a layout; throws a message naming the unsupported letter.
    public init(_ layout: String) throws(DateLayoutError) {
        var pieces: [Piece] = []
        let characters = Array(layout.utf8)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            var run = 1
            while index + run < characters.count && characters[index + run] == character { run += 1 }
            switch (character, run) {
            case (UInt8(ascii: "y"), 4): pieces.append(.year)
            case (UInt8(ascii: "M"), 2): pieces.append(.month)
            case (UInt8(ascii: "d"), 2): pieces.append(.day)
            case (UInt8(ascii: "H"), 2): pieces.append(.hour)
            case (UInt8(ascii: "m"), 2): pieces.append(.minute)
            case (UInt8(ascii: "s"), 2): pieces.append(.second)
            case (UInt8(ascii: "S"), _): pieces.append(.fraction(run))
            case (UInt8(ascii: "'"), _):
                guard let close = characters[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
                    throw DateLayoutError(layout: layout, problem: "unclosed quote")
                }
                for byte in characters[(index + 1)..<close] { pieces.append(.literal(byte)) }
                index = close + 1
                continue
            case (let letter, _) where (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(letter)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(letter):
                throw DateLayoutError(layout: layout, problem: "unsupported letters \"\(String(repeating: Character(UnicodeScalar(letter)), count: run))\"")
            default:
                for _ in 0..<run { pieces.append(.literal(character)) }
            }
            index += run
        }
        guard pieces.contains(.year), pieces.contains(.month), pieces.contains(.day) else {
            throw DateLayoutError(layout: layout, problem: "needs yyyy, MM and dd")
        }
        self.pieces = pieces
        self.description = layout
    }

    /// Whether the layout has a time of day.
    public var hasTime: Bool { pieces.contains(.hour) }

    /// Seconds since the epoch (UTC) of the text, or nil when it does not fit the layout or is no valid date.
    public func timestamp(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var position = start
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        for piece in pieces {
            switch piece {
            case .literal(let byte):
                guard position < end, bytes[position] == byte else { return nil }
                position += 1
                continue
            case .fraction(let count):
                guard position + count <= end, ByteParsing.digits(bytes, position, count) != nil else { return nil }
                position += count
                continue
            default: break
            }
            let width = piece == .year ? 4 : 2
            guard position + width <= end, let value = ByteParsing.digits(bytes, position, width) else { return nil }
            position += width
            switch piece {
            case .year: year = value
            case .month: month = value
            case .day: day = value
            case .hour: hour = value
            case .minute: minute = value
            default: second = value
            }
        }
        guard position == end, CivilDate.isValid(year: year, month: month, day: day), hour < 24, minute < 60,
              second < 60 else { return nil }
        return Int64(CivilDate.days(year: year, month: month, day: day)) * CivilDate.secondsPerDay
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since the epoch of the text (the time of day, if any, dropped).
    public func date(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int32? {
        timestamp(bytes, start, end).map(CivilDate.day(ofTimestamp:))
    }
}

/// A date layout in `strata.yml` that cannot be used.
public struct DateLayoutError: Error, Equatable, CustomStringConvertible {
    public let layout: String
    public let problem: String
    public var description: String { "date format \"\(layout)\": \(problem)" }
}
