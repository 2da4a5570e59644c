import Foundation

/// Metrics for binary scores, defined as scikit-learn defines them (so the numbers agree to rounding).
///
/// Targets are 0/1; scores are any finite numbers where larger means "more likely positive" (ranking
/// metrics), or probabilities in [0, 1] (log loss, Brier, calibration). Optional sample weights are
/// non-negative.
public enum Metrics {
    /// ROC AUC: the trapezoidal area under the ROC curve through `(0, 0)` and one point per distinct score
    /// (all rows with a tied score enter together, so ties count one half), as `roc_auc_score`.
    /// - Throws: ``MetricsError`` for bad input, or when one class is missing (AUC is undefined).
    /// - Complexity: O(n log n).
    public static func rocAUC(targets: [Double], scores: [Double], weights: [Double]? = nil) throws(MetricsError) -> Double {
        try rocAUC(BinaryCurve(targets: targets, scores: scores, weights: weights))
    }

    /// The area under `curve`'s ROC (trapezoids between its points).
    static func rocAUC(_ curve: BinaryCurve) throws(MetricsError) -> Double {
        guard curve.totalPositive > 0, curve.totalNegative > 0 else { throw .oneClass(metric: "ROC AUC") }
        var area = 0.0
        var previous = (fpr: 0.0, tpr: 0.0)
        for point in curve.points {
            let next = (fpr: point.falsePositives / curve.totalNegative, tpr: point.truePositives / curve.totalPositive)
            area += (next.fpr - previous.fpr) * (next.tpr + previous.tpr) / 2
            previous = next
        }
        return area
    }

    /// Average precision `Σₖ (Rₖ − Rₖ₋₁)·Pₖ` over distinct score thresholds in decreasing order (`R₋₁ = 0`),
    /// a step function without interpolation, as `average_precision_score`.
    /// - Throws: ``MetricsError``, or ``MetricsError/oneClass(metric:)`` without positives.
    public static func averagePrecision(targets: [Double], scores: [Double], weights: [Double]? = nil) throws(MetricsError) -> Double {
        try averagePrecision(BinaryCurve(targets: targets, scores: scores, weights: weights))
    }

    /// `Σ (Rₙ − Rₙ₋₁)·Pₙ` over `curve`'s points.
    static func averagePrecision(_ curve: BinaryCurve) throws(MetricsError) -> Double {
        guard curve.totalPositive > 0 else { throw .oneClass(metric: "average precision") }
        var sum = 0.0, previousRecall = 0.0
        for point in curve.points {
            let recall = point.truePositives / curve.totalPositive
            let selected = point.truePositives + point.falsePositives
            let precision = selected > 0 ? point.truePositives / selected : 0
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }

    /// The (weighted) mean negative log-likelihood `−[y·log p + (1 − y)·log(1 − p)]`, with `p` and `1 − p`
    /// each clipped to `[ε, 1 − ε]` (`ε` = Double's machine epsilon), as scikit-learn's `log_loss`.
    public static func logLoss(targets: [Double], probabilities: [Double], weights: [Double]? = nil) throws(MetricsError) -> Double {
        try checkProbabilities(targets: targets, probabilities: probabilities, weights: weights)
        let epsilon = Double.ulpOfOne
        return weightedMean(count: targets.count, weights: weights) { i in
            let p = probabilities[i]
            let clipped = targets[i] == 1 ? Swift.min(Swift.max(p, epsilon), 1 - epsilon)
                                          : Swift.min(Swift.max(1 - p, epsilon), 1 - epsilon)
            return -log(clipped)
        }
    }

    /// The Brier score: the (weighted) mean of `(p − y)²`, as `brier_score_loss`.
    public static func brierScore(targets: [Double], probabilities: [Double], weights: [Double]? = nil) throws(MetricsError) -> Double {
        try checkProbabilities(targets: targets, probabilities: probabilities, weights: weights)
        return weightedMean(count: targets.count, weights: weights) { i in
            let difference = probabilities[i] - targets[i]
            return difference * difference
        }
    }

    /// ROC AUC, average precision, log loss and Brier score of one set of scored rows.
    public static func summary(targets: [Double], probabilities: [Double], weights: [Double]? = nil) throws(MetricsError) -> Summary {
        // One ranking serves both curves' metrics: sorting the scores is most of their cost.
        let curve = try BinaryCurve(targets: targets, scores: probabilities, weights: weights)
        return Summary(
            auc: try rocAUC(curve),
            averagePrecision: try averagePrecision(curve),
            logLoss: try logLoss(targets: targets, probabilities: probabilities, weights: weights),
            brier: try brierScore(targets: targets, probabilities: probabilities, weights: weights))
    }

    // MARK: Helpers

    static func weightedMean(count: Int, weights: [Double]?, _ term: (Int) -> Double) -> Double {
        var sum = 0.0, weightSum = 0.0
        for i in 0..<count {
            let w = weights?[i] ?? 1
            sum += w * term(i)
            weightSum += w
        }
        return sum / weightSum
    }

    static func checkProbabilities(targets: [Double], probabilities: [Double], weights: [Double]?) throws(MetricsError) {
        try checkInput(targets: targets, scores: probabilities, weights: weights)
        if let bad = probabilities.firstIndex(where: { !(0...1).contains($0) }) {
            throw .probabilityOutOfRange(index: bad, value: probabilities[bad])
        }
    }

    static func checkInput(targets: [Double], scores: [Double], weights: [Double]?) throws(MetricsError) {
        guard !targets.isEmpty else { throw .empty }
        guard scores.count == targets.count else { throw .lengthMismatch(what: "scores", expected: targets.count, found: scores.count) }
        if let weights {
            guard weights.count == targets.count else {
                throw .lengthMismatch(what: "weights", expected: targets.count, found: weights.count)
            }
            if let bad = weights.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) { throw .invalidWeight(index: bad, value: weights[bad]) }
            guard weights.reduce(0, +) > 0 else { throw .invalidWeight(index: 0, value: 0) }
        }
        if let bad = targets.firstIndex(where: { $0 != 0 && $0 != 1 }) { throw .targetNotBinary(index: bad, value: targets[bad]) }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(index: bad, value: scores[bad]) }
    }
}

