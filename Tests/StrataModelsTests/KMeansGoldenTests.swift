import StrataLinearAlgebra
import StrataModels
import Testing

/// k-means and the cluster criteria against scikit-learn (golden values from `Fixtures/kmeans/make_golden.py`).
@Suite("k-means against scikit-learn")
struct KMeansGoldenTests {
    static let golden = try! KMeansGolden.load()

    /// Plain Lloyd and Lloyd with bounds (which must also equal each other bit for bit, below).
    @Test(arguments: golden.fits.map(\.name), [KMeansAlgorithm.lloyd, .hamerly])
    func sameLabelsInertiaAndCentersFromTheSameInitialCenters(_ name: String, _ algorithm: KMeansAlgorithm) throws {
        let fit = Self.golden.fits.first { $0.name == name }!
        let configuration = KMeans.Configuration(
            clusterCount: fit.k, initialization: .centers(Matrix(fit.initialCenters)), maxIterations: fit.maxIter,
            tolerance: fit.tol, algorithm: algorithm, workers: 2)
        var generator = Xoshiro256StarStar(seed: 1)
        let model = try KMeans(configuration).fit(Matrix<Double>(fit.x), sampleWeights: fit.sampleWeight, using: &generator)
        #expect(model.labels == fit.labels)
        // Stated tolerance: inertia within 1e-6 relative; centers within 1e-9.
        #expect(abs(model.inertia - fit.inertia) <= 1e-6 * fit.inertia)
        #expect(model.iterations == fit.nIter)
        for (row, expected) in fit.centers.enumerated() {
            for (column, value) in expected.enumerated() {
                #expect(isClose(model.centers[row, column], value, tolerance: 1e-9))
            }
        }
    }

    /// The bounded run equals the plain one bit for bit on every golden problem, in Float and Double.
    @Test(arguments: golden.fits.map(\.name))
    func boundsGiveThePlainRunExactly(_ name: String) throws {
        let fit = Self.golden.fits.first { $0.name == name }!
        func models<S: BLASScalar>(_: S.Type) throws -> [KMeansModel<S>] {
            try [KMeansAlgorithm.lloyd, .hamerly].map { algorithm in
                var generator = Xoshiro256StarStar(seed: 1)
                let configuration = KMeans.Configuration(
                    clusterCount: fit.k, initialization: .centers(Matrix(fit.initialCenters)), maxIterations: fit.maxIter,
                    tolerance: fit.tol, algorithm: algorithm, workers: 2)
                return try KMeans(configuration).fit(Matrix<S>(fit.x.map { $0.map { S($0) } }),
                                                     sampleWeights: fit.sampleWeight?.map { S($0) }, using: &generator)
            }
        }
        let double = try models(Double.self), float = try models(Float.self)
        #expect(double[1].labels == double[0].labels && double[1].inertia == double[0].inertia)
        #expect(double[1].iterations == double[0].iterations && double[1].centers.elements == double[0].centers.elements)
        #expect(float[1].labels == float[0].labels && float[1].inertia == float[0].inertia)
        #expect(float[1].iterations == float[0].iterations && float[1].centers.elements == float[0].centers.elements)
    }

    @Test(arguments: golden.metrics.map(\.name))
    func criteriaEqualScikitLearn(_ name: String) throws {
        let golden = Self.golden.metrics.first { $0.name == name }!
        let x = Matrix<Double>(golden.x)
        // Stated tolerance: 1e-9 (relative above 1).
        #expect(isClose(try ClusterMetrics.daviesBouldin(x, labels: golden.labels), golden.daviesBouldin, tolerance: 1e-9))
        #expect(isClose(try ClusterMetrics.calinskiHarabasz(x, labels: golden.labels), golden.calinskiHarabasz,
                        tolerance: 1e-9))
        var generator = Xoshiro256StarStar(seed: 1)
        let silhouette = try ClusterMetrics.silhouetteScore(x, labels: golden.labels, using: &generator)
        #expect(isClose(silhouette, golden.silhouette, tolerance: 1e-9))
        let samples = try ClusterMetrics.silhouetteSamples(x, labels: golden.labels, workers: 2)
        #expect(zip(samples, golden.silhouetteSamples).allSatisfy { isClose($0, $1, tolerance: 1e-9) })
    }

    @Test func adjustedRandIndexEqualsScikitLearn() throws {
        for pair in Self.golden.adjustedRand {
            #expect(isClose(try ClusterMetrics.adjustedRandIndex(pair.first, pair.second), pair.ari, tolerance: 1e-12))
        }
    }
}
