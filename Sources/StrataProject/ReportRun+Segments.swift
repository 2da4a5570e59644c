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
    /// recorded them (ids in byte order, by segment), taken instead of reading them back.
    static func segmentSnapshots(_ project: Project, store: SegmentStore, run: RunRecord, previous: RunRecord?,
                                 membersAfterRun: [String: [String]]? = nil) throws -> [SegmentSnapshot] {
        var segments: [SegmentSnapshot] = []
        for definition in project.segments.definitions {
            let history: [SegmentHistoryEntry]
            do { history = try store.history(of: definition.name) } catch StoreError.unknownSegment { continue }
            guard history.contains(where: { $0.run == run.id }) else { continue }
            segments.append(SegmentSnapshot(
                name: definition.name, purpose: definition.purpose, channels: definition.channels,
                history: history.filter { $0.run <= run.id },
                members: try membersAfterRun?[definition.name] ?? store.members(of: definition.name, after: run.id),
                previousMembers: try previous.map { try store.members(of: definition.name, after: $0.id) }))
        }
        return segments
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
