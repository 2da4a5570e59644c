import Testing
@testable import StrataGenerator

@Suite("civil time and row formatting")
struct CivilTimeTests {
    @Test func daysRoundTripThroughTheCalendar() {
        for day in stride(from: -800_000, through: 2_900_000, by: 997) {
            let (year, month, dayOfMonth) = CivilTime.civil(days: day)
            #expect(CivilTime.days(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test func knownDates() {
        #expect(CivilTime.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilTime.weekday(days: 0) == 4)  // Thursday
        #expect(CivilTime.weekday(days: CivilTime.days(year: 2025, month: 12, day: 31)) == 3)  // Wednesday
    }

    @Test func parsingIsStrict() {
        #expect(CivilTime.parseDate("2024-02-29") == CivilTime.days(year: 2024, month: 2, day: 29))
        for bad in ["2023-02-29", "2023-13-01", "2023-1-01", "20230101", "2023-01-01T00:00:00Z", "", "abcd-ef-gh"] {
            #expect(CivilTime.parseDate(bad) == nil, "\(bad)")
        }
    }

    @Test func timestampsAndAmountsAreFormattedByHand() {
        var buffer = RowBuffer(capacity: 64)
        buffer.appendTimestamp(Int64(CivilTime.days(year: 2024, month: 2, day: 29)) * 86_400 + 13 * 3_600 + 5 * 60 + 9)
        buffer.comma()
        buffer.appendCents(123_405)
        buffer.comma()
        buffer.appendCents(7)
        buffer.comma()
        buffer.appendZeroPadded(42, width: 7)
        buffer.comma()
        buffer.appendInteger(0)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "2024-02-29T13:05:09Z,1234.05,0.07,0000042,0")
    }
}
