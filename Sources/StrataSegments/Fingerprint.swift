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

    /// A folder's fingerprint: ``of(files:)`` over its regular files (not hidden ones), in name order. This is
    /// what a run records for its export and what a model file records for its training export, so the two
    /// can be matched.
    public static func of(folder url: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { !$0.hasPrefix(".") }
            .sorted()
        let files = names.map { url.appendingPathComponent($0) }.filter { file in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        return try of(files: files)
    }

    /// The fingerprint of a list of files: SHA-256 of one line `<name> <SHA-256 of its bytes>` per file, in
    /// the order given (a model's input matrix and target, an export's tables).
    public static func of(files urls: [URL]) throws -> String {
        var summary = ""
        for file in urls { summary += "\(file.lastPathComponent) \(try of(file: file))\n" }
        return of(Data(summary.utf8))
    }
}
