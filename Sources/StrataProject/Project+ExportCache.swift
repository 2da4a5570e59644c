import Foundation
import StrataData
import StrataLinearAlgebra
import StrataSegments

/// The project's export cache (`cache/exports`, see ``ExportCache`` and docs/scaling.md): refresh stores the
/// export it read; report, campaign report and retrain load it instead of parsing the CSVs again.
extension Project {
    /// The environment variable that turns the cache off for one command (`STRATA_EXPORT_CACHE=off`): the
    /// export is then read from its files and nothing is stored (benchmarks of the read itself, tests).
    public static let exportCacheSwitch = "STRATA_EXPORT_CACHE"

    /// `<project>/cache/exports`.
    public var exportCacheURL: URL { directory.appendingPathComponent("cache").appendingPathComponent("exports") }

    /// The project's export cache; nil when ``exportCacheSwitch`` is `off`.
    public var exportCache: ExportCache? {
        ProcessInfo.processInfo.environment[Self.exportCacheSwitch] == "off" ? nil : ExportCache(directory: exportCacheURL)
    }

    /// Reads the export at `folder` with the project's format, mapping and extra columns, through the cache when
    /// it is on, and returns it with the folder's fingerprint: `fingerprint` when the caller has it, else hashed
    /// by the read (``ExportCache/readExport(_:cache:fingerprint:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:storingLater:)``).
    /// The other arguments as for ``ExportReader/read(_:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:)``.
    func readExport(_ folder: URL, fingerprint: String?, policy: IngestPolicy = .strict,
                    tables: Set<CanonicalTable> = Set(CanonicalTable.allCases), unusedTextColumns: [CanonicalTable: Set<String>] = [:],
                    checkingOthers: Bool = true, keepingRows: [CanonicalTable: RowFilter] = [:],
                    storingLater: Bool = false) throws -> (read: ExportCache.Read, fingerprint: String) {
        let configuration = configuration
        return try ExportCache.readExport(folder, cache: exportCache, fingerprint: fingerprint, format: configuration.exports?.format,
                                          mapping: configuration.mapping, policy: policy, tables: tables,
                                          unusedTextColumns: unusedTextColumns, extraColumns: configuration.features.extraColumns,
                                          checkingOthers: checkingOthers, keepingRows: keepingRows, storingLater: storingLater)
    }

    /// The export at `folder` (fingerprinted `fingerprint`; nil: hashed by the read) read with the project file,
    /// through the export cache.
    func exportSource(_ folder: URL, fingerprint: String?) -> ExportSource {
        var source = ExportSource(path: folder.path, configurationFile: directory.appendingPathComponent(Project.fileName).path)
        (source.cache, source.exportFingerprint) = (exportCache, fingerprint)
        return source
    }

    /// Stores what a read with `storingLater` left pending (once the command has passed the checks); returns
    /// the cache's warnings.
    func storeExport(_ read: inout ExportCache.Read) -> [String] { exportCache?.store(&read) ?? [] }
}

extension ExportCache {
    /// Reads through `cache` when there is one, else straight from the files (outcome `.notStored`), and returns
    /// the read with the folder's fingerprint: `fingerprint` when given, else hashed here.
    ///
    /// Without a fingerprint, when the cache cannot hold the folder's files (``ExportCache/mayHold(_:)``: no entry
    /// written since they changed, as for a new month's export), they are hashed on another thread while they are
    /// read: at 1M the read keeps two cores about 90% busy for 5 s and the hash (1.5 s of CPU on the 1.6 GB of
    /// CSVs) fills the rest, where it took 0.7 s before the read. Otherwise (and without a cache) they are hashed
    /// first and the entry looked up.
    static func readExport(_ folder: URL, cache: ExportCache?, fingerprint known: String?, format: ExportFormat?,
                           mapping: ExportMapping?, policy: IngestPolicy, tables: Set<CanonicalTable>,
                           unusedTextColumns: [CanonicalTable: Set<String>], extraColumns: [CanonicalTable: [ExtraColumn]],
                           checkingOthers: Bool, keepingRows: [CanonicalTable: RowFilter],
                           storingLater: Bool = false) throws -> (read: ExportCache.Read, fingerprint: String) {
        func key(_ fingerprint: String) -> Key {
            Key(exportFingerprint: fingerprint, format: format, mapping: mapping, extraColumns: extraColumns)
        }
        if let cache, known == nil, !cache.mayHold(folder) {
            let hashing = Started.idle { try Fingerprint.of(folder: folder, concurrently: false) }
            // Every way out waits for the hash: nothing is left running.
            defer { _ = try? hashing.value() }
            let read = try cache.readFiles(folder, key: { (try? hashing.value()).map(key) }, format: format, mapping: mapping,
                                           policy: policy, tables: tables, unusedTextColumns: unusedTextColumns,
                                           extraColumns: extraColumns, checkingOthers: checkingOthers, keepingRows: keepingRows,
                                           storingLater: storingLater)
            return (read, try hashing.value())
        }
        let fingerprint = try known ?? Fingerprint.of(folder: folder)
        guard let cache else {
            let result = try ExportReader.read(folder, format: format, mapping: mapping, policy: policy, tables: tables,
                                               unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                               checkingOthers: checkingOthers, keepingRows: keepingRows)
            return (ExportCache.Read(result: result, outcome: .notStored("the export cache is off"), warnings: []), fingerprint)
        }
        return (try cache.read(folder, key: key(fingerprint), format: format, mapping: mapping, policy: policy, tables: tables,
                               unusedTextColumns: unusedTextColumns, extraColumns: extraColumns, checkingOthers: checkingOthers,
                               keepingRows: keepingRows, storingLater: storingLater), fingerprint)
    }
}
