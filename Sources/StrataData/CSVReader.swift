import Foundation

/// A streaming RFC 4180 CSV reader that works on bytes: quoted fields, doubled quotes, newlines inside
/// quotes, LF or CRLF line ends, a UTF-8 byte-order mark, empty fields. Blank lines are skipped.
///
/// The file is read in chunks (16 MiB by default). Each chunk is cut at the last record boundary outside
/// quotes; the rest is carried into the next chunk, so a ``CSVBatch`` always holds whole records. Finding
/// the boundaries is one cheap pass per chunk; splitting records into fields and converting them is then
/// free to run on several cores over disjoint record ranges of the batch.
///
/// - Complexity: O(bytes) time; memory is one chunk plus the longest record.
public final class CSVReader {
    /// The file name used in messages.
    public let file: String
    /// The header row's names, in file order.
    public private(set) var header: [String] = []

    private let handle: FileHandle
    private let chunkSize: Int
    private var carried: [UInt8] = []
    private var carriedLine = 1
    private var atEndOfFile = false
    private var isFirstChunk = true

    /// Opens `url` and reads its header row.
    ///
    /// - Parameters:
    ///   - file: the name to show in messages (defaults to the path).
    ///   - chunkSize: bytes read at a time.
    /// - Throws: ``IngestError`` `.unreadableFile`, `.emptyFile` (no header row), `.unterminatedQuote`.
    public init(url: URL, file: String? = nil, chunkSize: Int = 16 << 20) throws(IngestError) {
        self.file = file ?? url.path
        self.chunkSize = max(chunkSize, 64)
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw IngestError(.unreadableFile, file: self.file, found: url.path, expected: "a readable CSV file")
        }
        guard let first = try nextBatch(), first.count > 0 else {
            throw IngestError(.emptyFile, file: self.file, line: 1, expected: "a header row naming the columns")
        }
        var splitter = CSVFieldSplitter(capacity: 64)
        let count = try splitter.split(first, record: 0)
        header = (0..<count).map { splitter.text(first, field: $0) }
        pending = first.dropping(records: 1)
    }

    deinit { try? handle.close() }

    /// The batch left over after reading the header.
    private var pending: CSVBatch?

    /// The next batch of whole records, or nil at the end of the file.
    /// - Throws: `.unterminatedQuote` when the file ends inside a quoted field; `.unreadableFile`.
    public func nextBatch() throws(IngestError) -> CSVBatch? {
        if let batch = pending {
            pending = nil
            if batch.count > 0 { return batch }
        }
        while true {
            if atEndOfFile && carried.isEmpty { return nil }
            var bytes = carried
            carried = []
            let firstLine = carriedLine
            if !atEndOfFile {
                let data: Data?
                do { data = try handle.read(upToCount: chunkSize) } catch {
                    throw IngestError(.unreadableFile, file: file, expected: "a readable file (\(error.localizedDescription))")
                }
                if let data, !data.isEmpty { bytes.append(contentsOf: data) } else { atEndOfFile = true }
            }
            if isFirstChunk {
                isFirstChunk = false
                if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF {
                    bytes.removeFirst(3)
                }
            }
            let batch = try cutRecords(bytes, firstLine: firstLine)
            if batch.count > 0 { return batch }
            if atEndOfFile && carried.isEmpty { return nil }
        }
    }

    /// Finds the records of `bytes` that end outside quotes; keeps the unfinished tail in `carried`.
    private func cutRecords(_ bytes: [UInt8], firstLine: Int) throws(IngestError) -> CSVBatch {
        var starts: [Int] = [], ends: [Int] = [], lines: [Int] = []
        let estimate = bytes.count / 48 + 16
        starts.reserveCapacity(estimate)
        ends.reserveCapacity(estimate)
        lines.reserveCapacity(estimate)
        var inQuotes = false
        var recordStart = 0, recordLine = firstLine, line = firstLine
        var openingQuote = 0, openingQuoteLine = firstLine
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == quote {
                if !inQuotes { openingQuote = index; openingQuoteLine = line }
                inQuotes.toggle()
            } else if byte == newline {
                if !inQuotes {
                    var end = index
                    if end > recordStart && bytes[end - 1] == carriageReturn { end -= 1 }
                    if end > recordStart {
                        starts.append(recordStart)
                        ends.append(end)
                        lines.append(recordLine)
                    }
                    recordStart = index + 1
                    recordLine = line + 1
                }
                line += 1
            }
            index += 1
        }
        if atEndOfFile {
            if inQuotes {
                let column = CSVBatch.column(in: bytes, at: openingQuote)
                throw IngestError(.unterminatedQuote, file: file, line: openingQuoteLine, column: column,
                                  found: CSVBatch.excerpt(bytes, from: openingQuote),
                                  expected: "a closing \" before the end of the file")
            }
            var end = count
            if end > recordStart && bytes[end - 1] == carriageReturn { end -= 1 }
            if end > recordStart {
                starts.append(recordStart)
                ends.append(end)
                lines.append(recordLine)
            }
            carried = []
        } else {
            carried = Array(bytes[recordStart..<count])
            carriedLine = recordLine
        }
        return CSVBatch(file: file, bytes: bytes, recordStarts: starts, recordEnds: ends, recordLines: lines)
    }

    /// Reads every remaining record as strings: convenient for small files (the Synthea adapter).
    /// - Parameter body: called with the fields and the record's line; it may throw to stop.
    public func forEachRecord(_ body: ([String], Int) throws -> Void) throws {
        var splitter = CSVFieldSplitter(capacity: max(header.count, 1))
        while let batch = try nextBatch() {
            for record in 0..<batch.count {
                let count = try splitter.split(batch, record: record)
                guard count == header.count else {
                    throw batch.fieldCountError(record: record, found: count, expected: header.count)
                }
                try body((0..<count).map { splitter.text(batch, field: $0) }, batch.recordLines[record])
            }
        }
    }
}

