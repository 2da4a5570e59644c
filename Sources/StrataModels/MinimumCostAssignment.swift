/// Minimum-cost assignment of rows to columns (the Hungarian algorithm).
///
/// Given an `r×c` cost matrix, finds the one-to-one pairing of `min(r, c)` rows with distinct columns whose
/// total cost is least. This is the Kuhn–Munkres method in its shortest-augmenting-path form with row and
/// column potentials `u`, `v`: the reduced costs `cost[i][j] − u[i] − v[j]` stay ≥ 0 and are 0 on the
/// assigned pairs, which proves the assignment optimal (linear-programming duality).
public enum MinimumCostAssignment {
    /// The column assigned to each row: every row gets one when `r <= c`; when `r > c`, `c` rows get one and
    /// the others nil.
    /// - Parameter cost: `r` rows of `c` finite costs each (an empty matrix gives an empty answer).
    /// - Precondition: every row has the same length and every cost is finite (the caller's distances).
    /// - Complexity: O(min(r, c)² · max(r, c)).
    public static func solve(_ cost: [[Double]]) -> [Int?] {
        let rows = cost.count
        guard rows > 0, let columns = cost.first?.count, columns > 0 else { return Array(repeating: nil, count: rows) }
        precondition(cost.allSatisfy { $0.count == columns && $0.allSatisfy(\.isFinite) },
                     "MinimumCostAssignment.solve: a ragged or non-finite cost matrix")
        if rows <= columns { return assignRows(cost, rows: rows, columns: columns) }
        // More rows than columns: assign the columns of the transpose, then read the pairs back.
        let transposed = (0..<columns).map { j in (0..<rows).map { i in cost[i][j] } }
        var assignment = [Int?](repeating: nil, count: rows)
        for (column, row) in assignRows(transposed, rows: columns, columns: rows).enumerated() {
            if let row { assignment[row] = column }
        }
        return assignment
    }

    /// The total cost of an assignment from ``solve(_:)``.
    public static func totalCost(_ cost: [[Double]], assignment: [Int?]) -> Double {
        assignment.enumerated().reduce(0) { total, pair in pair.element.map { total + cost[pair.offset][$0] } ?? total }
    }

    /// Every row assigned (`rows <= columns`): rows are added one at a time, each by a shortest augmenting
    /// path (Dijkstra on reduced costs) from the new row to a free column. Index 0 is a virtual column.
    private static func assignRows(_ cost: [[Double]], rows: Int, columns: Int) -> [Int?] {
        var u = [Double](repeating: 0, count: rows + 1), v = [Double](repeating: 0, count: columns + 1)
        // rowOf[j]: the row (1-based, 0 = none) holding column j; way[j]: the previous column on the path.
        var rowOf = [Int](repeating: 0, count: columns + 1), way = [Int](repeating: 0, count: columns + 1)
        for row in 1...rows {
            rowOf[0] = row
            var column = 0
            var minimum = [Double](repeating: .infinity, count: columns + 1)
            var visited = [Bool](repeating: false, count: columns + 1)
            repeat {
                visited[column] = true
                let current = rowOf[column]
                var delta = Double.infinity, next = 0
                for j in 1...columns where !visited[j] {
                    let reduced = cost[current - 1][j - 1] - u[current] - v[j]
                    if reduced < minimum[j] { minimum[j] = reduced; way[j] = column }
                    if minimum[j] < delta { delta = minimum[j]; next = j }
                }
                for j in 0...columns {
                    if visited[j] { u[rowOf[j]] += delta; v[j] -= delta } else { minimum[j] -= delta }
                }
                column = next
            } while rowOf[column] != 0
            // Flip the path: each column on it takes the row of the column before it.
            repeat {
                let previous = way[column]
                rowOf[column] = rowOf[previous]
                column = previous
            } while column != 0
        }
        var assignment = [Int?](repeating: nil, count: rows)
        for j in 1...columns where rowOf[j] != 0 { assignment[rowOf[j] - 1] = j - 1 }
        return assignment
    }
}
