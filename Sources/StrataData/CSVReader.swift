import Foundation
import StrataLinearAlgebra

/// A streaming RFC 4180 CSV reader that works on bytes: quoted fields, doubled quotes, newlines inside
/// quotes, LF or CRLF line ends, a UTF-8 byte-order mark, empty fields. Blank lines are skipped.
///
/// The file is mapped into memory, not read: batches are windows of the mapping (16 MiB by default), so no
/// byte is copied before it is converted. Each window is cut at the last record boundary outside quotes and
/// the next window starts there, so a ``CSVBatch`` always holds whole records. Finding the boundaries is
/// one cheap pass per window; splitting records into fields and converting them is then free to run on
/// several cores over disjoint record ranges of the batch.
///
/// - Complexity: O(bytes) time. Memory: the file's pages as they are read (the page cache's, shared with
///   other readers) plus one window's record ranges.
public final class CSVReader {
    /// The file name used in messages.
    public let file: String
    /// The header row's names, in file order.
    public private(set) var header: [String] = []

    /// The whole file, mapped.
    private let data: Data
    /// Where the text starts: after a UTF-8 byte-order mark, if any.
    private let contentStart: Int
    private let chunkSize: Int
    /// Windows at least twice this long are scanned for record boundaries on several cores.
    private let minimumPieceBytes: Int
    /// The first byte not yet in a batch, and the physical line it is on.
    private var position: Int
    private var line = 1

    /// Opens `url` and reads its header row.
    ///
    /// - Parameters:
    ///   - file: the name to show in messages (defaults to the path).
    ///   - chunkSize: bytes per batch window.
    /// - Throws: ``IngestError`` `.unreadableFile`, `.emptyFile` (no header row), `.unterminatedQuote`.
    public convenience init(url: URL, file: String? = nil, chunkSize: Int = 16 << 20) throws(IngestError) {
        try self.init(url: url, file: file, chunkSize: chunkSize, minimumPieceBytes: 1 << 20)
    }

