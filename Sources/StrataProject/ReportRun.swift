import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataReports
import StrataSegments

/// `strata report` as a workflow: one run of the store (the newest, or a given one) as a notebook, an HTML
/// page and the aggregate CSVs behind them, in `reports/run-N/` of the project, with an audit entry holding
/// the files' fingerprints.
///
/// The run's export is found among the project's exports by its fingerprint (`ReportRun+Export.swift`); the
/// score curves are computed on it (`ReportRun+Scores.swift`): the churn scores an earlier run stored once
/// their horizon has passed, else the churn model applied as of the run's as-of date minus its horizon; the
/// conversion model on the leads whose window has closed; and the lifetime fields the run applied.
public enum ReportRun {
    public struct Configuration: Sendable {
        /// The project folder (holding `strata.yml`).
        public var project: URL
        /// The run to report on; nil: the newest.
        public var run: Int64?
        /// The folder the `run-N` folder goes in; nil: `reports` in the project.
        public var reportsFolder: URL?
        /// Who runs it, for the audit log.
        public var user: String
        /// An export folder and its fingerprint, when the caller has just hashed it (`strata month`): the run's
        /// export when the fingerprints match, without hashing the project's exports to find it.
        var hashedExport: (folder: URL, fingerprint: String)?
        /// The export as the caller read and checked it (`strata month`'s validate step) from the folder of
        /// ``hashedExport``: taken as the run's export when the fingerprints match, instead of reading it again.
        var loadedExport: ExportSource.Loaded?
        /// A churn model's scores of the patients on file that training computed (`strata month`'s retrain):
        /// taken for the churn curves when they are the report's model's on its window.
        var churnScoresOnFile: ChurnScoresOnFile?
        /// The members after ``run`` of each segment its refresh recorded (ids in byte order), as the refresh kept
        /// them (`strata month`): taken instead of reading two million ids back from the store.
        var membersAfterRun: [String: [String]]?
        /// The history of each segment up to and with ``run`` (``SegmentStore/history(of:)``), as the refresh's
        /// counts completed what was read before it (`strata month`): taken instead of counting the store's rows.
        var historiesAfterRun: [String: [SegmentHistoryEntry]]?

        public init(project: URL, run: Int64? = nil, reportsFolder: URL? = nil, user: String) {
            self.project = project
            self.run = run
            self.reportsFolder = reportsFolder
            self.user = user
        }
    }

