import Foundation
import StrataLinearAlgebra
import StrataModels

/// Data makers shared by the k-means and cluster tests.
enum KMeansTestData {
    /// A standard normal draw (Box-Muller) from a seeded generator.
    static func normal(using generator: inout Xoshiro256StarStar) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let v = Double.random(in: 0..<1, using: &generator)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// `n` rows around `k` centers drawn in a cube of half-width `separation`, with unit spread `spread`.
    /// - Returns: the rows and each row's true cluster.
    static func blobs<S: BLASScalar>(_: S.Type, rows n: Int, columns d: Int, clusters k: Int, separation: Double = 20,
                                     spread: Double = 1, seed: UInt64) -> (x: Matrix<S>, truth: [Int]) {
        var generator = Xoshiro256StarStar(seed: seed)
        let means = (0..<(k * d)).map { _ in Double.random(in: -separation...separation, using: &generator) }
        let truth = (0..<n).map { $0 % k }
        var elements: [S] = []
        elements.reserveCapacity(n * d)
        for i in 0..<n {
            for j in 0..<d { elements.append(S(means[truth[i] * d + j] + spread * normal(using: &generator))) }
        }
        return (Matrix(rows: n, columns: d, elements: elements), truth)
    }
}

/// The k-means golden file made by `Fixtures/kmeans/make_golden.py` (scikit-learn).
struct KMeansGolden: Decodable {
    struct Fit: Decodable {
        var name: String
        var x: [[Double]]
        var k: Int
        var initialCenters: [[Double]]
        var tol: Double
        var maxIter: Int
        var sampleWeight: [Double]?
        var labels: [Int]
        var inertia: Double
        var nIter: Int
        var centers: [[Double]]
    }

    struct Metrics: Decodable {
        var name: String
        var x: [[Double]]
        var labels: [Int]
        var silhouette: Double
        var silhouetteSamples: [Double]
        var daviesBouldin: Double
        var calinskiHarabasz: Double
    }

    struct AdjustedRand: Decodable {
        var first: [Int]
        var second: [Int]
        var ari: Double
    }

    var sklearnVersion: String
    var fits: [Fit]
    var metrics: [Metrics]
    var adjustedRand: [AdjustedRand]

    static func load() throws -> KMeansGolden {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/kmeans/golden.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(KMeansGolden.self, from: Data(contentsOf: url))
    }
}

/// `|a − b| <= tolerance · max(1, |b|)`.
func isClose(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}
