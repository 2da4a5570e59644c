import Foundation
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import Testing

/// Properties of k-means that hold for every data set, checked for Float and Double.
@Suite("k-means properties")
struct KMeansPropertyTests {
    /// Float sums accumulate rounding; Double is held to near machine precision.
    static func relativeSlack<S: BLASScalar>(_: S.Type) -> Double { S.self == Float.self ? 1e-5 : 1e-12 }

    func wellSeparatedBlobsAreRecovered<S: BLASScalar>(_ type: S.Type) throws {
        let (x, truth) = KMeansTestData.blobs(S.self, rows: 600, columns: 5, clusters: 4, seed: 7)
        var generator = Xoshiro256StarStar(seed: 42)
        let model = try KMeans(KMeans.Configuration(clusterCount: 4, initCount: 3)).fit(x, using: &generator)
        #expect(try ClusterMetrics.adjustedRandIndex(model.labels, truth) >= 0.99)
        #expect(model.converged)
        #expect(model.warnings.isEmpty)
    }

    @Test func wellSeparatedBlobsAreRecoveredFloat() throws { try wellSeparatedBlobsAreRecovered(Float.self) }
    @Test func wellSeparatedBlobsAreRecoveredDouble() throws { try wellSeparatedBlobsAreRecovered(Double.self) }

    func inertiaNeverRisesAndLabelsEqualPredict<S: BLASScalar>(_ type: S.Type) throws {
        // Overlapping blobs and random seeding: many steps, contested labels.
        let (x, _) = KMeansTestData.blobs(S.self, rows: 500, columns: 3, clusters: 6, separation: 3, seed: 11)
        for seed in UInt64(1)...4 {
            var generator = Xoshiro256StarStar(seed: seed)
            let configuration = KMeans.Configuration(clusterCount: 6, initialization: .random, tolerance: 0)
            let model = try KMeans(configuration).fit(x, using: &generator)
            #expect(model.inertiaHistory.count == model.iterations)
            for (before, after) in zip(model.inertiaHistory, model.inertiaHistory.dropFirst()) {
                #expect(after <= before * (1 + Self.relativeSlack(S.self)))
            }
            #expect(model.inertia <= model.inertiaHistory.last! * (1 + Self.relativeSlack(S.self)))
            #expect(try model.predict(x) == model.labels)
        }
    }

    @Test func inertiaNeverRisesAndLabelsEqualPredictFloat() throws { try inertiaNeverRisesAndLabelsEqualPredict(Float.self) }
    @Test func inertiaNeverRisesAndLabelsEqualPredictDouble() throws { try inertiaNeverRisesAndLabelsEqualPredict(Double.self) }

    func sameSeedSameModel<S: BLASScalar>(_ type: S.Type) throws {
        let (x, _) = KMeansTestData.blobs(S.self, rows: 400, columns: 4, clusters: 5, separation: 4, seed: 3)
        let configuration = KMeans.Configuration(clusterCount: 5, initCount: 2, workers: 2)
        var first = Xoshiro256StarStar(seed: 99), second = Xoshiro256StarStar(seed: 99)
        let a = try KMeans(configuration).fit(x, using: &first)
        let b = try KMeans(configuration).fit(x, using: &second)
        #expect(a.centers == b.centers)
        #expect(a.labels == b.labels)
        #expect(a.inertia == b.inertia)
    }

    @Test func sameSeedSameModelFloat() throws { try sameSeedSameModel(Float.self) }
    @Test func sameSeedSameModelDouble() throws { try sameSeedSameModel(Double.self) }

