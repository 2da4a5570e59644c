/// A calendar day in UTC, as days since 1970-01-01: the "T" of "as of T".
///
/// `Day` owns the one definition of Strata's leakage rule:
///
/// > Features as of day T see an event exactly when its timestamp is **at or before the end of day T**
/// > (UTC): `timestamp < endTimestamp`, where ``endTimestamp`` is the first second of T + 1. An event at
/// > 23:59:59 on T counts; one at 00:00:00 on T + 1 does not. Labels look only after T, in
/// > ``Day/Window`` `(T, T + n]`.
///
/// Every cut-off in features, labels, consent and refresh is taken from ``endTimestamp`` (once, outside the
/// loops: a `Day` is a wrapped `Int32` and its cut-off one multiplication) or ``window(days:)``.
///
/// Calendar arithmetic is ``CivilDate``'s; `Day` adds the type. Days before 1970 are negative.
public struct Day: Sendable, Hashable, Comparable, Strideable {
    /// Days since 1970-01-01 (negative before it); the representation of the export's `Int32` day columns.
    public var daysSince1970: Int32

    @inlinable
    public init(daysSince1970: Int32) {
        self.daysSince1970 = daysSince1970
    }

    /// The day a timestamp (seconds since 1970-01-01T00:00:00Z) falls on, in UTC; correct before 1970.
    @inlinable
    public init(containing timestamp: Int64) {
        daysSince1970 = CivilDate.day(ofTimestamp: timestamp)
    }

    /// `year-month-day`, or nil when that is no date (month 13, 2023-02-29).
    public init?(year: Int, month: Int, day: Int) {
        guard CivilDate.isValid(year: year, month: month, day: day) else { return nil }
        daysSince1970 = CivilDate.days(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD` (exactly ten characters, a real date).
    /// - Throws: ``DayParseError`` carrying the text.
    public init(iso text: String) throws(DayParseError) {
        guard let days = CivilDate.parseISODate(text) else { throw DayParseError(text: text) }
        daysSince1970 = days
    }

    /// The calendar date: `(year, month, day)`.
    public var civil: (year: Int, month: Int, day: Int) { CivilDate.civil(fromDays: daysSince1970) }

    // MARK: The cut-off

    /// The first second (since 1970-01-01T00:00:00Z) of this day.
    @inlinable
    public var startTimestamp: Int64 { Int64(daysSince1970) * CivilDate.secondsPerDay }

    /// The end of this day as an exclusive bound: the first second of the next day.
    ///
    /// An event at `t` is at or before the end of this day exactly when `t < endTimestamp` (see
    /// ``includes(_:)``). Take it once before a loop over events and compare raw timestamps against it.
    @inlinable
    public var endTimestamp: Int64 { (Int64(daysSince1970) + 1) * CivilDate.secondsPerDay }

    /// Whether an event at `timestamp` is at or before the end of this day, i.e. is known as of this day:
    /// `timestamp < endTimestamp`. 23:59:59 of this day is included; 00:00:00 of the next day is not.
    @inlinable
    public func includes(_ timestamp: Int64) -> Bool { timestamp < endTimestamp }

    /// The day after this one.
    @inlinable
    public var next: Day { self + 1 }

    // MARK: Windows after the day

    /// The days after this one through `days` days later: `(T, T + days]`.
    @inlinable
    public func window(days: Int) -> Window { Window(after: self, days: days) }

    /// The days strictly after a day T up to and including `T + days`: `(T, T + days]`, the window labels
    /// look at. In timestamps: `[T.endTimestamp, (T + days).endTimestamp)`, so it excludes all of T and
    /// includes the last second of `T + days`.
    public struct Window: Sendable, Hashable, CustomStringConvertible {
        /// T, the day the window follows (not in the window).
        public let after: Day
        /// How many days the window holds.
        public let days: Int

        @inlinable
        public init(after: Day, days: Int) {
            self.after = after
            self.days = days
        }

        /// The last day in the window: `T + days`.
        @inlinable
        public var last: Day { after + days }

        /// The first second in the window: the start of T + 1.
        @inlinable
        public var startTimestamp: Int64 { after.endTimestamp }

        /// The first second after the window: the start of `T + days + 1`.
        @inlinable
        public var endTimestamp: Int64 { last.endTimestamp }

        /// Whether an event at `timestamp` falls in `(T, T + days]`.
        @inlinable
        public func contains(_ timestamp: Int64) -> Bool { timestamp >= startTimestamp && timestamp < endTimestamp }

        /// `(YYYY-MM-DD, YYYY-MM-DD]`.
        public var description: String { "(\(after), \(last)]" }
    }

    // MARK: Arithmetic

    @inlinable
    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.daysSince1970 < rhs.daysSince1970 }

    /// The day `days` later (earlier when negative). Traps when the result leaves `Int32` day numbers.
    @inlinable
    public static func + (day: Day, days: Int) -> Day { Day(daysSince1970: day.daysSince1970 + Int32(days)) }

    /// The day `days` earlier. Traps when the result leaves `Int32` day numbers.
    @inlinable
    public static func - (day: Day, days: Int) -> Day { Day(daysSince1970: day.daysSince1970 - Int32(days)) }

    /// Whole days from `rhs` to `lhs` (positive when `lhs` is later).
    @inlinable
    public static func - (lhs: Day, rhs: Day) -> Int { Int(lhs.daysSince1970) - Int(rhs.daysSince1970) }

    @inlinable
    public static func += (day: inout Day, days: Int) { day = day + days }

    @inlinable
    public static func -= (day: inout Day, days: Int) { day = day - days }

    @inlinable
    public func distance(to other: Day) -> Int { other - self }

    @inlinable
    public func advanced(by days: Int) -> Day { self + days }
}

extension Day: CustomStringConvertible {
    /// `YYYY-MM-DD`.
    public var description: String { CivilDate.isoString(days: daysSince1970) }
}

extension Day: Codable {
    /// Decodes `"YYYY-MM-DD"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(iso: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes `"YYYY-MM-DD"`.
    /// - Throws: `EncodingError.invalidValue` for a day outside the years 0000 to 9999, which that text cannot
    ///   hold.
    public func encode(to encoder: any Encoder) throws {
        guard (0...9999).contains(civil.year) else {
            throw EncodingError.invalidValue(self, EncodingError.Context(
                codingPath: encoder.codingPath, debugDescription: "day \(daysSince1970) is outside the years 0000 to 9999"))
        }
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Text that is not a `YYYY-MM-DD` date.
public struct DayParseError: Error, Equatable, CustomStringConvertible {
    /// The text as given.
    public var text: String

    public init(text: String) {
        self.text = text
    }

    public var description: String { "'\(text)' is not a date; expected YYYY-MM-DD (a real calendar date)" }
}
