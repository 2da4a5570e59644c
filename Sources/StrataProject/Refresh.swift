import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataSegments

/// `strata refresh`: the newest export through features, the current models and every segment, into the
/// store, the audit log and consent-aware lists.
///
/// Safety: one refresh of a project at a time (``RefreshLock``, from creating the store to publishing the
/// lists). All store writes happen in one transaction. Lists are written into a hidden staging folder, each
/// file atomically, and the folder is renamed to `run-N` only after the transaction commits, so no list is
/// ever published without its run. A failure anywhere removes the staged lists; a kill leaves at most
/// temporaries, which the next refresh removes, or a committed run without its lists, which the next
/// refresh rebuilds. `lists/latest` only ever points to a committed run. Refreshing the same export with
/// the same configuration and models records nothing.
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
        /// Per segment with exclusions, in definition order: the patients each exclusion kept out.
        public var exclusions: [(name: String, excluded: [SegmentMembers.Exclusion])] = []
        public var lists: [ListSummary]
        public var listsFolder: URL
        /// Things the user should know, such as a model that is missing.
        public var warnings: [String] = []
        /// On an unchanged refresh: the latest run's lists were missing or changed and were written again.
        public var rebuiltLists = false
        /// Per segment, in definition order: the contacts the contact policy held back, by reason.
        public var heldBack: [(name: String, held: HeldBack)] = []
        /// With `keepingMembers`, each segment recorded in the run: its members' ids in byte order, as the store
        /// holds them open after the run (`strata month`'s report takes them instead of reading them back).
        var members: [String: [String]] = [:]
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
    ///   - models: loads the models to apply from the project's models folder (called after the export is
    ///     read); the default applies none. `RefreshRun` passes the project's newest models.
    ///   - asOf: a day inside the export's dates (see ``ExportDates``); default the export's last day.
    ///   - strict: every cross-record check fails, whatever the `checks:` policies say (as `validate --strict`).
    ///   - lockTimeout: how long to wait for another refresh of the same project to finish.
    ///   - waiting: called once with a sentence when this refresh starts waiting for another.
    ///   - progress: called with a short line per step.
    public static func run(_ project: Project, exportPath: String? = nil, asOf: Day? = nil, user: String,
                           models: (URL) throws -> any SegmentModels = { _ in NoSegmentModels() }, strict: Bool = false,
                           lockTimeout: TimeInterval = 600, waiting: (String) -> Void = { _ in },
                           progress: (String) -> Void = { _ in }) throws -> Report {
        try run(project, exportPath: exportPath, asOf: asOf, user: user, models: models, strict: strict, lockTimeout: lockTimeout,
                waiting: waiting, writer: .atomic, progress: progress)
    }

    /// How a refresh writes one list file; tests substitute one that fails like a full disk.
    struct ListFileWriter: Sendable {
        var write: @Sendable (Data, URL) throws -> Void

        static let atomic = ListFileWriter { data, url in try AtomicFile.write(data, to: url, permissions: 0o600) }
    }

    static func run(_ project: Project, exportPath: String?, asOf: Day?, user: String,
                    models loadModels: (URL) throws -> any SegmentModels = { _ in NoSegmentModels() }, strict: Bool = false,
                    exportFingerprint knownFingerprint: String? = nil, checked: CheckedExport? = nil,
                    checkpointsAfterCommits: Bool = true, keepingMembers: Bool = false,
                    lockTimeout: TimeInterval, waiting: (String) -> Void, writer: ListFileWriter,
                    progress: (String) -> Void) throws -> Report {
        var timings = DiscoveryTimings.refresh()
        let folder = try project.exportFolder(exportPath)
        progress("reading \(folder.lastPathComponent)")
        // A pass of SHA-256 over the whole export (1.5 s CPU at 1M), skipped when the caller has just made it,
        // else made by the read (beside it for a new export).
        let (read, checks, cacheWarnings, exportFingerprint): (ExportReadResult, ExportCheckReport, Started<[String]>?, String)
        if let checked {
            (read, checks, cacheWarnings) = (checked.result, checked.checks, nil)
            exportFingerprint = try knownFingerprint ?? Fingerprint.of(folder: folder)
        } else {
            (read, checks, cacheWarnings, exportFingerprint) = try readAndCheck(folder, fingerprint: knownFingerprint, project: project,
                                                                                strict: strict, timings: &timings)
        }
        // Every way out of the refresh waits for the cache entry being stored, so a refresh that fails later
        // leaves the entry as whole as before.
        defer { _ = try? cacheWarnings?.value() }
        let export = read.export
        guard let dates = ExportDates(export) else { throw RefreshError.emptyExport(folder.path) }
        let asOfDay: Day
        if let asOf {
            guard dates.accepts(asOf) else {
                throw RefreshError.asOfOutsideExport(asOf.description, first: dates.first.description,
                                                     last: dates.last.description, latest: dates.latestAsOf.description,
                                                     export: folder.path)
            }
            asOfDay = asOf
        } else {
            asOfDay = dates.last
        }
        let asOfText = asOfDay.description

        progress("scoring as of \(asOfText)")
        let models = try loadModels(project.modelsURL)
        timings.lap("loading the models")
        // The segment frame is built on a thread of its own while the clusters are assigned (each computes its
        // own features; the frame's pass is serial), and takes the scores and clusters after. Not beside the
        // scoring too: the churn features (66 columns, 530 MB at 1M) and the clusters' (33) with the frame
        // raised a refresh's peak from 1.6 to 2.1 GB.
        let selection = project.segments.frameSelection
        let startFraming = { [export, spec = project.configuration.features] in
            Started {
                let plan = try FeaturePipeline.plan(export, asOf: asOfDay, spec: spec)
                // Only what the segments' rules read: at 1M patients the whole frame was 1.4 GB.
                return try SegmentFrame.build(export: export, asOf: asOfDay, schema: FeatureSchema(columns: plan), selection: selection)
            }
        }
        // With the cluster model's features at hand (`strata month`: discovery's, as of this day) the clusters are
        // assigned first and those features let go before scoring computes its own. The frame still waits for the
        // scoring to end: beside it, the month's peak went from 1.65 to 1.94 GB at 1M.
        let assignedEarly: [String]?? = models.clusterFeaturesAtHand ? .some(try models.clusterNames(export, asOf: asOfDay)) : .none
        if assignedEarly != nil { timings.lap("cluster assignment (features at hand, drift)") }
        let scores = try models.scores(export, asOf: asOfDay)
        timings.lap("scoring (features, churn, lifetime, drift)")
        let framing = startFraming()
        defer { _ = try? framing.value() }
        let clusters = try assignedEarly ?? models.clusterNames(export, asOf: asOfDay)
        if assignedEarly == nil { timings.lap("cluster assignment (features, drift)") }

        progress("evaluating \(project.segments.definitions.count) segments")
        var frame = try framing.value()
        frame.attach(scores: scores, clusters: clusters, selection: selection)
        models.explainAbsentFields(in: &frame)
        timings.lap(assignedEarly == nil ? "segment frame (features), beside the clusters" : "segment frame (features)")
        // Without a model its fields still exist, missing for everyone, so rules that read them select nobody.
        // The export's own warnings (negative amounts, a file without its final line end) come first, as
        // every other command that reads an export prints them.
        var warnings: [String] = try (cacheWarnings?.value() ?? []) + read.warnings.messages + checks.messages
        if scores["churn_score"] == nil {
            frame.set("churn_score", .number(Array(repeating: nil, count: frame.patientCount)))
            warnings.append("no churn model in \(project.modelsURL.lastPathComponent)/: churn_score is missing for everyone (run `strata train churn`)")
        }
        if clusters == nil {
            frame.set("cluster", .text(Array(repeating: nil, count: frame.patientCount)))
            warnings.append("no cluster model in \(project.modelsURL.lastPathComponent)/: cluster is missing for everyone (run `strata discover`)")
        }
        let segments = try project.segments.evaluate(frame)
        warnings += segments.flatMap(\.warnings)
        timings.lap("segment evaluation")
        let configurationFingerprint = try Self.configurationFingerprint(project, models: models, asOf: asOfText)
        var lists = StagedLists(segments: segments, project: project, export: export, asOf: asOfDay, writer: writer)

        // From here on one refresh of the project at a time: creating the store, recording, publishing.
        try PrivateFolder.make(project.listsURL)
        try PrivateFolder.make(project.storeURL.deletingLastPathComponent(), narrowing: false)
        let lock = try RefreshLock(path: project.storeURL.path + ".lock", timeout: lockTimeout, waiting: waiting)
        defer { withExtendedLifetime(lock) {} }
        TestPause.at("locked")
        let store = try SegmentStore(path: project.storeURL.path, checkpointsAfterCommits: checkpointsAfterCommits)
        try AuditHead.start(store: store)
        Self.removeTemporaries(project)
        lists.holdouts = try CampaignHoldouts(store: store, project: project, asOf: asOfDay)
        timings.lap("lock, store, holdouts")

        enum Outcome { case recorded(RunRecord, [String: SegmentChangeCounts], [ListSummary]), unchanged(RunRecord) }
        // Each recorded segment's members' ids, as the store took them (kept with `keepingMembers`).
        var recordedIDs: [(segment: String, ids: [String])] = []
        var staging: URL?
        var heldBack: [(name: String, held: HeldBack)] = []
        let outcome: Outcome
        do {
            outcome = try store.exclusively { session -> Outcome in
                if let latest = try session.latestRun(), latest.exportFingerprint == exportFingerprint,
                   latest.configurationFingerprint == configurationFingerprint {
                    return .unchanged(latest)
                }
                progress("recording the run")
                // A model that differs from the previous run's is a model change of its own in the audit log.
                let previousModels = try session.latestRun()?.modelVersions ?? [:]
                if previousModels != models.versions {
                    try session.audit(action: "model change", user: user,
                                      inputs: previousModels.mapKeys { "model:" + $0 }, outputs: models.versions.mapKeys { "model:" + $0 })
                }
                let evaluated = frame
                let evaluations = segments.map { segment in
                    let reason = segment.reasons(in: evaluated), rows = segment.rows
                    return SegmentEvaluation(name: segment.definition.name, rule: segment.definition.rule, purpose: segment.definition.purpose.rawValue,
                                             patientIDs: rows.map { export.patients.ids[$0] }, reason: { reason(rows[$0]) })
                }
                timings.lap("member ids")
                let exitReasons = Dictionary(uniqueKeysWithValues: segments.map {
                    ($0.definition.name, project.segments.exitReasons($0, in: frame))
                })
                let run = try session.insertRun(
                    NewRun(asOf: asOfText, exportFingerprint: exportFingerprint, configurationFingerprint: configurationFingerprint,
                           modelVersions: models.versions, patientCount: export.patients.count))
                // The lists need only the run's number: they are planned and written on a thread of their own
                // while SQLite takes the memberships on this one (2.1 s beside 9 s for a new store at 1M).
                progress("writing lists")
                let staged = Started { [lists] in
                    let plan = try lists.plan(run: run.id)
                    return (plan: plan, written: try lists.write(run: run.id, plan: plan))
                }
                let (changes, runFingerprint): ([String: SegmentChangeCounts], String)
                do {
                    (changes, runFingerprint) = try session.recordMemberships(of: run, evaluations: evaluations, exitReason: { segment, patientID in
                        guard let row = export.patients.ids.index(of: patientID) else { return "patient no longer in the export" }
                        return exitReasons[segment]!(row)
                    })
                    timings.lap("store: memberships")
                    try RealizedPerformance.keepScores(scores, models: models, export: export, run: run.id, in: session)
                    timings.lap("store: scores")
                } catch {
                    if let folder = try? staged.value().written.folder { try? FileManager.default.removeItem(at: folder) }
                    throw error
                }
                let (contactPlan, written) = try staged.value()
                staging = written.folder
                timings.lap("contact plan and lists (beside the memberships)")
                heldBack = contactPlan.segments.map { ($0.definition.name, $0.held) }
                try session.recordHeldBack(run: run.id, contactPlan)
                timings.lap("held back")
                TestPause.at("staged")
                var inputs = ["export": exportFingerprint, "configuration": configurationFingerprint]
                for (name, version) in models.versions { inputs["model:" + name] = version }
                var outputs = written.fingerprints
                outputs["run:\(run.id)"] = runFingerprint
                #if DEBUG
                // Worked out from the rows as written; what the store holds must give the same (`audit verify`
                // reads it back). Every refresh in the tests checks it.
                let stored = try session.runFingerprint(run.id)
                precondition(stored == runFingerprint, "run \(run.id)'s fingerprint differs from its rows'")
                #endif
                outputs["scores:\(run.id)"] = try session.scoresFingerprint(run: run.id)
                try session.audit(action: "refresh", user: user, inputs: inputs, outputs: outputs)
                timings.lap("run and scores fingerprints, audit")
                if keepingMembers { recordedIDs = evaluations.map { ($0.name, $0.patientIDs) } }
                return .recorded(run, changes, written.summaries)
            }
        } catch {
            // Nothing committed: the staged lists (patient data) go too.
            if let staging { try? FileManager.default.removeItem(at: staging) }
            throw error
        }
        timings.lap("commit")
        TestPause.at("committed")

        var report: Report
        switch outcome {
        case let .recorded(run, changes, summaries):
            // Published only now that the run is committed; a failure here leaves a run without its lists,
            // which the next refresh rebuilds.
            if let staging { try Self.publish(staging, as: runFolder(project, run.id), run: run.id) }
            report = Report(run: run, unchanged: false, exportFolder: folder, asOf: asOfText,
                            segments: segments.map { ($0.definition.name, changes[$0.definition.name]!) },
                            lists: summaries, listsFolder: Self.runFolder(project, run.id))
            report.exclusions = segments.filter { !$0.excluded.isEmpty }.map { ($0.definition.name, $0.excluded) }
            report.heldBack = heldBack
            report.members = Dictionary(uniqueKeysWithValues: recordedIDs.map { recorded in
                (recorded.segment, recorded.ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            })
        case let .unchanged(latest):
            report = Report(run: latest, unchanged: true, exportFolder: folder, asOf: asOfText, segments: [],
                            lists: [], listsFolder: Self.runFolder(project, latest.id))
            report.rebuiltLists = try Self.restoreLists(of: latest, lists: lists, project: project, store: store, user: user)
        }
        TestPause.at("published")
        timings.lap("publishing lists")
        warnings += Self.recordRealizedPerformance(project, store: store, export: export, exportFingerprint: exportFingerprint,
                                                   lastDay: dates.last, user: user)
        timings.lap("realized performance")
        try Self.settle(project, store: store)
        timings.lap("latest link, audit head")
        report.warnings = warnings
        return report
    }

    /// An export read and checked with the project's `checks:` policies by the caller (`strata month`'s
    /// validate step), which the refresh takes as it is instead of reading and checking it again.
    struct CheckedExport: Sendable {
        /// The read, after the checks' drops.
        var result: ExportReadResult
        var checks: ExportCheckReport
    }

    /// Reads the export through the cache, which this read fills for the report and campaign commands that
    /// follow, and runs the cross-record checks as every command does (`checks:` in strata.yml).
    ///
    /// A read from the CSVs is written to the cache on a thread of its own while the models and the segments run
    /// (writing the entry of a 1M export took 2.6 s): the third value gives the cache's warnings, reading's
    /// then storing's, once it is done.
    private static func readAndCheck(_ folder: URL, fingerprint known: String?, project: Project, strict: Bool,
                                     timings: inout DiscoveryTimings) throws
        -> (read: ExportReadResult, checks: ExportCheckReport, cacheWarnings: Started<[String]>?, fingerprint: String) {
        let (cached, fingerprint) = try project.readExport(folder, fingerprint: known, storingLater: true)
        var read = cached.result
        timings.lap("reading the export (fingerprint, cache or CSVs)")
        let checks = ExportChecks.run(&read.export, policies: project.configuration.checks, strict: strict,
                                      exportDay: ExportChecks.exportDay(folderName: folder.lastPathComponent))
        if let error = checks.error { throw error }
        timings.lap("cross-record checks")
        let storing = Started { [cached] in
            var entry = cached
            return entry.warnings + project.storeExport(&entry)
        }
        return (read, checks, storing, fingerprint)
    }

    static func runFolder(_ project: Project, _ run: Int64) -> URL {
        project.listsURL.appendingPathComponent(String(format: "run-%04lld", run))
    }

    /// The fingerprint of everything besides the export that decides a run: the project file, the models and
    /// the as-of date.
    static func configurationFingerprint(_ project: Project, models: any SegmentModels, asOf: String) throws -> String {
        let projectFile = try Fingerprint.of(file: project.directory.appendingPathComponent(Project.fileName))
        let modelLines = models.versions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return Fingerprint.of(Data(([projectFile, asOf] + modelLines).joined(separator: "\n").utf8))
    }

    /// Every segment's lists for one run, written into a hidden staging folder.
    struct StagedLists {
        var segments: [SegmentMembers]
        var project: Project
        var export: ClinicExport
        var asOf: Day
        var writer: ListFileWriter
        /// Campaign holdouts kept off the lists (``CampaignHoldouts``).
        var holdouts = CampaignHoldouts.none

        /// Who run `run`'s lists contact, and on which channel: the campaign holdouts come off first, then the
        /// contact policy plans what is left (``ContactPolicy``).
        func plan(run: Int64) throws -> ContactPlan {
            try Refresh.contactPlan(segments, holdouts: holdouts, run: run, project: project, export: export, asOf: asOf)
        }

        /// Writes the lists of `run` into `lists/.run-N.staging`. On failure the folder is removed.
        /// - Returns: the folder, a summary per list, and `list:<file>` → fingerprint for the audit log.
        func write(run: Int64, plan: ContactPlan) throws -> (folder: URL, summaries: [ListSummary], fingerprints: [String: String]) {
            let staging = project.listsURL.appendingPathComponent(".\(runFolder(project, run).lastPathComponent).staging")
            try? FileManager.default.removeItem(at: staging)
            do { try PrivateFolder.make(staging) } catch let RefreshError.cannotWrite(_, reason) {
                // The staging folder is hidden; the folder the user chose is the one to name.
                throw RefreshError.cannotWrite(path: project.listsURL.path, reason: reason)
            }
            do {
                var summaries: [ListSummary] = []
                var fingerprints: [String: String] = [:]
                for list in contactLists(plan) {
                    let data = list.csvData
                    try writer.write(data, staging.appendingPathComponent(list.fileName))
                    fingerprints["list:" + list.fileName] = Fingerprint.of(data)
                    summaries.append(ListSummary(file: list.fileName, rows: list.rows.count,
                                                 withoutConsent: list.withoutConsent, withoutAddress: list.withoutAddress))
                }
                return (staging, summaries, fingerprints)
            } catch {
                try? FileManager.default.removeItem(at: staging)
                throw error
            }
        }
    }

    /// Renames a committed run's staged lists to `run-N`, replacing a folder of that name that an earlier
    /// version may have left for a run that never committed. On failure the staged folder is removed.
    static func publish(_ staging: URL, as final: URL, run: Int64) throws {
        let fileManager = FileManager.default
        do {
            if fileManager.fileExists(atPath: final.path) {
                let aside = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).old")
                try? fileManager.removeItem(at: aside)
                guard Foundation.rename(final.path, aside.path) == 0 else { throw POSIXFailure(errno) }
                try? fileManager.removeItem(at: aside)
            }
            guard Foundation.rename(staging.path, final.path) == 0 else { throw POSIXFailure(errno) }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw RefreshError.listsNotPublished(run: run, path: final.path, reason: AtomicFile.plainReason(error))
        }
    }

    /// On a refresh that found nothing new: when the latest run's lists are missing or differ from the
    /// fingerprints its audit entry recorded, writes them again and, when they come out identical, puts them
    /// back (and says so in the audit log). Lists that come out different are an error.
    /// - Returns: whether the lists were rebuilt.
    static func restoreLists(of run: RunRecord, lists: StagedLists, project: Project, store: SegmentStore,
                             user: String) throws -> Bool {
        guard let entry = try store.auditEntries().last(where: { $0.action == "refresh" }) else { return false }
        let outputs = (try? JSONDecoder().decode([String: String].self, from: Data(entry.outputs.utf8))) ?? [:]
        let runKeys = outputs.keys.filter { $0.hasPrefix("run:") }
        // An entry that names another run does not describe this one; `audit verify` says so.
        if !runKeys.isEmpty, !runKeys.contains("run:\(run.id)") { return false }
        let recorded = outputs.filter { $0.key.hasPrefix("list:") }
        let folder = runFolder(project, run.id)
        if ListFolder.problems(folder, expected: recorded).isEmpty { return false }
        let written = try lists.write(run: run.id, plan: try lists.plan(run: run.id))
        guard written.fingerprints == recorded else {
            try? FileManager.default.removeItem(at: written.folder)
            throw RefreshError.listsCannotBeRebuilt(run: run.id, path: folder.path)
        }
        try publish(written.folder, as: folder, run: run.id)
        try store.exclusively { session in
            try session.audit(action: "lists rebuilt", user: user, inputs: ["run": String(run.id)], outputs: recorded)
        }
        return true
    }

    /// Removes what killed or failed refreshes left: staging folders, folders set aside, half-made links and
    /// temporary files (lists hold patient data). Runs under the refresh lock, so no refresh is writing them.
    static func removeTemporaries(_ project: Project) {
        let fileManager = FileManager.default
        for name in (try? fileManager.contentsOfDirectory(atPath: project.listsURL.path)) ?? []
        where name.hasPrefix(".") && (name.hasSuffix(".staging") || name.hasSuffix(".old") || name.hasSuffix(".tmp") || name.hasPrefix(".latest.")) {
            try? fileManager.removeItem(at: project.listsURL.appendingPathComponent(name))
        }
        CampaignWorkflow.removeTemporaries(project)
        let storeFolder = project.storeURL.deletingLastPathComponent()
        let headPrefix = "." + project.storeURL.lastPathComponent + ".audit-head."
        for name in (try? fileManager.contentsOfDirectory(atPath: storeFolder.path)) ?? []
        where name.hasPrefix(headPrefix) && name.hasSuffix(".tmp") {
            try? fileManager.removeItem(at: storeFolder.appendingPathComponent(name))
        }
    }

    /// After a commit (or on a refresh that found nothing new): `lists/latest` points to the store's latest
    /// run and the audit head is recorded beside the store.
    static func settle(_ project: Project, store: SegmentStore) throws {
        let fileManager = FileManager.default
        if let latest = try store.latestRun() {
            let link = project.listsURL.appendingPathComponent("latest")
            let temporary = project.listsURL.appendingPathComponent(".latest.\(UUID().uuidString)")
            guard symlink(runFolder(project, latest.id).lastPathComponent, temporary.path) == 0 else {
                throw RefreshError.cannotLink(link.path, reason: String(cString: strerror(errno)))
            }
            if rename(temporary.path, link.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? fileManager.removeItem(at: temporary)
                throw RefreshError.cannotLink(link.path, reason: reason)
            }
        }
        TestPause.at("linked")
        try AuditHead.advance(store: store)
    }
}