    @Test func integerWeightsEqualRepeatedRows() throws {
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 120, columns: 3, clusters: 3, separation: 3, seed: 5)
        let weights = (0..<x.rows).map { Double($0 % 3 + 1) }
        let repeatedRows = (0..<x.rows).flatMap { i in Array(repeating: Array(x.row(i)), count: Int(weights[i])) }
        let initial = Matrix<Double>([Array(x.row(0)), Array(x.row(1)), Array(x.row(2))])
        let configuration = KMeans.Configuration(clusterCount: 3, initialization: .centers(initial), tolerance: 0)
        var generator = Xoshiro256StarStar(seed: 0)
        let weighted = try KMeans(configuration).fit(x, sampleWeights: weights, using: &generator)
        let repeated = try KMeans(configuration).fit(Matrix(repeatedRows), using: &generator)
        #expect(isClose(weighted.inertia, repeated.inertia, tolerance: 1e-9))
        #expect(zip(weighted.centers.elements, repeated.centers.elements).allSatisfy { isClose($0, $1, tolerance: 1e-9) })
    }

    @Test func emptyClusterIsReseededFromTheFarthestRow() throws {
        // Two tight groups and a far outlier; the third center starts where no row is nearest to it.
        let x = Matrix<Double>([[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [10, 10.1], [50, 50]])
        let centers = Matrix<Double>([[0, 0], [15, 15], [-100, -100]])
        let step = try KMeans.lloydStep(x, centers: centers, workers: 2)
        #expect(step.emptyClusters == [2])
        #expect(step.relocatedRows == [6])
        #expect(Array(step.centers.row(2)) == [50, 50])
        // The outlier's weight left cluster 1, whose center is now the mean of the second group.
        #expect(isClose(step.centers[1, 0], 30.1 / 3, tolerance: 1e-12))
        let kept = try KMeans.lloydStep(x, centers: centers, emptyClusterPolicy: .keepPreviousCenter, workers: 1)
        #expect(Array(kept.centers.row(2)) == [-100, -100])
    }

    @Test func fewerDistinctPointsThanClustersWarns() throws {
        let x = Matrix<Double>([[1, 1], [1, 1], [1, 1], [2, 2], [2, 2]])
        var generator = Xoshiro256StarStar(seed: 3)
        let model = try KMeans(clusterCount: 3).fit(x, using: &generator)
        #expect(model.warnings.count == 1)
        #expect(model.warnings[0].contains("Number of distinct clusters (2) found smaller than n_clusters (3)"))
        #expect(model.inertia == 0)
    }

    @Test func badInputThrowsTypedErrorsNamingTheValues() throws {
        var generator = Xoshiro256StarStar(seed: 0)
        let x = Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        #expect(throws: KMeansError.invalidClusterCount(0)) { try KMeans(clusterCount: 0).fit(x, using: &generator) }
        #expect(throws: KMeansError.tooFewSamples(samples: 3, clusters: 5)) {
            try KMeans(clusterCount: 5).fit(x, using: &generator)
        }
        #expect(KMeansError.tooFewSamples(samples: 3, clusters: 5).description == "n_samples=3 should be >= n_clusters=5")
        let withNaN = Matrix<Double>([[1, 2], [3, .nan], [5, 6]])
        #expect(throws: KMeansError.nonFiniteValue(row: 1, column: 1, value: "nan")) {
            try KMeans(clusterCount: 2).fit(withNaN, using: &generator)
        }
        let withInfinity = Matrix<Float>([[1, 2], [3, 4], [.infinity, 6]])
        #expect(throws: KMeansError.nonFiniteValue(row: 2, column: 0, value: "inf")) {
            try KMeans(clusterCount: 2).fit(withInfinity, using: &generator)
        }
        // Finiteness is proved by a finite Σ wᵢ‖xᵢ‖²: a NaN or infinity in a row of weight 0 must still be found,
        // and a huge finite value whose square overflows must not be reported.
        #expect(throws: KMeansError.nonFiniteValue(row: 1, column: 1, value: "nan")) {
            try KMeans(clusterCount: 2).fit(withNaN, sampleWeights: [1, 0, 1], using: &generator)
        }
        #expect(throws: KMeansError.nonFiniteValue(row: 2, column: 0, value: "inf")) {
            try KMeans(clusterCount: 2).fit(withInfinity, sampleWeights: [1, 1, 0], using: &generator)
        }
        let huge = Matrix<Float>([[1e30, 2], [3, 4], [5, 6]])
        _ = try KMeans(clusterCount: 2).fit(huge, using: &generator)
        #expect(throws: KMeansError.invalidSampleWeights("weight 1 is -1.0; expected a finite number >= 0")) {
            try KMeans(clusterCount: 2).fit(x, sampleWeights: [1, -1, 1], using: &generator)
        }
        let wrongCenters = KMeans.Configuration(clusterCount: 2, initialization: .centers(Matrix([[1, 2, 3], [4, 5, 6]])))
        #expect(throws: KMeansError.invalidInitialCenters("centers have 3 features, the data 2")) {
            try KMeans(wrongCenters).fit(x, using: &generator)
        }
        #expect(throws: KMeansError.invalidParameter(name: "max_iter", value: "0", expected: "at least 1")) {
            try KMeans.Configuration(clusterCount: 2, maxIterations: 0).validate()
        }
        let model = try KMeans(clusterCount: 2).fit(x, using: &generator)
        #expect(throws: KMeansError.featureCountMismatch(expected: 2, found: 3)) {
            try model.predict(Matrix([[1, 2, 3]]))
        }
    }

    func miniBatchFindsTheBlobs<S: BLASScalar>(_ type: S.Type) throws {
        let (x, truth) = KMeansTestData.blobs(S.self, rows: 3000, columns: 4, clusters: 5, seed: 21)
        var generator = Xoshiro256StarStar(seed: 8)
        let options = KMeansMiniBatchOptions(batchSize: 256)
        let miniBatch = try KMeans(KMeans.Configuration(clusterCount: 5, initCount: 3, algorithm: .miniBatch(options)))
            .fit(x, using: &generator)
        let lloyd = try KMeans(KMeans.Configuration(clusterCount: 5, initCount: 3)).fit(x, using: &generator)
        #expect(try ClusterMetrics.adjustedRandIndex(miniBatch.labels, truth) >= 0.99)
        #expect(miniBatch.inertia <= 1.05 * lloyd.inertia)
        #expect(try miniBatch.predict(x) == miniBatch.labels)
    }

    @Test func miniBatchFindsTheBlobsFloat() throws { try miniBatchFindsTheBlobs(Float.self) }
    @Test func miniBatchFindsTheBlobsDouble() throws { try miniBatchFindsTheBlobs(Double.self) }

    @Test func kMeansPlusPlusBeatsRandomSeedingOnAverage() throws {
        // Greedy k-means++ spreads the seeds: its seeding alone (one Lloyd step) leaves less inertia.
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 800, columns: 2, clusters: 8, separation: 30, seed: 4)
        var plusPlus = 0.0, random = 0.0
        for seed in UInt64(0)..<6 {
            var generator = Xoshiro256StarStar(seed: seed)
            plusPlus += try KMeans(KMeans.Configuration(clusterCount: 8, maxIterations: 1)).fit(x, using: &generator).inertia
            random += try KMeans(KMeans.Configuration(clusterCount: 8, initialization: .random, maxIterations: 1))
                .fit(x, using: &generator).inertia
        }
        #expect(plusPlus < random)
    }

    @Test func modelFileRoundTripPredictsTheSame() throws {
        let (x, _) = KMeansTestData.blobs(Float.self, rows: 200, columns: 3, clusters: 3, seed: 9)
        var generator = Xoshiro256StarStar(seed: 2)
        let model = try KMeans(clusterCount: 3).fit(x, using: &generator)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kmeans-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.modelFile(featureSchema: .plain(columnCount: 3), seed: 2).write(to: url)
        let read = try ModelFile<KMeansParameters>.read(from: url, kind: "kmeans")
        #expect(read.parameters.hyperparameters.seed == 2)
        #expect(read.parameters.clusterSizes.reduce(0, +) == 200)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.contains("labels"))
        #expect(try read.parameters.model(as: Float.self).predict(x) == model.labels)
    }
}
