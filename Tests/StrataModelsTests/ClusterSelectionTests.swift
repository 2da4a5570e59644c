import StrataFeatures
import StrataLinearAlgebra
@testable import StrataModels
import Testing

@Suite("choosing k and profiling clusters")
struct ClusterSelectionTests {
    @Test func recommendsTheTrueNumberOfBlobs() throws {
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 400, columns: 3, clusters: 4, seed: 12)
        var generator = Xoshiro256StarStar(seed: 1)
        let result = try ClusterSelection.evaluate(x, clusterCounts: 2...6,
                                                   configuration: KMeans.Configuration(clusterCount: 2, initCount: 3),
                                                   using: &generator)
        #expect(result.candidates.map(\.clusterCount) == [2, 3, 4, 5, 6])
        #expect(result.recommendedClusterCount == 4)
        #expect(result.reason.hasPrefix("k=4 has the highest silhouette"))
        #expect(!result.silhouetteSampled)
        // Inertia falls as k grows.
        let inertias = result.candidates.map(\.inertia)
        #expect(zip(inertias, inertias.dropFirst()).allSatisfy { $1 <= $0 })
    }

    @Test func sampledSilhouetteIsCloseToExact() throws {
        let (x, truth) = KMeansTestData.blobs(Float.self, rows: 1200, columns: 2, clusters: 3, separation: 4, seed: 2)
        var generator = Xoshiro256StarStar(seed: 5)
        let exact = try ClusterMetrics.silhouetteScore(x, labels: truth, using: &generator)
        let sampled = try ClusterMetrics.silhouetteScore(x, labels: truth, sampleSize: 400, using: &generator)
        // A 400-row sample's mean of values in [-1, 1]: well within 0.05 of the exact mean.
        #expect(abs(exact - sampled) < 0.05)
        #expect(throws: ClusterMetricsError.invalidLabelCount(labels: 1, samples: 1200)) {
            try ClusterMetrics.silhouetteScore(x, labels: Array(repeating: 0, count: 1200), using: &generator)
        }
    }

    /// Several labelings scored together: each on the same sampled rows as alone from the same generator, or on
    /// every row when there are few, to the last bits a reordered sum allows; one that cannot be scored (a single
    /// cluster) keeps its error without costing the others theirs.
    @Test(arguments: [300, 10_000])
    func labelingsScoredTogetherEqualEachAlone(sampleSize: Int) throws {
        let (x, truth) = KMeansTestData.blobs(Double.self, rows: 900, columns: 3, clusters: 4, separation: 3, seed: 8)
        let labelings = [truth, truth.map { $0 % 2 }, truth.indices.map { $0 % 3 }, Array(repeating: 7, count: 900)]
        var together = Xoshiro256StarStar(seed: 21)
        let scores = try ClusterMetrics.silhouetteScoreResults(x, labelings: labelings, sampleSize: sampleSize, using: &together,
                                                              workers: 2)
        for (labels, score) in zip(labelings.prefix(3), scores) {
            var alone = Xoshiro256StarStar(seed: 21)
            let expected = try ClusterMetrics.silhouetteScore(x, labels: labels, sampleSize: sampleSize, using: &alone, workers: 1)
            #expect(abs(try score.get() - expected) <= 1e-12, "\(sampleSize)")
        }
        #expect(throws: ClusterMetricsError.invalidLabelCount(labels: 1, samples: min(sampleSize, 900))) { try scores[3].get() }
        #expect(try scores[0].get() > scores[1].get() && scores[0].get() > scores[2].get())
    }

    @Test func rangeOutsideTwoToNMinusOneIsRejected() throws {
        var generator = Xoshiro256StarStar(seed: 1)
        let x = Matrix<Double>([[0], [1], [2], [3]])
        #expect(throws: KMeansError.self) {
            try ClusterSelection.evaluate(x, clusterCounts: 1...3, configuration: .init(clusterCount: 2), using: &generator)
        }
        #expect(throws: KMeansError.self) {
            try ClusterSelection.evaluate(x, clusterCounts: 2...4, configuration: .init(clusterCount: 2), using: &generator)
        }
    }

    @Test func profilesUndoStandardizationAndNameTheDifferences() throws {
        // Standardized columns: visits (center 5, scale 2) and days since last visit (center 200, scale 100).
        let schema = FeatureSchema(columns: [
            .init(name: "visit_count", family: "frequency", label: "visit count", center: 5, scale: 2),
            .init(name: "days_since_last_visit", family: "recency", label: "days since last visit", center: 200, scale: 100),
        ])
        let x = Matrix<Double>([[1, -1], [1.2, -0.8], [0.8, -1.2], [-1, 1], [-1.2, 1.2], [-0.8, 0.8]])
        var generator = Xoshiro256StarStar(seed: 0)
        let model = try KMeans(clusterCount: 2).fit(x, using: &generator)
        let profiles = ClusterProfiles.profiles(x, labels: model.labels, centers: model.centers, schema: schema)
        let loyal = profiles.first { $0.center[0] > 5 }!, lapsed = profiles.first { $0.center[0] < 5 }!
        #expect(loyal.size == 3 && isClose(loyal.share, 0.5, tolerance: 1e-12))
        #expect(isClose(loyal.center[0], 7, tolerance: 1e-12) && isClose(loyal.center[1], 100, tolerance: 1e-12))
        #expect(loyal.name == "high visit count, low days since last visit")
        #expect(lapsed.name == "low visit count, high days since last visit")
        #expect(isClose(lapsed.distinguishingFeatures[0].populationMean, 5, tolerance: 1e-12)
                || isClose(lapsed.distinguishingFeatures[0].populationMean, 200, tolerance: 1e-12))
    }
}
