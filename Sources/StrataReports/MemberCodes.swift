import Foundation
import StrataData
import StrataLinearAlgebra

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
    ///
    /// - Parameter known: ids already coded (`codes` of this value), sorted as `ids` is: byte order, as the
    ///   store lists members. An id of `ids` found there by walking the two lists side by side takes its code
    ///   without a lookup (a segment's members after the previous run are mostly its members now); the others
    ///   are looked up. Lists out of that order only find fewer ids this way: the codes are the same.
    mutating func codes(_ ids: [String], known: (ids: [String], codes: [Int])? = nil) -> [Int] {
        var found = [Int?](repeating: nil, count: ids.count)
        if let known, !known.ids.isEmpty {
            var k = 0
            for (index, id) in ids.enumerated() {
                while k < known.ids.count && Self.precedes(known.ids[k], id) { k += 1 }
                // Bytes, not `==` (canonical equivalence): the export matches ids byte for byte.
                if k < known.ids.count && known.ids[k].utf8.elementsEqual(id.utf8) { found[index] = known.codes[k] }
            }
        }
        if let patients = export?.patients.ids, !ids.isEmpty {
            let parts = ids.count < 50_000 ? 1 : 4 * Parallel.processorCount
            let known = found
            found = Parallel.map(rangesOf: ids.count, workers: parts) { range in
                range.map { known[$0] ?? patients.index(of: ids[$0]) }
            }.flatMap { $0 }
        }
        return zip(ids, found).map { id, row in
            if let row { return row }
            if let code = absent[id] { return code }
            absent[id] = count
            count += 1
            return count - 1
        }
    }

    /// Whether `a` comes before `b` in byte order (SQLite's BINARY collation, the order of the store's lists).
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
