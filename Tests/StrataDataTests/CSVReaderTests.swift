import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataData

/// Writes `text` to a temporary file (alone in a new folder) and returns its URL; ``removeTemporaryFile(_:)``
/// removes it.
func temporaryFile(_ text: String, name: String = "test.csv") throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

/// Removes the folder ``temporaryFile(_:name:)`` made for `url`, and nothing else: given anything but a file
/// in such a folder (its parent, say, whose parent is the system's temporary directory) it stops the tests.
func removeTemporaryFile(_ url: URL) {
    let folder = url.deletingLastPathComponent()
    precondition(folder.lastPathComponent.hasPrefix("strata-csv-"), "removeTemporaryFile: \(url.path) is not a temporaryFile")
    try? FileManager.default.removeItem(at: folder)
}

/// Every record of a file as strings, with its line.
func readAll(_ url: URL, chunkSize: Int = 1 << 20, minimumPieceBytes: Int = 1 << 20) throws -> (header: [String], records: [[String]], lines: [Int]) {
    let reader = try CSVReader(url: url, file: "t.csv", chunkSize: chunkSize, minimumPieceBytes: minimumPieceBytes)
    var records: [[String]] = [], lines: [Int] = []
    try reader.forEachRecord { fields, line in
        records.append(fields)
        lines.append(line)
    }
    return (reader.header, records, lines)
}

@Suite("CSV reader (RFC 4180)")
struct CSVReaderTests {
    @Test func quotedFieldsDoubledQuotesAndNewlines() throws {
        let url = try temporaryFile("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n3,,\"\"\n")
        defer { removeTemporaryFile(url) }
        let (header, records, lines) = try readAll(url)
        #expect(header == ["a", "b", "c"])
        #expect(records == [["1", "x, y", "say \"hi\""], ["2", "two\nlines", ""], ["3", "", ""]])
        // The record after a quoted newline starts on physical line 5.
        #expect(lines == [2, 3, 5])
    }

    @Test func crlfBomAndBlankLines() throws {
        let url = try temporaryFile("\u{FEFF}id,name\r\n1,Ann\r\n\r\n2,\"B\r\nC\"\r\n")
        defer { removeTemporaryFile(url) }
        let (header, records, lines) = try readAll(url)
        #expect(header == ["id", "name"])
        #expect(records == [["1", "Ann"], ["2", "B\r\nC"]])
        #expect(lines == [2, 4])
    }

    @Test func lastLineWithoutNewlineAndTrailingComma() throws {
        let url = try temporaryFile("a,b\n1,\n2,3")
        defer { removeTemporaryFile(url) }
        let (_, records, _) = try readAll(url)
        #expect(records == [["1", ""], ["2", "3"]])
    }

    @Test func chunkBoundariesDoNotChangeRecords() throws {
        // Property: any chunk size gives the records of one big chunk (fields with quotes, commas and
        // newlines straddle the boundaries), with a seeded generator.
        var generator = SplitMix64(seed: 42)
        var text = "k,v,w\n"
        var expected: [[String]] = []
        let alphabet = Array("ab ,\"\n\u{e9}")
        for row in 0..<300 {
            var value = ""
            for _ in 0..<Int(generator.next() % 12) { value.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            let quoted = "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "\(row),\(quoted),x\n"
            expected.append(["\(row)", value, "x"])
        }
        let url = try temporaryFile(text)
        defer { removeTemporaryFile(url) }
        let whole = try readAll(url).records
        #expect(whole == expected)
        let (_, _, wholeLines) = try readAll(url)
        for chunkSize in [64, 97, 1000, 1 << 20] {
            // Scanned sequentially, and in pieces of 7 to 40 bytes on several cores (quotes straddle pieces).
            for pieceBytes in [1 << 20, 7, 40] {
                let (_, records, lines) = try readAll(url, chunkSize: chunkSize, minimumPieceBytes: pieceBytes)
                #expect(records == expected)
                #expect(lines == wholeLines)
            }
        }
    }

    @Test(arguments: [1 << 20, 4])
    func unterminatedQuoteNamesTheOpeningQuote(pieceBytes: Int) throws {
        let url = try temporaryFile("a,b\n1,2\n3,\"open\n4,5\n")
        defer { removeTemporaryFile(url) }
        #expect(throws: IngestError(.unterminatedQuote, file: "t.csv", line: 3, column: 3, found: "\"open",
                                    expected: "a closing \" before the end of the file")) {
            _ = try readAll(url, minimumPieceBytes: pieceBytes)
        }
    }

    @Test func quoteInsideAnUnquotedFieldIsAnError() throws {
        let url = try temporaryFile("a,b\n1,x\"y\"\n")
        defer { removeTemporaryFile(url) }
        let error = #expect(throws: IngestError.self) { _ = try readAll(url) }
        #expect(error?.kind == .strayQuote)
        #expect(error?.place == "t.csv:2:4")
    }

    @Test func emptyFileHasNoHeader() throws {
        let url = try temporaryFile("")
        defer { removeTemporaryFile(url) }
        #expect(throws: IngestError(.emptyFile, file: "t.csv", line: 1, expected: "a header row naming the columns")) {
            _ = try CSVReader(url: url, file: "t.csv")
        }
    }

    @Test func columnsCountCharactersNotBytes() throws {
        // "é" is two bytes; the bad field starts at character 4.
        let url = try temporaryFile("a,b\né,\"x\"y\n")
        defer { removeTemporaryFile(url) }
        let error = #expect(throws: IngestError.self) { _ = try readAll(url) }
        #expect(error?.place == "t.csv:2:6")
    }
}
