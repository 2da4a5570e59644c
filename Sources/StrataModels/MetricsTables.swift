/// Tables campaigns are planned with: calibration, lift and gains by decile, confusion matrices and threshold
/// choices.
extension Metrics {
    /// One bin of a calibration table.
    public struct CalibrationBin: Sendable, Equatable, Codable {
        /// Probabilities in `[lower, upper)` (the last bin includes 1).
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// The mean predicted probability in the bin (NaN when empty).
        public var meanPredicted: Double
        /// The share of positives in the bin (NaN when empty).
        public var observedRate: Double
    }

    /// Calibration in `bins` equal-width bins over [0, 1] with scikit-learn's edges (`i/bins` as
    /// `linspace` computes them) and bin assignment (`calibration_curve(strategy="uniform")`).
    public static func calibration(targets: [Double], probabilities: [Double], bins: Int = 10) throws(MetricsError) -> [CalibrationBin] {
        guard bins >= 1 else { throw .invalidArgument(name: "bins", value: "\(bins)", expected: "an integer >= 1") }
        try checkProbabilities(targets: targets, probabilities: probabilities, weights: nil)
        let step = 1.0 / Double(bins)
        let edges = (0...bins).map { $0 == bins ? 1.0 : Double($0) * step }
        var counts = Array(repeating: 0, count: bins)
        var predictedSums = Array(repeating: 0.0, count: bins)
        var positives = Array(repeating: 0.0, count: bins)
        for (p, y) in zip(probabilities, targets) {
            // The number of interior edges at or below p (numpy's searchsorted, side="right").
            var bin = 0
            while bin < bins - 1 && edges[bin + 1] <= p { bin += 1 }
            counts[bin] += 1
            predictedSums[bin] += p
            positives[bin] += y
        }
        return (0..<bins).map { bin in
            CalibrationBin(lower: edges[bin], upper: edges[bin + 1], count: counts[bin],
                           meanPredicted: counts[bin] > 0 ? predictedSums[bin] / Double(counts[bin]) : .nan,
                           observedRate: counts[bin] > 0 ? positives[bin] / Double(counts[bin]) : .nan)
        }
    }

    /// One group (decile) of a gains table, rows ranked by score, highest first.
    public struct GainsRow: Sendable, Equatable, Codable {
        /// 1 for the top group.
        public var group: Int
        public var count: Int
        public var positives: Int
        /// `positives / count`.
        public var responseRate: Double
        /// `responseRate / overall rate`.
        public var lift: Double
        /// The share of all positives found in this group and those above it (cumulative gains).
        public var cumulativeGain: Double
        /// The cumulative response rate over the overall rate.
        public var cumulativeLift: Double
        /// The lowest score in the group.
        public var minimumScore: Double
    }

    /// Lift and cumulative gains by `groups` (deciles by default). Rows are ranked by score (highest first;
    /// equal scores keep their input order) and split into groups whose sizes differ by at most one, so tied
    /// scores can straddle a boundary.
    public static func gains(targets: [Double], scores: [Double], groups: Int = 10) throws(MetricsError) -> [GainsRow] {
        guard groups >= 1 else { throw .invalidArgument(name: "groups", value: "\(groups)", expected: "an integer >= 1") }
        try checkInput(targets: targets, scores: scores, weights: nil)
        let totalPositives = targets.reduce(0, +)
        guard totalPositives > 0 else { throw .oneClass(metric: "gains") }
        let overallRate = totalPositives / Double(targets.count)
        let order = rankedByScore(scores)
        var rows: [GainsRow] = []
        var cumulativePositives = 0, cumulativeCount = 0, start = 0
        for group in 0..<Swift.min(groups, targets.count) {
            let end = (group + 1) * targets.count / Swift.min(groups, targets.count)
            let members = order[start..<end]
            let positives = members.reduce(0) { $0 + Int(targets[$1]) }
            cumulativePositives += positives
            cumulativeCount += members.count
            let rate = Double(positives) / Double(members.count)
            rows.append(GainsRow(group: group + 1, count: members.count, positives: positives, responseRate: rate,
                                 lift: rate / overallRate, cumulativeGain: Double(cumulativePositives) / totalPositives,
                                 cumulativeLift: Double(cumulativePositives) / Double(cumulativeCount) / overallRate,
                                 minimumScore: scores[members.last!]))
            start = end
        }
        return rows
    }

