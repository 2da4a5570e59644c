import Crypto
import Foundation

/// SHA-256 fingerprints: of files, folders and values. They identify inputs and outputs in runs, model files
/// and the audit log without carrying any of their content.
public enum Fingerprint {
    /// Hex SHA-256 of `data`.
    public static func of(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// A digest as lowercase hex, two digits a byte.
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Hex SHA-256 of a file's bytes. The file is mapped rather than read (hashing an export's gigabyte of CSV
    /// through `read` copied every byte into fresh buffers first, which cost more than the hashing), a window of
    /// 64 MiB at a time: mapped whole, a 757 MB file hashed beside an export's parse added its resident pages to
    /// the process's peak (1.71 to 2.11 GB in `strata month` at 1M).
    public static func of(file url: URL) throws -> String {
        // A failure is reported as reading the file through Foundation reports it: the read error its errno
        // names, with that errno underneath.
        func failure() -> CocoaError {
            let number = errno
            let code: CocoaError.Code = number == ENOENT ? .fileReadNoSuchFile : number == EACCES ? .fileReadNoPermission : .fileReadUnknown
            return CocoaError(code, userInfo: [NSURLErrorKey: url, NSFilePathErrorKey: url.path,
                                               NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(number))])
        }
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure() }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure() }
        let size = Int(status.st_size), window = 64 << 20
        var hasher = SHA256()
        var offset = 0
        while offset < size {
            let length = min(window, size - offset)
            guard let start = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, off_t(offset)), start != MAP_FAILED else {
                throw failure()
            }
            _ = madvise(start, length, MADV_SEQUENTIAL)
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: start, count: length))
            munmap(start, length)
            offset += length
        }
        return hex(hasher.finalize())
    }

    /// A folder's fingerprint: ``of(files:)`` over its regular files (not hidden ones), in name order. This is
    /// what a run records for its export and what a model file records for its training export, so the two
    /// can be matched.
    /// - Parameter concurrently: the files hashed at once, one per core (``of(files:concurrently:)``); false: one
    ///   after the other on the calling thread.
    public static func of(folder url: URL, concurrently: Bool = true) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let files = names.map { url.appendingPathComponent($0) }.filter { file in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        return try of(files: files, concurrently: concurrently)
    }

    /// The fingerprint of a list of files: SHA-256 of one line `<name> <SHA-256 of its bytes>` per file, in
    /// the order given (a model's input matrix and target, an export's tables). The files are hashed at once,
    /// one per core: an export is a few files of up to a gigabyte each.
    public static func of(files urls: [URL], concurrently: Bool = true) throws -> String {
        let hashes = FileHashes(count: urls.count)
        if concurrently {
            DispatchQueue.concurrentPerform(iterations: urls.count) { index in
                hashes.set(index, Result { try of(file: urls[index]) })
            }
        } else {
            for index in urls.indices { hashes.set(index, Result { try of(file: urls[index]) }) }
        }
        var summary = ""
        for (file, hash) in zip(urls, hashes.all) { summary += "\(file.lastPathComponent) \(try hash.get())\n" }
        return of(Data(summary.utf8))
    }

    /// The fingerprint of a sequence of text fields, each written as `<UTF-8 byte count>:<field>` and separated
    /// by line ends (so no two different sequences share an encoding), hashed as the fields are appended rather
    /// than joined first: the same value as ``of(_:)`` over the joined text.
    struct Fields {
        private var hasher = SHA256()
        private var buffer: [UInt8] = []
        private var isEmpty = true

        mutating func append(_ field: String) {
            var field = field
            field.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
        }

        /// Appends a field given as its UTF-8 bytes.
        mutating func append(bytes field: UnsafeRawBufferPointer) {
            if !isEmpty { buffer.append(UInt8(ascii: "\n")) }
            isEmpty = false
            Self.appendCount(field.count, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            buffer.append(contentsOf: field)
            if buffer.count >= 1 << 16 { flush() }
        }

        /// Appends fields another thread encoded with ``encode(_:into:)``: as if each had been appended here, after
        /// at least one field appended the usual way (so that each starts with its line end).
        mutating func append(encoded: UnsafeRawBufferPointer) {
            precondition(!isEmpty, "encoded fields continue a sequence that has a first field")
            flush()
            hasher.update(bufferPointer: encoded)
        }

        /// Writes `field` to `bytes` as ``append(bytes:)`` writes any field but the first: a line end, its byte
        /// count, a colon and its bytes.
        static func encode(_ field: UnsafeRawBufferPointer, into bytes: inout [UInt8]) {
            bytes.append(UInt8(ascii: "\n"))
            appendCount(field.count, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: field)
        }

        /// `count` in decimal digits, as `String(count)` spells it, without making the string.
        private static func appendCount(_ count: Int, to bytes: inout [UInt8]) {
            precondition(count >= 0)
            var divisor = 1
            while divisor <= count / 10 { divisor *= 10 }
            var rest = count
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }

        private mutating func flush() {
            buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            buffer.removeAll(keepingCapacity: true)
        }

        /// The hex SHA-256 of everything appended.
        var fingerprint: String {
            mutating get {
                flush()
                return Fingerprint.hex(hasher.finalize())
            }
        }
    }

    /// The hashes of files computed on several threads, each slot written once.
    private final class FileHashes: @unchecked Sendable {
        private var results: [Result<String, any Error>]
        private let lock = NSLock()

        init(count: Int) { results = Array(repeating: .success(""), count: count) }

        func set(_ index: Int, _ result: Result<String, any Error>) { lock.withLock { results[index] = result } }

        var all: [Result<String, any Error>] { lock.withLock { results } }
    }
}
