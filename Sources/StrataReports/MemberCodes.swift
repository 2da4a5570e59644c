import Foundation
import StrataData

/// Segment members as small integers, so that overlaps are counted with arrays instead of sets of strings
/// (a million memberships per run): a patient on file is their row in the export; a patient who is not
/// (removed since a previous run, or every patient when the export was not found) gets a number past the rows.
struct MemberCodes {
    private let export: ClinicExport?
    private var absent: [String: Int] = [:]
    /// One more than the largest code handed out.
    private(set) var count: Int
    /// Codes below this are rows of the export.
    let rows: Int

    init(_ export: ClinicExport?) {
        self.export = export
        rows = export?.patients.count ?? 0
        count = rows
    }

    /// The code of each id, in order. The ids are looked up in the export on every core (a million members
    /// per segment and run made this lookup the report's longest single-threaded step); the codes of absent
    /// ids are then handed out in order, so the result does not depend on the split.
    mutating func codes(_ ids: [String]) -> [Int] {
        var found = [Int?](repeating: nil, count: ids.count)
        if let patients = export?.patients.ids, !ids.isEmpty {
            let parts = ids.count < 50_000 ? 1 : 4 * ProcessInfo.processInfo.activeProcessorCount
            let size = (ids.count + parts - 1) / parts
            let results = PartResults(count: parts)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = min(part * size, ids.count)..<min((part + 1) * size, ids.count)
                results.set(part, range.map { patients.index(of: ids[$0]) })
            }
            found = results.all.flatMap { $0 }
        }
        return zip(ids, found).map { id, row in
            if let row { return row }
            if let code = absent[id] { return code }
            absent[id] = count
            count += 1
            return count - 1
        }
    }

    /// Rows found by each part of the ids, each slot written once by its own thread.
    private final class PartResults: @unchecked Sendable {
        private var results: [[Int?]]
        private let lock = NSLock()

        init(count: Int) { results = Array(repeating: [], count: count) }

        func set(_ part: Int, _ rows: [Int?]) { lock.withLock { results[part] = rows } }

        var all: [[Int?]] { lock.withLock { results } }
    }
}
