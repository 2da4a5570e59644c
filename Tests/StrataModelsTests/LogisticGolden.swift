import Foundation
import StrataLinearAlgebra
import StrataModels

/// The scikit-learn reference values in `Fixtures/logistic/golden.json`, made by `make_golden.py` beside it.
struct LogisticGolden: Decodable {
    struct Dataset: Decodable {
        var x: [[Double]]
        var y: [Double]
        var sample_weights: [Double]?

        var matrix: Matrix<Double> { Matrix(x) }
    }

    struct Fit: Decodable {
        var name: String
        var penalty: String
        var C: Double
        var l1_ratio: Double
        var data: String
        var sample_weights: Bool
        var class_weight: String
        var coefficients: [Double]
        var intercept: Double
    }

    struct MetricCase: Decodable {
        var targets: [Double]
        var scores: [Double]
        var weights: [Double]
        var roc_auc: Double
        var average_precision: Double
        var log_loss: Double
        var brier: Double
        var weighted_roc_auc: Double
        var weighted_average_precision: Double
        var weighted_log_loss: Double
        var weighted_brier: Double
    }

    var standard: Dataset
    var sparse: Dataset
    var fits: [Fit]
    var metrics: MetricCase

    static let shared: LogisticGolden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/logistic/golden.json")
        do {
            return try JSONDecoder().decode(LogisticGolden.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()
}

/// A seeded generator for test data, with standard normal draws.
struct LogisticTestGenerator: RandomNumberGenerator {
    var base: Xoshiro256StarStar
    init(seed: UInt64) { base = Xoshiro256StarStar(seed: seed) }
    mutating func next() -> UInt64 { base.next() }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Synthetic logistic data: `x ~ N(0, 1)`, `y ~ Bernoulli(σ(x·w + b))`.
func syntheticLogisticData(rows: Int, coefficients: [Double], intercept: Double, seed: UInt64)
    -> (x: Matrix<Double>, y: [Double]) {
    var generator = LogisticTestGenerator(seed: seed)
    var elements: [Double] = []
    var targets: [Double] = []
    for _ in 0..<rows {
        var z = intercept
        for w in coefficients {
            let value = generator.normal()
            elements.append(value)
            z += w * value
        }
        targets.append(Double.random(in: 0..<1, using: &generator) < 1 / (1 + exp(-z)) ? 1 : 0)
    }
    return (Matrix(rows: rows, columns: coefficients.count, elements: elements), targets)
}
