import Foundation
import StrataSegments

/// Finding the run's export among the project's exports: by its fingerprint, the one thing a run records of it.
extension ReportRun {
    /// The export folder whose fingerprint the run recorded: the folder named by the run's as-of date first,
    /// then the others, newest first. Nil when none matches (the export was moved or removed).
    static func exportFolder(of run: RunRecord, in project: Project) throws -> URL? {
        guard let path = project.configuration.exports?.path else { return nil }
        let root = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if fileManager.fileExists(atPath: root.appendingPathComponent("patients.csv").path) || project.configuration.mapping != nil {
            candidates.append(root)
        }
        let names = ((try? fileManager.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted(by: >)
        for name in names.sorted(by: { ($0 == run.asOf ? 0 : 1, $1) < ($1 == run.asOf ? 0 : 1, $0) }) {
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(name)
            if fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue { candidates.append(url) }
        }
        for candidate in candidates where (try? fingerprint(ofFolder: candidate)) == run.exportFingerprint { return candidate }
        return nil
    }

    /// ``Fingerprint/of(folder:)``, with the files hashed at once: an export is a few files of up to a
    /// gigabyte, and hashing them one after the other kept one core busy for seconds.
    static func fingerprint(ofFolder url: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
        let files = names.map { url.appendingPathComponent($0) }.filter { file in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        let hashes = FileHashes(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            hashes.set(index, Result { try Fingerprint.of(file: files[index]) })
        }
        var summary = ""
        for (file, hash) in zip(files, hashes.all) { summary += "\(file.lastPathComponent) \(try hash.get())\n" }
        return Fingerprint.of(Data(summary.utf8))
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
