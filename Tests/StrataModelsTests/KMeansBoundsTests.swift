import Foundation
@testable import StrataModels
import StrataLinearAlgebra
import Testing

/// Lloyd with bounds (``KMeansAlgorithm/hamerly``) against plain Lloyd: the same labels, centers, iterations,
/// convergence and inertia bit for bit, on random data (Float and Double, with and without sample weights,
/// 1–3 workers), with empty clusters under each policy, on integer data full of exact ties, and through the
/// public `fit` with k-means++ and several seeding runs. The scikit-learn goldens run both algorithms
/// (KMeansGoldenTests).
@Suite("k-means exact bounds")
struct KMeansBoundsTests {
    /// Two runs that must be the same bit for bit.
    static func expectIdentical<S: BLASScalar>(_ bounded: KMeansRun<S>, _ plain: KMeansRun<S>, _ context: String) {
        #expect(bounded.labels == plain.labels, "\(context)")
        #expect(bounded.iterations == plain.iterations, "\(context): \(bounded.iterations) vs \(plain.iterations)")
        #expect(bounded.converged == plain.converged, "\(context)")
        #expect(bounded.inertia == plain.inertia, "\(context): \(bounded.inertia) vs \(plain.inertia)")
        #expect(bounded.centers.elements == plain.centers.elements, "\(context)")
        // A bounded step's inertia comes from the cluster sums, a plain one's from each row's value
        // ‖c‖² − 2x·c in the working precision: equal up to that rounding, about (d + 2)·u relative (Float: 1e-5).
        #expect(bounded.inertiaHistory.count == plain.inertiaHistory.count)
        let slack = S.self == Float.self ? 1e-5 : 1e-9
        for (a, b) in zip(bounded.inertiaHistory, plain.inertiaHistory) {
            #expect(abs(a - b) <= slack * Swift.max(1, abs(b)), "\(context): step inertia \(a) vs \(b)")
        }
    }

    /// Overlapping blobs (many Lloyd steps, labels changing late) and `k` initial centers taken from the rows.
    static func problem<S: BLASScalar>(_: S.Type, weighted: Bool, workers: Int, seed: UInt64)
        -> (KMeansProblem<S>, Matrix<S>) {
        let (x, _) = KMeansTestData.blobs(S.self, rows: 1200, columns: 5, clusters: 6, separation: 1.5, seed: seed)
        var generator = Xoshiro256StarStar(seed: seed + 100)
        let weights = weighted ? (0..<x.rows).map { _ in S(Double.random(in: 0.1...4, using: &generator)) } : nil
        let initial = Matrix(rows: 8, columns: x.columns, elements: (0..<8).flatMap { x.row($0 * 131) })
        return (KMeansProblem(x: x, sampleWeights: weights, workers: workers), initial)
    }

    func randomDataRunsAreIdentical<S: BLASScalar>(_: S.Type) {
        for (weighted, workers, seed) in [(false, 1, UInt64(1)), (true, 2, 2), (true, 3, 3), (false, 2, 4)] {
            let (problem, initial) = Self.problem(S.self, weighted: weighted, workers: workers, seed: seed)
            for tolerance in [0, 1e-4 * problem.meanColumnVariance()] {
                let runs = [false, true].map { bounded in
                    problem.lloyd(from: initial, maxIterations: 100, tolerance: tolerance,
                                  emptyClusterPolicy: .relocateFarthestPoints, bounded: bounded)
                }
                let context = "\(S.self) weighted \(weighted) workers \(workers) tol \(tolerance)"
                Self.expectIdentical(runs[1], runs[0], context)
                #expect(runs[0].iterations >= 8, "\(context): the data should take several steps")
            }
        }
    }

    @Test func floatRandomDataRunsAreIdentical() { randomDataRunsAreIdentical(Float.self) }
    @Test func doubleRandomDataRunsAreIdentical() { randomDataRunsAreIdentical(Double.self) }

