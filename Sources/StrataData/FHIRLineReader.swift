import Foundation

/// The lines of an NDJSON file (`*.ndjson`, or gzip-compressed `*.ndjson.gz`), read in pieces of 1 MiB:
/// the file is never held in memory whole, only the line being read and the piece it sits in.
///
/// Lines end with LF (a CR before it is dropped); empty lines are skipped; a last line without a line end
/// is still a line.
struct FHIRLineReader {
    let file: String
    private let handle: FileHandle
    private let decompressor: GzipDecompressor?
    private var buffer: [UInt8] = []
    /// Where the unread bytes of `buffer` start.
    private var position = 0
    /// Bytes of `buffer` before this index hold no line end (a long line is scanned once, not once per piece).
    private var scanned = 0
    private var ended = false
    /// The 1-based number of the last line returned.
    private(set) var lineNumber = 0
    private let pieceSize = 1 << 20

    /// Opens `url`; a name ending in `.gz` is decompressed. `file` names it in errors.
    init(url: URL, file: String) throws(IngestError) {
        self.file = file
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw IngestError(.unreadableFile, file: file, found: url.path, expected: "a readable file")
        }
        decompressor = url.pathExtension == "gz" ? try GzipDecompressor(handle: handle, file: file) : nil
    }

    /// The next non-empty line's bytes, or nil at the end of the file.
    mutating func next() throws(IngestError) -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[max(position, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                var end = newline
                if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[position..<end]
                position = newline + 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { continue }
                return line
            }
            if ended {
                guard position < buffer.count else { return nil }
                lineNumber += 1
                let line = buffer[position...]
                position = buffer.count
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { return nil }
                return line
            }
            // Keep the unread tail and read the next piece after it.
            buffer.removeSubrange(0..<position)
            scanned = buffer.count
            position = 0
            if try readPiece() == 0 { ended = true }
        }
    }

    private mutating func readPiece() throws(IngestError) -> Int {
        if let decompressor { return try decompressor.read(into: &buffer, maximum: pieceSize) }
        let data: Data?
        do { data = try handle.read(upToCount: pieceSize) } catch {
            throw IngestError(.unreadableFile, file: file, expected: "a readable file (\(error.localizedDescription))")
        }
        guard let data, !data.isEmpty else { return 0 }
        buffer.append(contentsOf: data)
        return data.count
    }
}