/// The models a refresh applies, as the per-patient columns rules read: `churn_score` and `cluster`.
/// Segments know nothing of how models are fitted; `ProjectModels` loads the project's.
public protocol SegmentModels {
    /// File name → fingerprint of each model used: what a run records as its model versions.
    var versions: [String: String] { get }
    /// Score columns by name (e.g. `churn_score`), one value per patient; empty without a score model.
    func scores(_ export: ClinicExport, asOf: Day) throws -> [String: [Double]]
    /// The cluster name of each patient, or nil without a cluster model.
    func clusterNames(_ export: ClinicExport, asOf: Day) throws -> [String]?
    /// Records in `frame` why fields of a model it lacks are absent (see `Refresh+Lifetime.swift`).
    func explainAbsentFields(in frame: inout SegmentFrame)
    /// Whether the cluster model's features are at hand already (``clusterNames(_:asOf:)`` need not compute them).
    var clusterFeaturesAtHand: Bool { get }
}

extension SegmentModels {
    public var clusterFeaturesAtHand: Bool { false }
}

/// No models: every score and the cluster are missing for everyone.
public struct NoSegmentModels: SegmentModels {
    public init() {}
    public var versions: [String: String] { [:] }
    public func scores(_ export: ClinicExport, asOf: Day) throws -> [String: [Double]] { [:] }
    public func clusterNames(_ export: ClinicExport, asOf: Day) throws -> [String]? { nil }
}

