import Foundation
import StrataData
import StrataSegments

/// `strata refresh` as a workflow: the project's newest export (or a given one) through the project's newest
/// models and every segment (``Refresh``), summarized for people and programs.
public enum RefreshRun {
    public struct Configuration: Sendable {
        /// The project folder (holding `strata.yml`).
        public var project: URL
        /// The export folder; nil: the newest under `exports.path`. A relative path is relative to the
        /// current directory, as for every other command.
        public var export: URL?
        /// A day within the export's dates; nil: the export's last day.
        public var asOf: Day?
        /// Who runs it, for the audit log.
        public var user: String
        /// Seconds to wait for another refresh of the project.
        public var lockTimeout: TimeInterval
        /// Every cross-record check fails, whatever the `checks:` policies of `strata.yml` say.
        public var strict = false
        /// The export's fingerprint, when the caller has just hashed the folder and its read is in the export
        /// cache (`strata month`); nil: the refresh hashes the folder itself.
        var exportFingerprint: String?
        /// The export read and checked by the caller from the folder of ``exportFingerprint`` (`strata month`'s
        /// validate step); nil: the refresh reads and checks it itself.
        var checked: Refresh.CheckedExport?
        /// Whether the refresh's commit copies the store's write-ahead log into its file (see
        /// ``SegmentStore/init(path:busyTimeout:checkpointsAfterCommits:)``); `strata month` leaves it to a
        /// checkpoint beside the report.
        var checkpointsAfterCommits = true
        /// The cluster model's features as discovery computed them (`strata month`), taken when they are those
        /// of the model and day this refresh applies.
        var clusterFeatures: ClusterFeaturesOnFile?

        public init(project: URL, export: URL? = nil, asOf: Day? = nil, user: String, lockTimeout: TimeInterval = 600,
                    strict: Bool = false) {
            self.project = project
            self.export = export
            self.asOf = asOf
            self.user = user
            self.lockTimeout = lockTimeout
            self.strict = strict
        }
    }

    /// Opens the project and refreshes it.
    /// - Parameters:
    ///   - waiting: called once with a sentence when this refresh starts waiting for another.
    ///   - progress: called with a short line per step.
    public static func run(_ configuration: Configuration, waiting: (String) -> Void = { _ in },
                           progress: (String) -> Void = { _ in }) throws -> RefreshSummary {
        var members: [String: [String]]?
        return try run(configuration, waiting: waiting, progress: progress, keepingMembers: &members)
    }

    /// ``run(_:waiting:progress:)``, setting `keepingMembers` (when not nil) to each segment recorded in the run
    /// with its members' ids in byte order (``Refresh/Report/members``).
    static func run(_ configuration: Configuration, waiting: (String) -> Void = { _ in }, progress: (String) -> Void = { _ in },
                    keepingMembers members: inout [String: [String]]?) throws -> RefreshSummary {
        let project = try Project(directory: configuration.project)
        var exportPath: String?
        if let export = configuration.export {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: export.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ProjectError.missingExports(export.path)
            }
            exportPath = export.path
        }
        var applied: ProjectModels?
        let report = try Refresh.run(project, exportPath: exportPath, asOf: configuration.asOf, user: configuration.user,
                                     models: { directory in
                                         applied = try ProjectModels(project: project)
                                         applied!.clusterFeaturesOnFile = configuration.clusterFeatures
                                         return try LifetimeSegmentModels(applied!, directory: directory)
                                     },
                                     strict: configuration.strict, exportFingerprint: configuration.exportFingerprint,
                                     checked: configuration.checked, checkpointsAfterCommits: configuration.checkpointsAfterCommits,
                                     keepingMembers: members != nil,
                                     lockTimeout: configuration.lockTimeout, waiting: waiting, writer: .atomic, progress: progress)
        if members != nil { members = report.members }
        var summary = RefreshSummary(report)
        summary.warnings += applied?.driftLog.recorded.flatMap(\.warnings) ?? []
        return summary
    }
}

