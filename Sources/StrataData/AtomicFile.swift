import Foundation

/// Writes a file so that readers see either the old contents or the complete new ones, never a part.
public enum AtomicFile {
    /// Writes through `body` into a temporary file beside `url`, flushes it to disk, then renames it into
    /// place. On any error the temporary file is removed and `url` is left as it was.
    ///
    /// - Parameter permissions: POSIX permissions for the new file, e.g. `0o600` for owner-only.
    public static func write(to url: URL, permissions: Int? = nil, _ body: (FileHandle) throws -> Void) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let attributes = permissions.map { [FileAttributeKey.posixPermissions: $0] }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: attributes) else {
            throw MatrixFileError.unwritable(path: url.path, reason: "cannot create a file in \(directory.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            // rename(2) replaces an existing file atomically; FileManager.replaceItemAt fails on Linux when the
            // destination exists.
            guard rename(temporary.path, url.path) == 0 else {
                throw MatrixFileError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            if error is MatrixFileError { throw error }
            throw MatrixFileError.unwritable(path: url.path, reason: String(describing: error))
        }
    }

    /// Writes `data` atomically.
    public static func write(_ data: Data, to url: URL, permissions: Int? = nil) throws {
        try write(to: url, permissions: permissions) { $0.write(data) }
    }
}