/// A failed system call's errno, for ``AtomicFile/plainReason(_:)``.
struct POSIXFailure: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { String(cString: strerror(code)) }
}

/// Folders that hold patient data: owner-only.
enum PrivateFolder {
    /// Creates `url` (and missing parents) with mode 0700 whatever the umask. An existing folder keeps its
    /// owner's bits but loses any group and other access, unless `narrowing` is false (a folder Strata does
    /// not own, such as the project folder holding the store).
    static func make(_ url: URL, narrowing: Bool = true) throws {
        var status = stat()
        if stat(url.path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw RefreshError.cannotWrite(path: url.path, reason: "it is a file, not a folder")
            }
            if narrowing, status.st_mode & 0o077 != 0 { chmod(url.path, status.st_mode & 0o700) }
            return
        }
        let parent = url.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: parent.path) { try make(parent, narrowing: narrowing) }
        guard mkdir(url.path, 0o700) == 0 || errno == EEXIST else {
            throw RefreshError.cannotWrite(path: url.path, reason: String(cString: strerror(errno)))
        }
        chmod(url.path, 0o700)
    }
}

/// Points at which a debug build can be told to stop, so that tests can kill a refresh exactly there or let
/// another one meet it: with `STRATA_TEST_PAUSE_AT=<point>` and `STRATA_TEST_PAUSE_MARKER=<file>` in its
/// environment, the process creates the marker file at that point and waits until the file is removed (or
/// the process is killed). Release builds ignore both.
enum TestPause {
    static func at(_ point: String) {
        #if DEBUG
        let environment = ProcessInfo.processInfo.environment
        guard environment["STRATA_TEST_PAUSE_AT"] == point, let marker = environment["STRATA_TEST_PAUSE_MARKER"] else { return }
        _ = FileManager.default.createFile(atPath: marker, contents: Data(point.utf8))
        while FileManager.default.fileExists(atPath: marker) { usleep(20_000) }
        #endif
    }
}

