import Foundation
import StrataData
import StrataFeatures

/// Where a command's export and project configuration come from: an export folder (or `exports.path` of the
/// project file), a layout, the project file, and how many bad rows to skip.
///
/// Paths are taken as given: a relative path is relative to the current directory, for every command.
public struct ExportSource: Sendable {
    /// The export folder; nil takes `exports.path` from the project file.
    public var path: String?
    public var format: ExportFormat?
    /// The project file; nil takes `./strata.yml` when present, else the defaults.
    public var configurationFile: String?
    public var maxBadRows: Int

    public init(path: String? = nil, format: ExportFormat? = nil, configurationFile: String? = nil, maxBadRows: Int = 0) {
        self.path = path
        self.format = format
        self.configurationFile = configurationFile
        self.maxBadRows = maxBadRows
    }

    /// What was read: the export, the configuration it was read with, and its folder.
    public struct Loaded: Sendable {
        public var result: ExportReadResult
        public var configuration: ProjectConfiguration
        public var folder: URL
        public var export: ClinicExport { result.export }
    }

    /// The project configuration: the project file, else `./strata.yml` if present, else defaults.
    public func configuration() throws(ConfigurationError) -> ProjectConfiguration {
        if let configurationFile { return try ProjectConfiguration.load(from: URL(fileURLWithPath: configurationFile)) }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("strata.yml")
        guard FileManager.default.fileExists(atPath: local.path) else { return ProjectConfiguration() }
        return try ProjectConfiguration.load(from: local)
    }

    /// Reads the export, keeping only `tables` when given (the others are still checked: every command
    /// reaches `validate`'s verdict) and without the text columns `unusedTextColumns` names. The project's
    /// attributes are read, and `extraColumns` besides (a given outcome).
    public func read(tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? = nil,
                     unusedTextColumns: ((ProjectConfiguration) -> [CanonicalTable: Set<String>])? = nil,
                     extraColumns: [CanonicalTable: [ExtraColumn]] = [:]) throws -> Loaded {
        let configuration = try configuration()
        guard let folder = path ?? configuration.exports?.path else { throw WorkflowError.noExportGiven }
        let url = URL(fileURLWithPath: folder)
        let result = try ExportReader.read(url, format: format ?? configuration.exports?.format,
                                           mapping: configuration.mapping, policy: IngestPolicy(maxBadRows: maxBadRows),
                                           tables: tables?(configuration) ?? Set(CanonicalTable.allCases),
                                           unusedTextColumns: unusedTextColumns?(configuration) ?? [:],
                                           extraColumns: configuration.features.extraColumns.merging(extraColumns, uniquingKeysWith: +))
        return Loaded(result: result, configuration: configuration, folder: url)
    }
}
