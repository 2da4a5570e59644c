import Foundation
import StrataLinearAlgebra
import StrataReports
import StrataSegments

/// The segments section's inputs from the store, read on a thread of their own beside the export's load: the
/// two touch nothing in common, and on a million patients each takes seconds (the store's memberships are
/// strings, one row per member and run).
extension ReportRun {
    /// Each segment of the project's catalog that the store evaluated in `run`: its history up to the run, its
    /// members after the run and after `previous`. `membersAfterRun` are the members after `run` as its refresh
    /// recorded them (ids in byte order, by segment), taken instead of reading them back; `historiesAfterRun`
    /// likewise each segment's history (a segment without one was not evaluated).
    static func segmentSnapshots(_ project: Project, store: SegmentStore, run: RunRecord, previous: RunRecord?,
                                 membersAfterRun: [String: [String]]? = nil,
                                 historiesAfterRun: [String: [SegmentHistoryEntry]]? = nil) throws -> [SegmentSnapshot] {
        var segments: [SegmentSnapshot] = []
        for definition in project.segments.definitions {
            let history: [SegmentHistoryEntry]
            if let historiesAfterRun {
                guard let known = historiesAfterRun[definition.name] else { continue }
                history = known
            } else {
                do { history = try store.history(of: definition.name) } catch StoreError.unknownSegment { continue }
            }
            guard history.contains(where: { $0.run == run.id }) else { continue }
            segments.append(SegmentSnapshot(
                name: definition.name, purpose: definition.purpose, channels: definition.channels,
                history: history.filter { $0.run <= run.id },
                members: try membersAfterRun?[definition.name] ?? store.members(of: definition.name, after: run.id),
                previousMembers: try previous.map { try store.members(of: definition.name, after: $0.id) }))
        }
        return segments
    }

    /// Each evaluated segment's history (``SegmentStore/history(of:)``) after `run`, from the histories read
    /// before the refresh that made it and the refresh's own counts: `before`'s runs and histories then the
    /// run's entry, zeros before it for a segment new in it. `before` as it is when it already holds the run (read
    /// after its commit, or a refresh that changed nothing); nil when it misses a run before this one (another
    /// refresh committed in between), so that the report counts the store's rows.
    static func histories(after run: Int64, asOf: String, segments: [RefreshSummary.Segment],
                          before: (runs: [(id: Int64, asOf: String)], histories: [String: [SegmentHistoryEntry]]))
        -> [String: [SegmentHistoryEntry]]? {
        let latest = before.runs.last?.id ?? 0
        if latest >= run { return before.histories }
        // Run ids count up by one from 1 (the store never deletes a run).
        guard run == latest + 1 else { return nil }
        var histories: [String: [SegmentHistoryEntry]] = [:]
        for segment in segments {
            let earlier = before.histories[segment.name]
                ?? before.runs.map { SegmentHistoryEntry(run: $0.id, asOf: $0.asOf, members: 0, entered: 0, exited: 0) }
            histories[segment.name] = earlier + [SegmentHistoryEntry(run: run, asOf: asOf, members: segment.members,
                                                                     entered: segment.entered, exited: segment.exited)]
        }
        return histories
    }

    /// Runs `beside` on another thread while `here` runs on this one, and returns both results once both are
    /// done. The first error thrown (`here`'s when both throw) is rethrown after both have finished, so
    /// nothing is left running.
    static func sideBySide<Here, Beside: Sendable>(_ here: () throws -> Here, beside: @escaping @Sendable () throws -> Beside)
        throws -> (Here, Beside) {
        let other = Started(beside)
        let mine = Result { try here() }
        let theirs = Result { try other.value() }
        return (try mine.get(), try theirs.get())
    }
}