    /// Counts at one threshold: a row is predicted positive when its score is at or above it.
    public struct ConfusionMatrix: Sendable, Equatable, Codable {
        public var threshold: Double
        public var truePositives: Int
        public var falsePositives: Int
        public var trueNegatives: Int
        public var falseNegatives: Int

        public var predictedPositives: Int { truePositives + falsePositives }
        /// `TP / (TP + FP)`; 0 when nothing is predicted positive.
        public var precision: Double { predictedPositives > 0 ? Double(truePositives) / Double(predictedPositives) : 0 }
        /// `TP / (TP + FN)`; 0 without positives.
        public var recall: Double {
            truePositives + falseNegatives > 0 ? Double(truePositives) / Double(truePositives + falseNegatives) : 0
        }
        /// `2·TP / (2·TP + FP + FN)`.
        public var f1: Double {
            let denominator = 2 * truePositives + falsePositives + falseNegatives
            return denominator > 0 ? 2 * Double(truePositives) / Double(denominator) : 0
        }
        public var accuracy: Double {
            Double(truePositives + trueNegatives) / Double(truePositives + falsePositives + trueNegatives + falseNegatives)
        }
    }

    /// The confusion matrix when rows with `score >= threshold` are predicted positive.
    public static func confusionMatrix(targets: [Double], scores: [Double], threshold: Double) throws(MetricsError) -> ConfusionMatrix {
        try checkInput(targets: targets, scores: scores, weights: nil)
        var matrix = ConfusionMatrix(threshold: threshold, truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0)
        for (score, target) in zip(scores, targets) {
            switch (score >= threshold, target == 1) {
            case (true, true): matrix.truePositives += 1
            case (true, false): matrix.falsePositives += 1
            case (false, false): matrix.trueNegatives += 1
            case (false, true): matrix.falseNegatives += 1
            }
        }
        return matrix
    }

    /// How to pick a decision threshold.
    public enum ThresholdRule: Sendable, Equatable {
        /// The threshold with the largest F1 (the highest such threshold on ties).
        case maximumF1
        /// The lowest threshold whose precision is at least the target: the most positives found at that precision.
        case targetPrecision(Double)
        /// At most this many rows selected ("contact the top 500"): the lowest threshold that selects no more.
        /// Rows tied at the boundary are all in or all out, so fewer may be selected.
        case contactBudget(Int)
    }

    /// A threshold among the distinct scores chosen by `rule`, with its confusion matrix.
    /// - Throws: ``MetricsError/unreachable(detail:)`` when no threshold meets a target precision or the
    ///   budget is below the count of the top tied score.
    public static func chooseThreshold(_ rule: ThresholdRule, targets: [Double], scores: [Double]) throws(MetricsError) -> ConfusionMatrix {
        let curve = try BinaryCurve(targets: targets, scores: scores, weights: nil)
        guard curve.totalPositive > 0 else { throw .oneClass(metric: "threshold choice") }
        let chosen: BinaryCurve.Point
        switch rule {
        case .maximumF1:
            var best = curve.points[0], bestF1 = -1.0
            for point in curve.points {
                let f1 = 2 * point.truePositives / (point.truePositives + point.falsePositives + curve.totalPositive)
                if f1 > bestF1 { best = point; bestF1 = f1 }
            }
            chosen = best
        case let .targetPrecision(target):
            guard (0...1).contains(target) else {
                throw .invalidArgument(name: "target precision", value: "\(target)", expected: "a number in [0, 1]")
            }
            guard let point = curve.points.last(where: { $0.truePositives / ($0.truePositives + $0.falsePositives) >= target }) else {
                throw .unreachable(detail: "no threshold reaches precision \(target)")
            }
            chosen = point
        case let .contactBudget(budget):
            guard budget >= 1 else { throw .invalidArgument(name: "contact budget", value: "\(budget)", expected: "an integer >= 1") }
            guard let point = curve.points.last(where: { $0.selectedCount <= budget }) else {
                throw .unreachable(detail: "the \(curve.points[0].selectedCount) rows tied at the top score exceed the budget \(budget)")
            }
            chosen = point
        }
        return try confusionMatrix(targets: targets, scores: scores, threshold: chosen.threshold)
    }

    /// Row indices by score, highest first, equal scores in input order.
    ///
    /// The sort moves (score, index) pairs, so its comparisons read the scores beside the indices instead of
    /// looking each up at random; the comparisons are the same, and so is the order.
    static func rankedByScore(_ scores: [Double]) -> [Int] {
        var ranked = scores.enumerated().map { (score: $0.element, index: $0.offset) }
        ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
        return ranked.map(\.index)
    }
}
