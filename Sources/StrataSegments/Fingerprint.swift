import Crypto
import Foundation

/// SHA-256 fingerprints: of files, folders and values. They identify inputs and outputs in runs, model files
/// and the audit log without carrying any of their content.
public enum Fingerprint {
    /// Hex SHA-256 of `data`.
    public static func of(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Hex SHA-256 of a file's bytes, read in 1 MiB pieces.
    public static func of(file url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A folder's fingerprint: the names and fingerprints of its regular files (not hidden ones), in name order.
    public static func of(folder url: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
        var summary = ""
        for name in names {
            var isDirectory: ObjCBool = false
            let file = url.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            summary += "\(name) \(try of(file: file))\n"
        }
        return of(Data(summary.utf8))
    }
}
