/// Small-cell suppression: which counts a report may show.
///
/// Every figure is a *cell* with the number of patients behind it. A cell from 1 to `minCellSize − 1`
/// patients is suppressed (primary suppression; a count of zero is shown). Cells tied by a sum that the
/// report shows, `total = part₁ + part₂ + …` (members = stayed + entered; patients = reachable + not
/// reachable), must not let a suppressed cell be recomputed: whenever exactly one cell of a sum is
/// suppressed, the smallest other cell of that sum is suppressed too (complementary suppression), until no
/// sum has exactly one. A cell that is never shown but whose value follows from shown ones (the patients
/// *not* reachable) is declared like any other, so that it is protected when it is small.
public struct SuppressionPlan: Sendable {
    public let minCellSize: Int
    private(set) var patients: [String: Int] = [:]
    private(set) var order: [String] = []
    private(set) var sums: [(total: String, parts: [String])] = []

    public init(minCellSize: Int) {
        self.minCellSize = minCellSize
    }

    /// Declares a cell computed from `patients` patients (declaring it again keeps the first count).
    public mutating func cell(_ id: String, patients count: Int) {
        if patients[id] == nil { order.append(id) }
        patients[id] = patients[id] ?? count
    }

    /// Declares that `total` is the sum of `parts` (all declared cells).
    public mutating func sum(_ total: String, of parts: [String]) {
        sums.append((total, parts))
    }

    /// Whether `count` patients are too few to show (1 to `minCellSize − 1`).
    public func isSmall(_ count: Int) -> Bool { count > 0 && count < minCellSize }

    /// The suppressed cells: the small ones, and as many more as the sums need.
    public func solve() -> Suppressed {
        var hidden = Set(order.filter { isSmall(patients[$0] ?? 0) })
        var changed = true
        while changed {
            changed = false
            for (total, parts) in sums {
                let cells = parts + [total]
                guard cells.filter(hidden.contains).count == 1 else { continue }
                // The smallest shown part (then the total): hiding it costs the least information.
                let candidates = cells.filter { !hidden.contains($0) }
                guard let next = candidates.min(by: { (patients[$0] ?? 0, $0 == total ? 1 : 0) < (patients[$1] ?? 0, $1 == total ? 1 : 0) })
                else { continue }
                hidden.insert(next)
                changed = true
            }
        }
        return Suppressed(cells: hidden, minCellSize: minCellSize)
    }

    /// Every declared sum with its cells, for checks.
    public var declaredSums: [(total: String, parts: [String])] { sums }
}

/// The outcome of a ``SuppressionPlan``: which cells are hidden, and their text.
public struct Suppressed: Sendable {
    public let cells: Set<String>
    public let minCellSize: Int

    /// The text shown instead of a suppressed value.
    public var mark: String { "<\(minCellSize)" }

    public func contains(_ id: String) -> Bool { cells.contains(id) }
}
