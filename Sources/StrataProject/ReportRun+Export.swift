import Foundation
import StrataData
import StrataSegments

/// Finding the run's export among the project's exports: by its fingerprint, the one thing a run records of it.
extension ReportRun {
    /// The run's export folder (``exportFolder(of:in:)``) and, at the same time, the project's export cache
    /// with the entry for the run's export loaded (``ExportCache/preload(_:)``): the entry is keyed by the
    /// fingerprint the run recorded, so it can be loaded while the folders are still being hashed, and the
    /// read of the export that follows takes it. The cache is nil when it is off; its entry is dropped with
    /// it when the folder is not found. A `hashed` folder whose fingerprint is the run's is taken as it is.
    static func exportFolderAndCache(of run: RunRecord, in project: Project,
                                     hashed: (folder: URL, fingerprint: String)? = nil) throws -> (folder: URL?, cache: ExportCache?) {
        let known = hashed.flatMap { $0.fingerprint == run.exportFingerprint ? $0.folder : nil }
        func exportFolder() throws -> URL? { try known ?? Self.exportFolder(of: run, in: project) }
        guard var cache = project.exportCache else { return (try exportFolder(), nil) }
        // The key `ExportSource.read` makes from the same project file (no format or extra columns of its own).
        let configuration = project.configuration
        let key = ExportCache.Key(exportFingerprint: run.exportFingerprint, format: configuration.exports?.format,
                                  mapping: configuration.mapping, extraColumns: configuration.features.extraColumns)
        let entries = cache
        let (folder, preloaded) = try sideBySide({ try exportFolder() }, beside: { entries.preload(key) })
        cache.preloaded = preloaded
        return (folder, cache)
    }

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
