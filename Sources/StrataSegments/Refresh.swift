import Foundation
import StrataData
import StrataFeatures
import StrataModels

/// `strata refresh`: the newest export through features, the current models and every segment, into the
/// store, the audit log and consent-aware lists.
///
/// Safety: all store writes happen in one transaction that is also the lock between processes. Lists are
/// written into a hidden staging folder, each file atomically, and the folder is renamed to `run-N` before
/// the transaction commits. A failure or a kill anywhere leaves the store as it was; a `run-N` folder whose
/// run never committed is replaced by the next refresh, and `lists/latest` only ever points to a committed
/// run. Refreshing the same export with the same configuration and models records nothing.
public enum Refresh {
    /// What a refresh did.
    public struct Report: Sendable {
        /// The run recorded now, or the earlier run that already covered this export.
        public var run: RunRecord
        public var unchanged: Bool
        public var exportFolder: URL
        public var asOf: String
        /// Per segment, in definition order: members, entered, exited.
        public var segments: [(name: String, counts: SegmentChangeCounts)]
        public var lists: [ListSummary]
        public var listsFolder: URL
        /// Things the user should know, such as a model that is missing.
        public var warnings: [String] = []
    }

    /// One list written.
    public struct ListSummary: Sendable {
        public var file: String
        public var rows: Int
        public var withoutConsent: Int
        public var withoutAddress: Int
    }

    /// Runs a refresh of `project`.
    /// - Parameters:
    ///   - exportPath: an export folder; default the newest under `exports.path`.
    ///   - asOf: `YYYY-MM-DD`; default the export's last event day.
    ///   - progress: called with a short line per step.
    public static func run(_ project: StrataProject, exportPath: String? = nil, asOf: String? = nil, user: String,
                           progress: (String) -> Void = { _ in }) throws -> Report {
        let folder = try project.exportFolder(exportPath)
        progress("reading \(folder.lastPathComponent)")
        let exportFingerprint = try Fingerprint.of(folder: folder)
        let export = try ExportReader.read(folder, format: project.configuration.exports?.format,
                                           mapping: project.configuration.mapping).export
        guard let asOfDay = try asOf.map({ text -> Int32 in
            guard let day = CivilDate.parseISODate(text) else { throw RefreshError.badDate(text) }
            return day
        }) ?? ChurnTraining.lastEventDay(export) else { throw RefreshError.emptyExport(folder.path) }
        let asOfText = CivilDate.isoString(days: asOfDay)

        progress("scoring as of \(asOfText)")
        let models = try ProjectModels(directory: project.modelsURL)
        let scores = try models.scores(export, asOf: asOfDay)
        let clusters = try models.clusterNames(export, asOf: asOfDay)

        progress("evaluating \(project.segments.definitions.count) segments")
        let plan = try FeaturePipeline.plan(export, asOf: asOfDay, spec: project.configuration.features)
        var frame = try SegmentFrame.build(export: export, asOf: asOfDay, schema: FeatureSchema(columns: plan),
                                           scores: scores, clusters: clusters)
        // Without a model its fields still exist, missing for everyone, so rules that read them select nobody.
        var warnings: [String] = []
        if scores["churn_score"] == nil {
            frame.set("churn_score", .number(Array(repeating: nil, count: frame.patientCount)))
            warnings.append("no churn model in \(project.modelsURL.lastPathComponent)/: churn_score is missing for everyone (run `strata train churn`)")
        }
        if clusters == nil {
            frame.set("cluster", .text(Array(repeating: nil, count: frame.patientCount)))
            warnings.append("no cluster model in \(project.modelsURL.lastPathComponent)/: cluster is missing for everyone (run `strata discover`)")
        }
        let segments = try project.segments.evaluate(frame)
        let configurationFingerprint = try Self.configurationFingerprint(project, models: models, asOf: asOfText)

        try FileManager.default.createDirectory(at: project.listsURL, withIntermediateDirectories: true)
        let store = try SegmentStore(path: project.storeURL.path)
        let report = try store.exclusively { session -> Report in
            if let latest = try session.latestRun(), latest.exportFingerprint == exportFingerprint,
               latest.configurationFingerprint == configurationFingerprint {
                return Report(run: latest, unchanged: true, exportFolder: folder, asOf: asOfText, segments: [],
                              lists: [], listsFolder: Self.runFolder(project, latest.id))
            }
            progress("recording the run")
            // A model that differs from the previous run's is a model change of its own in the audit log.
            let previousModels = try session.latestRun().map { try JSONDecoder().decode([String: String].self, from: Data($0.modelVersions.utf8)) } ?? [:]
            if previousModels != models.versions {
                try session.audit(action: "model change", user: user,
                                  inputs: previousModels.mapKeys { "model:" + $0 }, outputs: models.versions.mapKeys { "model:" + $0 })
            }
            let evaluations = segments.map { segment in
                SegmentEvaluation(name: segment.definition.name, rule: segment.definition.rule, purpose: segment.definition.purpose.rawValue,
                                  members: Dictionary(uniqueKeysWithValues: segment.rows.map {
                                      (export.patients.ids[$0], frame.describe(row: $0, fields: segment.fieldNames))
                                  }))
            }
            let bySegment = Dictionary(uniqueKeysWithValues: segments.map { ($0.definition.name, $0) })
            let (run, changes) = try session.record(
                NewRun(asOf: asOfText, exportFingerprint: exportFingerprint, configurationFingerprint: configurationFingerprint,
                       modelVersions: models.versions, patientCount: export.patients.count),
                evaluations: evaluations,
                exitReason: { segment, patientID in
                    guard let row = export.patients.ids.index(of: patientID) else { return "patient no longer in the export" }
                    return project.segments.exitReason(bySegment[segment]!, row: row, in: frame)
                })

            progress("writing lists")
            let (lists, outputs) = try Self.writeLists(segments, project: project, export: export, asOf: asOfDay, run: run.id)
            var inputs = ["export": exportFingerprint, "configuration": configurationFingerprint]
            for (name, version) in models.versions { inputs["model:" + name] = version }
            try session.audit(action: "refresh", user: user, inputs: inputs, outputs: outputs)
            return Report(run: run, unchanged: false, exportFolder: folder, asOf: asOfText,
                          segments: segments.map { ($0.definition.name, changes[$0.definition.name]!) },
                          lists: lists, listsFolder: Self.runFolder(project, run.id))
        }
        try Self.settle(project, store: store)
        var result = report
        result.warnings = warnings
        return result
    }