/// `strata refresh --json`; ``table`` is what people read.
public struct RefreshSummary: Codable, Sendable, Equatable {
    public struct Segment: Codable, Sendable, Equatable {
        public var name: String
        public var members: Int
        public var entered: Int
        public var exited: Int
        /// The patients each of the segment's exclusions kept out (empty without exclusions).
        public var excluded: [Exclusion] = []
        /// The contacts the contact policy held back, by reason.
        public var heldBack = HeldBack()

        enum CodingKeys: String, CodingKey { case name, members, entered, exited, excluded, heldBack = "held_back" }
    }

    /// Patients the segment's rule selected whom an excluded segment kept out.
    public struct Exclusion: Codable, Sendable, Equatable {
        /// The excluded segment.
        public var by: String
        public var patients: Int

        public init(by: String, patients: Int) {
            self.by = by
            self.patients = patients
        }
    }

    public struct List: Codable, Sendable, Equatable {
        public var file: String
        public var rows: Int
        public var withoutConsent: Int
        public var withoutAddress: Int

        enum CodingKeys: String, CodingKey {
            case file, rows, withoutConsent = "without_consent", withoutAddress = "without_address"
        }
    }

    /// The run recorded now, or the earlier run that already covered this export.
    public var run: Int64
    public var runAsOf: String
    public var unchanged: Bool
    public var rebuiltLists: Bool
    public var export: String
    public var asOf: String
    public var patients: Int
    public var segments: [Segment]
    public var lists: [List]
    public var listsFolder: String
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case run, runAsOf = "run_as_of", unchanged, rebuiltLists = "rebuilt_lists", export, asOf = "as_of", patients
        case segments, lists, listsFolder = "lists_folder", warnings
    }

    init(_ report: Refresh.Report) {
        run = report.run.id
        runAsOf = report.run.asOf
        unchanged = report.unchanged
        rebuiltLists = report.rebuiltLists
        export = report.exportFolder.lastPathComponent
        asOf = report.asOf
        patients = report.run.patientCount
        segments = report.segments.map {
            Segment(name: $0.name, members: $0.counts.members, entered: $0.counts.entered, exited: $0.counts.exited)
        }
        for (name, excluded) in report.exclusions {
            guard let index = segments.firstIndex(where: { $0.name == name }) else { continue }
            segments[index].excluded = excluded.map { Exclusion(by: $0.segment, patients: $0.patients) }
        }
        for (name, held) in report.heldBack {
            if let index = segments.firstIndex(where: { $0.name == name }) { segments[index].heldBack = held }
        }
        lists = report.lists.map {
            List(file: $0.file, rows: $0.rows, withoutConsent: $0.withoutConsent, withoutAddress: $0.withoutAddress)
        }
        listsFolder = report.listsFolder.path
        warnings = report.warnings
    }

    /// The segment table (or the sentence of an unchanged refresh).
    public var table: String {
        if unchanged {
            let line = "run \(run) (as of \(runAsOf)) already covers \(export): nothing changed"
            guard rebuiltLists else { return line }
            return line + "\nits lists were missing or changed and were written again in \(listsFolder)"
        }
        var lines = ["run \(run): \(export) as of \(asOf), \(patients) patients"]
        let width = max(7, segments.map(\.name.count).max() ?? 0)
        func pad(_ text: String, _ n: Int, left: Bool = false) -> String {
            let padding = String(repeating: " ", count: max(0, n - text.count))
            return left ? text + padding : padding + text
        }
        lines.append(pad("segment", width, left: true) + "  members  entered   exited")
        for segment in segments {
            lines.append(pad(segment.name, width, left: true) + pad("\(segment.members)", 9) + pad("\(segment.entered)", 9)
                         + pad("\(segment.exited)", 9))
        }
        for segment in segments {
            for exclusion in segment.excluded {
                lines.append("\(segment.name): \(exclusion.patients) excluded by \(exclusion.by)")
            }
        }
        lines += heldBackLines
        let listed = lists.reduce(0) { $0 + $1.rows }
        lines.append("\(lists.count) lists (\(listed) contacts, consented only) in \(listsFolder)")
        return lines.joined(separator: "\n")
    }
}