/// The cumulative (weighted) true and false positives at each distinct score, highest score first: the
/// points of the ROC and precision-recall curves (scikit-learn's `_binary_clf_curve`).
struct BinaryCurve {
    struct Point {
        /// Rows with a score at or above `threshold` are predicted positive.
        var threshold: Double
        var truePositives: Double
        var falsePositives: Double
        /// Rows (unweighted) predicted positive.
        var selectedCount: Int
    }

    var points: [Point] = []
    var totalPositive: Double
    var totalNegative: Double

    init(targets: [Double], scores: [Double], weights: [Double]?) throws(MetricsError) {
        try Metrics.checkInput(targets: targets, scores: scores, weights: weights)
        let order = Metrics.rankedByScore(scores)
        var truePositives = 0.0, falsePositives = 0.0
        for (rank, index) in order.enumerated() {
            let w = weights?[index] ?? 1
            if targets[index] == 1 { truePositives += w } else { falsePositives += w }
            let isLastOfTie = rank == order.count - 1 || scores[order[rank + 1]] != scores[index]
            if isLastOfTie {
                points.append(Point(threshold: scores[index], truePositives: truePositives,
                                    falsePositives: falsePositives, selectedCount: rank + 1))
            }
        }
        totalPositive = truePositives
        totalNegative = falsePositives
    }
}

/// Why a metric could not be computed.
public enum MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case lengthMismatch(what: String, expected: Int, found: Int)
    case targetNotBinary(index: Int, value: Double)
    case nonFiniteScore(index: Int, value: Double)
    case probabilityOutOfRange(index: Int, value: Double)
    case invalidWeight(index: Int, value: Double)
    case oneClass(metric: String)
    case invalidArgument(name: String, value: String, expected: String)
    case unreachable(detail: String)

    public var description: String {
        switch self {
        case .empty: "metrics: no rows"
        case let .lengthMismatch(what, expected, found): "metrics: \(what) has \(found) values; expected \(expected), one per target"
        case let .targetNotBinary(index, value): "metrics: target \(index) is \(value); expected 0 or 1"
        case let .nonFiniteScore(index, value): "metrics: score \(index) is \(value); expected a finite number"
        case let .probabilityOutOfRange(index, value): "metrics: probability \(index) is \(value); expected a value in [0, 1]"
        case let .invalidWeight(index, value): "metrics: weight \(index) is \(value); expected finite, >= 0, with a positive total"
        case let .oneClass(metric): "metrics: \(metric) needs both classes among the targets"
        case let .invalidArgument(name, value, expected): "metrics: \(name) = \(value); expected \(expected)"
        case let .unreachable(detail): "metrics: \(detail)"
        }
    }
}