    /// As above; `minimumPieceBytes` lets tests force the parallel boundary scan on small files.
    init(url: URL, file: String?, chunkSize: Int, minimumPieceBytes: Int) throws(IngestError) {
        self.file = file ?? url.path
        self.chunkSize = max(chunkSize, 64)
        self.minimumPieceBytes = max(minimumPieceBytes, 1)
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw IngestError(.unreadableFile, file: self.file, found: url.path, expected: "a readable CSV file")
        }
        let hasByteOrderMark = data.count >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF
        contentStart = hasByteOrderMark ? 3 : 0
        position = contentStart
        guard let first = try nextBatch(), first.count > 0 else {
            throw IngestError(.emptyFile, file: self.file, line: 1, expected: "a header row naming the columns")
        }
        // A file with lone CR line ends is one record here: say so rather than report a header of odd names.
        if let carriageReturn = first.loneCarriageReturn(record: 0) {
            throw first.loneCarriageReturnError(record: 0, at: carriageReturn)
        }
        var splitter = CSVFieldSplitter(capacity: 64)
        var count = try splitter.split(first, record: 0)
        if count > 64 {
            // A wide export (100+ columns): split again with room for every name.
            splitter = CSVFieldSplitter(capacity: count)
            count = try splitter.split(first, record: 0)
        }
        header = (0..<count).map { splitter.text(first, field: $0) }
        if first.count == 1 { unterminatedFinalRecord = nil }  // the header itself: no value to doubt
        pending = first.dropping(records: 1)
    }

    /// Where the file's last record is when the file ends without a line end after it.
    private var unterminatedFinalRecord: (start: Int, end: Int, line: Int)?

    /// A warning when the file ends without a line end after its last record and that record has as many
    /// fields as the header: it may still have been cut inside its last value (`12.5` cut to `1`), which no
    /// check can tell from a whole value. Nil when the file ends with a line end, when the last value is
    /// quoted (its closing quote shows it is whole), and when the record is short of fields (an error of
    /// the record, ``IngestError/Kind/truncatedRecord``). Call after reading every batch.
    public func finalLineEndWarning() -> IngestWarning? {
        guard let record = unterminatedFinalRecord, !header.isEmpty else { return nil }
        let batch = CSVBatch(file: file, bytes: data, contentStart: contentStart, recordStarts: [record.start],
                             recordEnds: [record.end], recordLines: [record.line], endsWithoutLineEnd: true)
        var splitter = CSVFieldSplitter(capacity: header.count)
        guard let count = try? splitter.split(batch, record: 0), count == header.count,
              !splitter.quoted[count - 1] else { return nil }
        let (line, column) = batch.place(record: 0, position: splitter.starts[count - 1])
        return IngestWarning(.noFinalLineEnd, file: file, line: line, column: column,
                             found: splitter.text(batch, field: count - 1))
    }

    /// The batch left over after reading the header.
    private var pending: CSVBatch?

    /// The file's size in bytes.
    public var byteCount: Int { data.count }

    /// The bytes not yet handed out in a batch (for estimates of the rows to come).
    public var remainingBytes: Int { data.count - position }

    /// The next batch of whole records, or nil at the end of the file.
    /// - Throws: `.unterminatedQuote` when the file ends inside a quoted field.
    public func nextBatch() throws(IngestError) -> CSVBatch? {
        if let batch = pending {
            pending = nil
            if batch.count > 0 { return batch }
        }
        var windowEnd = position + min(chunkSize, data.count - position)
        while position < data.count {
            let batch = try cutRecordsInParallel(position..<windowEnd)
            if batch.count > 0 { return batch }
            // No whole record in the window (a record longer than it, or blank lines): widen it.
            windowEnd += min(chunkSize, data.count - windowEnd)
        }
        return nil
    }

    /// Newlines of one piece of a window, by the parity of the quotes seen in the piece before them.
    private struct NewlineScan: Sendable {
        /// Newlines after an even number of quotes in the piece, and how many newlines (inside quotes or
        /// not) precede each in the piece.
        var evenPositions: [Int] = [], evenOrdinals: [Int] = []
        /// The same after an odd number of quotes.
        var oddPositions: [Int] = [], oddOrdinals: [Int] = []
        var quoteCount = 0
        var newlineCount = 0
    }

    private static func scanNewlines(_ data: Data, _ range: Range<Int>) -> NewlineScan {
        var scan = NewlineScan()
        scan.evenPositions.reserveCapacity(range.count / 48 + 16)
        scan.evenOrdinals.reserveCapacity(range.count / 48 + 16)
        let span = data.span
        let words = span.bytes
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        var odd = false
        var index = range.lowerBound
        while index < range.upperBound {
            // Eight bytes at a time: most words hold neither a quote nor a newline and are skipped whole.
            if index + 8 <= range.upperBound {
                let word = words.unsafeLoadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !ByteParsing.containsByte(word, quote) && !ByteParsing.containsByte(word, newline) {
                    index += 8
                    continue
                }
            }
            let stop = min(index + 8, range.upperBound)
            while index < stop {
                let byte = span[index]
                if byte == quote {
                    odd.toggle()
                    scan.quoteCount += 1
                } else if byte == newline {
                    if odd {
                        scan.oddPositions.append(index)
                        scan.oddOrdinals.append(scan.newlineCount)
                    } else {
                        scan.evenPositions.append(index)
                        scan.evenOrdinals.append(scan.newlineCount)
                    }
                    scan.newlineCount += 1
                }
                index += 1
            }
        }
        return scan
    }

    /// Finds the records of `window` that end outside quotes, scanning pieces of it on all cores: each
    /// piece records its newlines under both assumptions (it starts inside or outside quotes), and the
    /// pieces are then chained in order, each one's quote parity deciding the next one's start. Same result
    /// as ``cutRecords(_:)``, which also handles a file ending inside quotes.
    private func cutRecordsInParallel(_ window: Range<Int>) throws(IngestError) -> CSVBatch {
        let count = window.count
        let pieces = count >= 2 * minimumPieceBytes ? min(Parallel.processorCount, count / minimumPieceBytes) : 1
        guard pieces > 1 else { return try cutRecords(window) }
        let data = self.data, base = window.lowerBound
        let scans = Parallel.map(rangesOf: count, workers: pieces) { range in
            Self.scanNewlines(data, (base + range.lowerBound)..<(base + range.upperBound))
        }
        var inQuotes = 0
        for scan in scans { inQuotes ^= scan.quoteCount & 1 }
        if window.upperBound == data.count && inQuotes == 1 { return try cutRecords(window) }
        var cuts = RecordCuts(start: window.lowerBound, firstLine: line,
                              capacity: scans.reduce(0) { $0 + $1.newlineCount } + 1)
        var state = 0, lineBase = line
        let bytes = data.span
        for scan in scans {
            // Newlines outside quotes are those after a piece-relative parity equal to the piece's start state.
            let positions = state == 0 ? scan.evenPositions : scan.oddPositions
            let ordinals = state == 0 ? scan.evenOrdinals : scan.oddOrdinals
            for (k, position) in positions.enumerated() {
                cuts.endRecord(at: position, in: bytes, nextLine: lineBase + ordinals[k] + 1)
            }
            lineBase += scan.newlineCount
            state ^= scan.quoteCount & 1
        }
        return finish(cuts, window)
    }

    /// The batch of the records cut in `window`: at the end of the file the rest is the last record,
    /// otherwise the next window starts with it.
    private func finish(_ cuts: RecordCuts, _ window: Range<Int>) -> CSVBatch {
        var cuts = cuts
        var endsWithoutLineEnd = false
        if window.upperBound == data.count {
            let recordsBefore = cuts.starts.count
            cuts.endRecord(at: data.count, in: data.span, nextLine: cuts.recordLine)
            position = data.count
            if cuts.starts.count > recordsBefore {
                endsWithoutLineEnd = true
                unterminatedFinalRecord = (cuts.starts[recordsBefore], cuts.ends[recordsBefore], cuts.lines[recordsBefore])
            }
        } else {
            position = cuts.recordStart
        }
        line = cuts.recordLine
        return CSVBatch(file: file, bytes: data, contentStart: contentStart, recordStarts: cuts.starts,
                        recordEnds: cuts.ends, recordLines: cuts.lines, endsWithoutLineEnd: endsWithoutLineEnd)
    }

    /// Finds the records of `window` that end outside quotes, in one sequential pass.
    private func cutRecords(_ window: Range<Int>) throws(IngestError) -> CSVBatch {
        var cuts = RecordCuts(start: window.lowerBound, firstLine: line, capacity: window.count / 48 + 16)
        var inQuotes = false
        var line = self.line
        var openingQuote = 0, openingQuoteLine = line
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        let bytes = data.span
        for index in window {
            let byte = bytes[index]
            if byte == quote {
                if !inQuotes { openingQuote = index; openingQuoteLine = line }
                inQuotes.toggle()
            } else if byte == newline {
                if !inQuotes { cuts.endRecord(at: index, in: bytes, nextLine: line + 1) }
                line += 1
            }
        }
        if window.upperBound == data.count && inQuotes {
            throw IngestError(.unterminatedQuote, file: file, line: openingQuoteLine,
                              column: CSVBatch.column(in: data, from: contentStart, at: openingQuote),
                              found: CSVBatch.excerpt(data, from: openingQuote),
                              expected: "a closing \" before the end of the file")
        }
        return finish(cuts, window)
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

/// Record ranges found in a window, record end by record end.
private struct RecordCuts {
    var starts: [Int] = [], ends: [Int] = [], lines: [Int] = []
    /// Where the record being read starts, and on which line.
    var recordStart: Int
    var recordLine: Int

    init(start: Int, firstLine: Int, capacity: Int) {
        recordStart = start
        recordLine = firstLine
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
        lines.reserveCapacity(capacity)
    }

    /// Ends the current record at the line end `position` (a CR before it is dropped, a blank record
    /// skipped); the next record starts after it, on line `nextLine`.
    mutating func endRecord(at position: Int, in bytes: Span<UInt8>, nextLine: Int) {
        var end = position
        if end > recordStart && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end > recordStart {
            starts.append(recordStart)
            ends.append(end)
            lines.append(recordLine)
        }
        recordStart = position + 1
        recordLine = nextLine
    }
}

/// Whole records of a CSV file, as byte ranges of the file's bytes.
public struct CSVBatch: Sendable {
    public let file: String
    /// The whole file; record offsets index it.
    public let bytes: Data
    /// Where the file's text starts (after a byte-order mark), for columns on the first line.
    let contentStart: Int
    /// Record `i` is `bytes[recordStarts[i]..<recordEnds[i]]`, without its line end.
    public let recordStarts: [Int]
    public let recordEnds: [Int]
    /// The physical line (1-based) on which record `i` starts.
    public let recordLines: [Int]
    /// Whether the last record is the file's last and no line end follows it (it may have been cut short).
    public let endsWithoutLineEnd: Bool

    public var count: Int { recordStarts.count }

    func dropping(records dropped: Int) -> CSVBatch {
        CSVBatch(file: file, bytes: bytes, contentStart: contentStart, recordStarts: Array(recordStarts.dropFirst(dropped)),
                 recordEnds: Array(recordEnds.dropFirst(dropped)), recordLines: Array(recordLines.dropFirst(dropped)),
                 endsWithoutLineEnd: endsWithoutLineEnd && count > dropped)
    }

    /// The 1-based character column of byte `position` on its line (the text starting at `lowerBound`).
    static func column(in bytes: Data, from lowerBound: Int, at position: Int) -> Int {
        let span = bytes.span
        var lineStart = position
        while lineStart > lowerBound && span[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        var column = 1
        for index in lineStart..<position where span[index] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Up to the end of the line (at most 60 bytes) from `position`, for messages.
    static func excerpt(_ bytes: Data, from position: Int) -> String {
        let span = bytes.span
        var end = position
        while end < span.count && end - position < 60 && span[end] != UInt8(ascii: "\n") && span[end] != UInt8(ascii: "\r") {
            end += 1
        }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// The physical line and column of byte `position` inside record `record`.
    public func place(record: Int, position: Int) -> (line: Int, column: Int) {
        let span = bytes.span
        var line = recordLines[record]
        for index in recordStarts[record]..<position where span[index] == UInt8(ascii: "\n") { line += 1 }
        return (line, Self.column(in: bytes, from: contentStart, at: position))
    }

    /// An error located at byte `position` of record `record`.
    public func error(_ kind: IngestError.Kind, record: Int, position: Int, found: String, expected: String) -> IngestError {
        let (line, column) = place(record: record, position: position)
        return IngestError(kind, file: file, line: line, column: column, found: found, expected: expected)
    }

    /// The error of a record with `found` fields where the header has `expected`: a lone CR inside it (two
    /// lines read as one), a file cut short inside its last record, or just a wrong field count.
    func fieldCountError(record: Int, found: Int, expected: Int) -> IngestError {
        if let carriageReturn = loneCarriageReturn(record: record) {
            return loneCarriageReturnError(record: record, at: carriageReturn)
        }
        if found < expected && endsWithoutLineEnd && record == count - 1 {
            let (line, column) = place(record: record, position: recordEnds[record])
            return IngestError(.truncatedRecord, file: file, line: line, column: column,
                               found: "\(found) fields: " + Self.excerpt(bytes, from: recordStarts[record]),
                               expected: "\(expected) fields, as in the header, and a line end after the last record (the file looks cut short)")
        }
        return IngestError(.wrongFieldCount, file: file, line: recordLines[record], column: 1,
                           found: "\(found) fields: " + Self.excerpt(bytes, from: recordStarts[record]),
                           expected: "\(expected) fields, as in the header")
    }

    /// The first carriage return inside record `record` (a CR right before a line feed is not part of the
    /// record), if any. Only for error paths: it reads the whole record.
    func loneCarriageReturn(record: Int) -> Int? {
        let span = bytes.span
        for index in recordStarts[record]..<recordEnds[record] where span[index] == UInt8(ascii: "\r") { return index }
        return nil
    }

    func loneCarriageReturnError(record: Int, at position: Int) -> IngestError {
        var start = position
        let span = bytes.span
        while start > recordStarts[record] && position - start < 60 && span[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        let (line, column) = place(record: record, position: position)
        return IngestError(.loneCarriageReturn, file: file, line: line, column: column,
                           found: String(decoding: bytes[start..<position], as: UTF8.self) + "\\r",
                           expected: "LF or CRLF line ends (lone CR line ends, as old Mac programs wrote, are not read: convert the file to LF)")
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

    public init(capacity: Int) {
        starts = Array(repeating: 0, count: capacity)
        ends = Array(repeating: 0, count: capacity)
        escaped = Array(repeating: false, count: capacity)
        quoted = Array(repeating: false, count: capacity)
    }

    /// Splits record `record` of `batch`.
    ///
    /// - Returns: the number of fields; fields beyond the capacity are counted but not stored, so a caller
    ///   reads fields only after checking the count against the capacity (a wrong count is the record's
    ///   error; the header is split again with room for all its fields). Never growing keeps the hot loop
    ///   free of reallocation.
    /// - Throws: `.strayQuote` for a quote inside an unquoted field or text after a closing quote.
    public mutating func split(_ batch: CSVBatch, record: Int) throws(IngestError) -> Int {
        try split(batch, batch.bytes.span, record: record)
    }

    /// As above, on `bytes`, the batch's bytes (so a loop over records takes the span once).
    @inline(__always)
    mutating func split(_ batch: CSVBatch, _ bytes: Span<UInt8>, record: Int) throws(IngestError) -> Int {
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
                                      found: CSVBatch.excerpt(batch.bytes, from: fieldStart - 1),
                                      expected: "a comma or the end of the line after a closing quote")
                }
            } else {
                // Skip eight bytes at a time to the first comma or quote (fields are ~10 bytes long).
                let words = bytes.bytes
                while position + 8 <= end {
                    let word = words.unsafeLoadUnaligned(fromByteOffset: position, as: UInt64.self)
                    let found = ByteParsing.matchBits(word, comma) | ByteParsing.matchBits(word, quote)
                    if found != 0 {
                        position += found.trailingZeroBitCount >> 3
                        break
                    }
                    position += 8
                }
                while position < end {
                    let byte = bytes[position]
                    if byte == comma { break }
                    if byte == quote {
                        throw batch.error(.strayQuote, record: record, position: position,
                                          found: CSVBatch.excerpt(batch.bytes, from: fieldStart),
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

    /// Field `index` with doubled quotes undone, as a new array (the slow path for quoted fields with quotes).
    public func unescaped(_ batch: CSVBatch, _ index: Int) -> [UInt8] {
        var result: [UInt8] = []
        var position = starts[index]
        let end = ends[index]
        let bytes = batch.bytes.span
        while position < end {
            let byte = bytes[position]
            result.append(byte)
            position += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return result
    }

    /// Field `index` as a string.
    public func text(_ batch: CSVBatch, field index: Int) -> String {
        if escaped[index] { return String(decoding: unescaped(batch, index), as: UTF8.self) }
        return String(decoding: batch.bytes[starts[index]..<ends[index]], as: UTF8.self)
    }
}