/// Why a refresh could not start.
public enum RefreshError: Error, Equatable, ParameterNaming {
    /// An as-of date outside the export's first and last day (see ``ExportDates``).
    case asOfOutsideExport(String, first: String, last: String, latest: String, export: String)
    case emptyExport(String)
    case cannotLink(String, reason: String)
    /// A file or folder the refresh needs to write could not be written.
    case cannotWrite(path: String, reason: String)
    case lockTimeout(path: String, seconds: TimeInterval)
    /// The run committed but its lists could not be put in place; the next refresh rebuilds them.
    case listsNotPublished(run: Int64, path: String, reason: String)
    /// The latest run's lists are missing or changed, and writing them again does not give the recorded files.
    case listsCannotBeRebuilt(run: Int64, path: String)

    public func description(naming name: (String) -> String) -> String {
        switch self {
        case let .asOfOutsideExport(text, first, last, latest, export):
            "\(name("asOf")) \(text) is outside the export \(export): its records run from \(first) to \(last), so the as-of date must be from \(first) to \(latest)"
        case let .emptyExport(path): "\(path): the export has no dated records to date a refresh by"
        case let .cannotLink(path, reason): "\(path): cannot point the latest link at the new run: \(reason)"
        case let .cannotWrite(path, reason): "\(path): cannot write here: \(reason)"
        case let .lockTimeout(path, seconds):
            "another refresh of this project held \(path) for more than \(Int(seconds)) s; try again when it has finished"
        case let .listsNotPublished(run, path, reason):
            "run \(run) was recorded, but its lists could not be put in \(path): \(reason); run `strata refresh` again to rebuild them"
        case let .listsCannotBeRebuilt(run, path):
            "\(path): the lists of run \(run) are missing or changed, and writing them again does not give the files the audit log recorded"
        }
    }
}

extension Dictionary where Key == String {
    func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