    /// Builds and writes the report, and records it in the audit log.
    public static func run(_ configuration: Configuration) throws -> ReportSummary {
        var timings = DiscoveryTimings.report()
        let project = try Project(directory: configuration.project)
        guard FileManager.default.fileExists(atPath: project.storeURL.path) else { throw StoreError.noRuns }
        let store = try SegmentStore(path: project.storeURL.path)
        let runs = try store.runs()
        guard let latest = runs.last else { throw StoreError.noRuns }
        let run: RunRecord
        if let wanted = configuration.run {
            guard let found = runs.first(where: { $0.id == wanted }) else { throw StoreError.unknownRun(wanted, latest: latest.id) }
            run = found
        } else {
            run = latest
        }
        let asOf = try Day(iso: run.asOf)
        let previous = runs.last { $0.id < run.id }

        let models = try ProjectModels(directory: project.modelsURL)
        let conversion = try conversionModel(in: project.modelsURL)
        timings.lap("reading the runs and models")

        // The segments are read from the store on a thread of their own (`ReportRun+Segments.swift`) while the
        // export is loaded and the churn window scored: nothing before the sections needs them.
        let given = configuration.run == run.id
        let (knownMembers, knownHistories) = given ? (configuration.membersAfterRun, configuration.historiesAfterRun) : (nil, nil)
        let segmentsRead = Started {
            try segmentSnapshots(project, store: store, run: run, previous: previous, membersAfterRun: knownMembers,
                                 historiesAfterRun: knownHistories)
        }
        defer { _ = try? segmentsRead.value() }
        // The run's export, when it is still among the project's exports.
        var loaded: ExportSource.Loaded?
        if let given = configuration.loadedExport, let hashed = configuration.hashedExport,
           hashed.fingerprint == run.exportFingerprint, given.folder == hashed.folder {
            loaded = given
            timings.lap("the export as the caller read and checked it")
        } else {
            let (found, cache) = try exportFolderAndCache(of: run, in: project, hashed: configuration.hashedExport)
            timings.lap("finding the run's export and loading its cache entry (the segments read beside them)")
            if let folder = found {
                // Through the cache with the entry loaded beside the search (nil when the cache is off).
                var source = project.exportSource(folder, fingerprint: run.exportFingerprint)
                source.cache = cache
                // The tables the churn model's features need, appointments (lifetime), consents, leads with a
                // conversion model, and patients without their names and addresses (a report never shows them);
                // the rest are read for the checks only.
                let shown: Set<CanonicalTable> = conversion == nil ? [.patients, .appointments, .consents] : [.patients, .appointments, .consents, .leads]
                loaded = try source.read(tables: { $0.features.tablesNeeded.union(shown) },
                                         unusedTextColumns: { _ in [.patients: ["first_name", "postal_code", "email", "phone"]] },
                                         failingOnChecks: false)
                timings.lap("loading and checking the export (the segments read beside it)")
            }
        }

        var scores: [ScoreInput] = []
        var lifetime: LifetimeInput?
        if let export = loaded?.export {
            if let churn = models.churn {
                let name = models.versions.keys.first { $0.hasPrefix("churn-") } ?? "churn model"
                scores.append(try churnScores(churn, name: name, fingerprint: models.versions[name], export: export, run: run, runs: runs,
                                              asOf: asOf, store: store, project: project, known: configuration.churnScoresOnFile))
                timings.lap("churn scores")
            }
            if let conversion, let evaluated = try conversionEvaluation(conversion.file, name: conversion.name, export: export, asOf: asOf) {
                scores.append(evaluated)
                timings.lap("conversion scores")
            }
            lifetime = try lifetimeFields(run: run, project: project, export: export, asOf: asOf)
            timings.lap("lifetime fields")
        }
        let segments = try segmentsRead.value()
        timings.lap("waiting for the segments from the store")
        var inputs = ReportInputs(run: run, runs: runs.filter { $0.id <= run.id }, exportName: loaded?.folder.lastPathComponent,
                                  checks: loaded?.checks, segments: segments, export: loaded?.export, asOf: asOf,
                                  clusters: models.clusters, scores: scores, heldBack: try store.heldBack(run: run.id), lifetime: lifetime,
                                  minCellSize: project.configuration.reports.minCellSize)
        if let loaded { inputs.campaigns = try campaigns(in: store, upTo: run, export: loaded.export, exportName: loaded.folder.lastPathComponent) }
        timings.lap("held back and campaigns")
        let report = try Report.build(inputs)
        timings.lap("building the sections")
        let folder = (configuration.reportsFolder ?? project.directory.appendingPathComponent("reports"))
            .appendingPathComponent("run-\(run.id)")
        let written = try ReportFiles.write(report, to: folder)
        timings.lap("writing the files")
        var auditInputs = ["run": String(run.id), "export": run.exportFingerprint]
        for (name, version) in models.versions { auditInputs["model:" + name] = version }
        try store.exclusively { session in
            try session.audit(action: "report", user: configuration.user, inputs: auditInputs, outputs: written.fingerprints)
        }
        timings.lap("audit entry")
        return ReportSummary(run: run.id, asOf: run.asOf, folder: folder.path,
                             html: folder.appendingPathComponent("report.html").path,
                             notebook: folder.appendingPathComponent("report.ipynb").path,
                             sections: report.sections.map(\.id),
                             aggregates: report.sections.flatMap(\.aggregates).map(\.relativePath),
                             export: loaded?.folder.lastPathComponent)
    }
}

/// `strata report --json`.
public struct ReportSummary: Codable, Sendable, Equatable {
    public var run: Int64
    public var asOf: String
    /// The report's folder, its HTML page and its notebook.
    public var folder: String
    public var html: String
    public var notebook: String
    /// The sections shown, in order (`run`, `segments`, `clusters`, `churn`, `conversion`, `lifetime`, `consent`,
    /// `campaigns`).
    public var sections: [String]
    /// The aggregate CSVs, relative to the folder.
    public var aggregates: [String]
    /// The export's folder name; nil when the run's export was not found.
    public var export: String?

    enum CodingKeys: String, CodingKey { case run, asOf = "as_of", folder, html, notebook, sections, aggregates, export }

    /// What people read.
    public var text: String {
        "report of run \(run) (as of \(asOf)): \(sections.count) sections, \(aggregates.count) aggregate tables\n"
            + "  \(html)\n  \(notebook)"
    }
}
