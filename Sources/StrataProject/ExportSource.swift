import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// Where a command's export and project configuration come from: an export folder (or the newest export under
/// `exports.path` of the project file), a layout, the project file, how many bad rows to skip, and whether
/// every cross-record check fails.
///
/// Paths are taken as given: a relative path is relative to the current directory, for every command
/// (`exports.path` is relative to the project file).
public struct ExportSource: Sendable {
    /// The export folder; nil takes the newest export under `exports.path` of the project file, as refresh does.
    public var path: String?
    public var format: ExportFormat?
    /// The project file; nil takes `./strata.yml` when present, else the defaults.
    public var configurationFile: String?
    public var maxBadRows: Int
    /// Every cross-record check fails, whatever `checks:` says.
    public var strict: Bool
    /// The export cache to read through (a project's, ``Project/exportCache``); nil reads the files.
    public var cache: ExportCache?
    /// The export folder's fingerprint when the caller has it (else hashed here when ``cache`` is set).
    public var exportFingerprint: String?

    public init(path: String? = nil, format: ExportFormat? = nil, configurationFile: String? = nil, maxBadRows: Int = 0,
                strict: Bool = false) {
        self.path = path
        self.format = format
        self.configurationFile = configurationFile
        self.maxBadRows = maxBadRows
        self.strict = strict
    }

    /// What was read: the export (after the checks' drops), the configuration it was read with, its folder and
    /// what the cross-record checks found.
    public struct Loaded: Sendable {
        public var result: ExportReadResult
        public var configuration: ProjectConfiguration
        public var folder: URL
        public var checks: ExportCheckReport
        /// How the export cache served the read (`.notStored` without a cache), and its own warnings.
        public var cacheOutcome: ExportCache.Outcome = .notStored("no export cache")
        public var cacheWarnings: [String] = []
        /// A read not yet written to the export cache, when ``ExportSource/read(tables:unusedTextColumns:extraColumns:failingOnChecks:storingCacheLater:)``
        /// was asked to leave it to the caller (``Project/storeExport(_:)`` writes it).
        var unstoredCacheEntry: ExportCache.Read?
        /// The folder's fingerprint, when the read went through the export cache (which needs it) or the caller
        /// gave it (``ExportSource/exportFingerprint``).
        public var exportFingerprint: String?
        public var export: ClinicExport { result.export }
        /// What the commands print as warnings: the export cache's, the values kept with a warning, then the
        /// checks that dropped or kept records.
        public var warnings: [String] { cacheWarnings + result.warnings.messages + checks.messages }
    }

    /// The project configuration: the project file, else `./strata.yml` if present, else defaults.
    public func configuration() throws(ConfigurationError) -> ProjectConfiguration {
        if let configurationFile { return try ProjectConfiguration.load(from: URL(fileURLWithPath: configurationFile)) }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("strata.yml")
        guard FileManager.default.fileExists(atPath: local.path) else { return ProjectConfiguration() }
        return try ProjectConfiguration.load(from: local)
    }

    /// The export folder: ``path`` when given, else the newest export under `exports.path`
    /// (``Project/newestExport(under:mapped:)``, the rule refresh follows).
    public func folder(_ configuration: ProjectConfiguration) throws -> URL {
        if let path { return URL(fileURLWithPath: path) }
        guard let root = configuration.exports?.path else { throw WorkflowError.noExportGiven }
        return try Project.newestExport(under: URL(fileURLWithPath: root), mapped: configuration.mapping != nil)
    }

    /// Reads the export and runs the cross-record checks (``ExportChecks``) with the project's `checks:`
    /// policies, keeping only `tables` when given and without the text columns `unusedTextColumns` names.
    ///
    /// Every table is read and checked whatever `tables` says, so every command reaches `validate`'s verdict:
    /// the tables not kept are read without their text (the checks need their patients and dates) and emptied
    /// after the checks.
    ///
    /// The project's attributes are read, and `extraColumns` besides (a given outcome).
    ///
    /// - Parameters:
    ///   - failingOnChecks: throw ``ExportCheckError`` when a check with the `fail` policy finds records (what
    ///     every command but `validate`, which reports them, wants).
    ///   - storingCacheLater: a read from the files is not written to the export cache here but left in
    ///     ``Loaded/unstoredCacheEntry`` for the caller to write when it suits it.
    public func read(tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? = nil,
                     unusedTextColumns: ((ProjectConfiguration) -> [CanonicalTable: Set<String>])? = nil,
                     extraColumns: [CanonicalTable: [ExtraColumn]] = [:], failingOnChecks: Bool = true,
                     storingCacheLater: Bool = false) throws -> Loaded {
        let configuration = try configuration()
        let url = try folder(configuration)
        let kept = tables?(configuration) ?? Set(CanonicalTable.allCases)
        var unused = unusedTextColumns?(configuration) ?? [:]
        for table in CanonicalTable.allCases where !kept.contains(table) {
            unused[table] = Set(table.columns.filter { $0.kind == .text }.map(\.name))
        }
        var (cached, fingerprint) = try readThroughCache(url, configuration: configuration, unusedTextColumns: unused,
                                                         extraColumns: extraColumns)
        var result = cached.result
        let checks = ExportChecks.run(&result.export, policies: configuration.checks, strict: strict,
                                      exportDay: ExportChecks.exportDay(folderName: url.lastPathComponent))
        if failingOnChecks, let error = checks.error { throw error }
        if !storingCacheLater { cached.warnings += cache?.store(&cached) ?? [] }
        for table in CanonicalTable.allCases where !kept.contains(table) { result.export.emptyTable(table) }
        var loaded = Loaded(result: result, configuration: configuration, folder: url, checks: checks, cacheOutcome: cached.outcome,
                            cacheWarnings: cached.warnings, unstoredCacheEntry: storingCacheLater ? cached : nil)
        loaded.exportFingerprint = fingerprint
        return loaded
    }
}
