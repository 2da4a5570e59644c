import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataData

private func date(_ text: String) -> Int32? {
    let bytes = Array(text.utf8)
    return ByteParsing.isoDate(bytes.span, 0, bytes.count)
}

private func timestamp(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    return ByteParsing.isoTimestamp(bytes.span, 0, bytes.count)
}

private let leapDayStart: Int64 = 19782 * 86400  // 2024-02-29T00:00:00Z

private func decimal(_ text: String) -> Double? {
    let bytes = Array(text.utf8)
    return ByteParsing.decimal(bytes.span, 0, bytes.count)
}

@Suite("Parsing values from bytes")
struct ByteParsingTests {
    @Test func datesIncludingLeapDays() {
        #expect(date("1970-01-01") == 0)
        #expect(date("2024-02-29") == 19782)
        #expect(date("2000-02-29") == 11016)  // 2000 is a leap year (divisible by 400)
        #expect(date("1900-02-29") == nil)    // 1900 is not
        #expect(date("2023-02-29") == nil)
        #expect(date("2024-04-31") == nil)
        #expect(date("2024-1-01") == nil)
        #expect(date("1969-12-31") == -1)
    }

    @Test func civilDaysRoundTrip() {
        // Property: civil(fromDays:) inverts days(year:month:day:) over 1600...2400, and consecutive dates
        // are consecutive day numbers.
        var previous: Int32?
        for year in stride(from: 1600, through: 2400, by: 7) {
            for month in 1...12 {
                for day in 1...CivilDate.daysInMonth(year: year, month: month) {
                    let days = CivilDate.days(year: year, month: month, day: day)
                    let back = CivilDate.civil(fromDays: days)
                    #expect(back.year == year && back.month == month && back.day == day)
                    if let previous, day > 1 { #expect(days == previous + 1) }
                    previous = days
                }
            }
        }
    }

    @Test func timestampsWithZonesAndFractions() {
        #expect(timestamp("1970-01-01T00:00:00Z") == 0)
        #expect(timestamp("2024-02-29T10:00:00Z") == leapDayStart + 36000)
        #expect(timestamp("2024-02-29T10:00:00+01:00") == leapDayStart + 32400)
        #expect(timestamp("2024-02-29T10:00:00-0130") == leapDayStart + 36000 + 5400)
        #expect(timestamp("2024-02-29 10:00:00.123456Z") == leapDayStart + 36000)
        #expect(timestamp("2024-02-29T10:00Z") == leapDayStart + 36000)
        #expect(timestamp("2024-02-29T10:00:00") == nil)  // no zone
        #expect(timestamp("2024-02-30T10:00:00Z") == nil)
        #expect(timestamp("2024-02-29T24:00:00Z") == nil)
        #expect(timestamp("1969-12-31T23:59:59Z") == -1)
        #expect(CivilDate.day(ofTimestamp: -1) == -1)
    }

    @Test func decimalsMatchTheNearestDouble() {
        #expect(decimal("120.50") == 120.5)
        #expect(decimal("-0.1") == -0.1)
        #expect(decimal(".5") == 0.5)
        #expect(decimal("5.") == 5)
        #expect(decimal("1e3") == nil)  // an exponent: see HardeningIngestTests
        #expect(decimal("") == nil)
        #expect(decimal("$12") == nil)
        #expect(decimal("1.2.3") == nil)
        #expect(decimal("12,5") == nil)
        // Property: for random decimals with up to 15 significant digits, the result equals Double(String).
        var generator = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let integer = generator.next() % 10_000_000_000
            let decimals = Int(generator.next() % 6)
            var text = String(integer)
            if decimals > 0 { text += "." + String(format: "%0\(decimals)d", Int(generator.next() % UInt64(pow(10, Double(decimals))))) }
            #expect(decimal(text) == Double(text), "\(text)")
        }
    }

    @Test func dateLayouts() throws {
        let layout = try DateLayout("dd/MM/yyyy HH:mm")
        let bytes = Array("29/02/2024 10:30".utf8)
        #expect(layout.timestamp(bytes.span, 0, bytes.count) == leapDayStart + 37800)
        let quoted = try DateLayout("yyyy-MM-dd'T'HH:mm:ss'Z'")
        let iso = Array("2016-04-29T18:38:08Z".utf8)
        #expect(quoted.timestamp(iso.span, 0, iso.count) == timestamp("2016-04-29T18:38:08Z"))
        let bad = Array("31/02/2024 10:30".utf8)
        #expect(layout.timestamp(bad.span, 0, bad.count) == nil)
        #expect(throws: DateLayoutError(layout: "dd/MMM/yyyy", problem: "unsupported letters \"MMM\"")) {
            _ = try DateLayout("dd/MMM/yyyy")
        }
    }

    @Test func wholeYearsCountBirthdaysLikePeople() {
        let leapBirth = CivilDate.days(year: 1980, month: 2, day: 29)
        #expect(CivilDate.wholeYears(from: leapBirth, to: CivilDate.days(year: 2023, month: 2, day: 28)) == 42)
        #expect(CivilDate.wholeYears(from: leapBirth, to: CivilDate.days(year: 2023, month: 3, day: 1)) == 43)
        #expect(CivilDate.wholeYears(from: leapBirth, to: CivilDate.days(year: 2024, month: 2, day: 29)) == 44)
        #expect(CivilDate.wholeYears(from: CivilDate.days(year: 2024, month: 3, day: 5),
                                     to: CivilDate.days(year: 2024, month: 3, day: 1)) == -1)
    }

    @Test func byteStringTableNumbersInInsertionOrder() {
        var table = ByteStringTable()
        var generator = SplitMix64(seed: 3)
        var strings: [String] = []
        for index in 0..<2000 {
            let text = "id-\(generator.next() % 1500)-\(index % 3 == 0 ? "long-suffix-to-cross-eight-bytes" : "")"
            let code = table.insert(text)
            if let existing = strings.firstIndex(of: text) { #expect(Int(code) == existing) } else {
                #expect(Int(code) == strings.count)
                strings.append(text)
            }
        }
        #expect(table.strings == strings)
        #expect(table.code(of: "absent") == nil)
    }
}
