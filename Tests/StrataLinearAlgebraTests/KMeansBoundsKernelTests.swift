@testable import StrataLinearAlgebra
import Testing

/// The bounded assignment pass against the fused pass it replays: over passes with moving centers, the same
/// labels, changed-label counts, sums and weights, bit for bit, on the vector and the portable path, with
/// and without weights and carried sums; and it does skip rows once the centers settle.
@Suite("k-means bounded assignment")
struct KMeansBoundsKernelTests {
    /// Overlapping blobs, so labels keep changing while the centers drift.
    static func data<S: BLASScalar>(_: S.Type, rows: Int, columns: Int, seed: UInt64) -> Matrix<S> {
        var generator = Xoshiro256StarStar(seed: seed)
        let means = (0..<(4 * columns)).map { _ in Double.random(in: -2...2, using: &generator) }
        let elements = (0..<(rows * columns)).map { index in
            S(means[(index / columns) % 4 * columns + index % columns] + Double.random(in: -1.5...1.5, using: &generator))
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }

    /// Centers that move less and less, pass by pass (the last two passes have the same centers).
    static func centers<S: BLASScalar>(_ x: Matrix<S>, clusters k: Int, pass: Int, passes: Int) -> Matrix<S> {
        let scale = pass >= passes - 2 ? 0 : 0.3 / Double(1 << pass)
        return Matrix(rows: k, columns: x.columns, elements: (0..<(k * x.columns)).map { index in
            x.elements[(index / x.columns) * 37 * x.columns + index % x.columns] + S(scale * (index % 2 == 0 ? 1 : -1))
        })
    }

    func boundedPassesMatchFusedPasses<S: BoundedKMeansScalar>(_: S.Type) {
        let x = Self.data(S.self, rows: 1500, columns: 7, seed: 3)
        var generator = Xoshiro256StarStar(seed: 8)
        let weights = (0..<x.rows).map { _ in S(Double.random(in: 0.5...3, using: &generator)) }
        for portable in [false, true] {
            for (weighted, changesOnly, workers) in [(false, false, 1), (true, true, 2), (true, false, 3), (false, true, 1)] {
                let rowWeights = weighted ? weights : nil
                let fusedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
                let boundedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
                let bounds = KMeansBounds(rows: x.rows)
                let passes = 8
                for pass in 0..<passes {
                    let centers = Self.centers(x, clusters: 9, pass: pass, passes: passes)
                    let sumsOnlyOfChanges = changesOnly && pass > 0
                    let fused = KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: rowWeights, labels: fusedLabels,
                                                           accumulateSums: true, sumChangesOnly: sumsOnlyOfChanges,
                                                           workers: workers, chunkRows: 100, portable: portable)
                    let bounded = KMeansKernels._boundedAssign(x, centers: centers, sampleWeights: rowWeights,
                                                               labels: boundedLabels, bounds: bounds, accumulateSums: true,
                                                               sumChangesOnly: sumsOnlyOfChanges, workers: workers,
                                                               chunkRows: 100, portable: portable)
                    let context = "portable \(portable) weighted \(weighted) changes \(changesOnly) workers \(workers) pass \(pass)"
                    #expect(boundedLabels.toArray() == fusedLabels.toArray(), "\(context)")
                    #expect(bounded.changedLabels == fused.changedLabels, "\(context)")
                    // Bit for bit: the same Float chunk sums folded at the same rows, the same Double moves.
                    #expect(bounded.weightedSums == fused.weightedSums, "\(context)")
                    #expect(bounded.clusterWeights == fused.clusterWeights, "\(context)")
                    if pass == 0 { #expect(bounds.computedRows == x.rows, "\(context): a first pass computes every row") }
                    if pass == passes - 1 {
                        // Centers that stopped moving leave every gap as it was: only rows within the rounding
                        // margin of a tie are computed again.
                        #expect(bounds.computedRows < x.rows / 10, "\(context): \(bounds.computedRows) rows computed")
                    }
                }
            }
        }
    }

    /// Every stored gap is a lower bound on the true one (distance to the second-nearest center minus distance
    /// to the labelled one, in Double from the same centers), after computed and after skipped rows alike: the
    /// rounding margin is what makes the gaps of computed rows safe (without it they exceed the true gap by the
    /// rounding of ‖c‖² − 2x·c).
    func gapsAreLowerBounds<S: BoundedKMeansScalar>(_: S.Type) {
        let x = Self.data(S.self, rows: 1200, columns: 7, seed: 5)
        for portable in [false, true] {
            let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            let bounds = KMeansBounds(rows: x.rows)
            for pass in 0..<4 {
                let centers = Self.centers(x, clusters: 9, pass: pass, passes: 4)
                _ = KMeansKernels._boundedAssign(x, centers: centers, sampleWeights: nil, labels: labels, bounds: bounds,
                                                 accumulateSums: false, sumChangesOnly: false, workers: 2, chunkRows: 100,
                                                 portable: portable)
                var violations = 0
                for i in 0..<x.rows {
                    let distances = (0..<centers.rows).map { c in
                        (0..<x.columns).reduce(0.0) { sum, j in
                            let difference = Double(x[i, j]) - Double(centers[c, j])
                            return sum + difference * difference
                        }.squareRoot()
                    }
                    let label = Int(labels[i])
                    let second = distances.indices.filter { $0 != label }.map { distances[$0] }.min()!
                    if Double(bounds.gaps[i]) > second - distances[label] + 1e-12 * second { violations += 1 }
                }
                #expect(violations == 0, "portable \(portable) pass \(pass): \(violations) gaps above the true gap")
            }
        }
    }

    @Test func floatGapsAreLowerBounds() { gapsAreLowerBounds(Float.self) }
    @Test func doubleGapsAreLowerBounds() { gapsAreLowerBounds(Double.self) }

    @Test func floatBoundedPassesMatchFusedPasses() { boundedPassesMatchFusedPasses(Float.self) }
    @Test func doubleBoundedPassesMatchFusedPasses() { boundedPassesMatchFusedPasses(Double.self) }

    /// Rows exactly halfway between two centers, and duplicated rows: the values tie (or nearly, after
    /// rounding), so every such row must be computed and get the lower index, as in the fused pass.
    func tiesGoToTheSameCenter<S: BoundedKMeansScalar>(_: S.Type) {
        // Integer rows in {0, 1, 2}³, each twice; centers at 0.5 and 1.5 steps, so many rows are equidistant.
        var elements: [S] = []
        for value in 0..<27 { for _ in 0..<2 { elements += [S(value % 3), S(value / 3 % 3), S(value / 9)] } }
        let x = Matrix(rows: 54, columns: 3, elements: elements)
        let centers = Matrix<S>(rows: 4, columns: 3, elements: [0.5, 0.5, 0.5, 1.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5])
        for portable in [false, true] {
            let fusedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            let boundedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: x.rows)
            let bounds = KMeansBounds(rows: x.rows)
            for _ in 0..<3 {  // the same centers again: the tied rows have gaps of zero, so they are computed again
                _ = KMeansKernels._fusedAssign(x, centers: centers, sampleWeights: nil, labels: fusedLabels,
                                               accumulateSums: false, workers: 1, chunkRows: 512, portable: portable)
                _ = KMeansKernels._boundedAssign(x, centers: centers, sampleWeights: nil, labels: boundedLabels, bounds: bounds,
                                                 accumulateSums: false, sumChangesOnly: false, workers: 1, chunkRows: 512,
                                                 portable: portable)
                #expect(boundedLabels.toArray() == fusedLabels.toArray(), "portable \(portable)")
            }
            // Row (1, 1, 1) (index 13 · 2) is equidistant from all four centers: the first one wins.
            #expect(boundedLabels[26] == 0)
            #expect(bounds.computedRows > 0 && bounds.computedRows < x.rows, "portable \(portable): \(bounds.computedRows)")
        }
    }

    @Test func floatTiesGoToTheSameCenter() { tiesGoToTheSameCenter(Float.self) }
    @Test func doubleTiesGoToTheSameCenter() { tiesGoToTheSameCenter(Double.self) }
}
