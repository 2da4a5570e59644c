import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataData

/// The fast paths of ingest against the general code they shortcut: same results on every input.
@Suite("Ingest fast paths")
struct FastPathTests {
    private func timestamp(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        return ByteParsing.isoTimestamp(bytes.span, 0, bytes.count)
    }

    private func pad(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    @Test func utcTimestampsAgreeWithTheGeneralParser() {
        // Property: `...Z` (the fast path) and the same text with `+00:00` (the general parser) give the same
        // result, valid or not: leap days, month 13, day 00, hour 24, second 60, years outside the tables.
        var generator = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let year = [1899, 1900, 1970, 2000, 2023, 2024, 2100, 2199, 2200, 9999][Int(generator.next() % 10)]
            let month = generator.next() % 14, day = generator.next() % 33
            let hour = generator.next() % 26, minute = generator.next() % 62, second = generator.next() % 63
            let text = "\(pad(UInt64(year), 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            #expect(timestamp(text + "Z") == timestamp(text + "+00:00"), "\(text)")
        }
    }

    @Test func utcTimestampFastPathRejectsWhatTheGeneralParserRejects() {
        let leapDayTen: Int64 = 19782 * 86400 + 36000  // 2024-02-29T10:00:00Z
        #expect(timestamp("2024-02-29T10:00:00Z") == leapDayTen)
        #expect(timestamp("2023-02-29T10:00:00Z") == nil)
        #expect(timestamp("2024-02-29T10:00:60Z") == leapDayTen + 59)  // a leap second reads as :59
        #expect(timestamp("2024-02-29t10:00:00Z") == leapDayTen)  // lower-case t: the general path
        #expect(timestamp("2024-02-29 10:00:00Z") == leapDayTen)
        #expect(timestamp("2024-02-29T10:0a:00Z") == nil)
        #expect(timestamp("2024-02-29T10/00:00Z") == nil)
        #expect(timestamp("2024-02-2910:00:00ZZ") == nil)
        #expect(timestamp("1899-12-31T23:59:59Z") == Int64(CivilDate.days(year: 1899, month: 12, day: 31)) * 86400 + 86399)
        #expect(timestamp("2200-01-01T00:00:00Z") == Int64(CivilDate.days(year: 2200, month: 1, day: 1)) * 86400)
    }

    @Test func containsByteMatchesAByteLoop() {
        var generator = SplitMix64(seed: 3)
        for _ in 0..<20_000 {
            // Words rich in the probed bytes and their neighbours (borrows between bytes are the risk).
            let alphabet: [UInt8] = [0x0A, 0x09, 0x0B, 0x22, 0x21, 0x23, 0x00, 0xFF, 0x80, 0x41]
            let (word, bytes) = randomWord(from: alphabet, using: &generator)
            for probe: UInt8 in [0x0A, 0x22, 0x00, 0xFF] {
                #expect(ByteParsing.containsByte(word, probe) == bytes.contains(probe), "\(bytes) \(probe)")
            }
        }
    }
}

@Suite("CSV reader windows")
struct CSVReaderWindowTests {
    @Test func recordsLongerThanAWindowAndRunsOfBlankLines() throws {
        // A quoted field of 5,000 bytes with newlines, multi-byte UTF-8 and doubled quotes, and 300 blank
        // lines: any window size gives the records of one big window.
        let long = String(repeating: "ab\u{e9}\"\"\n,", count: 500)
        let text = "k,v\n1,\"" + long + "\"\n" + String(repeating: "\n", count: 300) + "2,x\r\n3,\"\u{1F600}\"\n"
        let url = try temporaryFile(text)
        defer { removeTemporaryFile(url) }
        let expectedValue = long.replacingOccurrences(of: "\"\"", with: "\"")
        for chunkSize in [64, 100, 4096, 1 << 20] {
            for pieceBytes in [1 << 20, 7] {
                let (header, records, lines) = try readAll(url, chunkSize: chunkSize, minimumPieceBytes: pieceBytes)
                #expect(header == ["k", "v"])
                #expect(records == [["1", expectedValue], ["2", "x"], ["3", "\u{1F600}"]])
                // The long field holds 500 newlines and 300 blank lines follow it.
                #expect(lines == [2, 803, 804])
            }
        }
    }

    @Test func columnsOnTheFirstLineDoNotCountTheByteOrderMark() throws {
        let url = try temporaryFile("\u{FEFF}\"a,b\n1,2\n")
        defer { removeTemporaryFile(url) }
        let error = #expect(throws: IngestError.self) { _ = try CSVReader(url: url, file: "t.csv") }
        #expect(error?.kind == .unterminatedQuote)
        #expect(error?.line == 1)
        #expect(error?.column == 1)
    }

