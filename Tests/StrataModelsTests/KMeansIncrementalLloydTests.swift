import Foundation
@testable import StrataModels
import StrataLinearAlgebra
import Testing

/// Lloyd steps that carry the cluster sums over (moving only rows whose label changed) against steps that
/// recompute them, including steps that relocate an empty cluster, for Float and Double and 1–3 workers.
@Suite("k-means incremental Lloyd steps")
struct KMeansIncrementalLloydTests {
    /// Weighted overlapping blobs, and initial centers of which the last lies far from every row, so the
    /// first step leaves it empty and relocates it.
    static func problem<S: BLASScalar>(_: S.Type, workers: Int) -> (KMeansProblem<S>, Matrix<S>) {
        let (x, _) = KMeansTestData.blobs(S.self, rows: 900, columns: 6, clusters: 5, separation: 3, seed: 19)
        var generator = Xoshiro256StarStar(seed: 5)
        let weights = (0..<x.rows).map { _ in S(Double.random(in: 0.25...2, using: &generator)) }
        var elements = (0..<5).flatMap { x.row($0 * 7) }
        elements += Array(repeating: S(500), count: x.columns)
        return (KMeansProblem(x: x, sampleWeights: weights, workers: workers),
                Matrix(rows: 6, columns: x.columns, elements: elements))
    }

