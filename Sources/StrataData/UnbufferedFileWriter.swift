import CStrataKernels
import Foundation

/// Writes a file opened for direct I/O (``AtomicFile/writeUnbuffered(to:permissions:_:)``): bytes are copied
/// into an aligned buffer of its own and written a whole buffer at a time, so every `write(2)` has the
/// alignment and size `O_DIRECT` asks for; ``finish()`` writes the last part padded to a whole block and cuts
/// the file back to the bytes given. On a descriptor without direct I/O, or once a direct write is refused
/// (EINVAL), it writes the same bytes through the page cache. Not for concurrent use.
package final class UnbufferedFileWriter {
    /// The buffer's alignment and the granularity of direct writes: a page, which covers the logical block
    /// size of any device.
    static let alignment = 4096
    static let capacity = 4 << 20

    private let descriptor: Int32
    private var direct: Bool
    private let buffer: UnsafeMutableRawPointer
    private var filled = 0
    private var padded = false
    /// The bytes given so far: the file's final size.
    private(set) var written = 0

    init(descriptor: Int32) throws {
        self.descriptor = descriptor
        direct = strata_is_unbuffered(descriptor) == 1
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, Self.alignment, Self.capacity) == 0, let pointer else {
            throw POSIXError(.ENOMEM)
        }
        buffer = pointer
    }

    deinit { free(buffer) }

    /// Appends `bytes` to the file.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        written += bytes.count
        var offset = 0
        while offset < bytes.count {
            let count = min(Self.capacity - filled, bytes.count - offset)
            (buffer + filled).copyMemory(from: base + offset, byteCount: count)
            filled += count
            offset += count
            if filled == Self.capacity { try drain() }
        }
    }

    /// Writes what the buffer still holds and leaves the file exactly ``written`` bytes long.
    func finish() throws {
        try drain()
        guard !padded || ftruncate(descriptor, off_t(written)) == 0 else { throw Self.failure() }
    }

    /// Writes the buffer; a direct write of a part-filled one (the last) is padded with zeros to a whole block,
    /// which ``finish()`` cuts off.
    private func drain() throws {
        guard filled > 0 else { return }
        var end = filled
        if direct, filled % Self.alignment != 0 {
            end = (filled + Self.alignment - 1) / Self.alignment * Self.alignment
            (buffer + filled).initializeMemory(as: UInt8.self, repeating: 0, count: end - filled)
            padded = true
        }
        var offset = 0
        while offset < end {
            let result = Glibc.write(descriptor, buffer + offset, end - offset)
            if result >= 0 {
                offset += result
            } else if errno == EINTR {
                continue
            } else if errno == EINVAL, direct {
                // The file system took the flag but not this write: the rest through the page cache, unpadded.
                guard strata_stop_unbuffered(descriptor) == 0 else { throw Self.failure() }
                direct = false
                end = max(offset, filled)
            } else {
                throw Self.failure()
            }
        }
        filled = 0
    }

    /// The error `errno` names.
    static func failure() -> POSIXError { POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
