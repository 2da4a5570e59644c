import Foundation
import StrataLinearAlgebra

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
    /// Chunks at least twice this long are scanned for record boundaries on several cores.
    private let minimumPieceBytes: Int
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
    public convenience init(url: URL, file: String? = nil, chunkSize: Int = 16 << 20) throws(IngestError) {
        try self.init(url: url, file: file, chunkSize: chunkSize, minimumPieceBytes: 1 << 20)
    }

    /// As above; `minimumPieceBytes` lets tests force the parallel boundary scan on small files.
    init(url: URL, file: String?, chunkSize: Int, minimumPieceBytes: Int) throws(IngestError) {
        self.file = file ?? url.path
        self.chunkSize = max(chunkSize, 64)
        self.minimumPieceBytes = max(minimumPieceBytes, 1)
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
    /// The last chunk's buffer, reused for the next chunk once no batch holds it.
    private var spare: [UInt8] = []

    /// The next batch of whole records, or nil at the end of the file.
    /// - Throws: `.unterminatedQuote` when the file ends inside a quoted field; `.unreadableFile`.
    public func nextBatch() throws(IngestError) -> CSVBatch? {
        if let batch = pending {
            pending = nil
            if batch.count > 0 { return batch }
        }
        while true {
            if atEndOfFile && carried.isEmpty { return nil }
            // Reuse the previous chunk's buffer when its batch is gone (no new pages, no regrowing).
            var bytes = spare
            spare = []
            bytes.removeAll(keepingCapacity: true)
            bytes.reserveCapacity(carried.count + chunkSize)
            bytes.append(contentsOf: carried)
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
            let batch = try cutRecordsInParallel(bytes, firstLine: firstLine)
            spare = batch.bytes
            if batch.count > 0 { return batch }
            if atEndOfFile && carried.isEmpty { return nil }
        }
    }

    /// Newlines of one piece of a chunk, by the parity of the quotes seen in the piece before them.
    private struct NewlineScan: Sendable {
        /// Newlines after an even number of quotes in the piece, and how many newlines (inside quotes or
        /// not) precede each in the piece.
        var evenPositions: [Int] = [], evenOrdinals: [Int] = []
        /// The same after an odd number of quotes.
        var oddPositions: [Int] = [], oddOrdinals: [Int] = []
        var quoteCount = 0
        var newlineCount = 0
    }

    private static func scanNewlines(_ bytes: [UInt8], _ range: Range<Int>) -> NewlineScan {
        var scan = NewlineScan()
        scan.evenPositions.reserveCapacity(range.count / 48 + 16)
        scan.evenOrdinals.reserveCapacity(range.count / 48 + 16)
        let span = bytes.span
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        var odd = false
        for index in range {
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
        }
        return scan
    }

    /// Finds the records of `bytes` that end outside quotes, scanning pieces of the chunk on all cores: each
    /// piece records its newlines under both assumptions (it starts inside or outside quotes), and the
    /// pieces are then chained in order, each one's quote parity deciding the next one's start. Same result
    /// as ``cutRecords(_:firstLine:)``, which also handles a file ending inside quotes.
    private func cutRecordsInParallel(_ bytes: [UInt8], firstLine: Int) throws(IngestError) -> CSVBatch {
        let count = bytes.count
        let pieces = count >= 2 * minimumPieceBytes ? min(Parallel.processorCount, count / minimumPieceBytes) : 1
        guard pieces > 1 else { return try cutRecords(bytes, firstLine: firstLine) }
        let scans = Parallel.map(rangesOf: count, workers: pieces) { range in Self.scanNewlines(bytes, range) }
        var inQuotes = 0
        for scan in scans { inQuotes ^= scan.quoteCount & 1 }
        if atEndOfFile && inQuotes == 1 { return try cutRecords(bytes, firstLine: firstLine) }
        var cuts = RecordCuts(firstLine: firstLine, capacity: scans.reduce(0) { $0 + $1.newlineCount } + 1)
        var state = 0, lineBase = firstLine
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
        return finish(cuts, bytes)
    }

    /// The batch of the records cut so far: at the end of the file the rest is the last record, otherwise it
    /// is carried into the next chunk.
    private func finish(_ cuts: RecordCuts, _ bytes: [UInt8]) -> CSVBatch {
        var cuts = cuts
        if atEndOfFile {
            cuts.endRecord(at: bytes.count, in: bytes, nextLine: cuts.recordLine)
            carried = []
        } else {
            carried = Array(bytes[cuts.recordStart..<bytes.count])
            carriedLine = cuts.recordLine
        }
        return CSVBatch(file: file, bytes: bytes, recordStarts: cuts.starts, recordEnds: cuts.ends, recordLines: cuts.lines)
    }

    /// Finds the records of `bytes` that end outside quotes; keeps the unfinished tail in `carried`.
    private func cutRecords(_ bytes: [UInt8], firstLine: Int) throws(IngestError) -> CSVBatch {
        var cuts = RecordCuts(firstLine: firstLine, capacity: bytes.count / 48 + 16)
        var inQuotes = false
        var line = firstLine
        var openingQuote = 0, openingQuoteLine = firstLine
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n")
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == quote {
                if !inQuotes { openingQuote = index; openingQuoteLine = line }
                inQuotes.toggle()
            } else if byte == newline {
                if !inQuotes { cuts.endRecord(at: index, in: bytes, nextLine: line + 1) }
                line += 1
            }
        }
        if atEndOfFile && inQuotes {
            throw IngestError(.unterminatedQuote, file: file, line: openingQuoteLine,
                              column: CSVBatch.column(in: bytes, at: openingQuote),
                              found: CSVBatch.excerpt(bytes, from: openingQuote),
                              expected: "a closing \" before the end of the file")
        }
        return finish(cuts, bytes)
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

/// Record ranges found in a chunk, record end by record end.
private struct RecordCuts {
    var starts: [Int] = [], ends: [Int] = [], lines: [Int] = []
    /// Where the record being read starts, and on which line.
    var recordStart = 0
    var recordLine: Int

    init(firstLine: Int, capacity: Int) {
        recordLine = firstLine
        starts.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
        lines.reserveCapacity(capacity)
    }

    /// Ends the current record at the line end `position` (a CR before it is dropped, a blank record
    /// skipped); the next record starts after it, on line `nextLine`.
    mutating func endRecord(at position: Int, in bytes: [UInt8], nextLine: Int) {
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
        let bytes = batch.bytes.span
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
        while position < end {
            let byte = batch.bytes[position]
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
