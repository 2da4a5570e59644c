import Foundation
import StrataSegments

/// Writing a report's folder: `report.html`, `report.ipynb` and `aggregates/*.csv`, all or nothing.
public enum ReportFiles {
    /// What was written: the folder and each file's fingerprint (relative path → SHA-256).
    public struct Written: Sendable, Equatable {
        public var folder: URL
        public var fingerprints: [String: String]
    }

    /// Writes `report` into `folder`: the files are written into a hidden sibling folder first, which then
    /// takes `folder`'s place, so a failure while writing leaves an earlier report as it was. Files are readable by the owner only.
    public static func write(_ report: Report, to folder: URL) throws -> Written {
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).staging-\(ProcessInfo.processInfo.processIdentifier)")
        var fingerprints: [String: String] = [:]
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try? fileManager.removeItem(at: staging)
            try fileManager.createDirectory(at: staging.appendingPathComponent("aggregates"), withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
            try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: staging.path)
            var files: [(String, Data)] = [("report.html", Data(HTMLWriter.page(report).utf8)), ("report.ipynb", try NotebookWriter.notebook(report))]
            for aggregate in report.sections.flatMap(\.aggregates) { files.append((aggregate.relativePath, Data(aggregate.csv.utf8))) }
            for (path, data) in files {
                let url = staging.appendingPathComponent(path)
                try data.write(to: url)
                try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
                fingerprints[path] = Fingerprint.of(data)
            }
            if fileManager.fileExists(atPath: folder.path) {
                // The earlier report steps aside, the new one takes its name, then the earlier one goes; if the
                // second rename fails, the earlier report is put back.
                let previous = parent.appendingPathComponent(".\(folder.lastPathComponent).previous-\(ProcessInfo.processInfo.processIdentifier)")
                try? fileManager.removeItem(at: previous)
                try fileManager.moveItem(at: folder, to: previous)
                do { try fileManager.moveItem(at: staging, to: folder) } catch {
                    try? fileManager.moveItem(at: previous, to: folder)
                    throw error
                }
                try? fileManager.removeItem(at: previous)
            } else {
                try fileManager.moveItem(at: staging, to: folder)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw ReportError.cannotWrite(path: folder.path, reason: "\(error)")
        }
        return Written(folder: folder, fingerprints: fingerprints)
    }
}
