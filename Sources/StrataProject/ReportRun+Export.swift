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
        for candidate in candidates where (try? Fingerprint.of(folder: candidate)) == run.exportFingerprint { return candidate }
        return nil
    }
}