    func carriedStepsMatchFullSteps<S: BLASScalar>(_: S.Type) {
        for workers in 1...3 {
            let (problem, initial) = Self.problem(S.self, workers: workers)
            let carriedLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: problem.x.rows)
            let fullLabels = DisjointWriteBuffer<Int32>(repeating: -1, count: problem.x.rows)
            var (carriedCenters, fullCenters) = (initial, initial)
            var carried: KMeansCarriedTotals? = nil
            var relocations = 0
            for iteration in 0..<10 {
                var fresh: KMeansCarriedTotals? = nil
                let a = problem.step(from: carriedCenters, labels: carriedLabels, emptyClusterPolicy: .relocateFarthestPoints,
                                     carried: &carried)
                let b = problem.step(from: fullCenters, labels: fullLabels, emptyClusterPolicy: .relocateFarthestPoints,
                                     carried: &fresh)
                relocations += a.relocatedRows.count
                #expect(carriedLabels.toArray() == fullLabels.toArray(), "workers \(workers) iteration \(iteration)")
                #expect(a.changedLabels == b.changedLabels && a.relocatedRows == b.relocatedRows)
                #expect(abs(a.inertiaBeforeUpdate - b.inertiaBeforeUpdate) <= 1e-9 * b.inertiaBeforeUpdate)
                // The carried totals are those of the labels buffer, not of the relocation step's copy.
                for (sum, reference) in zip(carried!.weightedSums + carried!.clusterWeights,
                                            fresh!.weightedSums + fresh!.clusterWeights) {
                    #expect(abs(sum - reference) <= 1e-4 * Swift.max(1, abs(reference)),
                            "workers \(workers) iteration \(iteration): \(sum) vs \(reference)")
                }
                let tolerance = S.self == Float.self ? 1e-5 : 1e-12
                for (p, q) in zip(a.centers.elements, b.centers.elements) {
                    #expect(abs(Double(p) - Double(q)) <= tolerance * Swift.max(1, abs(Double(q))),
                            "workers \(workers) iteration \(iteration): center \(p) vs \(q)")
                }
                // Carry on from the same centers, so any difference seen is one step's, not compounded.
                (carriedCenters, fullCenters) = (b.centers, b.centers)
            }
            #expect(relocations >= 1, "the far initial center should have been relocated")
        }
    }

    @Test func floatCarriedStepsMatchFullSteps() { carriedStepsMatchFullSteps(Float.self) }
    @Test func doubleCarriedStepsMatchFullSteps() { carriedStepsMatchFullSteps(Double.self) }

    /// Whole runs: carried, full and automatic sums give the same labels, iterations and inertia; the same
    /// run twice with the same worker count gives bit-identical centers and inertia.
    func runsAgree<S: BLASScalar>(_: S.Type) {
        for workers in 1...3 {
            let (problem, initial) = Self.problem(S.self, workers: workers)
            let runs = [KMeansSumUpdate.incremental, .full, .automatic, .incremental].map { update in
                problem.lloyd(from: initial, maxIterations: 40, tolerance: 0, emptyClusterPolicy: .relocateFarthestPoints,
                              sumUpdate: update)
            }
            let slack = S.self == Float.self ? 1e-5 : 1e-12
            for run in runs[1...] {
                #expect(run.labels == runs[0].labels, "workers \(workers)")
                #expect(run.iterations == runs[0].iterations)
                #expect(abs(run.inertia - runs[0].inertia) <= slack * runs[0].inertia)
                // Inertia never rises from one step to the next (up to rounding).
                for (before, after) in zip(run.inertiaHistory, run.inertiaHistory.dropFirst()) {
                    #expect(after <= before * (1 + slack))
                }
            }
            #expect(runs[3].centers.elements == runs[0].centers.elements)
            #expect(runs[3].inertia == runs[0].inertia)
        }
    }

    @Test func floatRunsAgree() { runsAgree(Float.self) }
    @Test func doubleRunsAgree() { runsAgree(Double.self) }

    /// A cluster that loses all its rows in carried steps has weight and sums of exactly 0, not a rounding
    /// residue (which would pass for a cluster and put its center at residue ÷ residue), so it is kept or
    /// relocated as an empty one.
    func emptiedInCarriedSteps<S: BLASScalar>(_: S.Type, policy: KMeansEmptyClusterPolicy) {
        // Row 0 weighs 1 + 2⁻²³ and row 1 2³⁰: their sum rounds off the 2⁻²³ in Double, so taking row 1 and
        // then row 0 out of it leaves −2⁻²³.
        let x = Matrix<S>(rows: 4, columns: 1, elements: [0, 1, 10, 20])
        let weights: [S] = [S(1.0000001192092896), S(1 << 30), 1, 1]
        let problem = KMeansProblem(x: x, sampleWeights: weights, workers: 1)
        let labels = DisjointWriteBuffer<Int32>(repeating: -1, count: 4)
        var carried: KMeansCarriedTotals? = nil
        func step(_ centers: [S]) -> KMeansLloydStep<S> {
            problem.step(from: Matrix(rows: 3, columns: 1, elements: centers), labels: labels, emptyClusterPolicy: policy,
                         carried: &carried)
        }
        _ = step([0.5, 10, 20])
        #expect(labels.toArray() == [0, 0, 1, 2])
        _ = step([0, 1, 20])  // row 1 leaves cluster 0, carried
        #expect(labels.toArray() == [0, 1, 1, 2])
        let last = step([-50, 1, 20])  // row 0 leaves too
        #expect(labels.toArray() == [1, 1, 1, 2])
        #expect(last.emptyClusters == [0])
        #expect(carried!.clusterWeights[0] == 0 && carried!.weightedSums[0] == 0)
        switch policy {
        case .keepPreviousCenter: #expect(last.centers[0, 0] == -50)
        case .relocateFarthestPoints: #expect(last.relocatedRows.count == 1 && last.centers[0, 0] == x[last.relocatedRows[0], 0])
        }
    }

    @Test(arguments: [KMeansEmptyClusterPolicy.keepPreviousCenter, .relocateFarthestPoints])
    func clusterEmptiedInCarriedStepsHasNoWeight(_ policy: KMeansEmptyClusterPolicy) {
        emptiedInCarriedSteps(Float.self, policy: policy)
        emptiedInCarriedSteps(Double.self, policy: policy)
    }

    /// The automatic choice carries the sums only after steps that changed few labels.
    @Test func automaticCarriesSumsAfterFewChanges() {
        #expect(KMeansSumUpdate.automatic.carriesSums(afterChanging: 0, of: 100))
        #expect(KMeansSumUpdate.automatic.carriesSums(afterChanging: 25, of: 100))
        #expect(!KMeansSumUpdate.automatic.carriesSums(afterChanging: 26, of: 100))
        #expect(!KMeansSumUpdate.full.carriesSums(afterChanging: 0, of: 100))
        #expect(KMeansSumUpdate.incremental.carriesSums(afterChanging: 100, of: 100))
    }
}