    @Test func anEmptyFileAndAFileOfOnlyAByteOrderMarkHaveNoHeader() throws {
        for text in ["", "\u{FEFF}", "\n\n"] {
            let url = try temporaryFile(text)
            defer { removeTemporaryFile(url) }
            let error = #expect(throws: IngestError.self) { _ = try CSVReader(url: url, file: "t.csv") }
            #expect(error?.kind == .emptyFile)
        }
    }
}

@Suite("Unused text columns")
struct UnusedTextColumnTests {
    @Test func unusedTextColumnsReadEmptyAndTheRestIsUnchanged() throws {
        let unused: [CanonicalTable: Set<String>] = [.patients: ["first_name", "email"], .appointments: ["provider"],
                                                      .communications: ["campaign"]]
        let full = try ExportReader.read(DataFixtures.valid).export
        let lean = try ExportReader.read(DataFixtures.valid, unusedTextColumns: unused).export
        #expect(lean.appointments.provider.codes == [Int32](repeating: -1, count: full.appointments.count))
        #expect(lean.communications.campaign.codes == [Int32](repeating: -1, count: full.communications.count))
        #expect((0..<lean.patients.count).allSatisfy { lean.patients.firstName[$0] == nil && lean.patients.email[$0] == nil })
        #expect(lean.patients.phone == full.patients.phone)
        #expect(lean.appointments.service == full.appointments.service)
        #expect(lean.appointments.scheduledAt == full.appointments.scheduledAt)
        #expect(lean.appointments.amount.map(\.bitPattern) == full.appointments.amount.map(\.bitPattern))
        #expect(lean.communications.sentAt == full.communications.sentAt)
    }

    @Test func anUnusedRequiredColumnIsStillChecked() throws {
        // `service` is required: empty, it is the same error whether or not its values are kept.
        let folder = DataFixtures.broken("empty-required-field")
        let kept = #expect(throws: IngestError.self) { _ = try ExportReader.read(folder) }
        let unused = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(folder, unusedTextColumns: [.appointments: ["service", "provider"]])
        }
        #expect(kept != nil && kept?.description == unused?.description)
    }
}

@Suite("Field splitting")
struct FieldSplittingTests {
    @Test func matchBitsFindTheFirstMatchingByte() {
        var generator = SplitMix64(seed: 17)
        for _ in 0..<20_000 {
            let alphabet: [UInt8] = [0x2C, 0x2B, 0x2D, 0x22, 0x21, 0x23, 0x00, 0xFF, 0x80, 0x41]
            let (word, bytes) = randomWord(from: alphabet, using: &generator)
            let found = ByteParsing.matchBits(word, 0x2C) | ByteParsing.matchBits(word, 0x22)
            let first = bytes.firstIndex { $0 == 0x2C || $0 == 0x22 }
            #expect((found == 0 ? nil : found.trailingZeroBitCount >> 3) == first, "\(bytes)")
        }
    }

    @Test func fieldsOfEveryLengthAroundEightBytes() throws {
        // Property: fields of 0 to 20 bytes (ASCII and multi-byte UTF-8), quoted or not, split back into
        // themselves; stray quotes at any offset are still found.
        var generator = SplitMix64(seed: 23)
        var text = "a,b,c\n"
        var expected: [[String]] = []
        let alphabet = Array("xy1-\u{e9}\u{1F600}")
        for _ in 0..<400 {
            var row: [String] = []
            for _ in 0..<3 {
                var value = ""
                for _ in 0..<Int(generator.next() % 21) { value.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
                row.append(value)
            }
            expected.append(row)
            text += row.enumerated().map { $0.offset == 1 && generator.next() % 2 == 0 ? "\"\($0.element)\"" : $0.element }
                .joined(separator: ",") + (generator.next() % 2 == 0 ? "\n" : "\r\n")
        }
        let url = try temporaryFile(text)
        defer { removeTemporaryFile(url) }
        #expect(try readAll(url).records == expected)
        for offset in 1..<12 {
            let stray = try temporaryFile("a,b\n1," + String(repeating: "z", count: offset) + "\"q\"\n")
            defer { removeTemporaryFile(stray) }
            let error = #expect(throws: IngestError.self) { _ = try readAll(stray) }
            #expect(error?.kind == .strayQuote)
            #expect(error?.column == 3 + offset)
        }
    }
}

/// Eight bytes drawn from `alphabet`, as a little-endian word and as bytes (byte `k` is bits `8k ..< 8k + 8`).
func randomWord(from alphabet: [UInt8], using generator: inout SplitMix64) -> (word: UInt64, bytes: [UInt8]) {
    var word: UInt64 = 0
    var bytes: [UInt8] = []
    for k in 0..<8 {
        let byte = alphabet[Int(generator.next() % UInt64(alphabet.count))]
        bytes.append(byte)
        word |= UInt64(byte) << (8 * UInt64(k))
    }
    return (word, bytes)
}
