import CStrataZlib
import Foundation

/// A gzip (or zlib) file decompressed piece by piece through Debian's zlib, so a `*.ndjson.gz` file of any
/// size is read with a fixed amount of memory. Concatenated gzip members (what `cat a.gz b.gz` and parallel
/// compressors write) are read one after the other.
///
/// The only place StrataData calls C: the `z_stream` and its input buffer belong to this object, which
/// frees them in `deinit`; no pointer leaves it.
final class GzipDecompressor {
    private let handle: FileHandle
    private let file: String
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 1 << 18
    private var inputEnded = false
    private var finished = false

    /// Opens the stream on `handle`; `file` names it in errors.
    init(handle: FileHandle, file: String) throws(IngestError) {
        self.handle = handle
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(capacity: inputCapacity)
        // 15 + 32: the largest window, and the header (gzip or zlib) detected from the first bytes.
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw IngestError(.unreadableFile, file: file, expected: "zlib to start decompressing (inflateInit2 returned \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        input.deallocate()
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Appends up to `maximum` decompressed bytes to `output`; returns how many (0 once the file has ended).
    func read(into output: inout [UInt8], maximum: Int) throws(IngestError) -> Int {
        guard !finished else { return 0 }
        let before = output.count
        var produced = 0
        var chunk = [UInt8](repeating: 0, count: maximum)
        while produced == 0 && !finished {
            if stream.pointee.avail_in == 0 && !inputEnded { try refill() }
            if stream.pointee.avail_in == 0 && inputEnded {
                // Input over: a stream cut inside a member is an error, the end of a member is the end.
                if stream.pointee.total_in > 0 && !atMemberEnd {
                    throw IngestError(.truncatedRecord, file: file, expected: "a complete gzip stream (the file ends inside it)")
                }
                finished = true
                break
            }
            let status: Int32 = chunk.withUnsafeMutableBufferPointer { buffer in
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(buffer.count)
                let status = inflate(stream, Z_NO_FLUSH)
                produced = buffer.count - Int(stream.pointee.avail_out)
                stream.pointee.next_out = nil
                return status
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                atMemberEnd = false
            case Z_STREAM_END:
                atMemberEnd = true
                // Another member may follow.
                if stream.pointee.avail_in == 0 && !inputEnded { try refill() }
                if stream.pointee.avail_in > 0 { inflateReset(stream) } else if inputEnded { finished = true }
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                throw IngestError(.unreadableFile, file: file, found: message, expected: "gzip-compressed data")
            }
        }
        output.append(contentsOf: chunk[0..<produced])
        return output.count - before
    }

    private var atMemberEnd = false

    private func refill() throws(IngestError) {
        let data: Data?
        do { data = try handle.read(upToCount: inputCapacity) } catch {
            throw IngestError(.unreadableFile, file: file, expected: "a readable file (\(error.localizedDescription))")
        }
        guard let data, !data.isEmpty else {
            inputEnded = true
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            return
        }
        data.copyBytes(to: input, count: data.count)
        stream.pointee.next_in = input
        stream.pointee.avail_in = uInt(data.count)
    }
}