    static func runFolder(_ project: StrataProject, _ run: Int64) -> URL {
        project.listsURL.appendingPathComponent(String(format: "run-%04lld", run))
    }

    /// The fingerprint of everything besides the export that decides a run: the project file, the models and
    /// the as-of date.
    static func configurationFingerprint(_ project: StrataProject, models: ProjectModels, asOf: String) throws -> String {
        let projectFile = try Fingerprint.of(file: project.directory.appendingPathComponent(StrataProject.fileName))
        let modelLines = models.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return Fingerprint.of(Data(([projectFile, asOf] + modelLines).joined(separator: "\n").utf8))
    }

    /// Writes every segment's lists into a staging folder, then renames it to `run-N`.
    static func writeLists(_ segments: [SegmentMembers], project: StrataProject, export: ClinicExport, asOf: Int32,
                           run: Int64) throws -> ([ListSummary], [String: String]) {
        let fileManager = FileManager.default
        let final = runFolder(project, run)
        let staging = project.listsURL.appendingPathComponent(".\(final.lastPathComponent).staging")
        try? fileManager.removeItem(at: staging)
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        let consents = ConsentLedger(export, asOf: asOf)
        var summaries: [ListSummary] = []
        var outputs: [String: String] = [:]
        for segment in segments {
            for channelName in segment.definition.channels {
                let channel = Channel.allCases.first { $0.name == channelName }!
                let list = ContactList(segment, channel: channel, export: export, consents: consents)
                let url = try list.write(into: staging)
                outputs["list:" + list.fileName] = try Fingerprint.of(file: url)
                summaries.append(ListSummary(file: list.fileName, rows: list.rows.count,
                                             withoutConsent: list.withoutConsent, withoutAddress: list.withoutAddress))
            }
        }
        // A folder of this number can only be left by a refresh that was killed before it committed.
        if fileManager.fileExists(atPath: final.path) { try fileManager.removeItem(at: final) }
        try fileManager.moveItem(at: staging, to: final)
        return (summaries, outputs)
    }

    /// After a commit (or on a refresh that found nothing new): `lists/latest` points to the store's latest
    /// run, staging folders of killed refreshes are removed, and the audit head is recorded beside the store.
    static func settle(_ project: StrataProject, store: SegmentStore) throws {
        let fileManager = FileManager.default
        for name in (try? fileManager.contentsOfDirectory(atPath: project.listsURL.path)) ?? [] where name.hasSuffix(".staging") {
            try? fileManager.removeItem(at: project.listsURL.appendingPathComponent(name))
        }
        if let latest = try store.latestRun() {
            let link = project.listsURL.appendingPathComponent("latest")
            let temporary = project.listsURL.appendingPathComponent(".latest.\(UUID().uuidString)")
            try fileManager.createSymbolicLink(atPath: temporary.path, withDestinationPath: runFolder(project, latest.id).lastPathComponent)
            if rename(temporary.path, link.path) != 0 {
                try? fileManager.removeItem(at: temporary)
                throw RefreshError.cannotLink(link.path)
            }
        }
        try AuditHead.advance(store: store)
    }
}

/// The newest audit entry as recorded outside the store, so that removing the newest entries is detected.
/// It only moves forward, and only over an intact chain.
public enum AuditHead {
    static func url(_ store: SegmentStore) -> URL { URL(fileURLWithPath: store.path + ".audit-head") }

    /// The recorded head, if any.
    public static func read(store: SegmentStore) -> (sequence: Int64, hash: String)? {
        guard let text = try? String(contentsOf: url(store), encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let sequence = Int64(parts[0]) else { return nil }
        return (sequence, String(parts[1]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func advance(store: SegmentStore) throws {
        let entries = try store.auditEntries()
        guard case .intact = AuditLog.verify(entries, expectedHead: read(store: store)), let last = entries.last else { return }
        try AtomicFile.write(Data("\(last.sequence) \(last.hash)\n".utf8), to: url(store), permissions: 0o600)
    }
}

/// Why a refresh could not start.
public enum RefreshError: Error, Equatable, CustomStringConvertible {
    case badDate(String)
    case emptyExport(String)
    case cannotLink(String)

    public var description: String {
        switch self {
        case let .badDate(text): "--as-of must be a date like 2025-12-31 (YYYY-MM-DD), got \"\(text)\""
        case let .emptyExport(path): "\(path): the export has no events to date a refresh by; pass --as-of"
        case let .cannotLink(path): "\(path): cannot point the latest link at the new run"
        }
    }
}

extension Dictionary where Key == String {
    func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
