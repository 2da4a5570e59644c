import CStrataKernels
import Foundation

/// Writes a file so that readers see either the old contents or the complete new ones, never a part.
public enum AtomicFile {
    /// Writes through `body` into a temporary file beside `url`, flushes it to disk, then renames it into
    /// place. On any error (a full disk included) the temporary file is removed and `url` is left as it was.
    ///
    /// `body` must write with the throwing `FileHandle.write(contentsOf:)`: the old `write(_:)` traps on an
    /// I/O error instead of throwing.
    ///
    /// - Parameter permissions: POSIX permissions for the new file, e.g. `0o600` for owner-only. They are set
    ///   exactly, whatever the process's umask; the temporary file has them from its creation on.
    public static func write(to url: URL, permissions: Int? = nil, _ body: (FileHandle) throws -> Void) throws {
        try write(to: url, permissions: permissions, unbuffered: false) { descriptor in
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
            try body(handle)
            try handle.synchronize()
        }
    }

    /// Writes as ``write(to:permissions:_:)`` does, around the page cache where the file system allows it
    /// (`O_DIRECT`; elsewhere through it): for a large file written once and read by a later command, whose
    /// copy into fresh page-cache pages costs more CPU than the bytes it writes (the export cache: 0.9 GB and
    /// 3 s of CPU at a million patients on these machines, against 0.1 s direct).
    package static func writeUnbuffered(to url: URL, permissions: Int? = nil, _ body: (UnbufferedFileWriter) throws -> Void) throws {
        try write(to: url, permissions: permissions, unbuffered: true) { descriptor in
            let writer = try UnbufferedFileWriter(descriptor: descriptor)
            try body(writer)
            try writer.finish()
            guard fsync(descriptor) == 0 else { throw UnbufferedFileWriter.failure() }
        }
    }

    /// The temporary file, `body` writing (and flushing) through its descriptor, the permissions, the rename.
    private static func write(to url: URL, permissions: Int?, unbuffered: Bool, _ body: (Int32) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        // With permissions given: owner-only until the body has run, so that no one else can open it meanwhile.
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: mode_t = permissions == nil ? 0o666 : 0o600
        var descriptor = unbuffered ? strata_open_unbuffered(temporary.path, flags, UInt32(mode)) : -1
        if unbuffered, descriptor < 0, errno == EINVAL {
            // A file system without direct I/O (tmpfs) refuses it after creating the file: an ordinary one instead.
            unlink(temporary.path)
        }
        if descriptor < 0 { descriptor = open(temporary.path, flags, mode) }
        guard descriptor >= 0 else {
            throw MatrixFileError.unwritable(path: url.path, reason: "cannot create a file in \(directory.path): \(String(cString: strerror(errno)))")
        }
        do {
            do {
                try body(descriptor)
            } catch {
                close(descriptor)
                throw error
            }
            if let permissions, fchmod(descriptor, mode_t(permissions)) != 0 {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw MatrixFileError.unwritable(path: url.path, reason: reason)
            }
            guard close(descriptor) == 0 else {
                throw MatrixFileError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
            // rename(2) replaces an existing file atomically; FileManager.replaceItemAt fails on Linux when the
            // destination exists.
            guard rename(temporary.path, url.path) == 0 else {
                throw MatrixFileError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temporary.path)
            if error is MatrixFileError { throw error }
            throw MatrixFileError.unwritable(path: url.path, reason: plainReason(error))
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to url: URL, permissions: Int? = nil) throws {
        try write(to: url, permissions: permissions) { try $0.write(contentsOf: data) }
    }

    /// The POSIX reason under a Foundation error ("No space left on device"), else the error's description.
    public static func plainReason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return String(describing: error)
    }
}