/// Whole records of a CSV file, as byte ranges of one buffer.
public struct CSVBatch: Sendable {
    public let file: String
    public let bytes: [UInt8]
    /// Record `i` is `bytes[recordStarts[i]..<recordEnds[i]]`, without its line end.
    public let recordStarts: [Int]
    public let recordEnds: [Int]
    /// The physical line (1-based) on which record `i` starts.
    public let recordLines: [Int]

    public var count: Int { recordStarts.count }

    func dropping(records dropped: Int) -> CSVBatch {
        CSVBatch(file: file, bytes: bytes, recordStarts: Array(recordStarts.dropFirst(dropped)),
                 recordEnds: Array(recordEnds.dropFirst(dropped)), recordLines: Array(recordLines.dropFirst(dropped)))
    }

    /// The 1-based character column of byte `position` on its line.
    static func column(in bytes: [UInt8], at position: Int) -> Int {
        var lineStart = position
        while lineStart > 0 && bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        var column = 1
        for byte in bytes[lineStart..<position] where byte & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Up to the end of the line (at most 60 bytes) from `position`, for messages.
    static func excerpt(_ bytes: [UInt8], from position: Int) -> String {
        var end = position
        while end < bytes.count && end - position < 60 && bytes[end] != UInt8(ascii: "\n") && bytes[end] != UInt8(ascii: "\r") {
            end += 1
        }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// The physical line and column of byte `position` inside record `record`.
    public func place(record: Int, position: Int) -> (line: Int, column: Int) {
        var line = recordLines[record]
        for byte in bytes[recordStarts[record]..<position] where byte == UInt8(ascii: "\n") { line += 1 }
        return (line, Self.column(in: bytes, at: position))
    }

    /// An error located at byte `position` of record `record`.
    public func error(_ kind: IngestError.Kind, record: Int, position: Int, found: String, expected: String) -> IngestError {
        let (line, column) = place(record: record, position: position)
        return IngestError(kind, file: file, line: line, column: column, found: found, expected: expected)
    }

    func fieldCountError(record: Int, found: Int, expected: Int) -> IngestError {
        IngestError(.wrongFieldCount, file: file, line: recordLines[record], column: 1,
                    found: "\(found) fields: " + Self.excerpt(bytes, from: recordStarts[record]),
                    expected: "\(expected) fields, as in the header")
    }
}

/// Splits one record of a batch into fields, reusing its buffers: no allocation per record.
public struct CSVFieldSplitter: Sendable {
    /// Field `i` is `bytes[starts[i]..<ends[i]]` (inside the quotes, for a quoted field).
    public private(set) var starts: [Int]
    public private(set) var ends: [Int]
    /// Whether field `i` contains doubled quotes that ``field(_:_:)`` must undo.
    public private(set) var escaped: [Bool]
    /// Whether field `i` was quoted (its start is one past the opening quote).
    public private(set) var quoted: [Bool]
    private var scratch: [UInt8] = []

    public init(capacity: Int) {
        starts = Array(repeating: 0, count: capacity)
        ends = Array(repeating: 0, count: capacity)
        escaped = Array(repeating: false, count: capacity)
        quoted = Array(repeating: false, count: capacity)
    }

    /// Splits record `record` of `batch`.
    ///
    /// - Returns: the number of fields; fields beyond the capacity are counted but not stored.
    /// - Throws: `.strayQuote` for a quote inside an unquoted field or text after a closing quote.
    public mutating func split(_ batch: CSVBatch, record: Int) throws(IngestError) -> Int {
        let bytes = batch.bytes
        let end = batch.recordEnds[record]
        var position = batch.recordStarts[record]
        var count = 0
        let capacity = starts.count
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        while true {
            var fieldStart = position, fieldEnd = position, hasDoubledQuotes = false
            let isQuoted = position < end && bytes[position] == quote
            if isQuoted {
                position += 1
                fieldStart = position
                while true {
                    // The batch cut guarantees the quote closes inside the record.
                    while bytes[position] != quote { position += 1 }
                    if position + 1 < end && bytes[position + 1] == quote {
                        hasDoubledQuotes = true
                        position += 2
                    } else {
                        break
                    }
                }
                fieldEnd = position
                position += 1
                if position < end && bytes[position] != comma {
                    throw batch.error(.strayQuote, record: record, position: position,
                                      found: CSVBatch.excerpt(bytes, from: fieldStart - 1),
                                      expected: "a comma or the end of the line after a closing quote")
                }
            } else {
                while position < end {
                    let byte = bytes[position]
                    if byte == comma { break }
                    if byte == quote {
                        throw batch.error(.strayQuote, record: record, position: position,
                                          found: CSVBatch.excerpt(bytes, from: fieldStart),
                                          expected: "a field with quotes to be quoted as a whole, with inner quotes doubled (\"a \"\"b\"\"\")")
                    }
                    position += 1
                }
                fieldEnd = position
            }
            if count < capacity {
                starts[count] = fieldStart
                ends[count] = fieldEnd
                escaped[count] = hasDoubledQuotes
                quoted[count] = isQuoted
            }
            count += 1
            if position >= end { return count }
            position += 1  // the comma
            if position == end {
                // A trailing comma: one more, empty field.
                if count < capacity {
                    starts[count] = position
                    ends[count] = position
                    escaped[count] = false
                    quoted[count] = false
                }
                return count + 1
            }
        }
    }

    /// Field `index` as bytes: the batch's own bytes, or (for a field with doubled quotes) an unescaped copy.
    /// - Returns: the buffer and the field's range in it.
    @inlinable
    public mutating func field(_ batch: CSVBatch, _ index: Int) -> (bytes: [UInt8], start: Int, end: Int) {
        guard escaped[index] else { return (batch.bytes, starts[index], ends[index]) }
        unescape(batch, index)
        return (scratchBytes, 0, scratchBytes.count)
    }

    @usableFromInline
    var scratchBytes: [UInt8] { scratch }

    @usableFromInline
    mutating func unescape(_ batch: CSVBatch, _ index: Int) {
        scratch.removeAll(keepingCapacity: true)
        var position = starts[index]
        let end = ends[index]
        while position < end {
            let byte = batch.bytes[position]
            scratch.append(byte)
            position += byte == UInt8(ascii: "\"") ? 2 : 1
        }
    }

    /// Field `index` as a string.
    public mutating func text(_ batch: CSVBatch, field index: Int) -> String {
        let (bytes, start, end) = field(batch, index)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
