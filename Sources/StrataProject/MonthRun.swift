import Foundation
import StrataData
import StrataLinearAlgebra
import StrataSegments

/// `strata month`: the month a clinic runs on its newest export, in one command: validate, retrain (a first
/// churn, conversion and cluster model when the project has none), refresh, report.
///
/// The export is read and checked once, by the first step, and stored in the project's export cache (keyed by
/// its fingerprint, see ``ExportCache``); retraining works on that same read, and refresh and report load the
/// cache entry instead of parsing the CSV files again. Each step is the command of the same name (`strata
/// validate`, `strata retrain`, `strata refresh`, `strata report`), with its own guarantees: a step that fails
/// leaves what it was writing as it was, and the steps before it stay done, as if they had been run one by one.
/// The error names the step.
public enum MonthRun {
    public struct Configuration: Sendable {
        /// The project folder (holding `strata.yml`).
        public var project: URL
        /// The export folder; nil: the newest under `exports.path`.
        public var export: URL?
        /// Who runs it, for the audit log.
        public var user: String
        /// Seed of the retrain's folds and of the cluster fit.
        public var seed: UInt64
        /// The numbers of clusters the cluster fit chooses from.
        public var clusterCounts: ClosedRange<Int>
        /// Write the run's report at the end.
        public var report: Bool
        /// Seconds to wait for another refresh of the project.
        public var lockTimeout: TimeInterval

        public init(project: URL, export: URL? = nil, user: String, seed: UInt64 = 0, clusterCounts: ClosedRange<Int> = 2...10,
                    report: Bool = true, lockTimeout: TimeInterval = 600) {
            self.project = project
            self.export = export
            self.user = user
            self.seed = seed
            self.clusterCounts = clusterCounts
            self.report = report
            self.lockTimeout = lockTimeout
        }
    }

    /// The steps, in order.
    public enum Step: String, Codable, Sendable, CaseIterable {
        case validate, retrain, refresh, report
    }

    /// Runs the month; `progress` gets a short line per step and within steps.
    public static func run(_ configuration: Configuration, progress: (String) -> Void = { _ in }) throws -> MonthSummary {
        let project = try Project(directory: configuration.project)
        var meter = StepMeter()
        var timings: [MonthSummary.Timing] = []
        func step<T>(_ step: Step, _ body: () throws -> T) throws -> T {
            progress(step.rawValue)
            // What the steps before freed goes back to the system before this one allocates: glibc would keep
            // it for this step's arrays, which rarely fit its holes, and the month's peak would be the sum.
            Heap.releaseFree()
            do {
                let value = try body()
                timings.append(meter.lap(step))
                return value
            } catch {
                throw MonthError(step: step, underlying: error)
            }
        }

        // The export is read and checked once, by the first step, and the steps after it take that read: retrain
        // works on it, and refresh and report take it as it is instead of loading the cache entry and checking it
        // again (2.6 s at 1M). It is the export a refresh would hold anyway, so the month's peak stays the same.
        var (source, fingerprint) = try step(.validate) { () throws -> (ExportSource.Loaded, String) in
            // Hashed by the read, beside it when the cache cannot hold the folder (a new export); without the
            // cache (`STRATA_EXPORT_CACHE=off`) after it.
            let folder = try project.exportFolder(configuration.export?.path)
            let loaded = try project.exportSource(folder, fingerprint: nil).read(storingCacheLater: true)
            return (loaded, try loaded.exportFingerprint ?? Fingerprint.of(folder: folder))
        }
        // A promoted churn model's scores of the patients on file at its feature date, which training computed
        // for the drift reference, are the report's churn curves when the refresh's date is the training's.
        var churnScores: ChurnScoresOnFile?
        // The cluster model's features of every patient as of the export's last day, which discovery computed,
        // are what the refresh (of that day) assigns clusters from.
        var clusterFeatures: ClusterFeaturesOnFile?
        let retrain = try step(.retrain) {
            var retrain = RetrainRun.Configuration(project: project.directory, export: source.folder, user: configuration.user,
                                                   seed: configuration.seed, discoveringFirstClusters: true,
                                                   clusterCounts: configuration.clusterCounts)
            retrain.keepsClusterFeatures = true
            return try RetrainRun.run(retrain, project: project, source: source, fingerprint: fingerprint, progress: progress,
                                      churnScores: &churnScores, clusterFeatures: &clusterFeatures)
        }
        // A read from the files goes into the export cache, for the commands run after the month, on a thread of
        // its own during the refresh (2.6 s of writing at 1M, streamed through a small buffer): most of the
        // refresh is SQLite on one core, where retrain keeps both busy. Every way out of here waits for it.
        let storing = Started { [pending = source.unstoredCacheEntry] in
            guard var entry = pending else { return [String]() }
            return project.storeExport(&entry)
        }
        defer { _ = try? storing.value() }
        source.unstoredCacheEntry = nil
        let folder = source.folder
        // Refresh and report take the validation's fingerprint and read: what they work on is what was hashed.
        // The report also takes each segment's members as the refresh recorded them (2.1 million ids at 1M,
        // 1.2 s to read back from the store).
        var members: [String: [String]]? = [:]
        var histories: [String: [SegmentHistoryEntry]]?
        let (refresh, store) = try step(.refresh) { () throws -> (RefreshSummary, SegmentStore) in
            // The refresh's write-ahead log is copied into the store's file beside the report rather than by the
            // refresh's commit (400 MB and 1.2 s for a new store's first run at 1M), through this connection:
            // held open across the refresh, it keeps the refresh's closing from being the last, which would copy it.
            let store = try SegmentStore(path: project.storeURL.path)
            // The segments' history so far, read beside the refresh: with the refresh's counts it is the report's,
            // which counting the store's rows after the run made the report wait for (0.8 s at 1M).
            let historiesBefore = Started { [store, names = project.segments.definitions.map(\.name)] in
                try store.histories(of: names)
            }
            defer { _ = try? historiesBefore.value() }
            var refresh = RefreshRun.Configuration(project: project.directory, export: folder, user: configuration.user,
                                                   lockTimeout: configuration.lockTimeout)
            refresh.exportFingerprint = fingerprint
            refresh.checked = Refresh.CheckedExport(result: source.result, checks: source.checks)
            refresh.checkpointsAfterCommits = false
            refresh.clusterFeatures = clusterFeatures
            let summary = try RefreshRun.run(refresh, progress: progress, keepingMembers: &members)
            histories = (try? historiesBefore.value()).flatMap {
                ReportRun.histories(after: summary.run, asOf: summary.runAsOf, segments: summary.segments, before: $0)
            }
            // The cache's warnings from storing follow its warnings from reading, as when the read stores itself.
            source.cacheWarnings += try storing.value()
            return (summary, store)
        }
        // A checkpoint that fails changes nothing: the log keeps the runs, and closing the store copies it.
        let checkpointing = Started { [store] in try? store.checkpoint() }
        defer { _ = try? checkpointing.value() }
        let report = configuration.report
            ? try step(.report) {
                var report = ReportRun.Configuration(project: project.directory, run: refresh.run, user: configuration.user)
                report.hashedExport = (folder, fingerprint)
                report.loadedExport = source
                report.churnScoresOnFile = churnScores
                report.membersAfterRun = members
                report.historiesAfterRun = histories
                return try ReportRun.run(report)
            }
            : nil
        return MonthSummary(export: folder.lastPathComponent, steps: timings, retrain: retrain, refresh: refresh,
                            report: report, warnings: source.warnings)
    }

