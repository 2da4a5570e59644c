import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// What `campaign start` and `campaign report` share: their configuration, the export read as refresh
/// reads it, and the store under the refresh lock.
public enum CampaignWorkflow {
    /// What `campaign start` and `campaign report` are asked to do.
    public struct Configuration: Sendable {
        /// The project folder (holding `strata.yml`).
        public var project: URL
        /// The campaign's name under `campaigns:`.
        public var name: String
        /// Start: the export of the latest run; report: the export to measure on. nil: the newest under
        /// `exports.path`.
        public var export: URL?
        /// Who runs it, for the audit log.
        public var user: String
        /// How long to wait for a refresh (or another campaign command) of the same project to finish.
        public var lockTimeout: TimeInterval

        public init(project: URL, name: String, export: URL? = nil, user: String, lockTimeout: TimeInterval = 600) {
            self.project = project
            self.name = name
            self.export = export
            self.user = user
            self.lockTimeout = lockTimeout
        }
    }

    /// The export at `explicit` (or the project's newest), read with the project's format, mapping and
    /// checks, as refresh reads it; its fingerprint; and the rows `keepingRows` left out. `tables`,
    /// `unusedTextColumns`, `checkingOthers` and `keepingRows` as for
    /// ``ExportReader/read(_:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:)``.
    static func readExport(_ project: Project, explicit: URL?, tables: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                           unusedTextColumns: [CanonicalTable: Set<String>] = [:], checkingOthers: Bool = true,
                           keepingRows: [CanonicalTable: RowFilter] = [:])
        throws -> (folder: URL, fingerprint: String, export: ClinicExport, leftOut: [CanonicalTable: LeftOutRows]) {
        var exportPath: String?
        if let explicit {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: explicit.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ProjectError.missingExports(explicit.path)
            }
            exportPath = explicit.path
        }
        let folder = try project.exportFolder(exportPath)
        let fingerprint = try Fingerprint.of(folder: folder)
        var cached = try project.readExport(folder, fingerprint: fingerprint, tables: tables, unusedTextColumns: unusedTextColumns,
                                            checkingOthers: checkingOthers, keepingRows: keepingRows, storingLater: true).read
        var read = cached.result
        let checks = ExportChecks.run(&read.export, policies: project.configuration.checks,
                                      exportDay: ExportChecks.exportDay(folderName: folder.lastPathComponent))
        if let error = checks.error { throw error }
        _ = project.storeExport(&cached)
        return (folder, fingerprint, read.export, read.leftOut)
    }

    /// Runs `body` with the project's store under the refresh lock, the audit head checked before and
    /// advanced after (as refresh does).
    static func withStore<T>(_ project: Project, lockTimeout: TimeInterval, _ body: (SegmentStore) throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: project.storeURL.path) else { throw StoreError.noRuns }
        let lock = try RefreshLock(path: project.storeURL.path + ".lock", timeout: lockTimeout, waiting: { _ in })
        defer { withExtendedLifetime(lock) {} }
        let store = try SegmentStore(path: project.storeURL.path)
        try AuditHead.start(store: store)
        Refresh.removeTemporaries(project)
        let result = try body(store)
        try AuditHead.advance(store: store)
        return result
    }

    /// Removes what a killed or failed `campaign start` left in `lists/campaigns/`: its hidden staging folder
    /// (a send list: patient data) and a folder set aside while publishing. Runs under the refresh lock (from
    /// ``Refresh/removeTemporaries(_:)``), so no start is writing them.
    static func removeTemporaries(_ project: Project) {
        let folder = project.listsURL.appendingPathComponent("campaigns")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name.hasPrefix(".") && (name.hasSuffix(".staging") || name.hasSuffix(".old")) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// The folder of a campaign's send list: `lists/campaigns/<name>`.
    static func listFolder(_ project: Project, campaign: String) -> URL {
        project.listsURL.appendingPathComponent("campaigns").appendingPathComponent(campaign)
    }
}

/// Why a campaign cannot be started or reported. Messages name parameters, never command-line flags.
public enum CampaignRunError: Error, Equatable, ParameterNaming {
    /// `name` is not under `campaigns:` in strata.yml.
    case unknownCampaign(String, known: [String])
    /// The campaign's segment is not defined in strata.yml, or the latest run did not evaluate it.
    case unknownSegment(campaign: String, segment: String)
    case alreadyStarted(String, asOf: String)
    case notStarted(String, started: [String])
    /// The export is not the one the latest run recorded: the audience must be the latest run's list.
    case exportNotLatestRun(export: String, run: Int64)
    /// The campaign's row or groups differ from what its start entry in the audit log recorded.
    case groupsChanged(String)
    /// A sub-group column the export does not have (or cannot be grouped by).
    case unknownSubgroup(campaign: String, column: String, known: [String])
    /// Under the contact policy a campaign sends its segment's message, routed to one of the segment's channels.
    case channelNotInSegment(campaign: String, channel: String, segment: String, channels: [String])
    /// `cluster` is one of the campaign's sub-groups, but the run whose list is the audience has no clusters.
    case clustersUnavailable(campaign: String, reason: String)

    public func description(naming name: (String) -> String) -> String {
        switch self {
        case let .unknownCampaign(campaign, known):
            "no campaign '\(campaign)' under campaigns: in strata.yml" + (known.isEmpty ? "" : " (defined: \(known.joined(separator: ", ")))")
        case let .unknownSegment(campaign, segment):
            "campaign '\(campaign)': segment '\(segment)' is not defined in strata.yml or not in the latest run; define it and run `strata refresh`"
        case let .alreadyStarted(campaign, asOf):
            "campaign '\(campaign)' was already started (as of \(asOf)); a campaign starts once, give a new test a new name"
        case let .notStarted(campaign, started):
            "campaign '\(campaign)' has not been started" + (started.isEmpty ? "" : " (started: \(started.joined(separator: ", ")))")
        case let .exportNotLatestRun(export, run):
            "\(export) is not the export of the latest run (\(run)); run `strata refresh` on it first, so the audience is its current list"
        case let .groupsChanged(campaign):
            "campaign '\(campaign)': its settings or groups in the store differ from what the audit log recorded at its start; run `strata audit verify`"
        case let .unknownSubgroup(campaign, column, known):
            "campaign '\(campaign)': cannot report by sub-group '\(column)' (expected one of: \(known.joined(separator: ", ")))"
        case let .channelNotInSegment(campaign, channel, segment, channels):
            "campaign '\(campaign)': channel '\(channel)' is not one of segment '\(segment)''s channels (\(channels.joined(separator: ", "))); under the contact policy a campaign sends the segment's message on the channel the policy routes each patient to, so choose one of them"
        case let .clustersUnavailable(campaign, reason):
            "campaign '\(campaign)': sub-group 'cluster' is asked for, but the audience has no clusters to record: \(reason); its clusters could never be reported, so the campaign was not started (or remove 'cluster' from its subgroups)"
        }
    }
}