    /// A last initial center far from every row: the first step leaves it empty; relocation moves it onto a
    /// far row (a large jump of one center, which collapses every gap), keeping leaves it empty every step.
    func emptyClustersRunsAreIdentical<S: BLASScalar>(_: S.Type) {
        for policy in [KMeansEmptyClusterPolicy.relocateFarthestPoints, .keepPreviousCenter] {
            for (weighted, workers) in [(false, 1), (true, 2)] {
                let (problem, initial) = Self.problem(S.self, weighted: weighted, workers: workers, seed: 7)
                let far = Matrix(rows: initial.rows, columns: initial.columns,
                                 elements: Array(initial.elements.dropLast(initial.columns))
                                     + Array(repeating: S(400), count: initial.columns))
                let runs = [false, true].map { bounded in
                    problem.lloyd(from: far, maxIterations: 100, tolerance: 0, emptyClusterPolicy: policy, bounded: bounded)
                }
                let context = "\(S.self) \(policy) weighted \(weighted) workers \(workers)"
                Self.expectIdentical(runs[1], runs[0], context)
                let lastCluster = Int32(initial.rows - 1)
                if policy == .keepPreviousCenter {
                    #expect(!runs[1].labels.contains(lastCluster), "\(context): the far center stays empty")
                } else {
                    #expect(runs[1].labels.contains(lastCluster), "\(context): the far center was relocated")
                }
            }
        }
    }

    @Test func floatEmptyClustersRunsAreIdentical() { emptyClustersRunsAreIdentical(Float.self) }
    @Test func doubleEmptyClustersRunsAreIdentical() { emptyClustersRunsAreIdentical(Double.self) }

    /// Small integers, many rows repeated: exact ties between centers (first index wins) and centers that land
    /// on exact halves, the cases where a bound without a rounding margin would keep a wrong label.
    func integerDataRunsAreIdentical<S: BLASScalar>(_: S.Type) {
        var generator = Xoshiro256StarStar(seed: 11)
        let x = Matrix(rows: 800, columns: 4, elements: (0..<3200).map { _ in S(Int.random(in: 0...3, using: &generator)) })
        for workers in 1...2 {
            let problem = KMeansProblem(x: x, sampleWeights: nil, workers: workers)
            let initial = Matrix(rows: 7, columns: 4, elements: (0..<7).flatMap { x.row($0 * 50) })
            let runs = [false, true].map { bounded in
                problem.lloyd(from: initial, maxIterations: 100, tolerance: 0, emptyClusterPolicy: .relocateFarthestPoints,
                              bounded: bounded)
            }
            Self.expectIdentical(runs[1], runs[0], "\(S.self) integers workers \(workers)")
        }
    }

    @Test func floatIntegerDataRunsAreIdentical() { integerDataRunsAreIdentical(Float.self) }
    @Test func doubleIntegerDataRunsAreIdentical() { integerDataRunsAreIdentical(Double.self) }

    /// Through the public API: k-means++ with three seeding runs and weights; the models are the same.
    @Test func fitWithBoundsEqualsFitWithout() throws {
        let (x, _) = KMeansTestData.blobs(Float.self, rows: 1500, columns: 6, clusters: 5, separation: 2, seed: 21)
        let weights = (0..<x.rows).map { Float(1 + $0 % 3) }
        let models = try [KMeansAlgorithm.lloyd, .hamerly].map { algorithm in
            var generator = Xoshiro256StarStar(seed: 9)
            return try KMeans(KMeans.Configuration(clusterCount: 7, initCount: 3, algorithm: algorithm, workers: 2))
                .fit(x, sampleWeights: weights, using: &generator)
        }
        #expect(models[1].labels == models[0].labels)
        #expect(models[1].inertia == models[0].inertia)
        #expect(models[1].iterations == models[0].iterations)
        #expect(models[1].centers.elements == models[0].centers.elements)
        #expect(KMeans.Configuration(clusterCount: 3).algorithm == .hamerly, "bounds are the default")
    }

    /// Where the assignment runs as GEMM (Double, k·d > 1024), bounds are not used and the run is plain Lloyd.
    @Test func gemmShapesRunPlainLloyd() {
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 300, columns: 40, clusters: 4, separation: 2, seed: 5)
        #expect(!KMeansKernels.boundedAssignmentIsExact(Double.self, clusterCount: 30, featureCount: 40))
        let problem = KMeansProblem(x: x, sampleWeights: nil, workers: 2)
        let initial = Matrix(rows: 30, columns: 40, elements: (0..<30).flatMap { x.row($0 * 9) })
        let runs = [false, true].map { bounded in
            problem.lloyd(from: initial, maxIterations: 30, tolerance: 0, emptyClusterPolicy: .relocateFarthestPoints,
                          bounded: bounded)
        }
        Self.expectIdentical(runs[1], runs[0], "GEMM shape")
    }
}
