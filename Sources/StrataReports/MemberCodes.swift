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

    /// The code of each id, in order.
    mutating func codes(_ ids: [String]) -> [Int] {
        ids.map { id in
            if let row = export?.patients.ids.index(of: id) { return row }
            if let code = absent[id] { return code }
            absent[id] = count
            count += 1
            return count - 1
        }
    }
}
