import StrataLinearAlgebra
import StrataModels
import Testing

@Suite("minimum-cost assignment (Hungarian algorithm)")
struct MinimumCostAssignmentTests {
    /// The least total cost over every injective pairing of the smaller side into the larger, by enumeration.
    static func bruteForce(_ cost: [[Double]]) -> Double {
        let rows = cost.count, columns = cost[0].count
        func best(_ row: Int, _ used: Set<Int>) -> Double {
            guard row < rows else { return 0 }
            // More rows than columns: a row may also stay unassigned, if enough rows remain to fill the columns.
            var result = Double.infinity
            if rows - row > columns - used.count { result = best(row + 1, used) }
            for column in 0..<columns where !used.contains(column) {
                result = min(result, cost[row][column] + best(row + 1, used.union([column])))
            }
            return result
        }
        return best(0, [])
    }

    @Test func aHandWorkedMatrix() {
        // Rows 0, 1, 2 → columns 1, 0, 2 costs 1 + 2 + 2 = 5; every other permutation costs more
        // (e.g. the diagonal 4 + 5 + 2 = 11, or 0→1, 1→2, 2→0: 1 + 6 + 3 = 10).
        let cost: [[Double]] = [[4, 1, 3], [2, 5, 6], [3, 2, 2]]
        let assignment = MinimumCostAssignment.solve(cost)
        #expect(assignment == [1, 0, 2])
        #expect(MinimumCostAssignment.totalCost(cost, assignment: assignment) == 5)
    }

    @Test func matchesBruteForceOnRandomSquareAndRectangularMatrices() {
        var generator = Xoshiro256StarStar(seed: 15)
        for trial in 0..<300 {
            let rows = 1 + trial % 6, columns = 1 + (trial / 6) % 6
            // Integer costs make ties common, which is where a wrong potential update shows.
            let cost = (0..<rows).map { _ in (0..<columns).map { _ in Double(Int.random(in: 0...9, using: &generator)) } }
            let assignment = MinimumCostAssignment.solve(cost)
            let assigned = assignment.compactMap { $0 }
            #expect(assignment.count == rows)
            #expect(assigned.count == min(rows, columns), "every row of the smaller side is paired")
            #expect(Set(assigned).count == assigned.count, "no column twice")
            #expect(MinimumCostAssignment.totalCost(cost, assignment: assignment) == Self.bruteForce(cost),
                    "\(rows)x\(columns) trial \(trial)")
        }
    }

    @Test func emptyMatrixGivesNoPairs() {
        #expect(MinimumCostAssignment.solve([]).isEmpty)
        #expect(MinimumCostAssignment.solve([[], []]) == [nil, nil])
    }
}

@Suite("matching refit clusters to the previous model")
struct ClusterMatchingTests {
    @Test func permutedCentersKeepTheirIDsAndAnExtraClusterGetsANewOne() {
        let previous: [[Double]] = [[0, 0], [10, 0], [0, 10]]
        // The refit found the same three in another order, slightly moved, and a fourth far from all of them.
        let refit: [[Double]] = [[0.2, 9.9], [10, 10], [0.1, -0.1], [9.8, 0.3]]
        // Rows: previous label → refit label. Previous cluster 0 (id 7): 3 rows, one of them now in the new cluster.
        let previousLabels = [0, 0, 0, 1, 1, 2, 2]
        let refitLabels = [2, 2, 1, 3, 3, 0, 0]
        let (ids, report) = ClusterMatching.match(previousCenters: previous, previousIDs: [7, 3, 5], newCenters: refit,
                                                  previousLabels: previousLabels, newLabels: refitLabels, nextID: 9)
        #expect(ids == [5, 9, 7, 3])
        #expect(report.newIDs == [9] && report.retiredIDs.isEmpty)
        let seven = try! #require(report.matches.first { $0.id == 7 })
        #expect(seven.cluster == 2 && seven.previousCluster == 0)
        #expect(abs(seven.keptShare - 2.0 / 3) < 1e-12)
        #expect(abs(seven.distance - (0.01 + 0.01).squareRoot()) < 1e-12)
        // 6 of 7 rows keep their id.
        #expect(abs(report.keptShare - 6.0 / 7) < 1e-12)
    }

    @Test func aVanishedClusterIsRetiredAndOneThatMovedIntoANeighboursPlaceIsNew() {
        let previous: [[Double]] = [[0, 0], [4, 0], [0, 8]]
        // Two refit clusters: one at previous 0, one at (1.5, 0). The assignment pairs the second with previous 1
        // (0.1 + 2.5 = 2.6 beats 1.5 + 4.001), but 2.5 is more than half the 4 between previous 0 and 1: the
        // cluster sits in previous 0's half, so it is new, and previous 1 and 2 are retired.
        let refit: [[Double]] = [[0, 0.1], [1.5, 0]]
        let (ids, report) = ClusterMatching.match(previousCenters: previous, previousIDs: [0, 1, 2], newCenters: refit,
                                                  previousLabels: [0, 1, 2], newLabels: [0, 1, 1], nextID: 3)
        #expect(ids == [0, 3])
        #expect(report.retiredIDs == [1, 2])
        #expect(report.matches.map(\.id) == [0])
    }
}