    /// Wall and CPU seconds since the previous lap, and the process's peak resident memory so far.
    struct StepMeter {
        private var stopwatch = Stopwatch()

        mutating func lap(_ step: Step) -> MonthSummary.Timing {
            let (seconds, cpuSeconds) = stopwatch.lap()
            return MonthSummary.Timing(step: step, seconds: seconds, cpuSeconds: cpuSeconds, peakBytes: Self.peakResidentBytes())
        }

        /// The process's resident high-water mark (`VmHWM` of `/proc/self/status`), nil where there is none.
        static func peakResidentBytes() -> Int64? { DiscoveryTimings.statusKilobytes("VmHWM:").map { $0 * 1024 } }
    }
}

/// A step of `strata month` failed; the steps before it are done.
public struct MonthError: Error, ParameterNaming {
    public var step: MonthRun.Step
    public var underlying: any Error

    public func description(naming name: (String) -> String) -> String {
        let reason = (underlying as? any ParameterNaming)?.description(naming: name) ?? "\(underlying)"
        let done = MonthRun.Step.allCases.prefix { $0 != step }.map(\.rawValue)
        return "month stopped at step \(step.rawValue): \(reason)"
            + (done.isEmpty ? "" : " (done before it: \(done.joined(separator: ", ")))")
    }
}

/// `strata month --json`; ``table`` is what people read.
public struct MonthSummary: Codable, Sendable, Equatable {
    /// One step's cost: wall and CPU seconds, and the process's peak resident memory once it ended.
    public struct Timing: Codable, Sendable, Equatable {
        public var step: MonthRun.Step
        public var seconds: Double
        public var cpuSeconds: Double
        public var peakBytes: Int64?

        enum CodingKeys: String, CodingKey { case step, seconds, cpuSeconds = "cpu_seconds", peakBytes = "peak_bytes" }
    }

    public var export: String
    public var steps: [Timing]
    public var retrain: RetrainSummary
    public var refresh: RefreshSummary
    public var report: ReportSummary?
    /// The export's warnings (cache, values kept, checks), once; each step's own are in its summary.
    public var warnings: [String]

    /// The retrain table, the segment table, the report's place and the steps' times.
    public var table: String {
        var lines = ["month on \(export)", "", retrain.table, "", refresh.table]
        if let report { lines += ["", "report of run \(report.run) written to \(report.html)"] }
        lines += ["", "step        seconds      cpu  peak MB"]
        for timing in steps {
            let peak = timing.peakBytes.map { String(Int(($0 + 524_288) / 1_048_576)) } ?? "-"
            lines.append(timing.step.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                         + String(format: "%9.2f%9.2f", timing.seconds, timing.cpuSeconds)
                         + String(repeating: " ", count: max(1, 9 - peak.count)) + peak)
        }
        return lines.joined(separator: "\n")
    }
}
