import Foundation
import Testing
@testable import StrataModels

@Suite("Metrics")
struct MetricsTests {
    static let golden = LogisticGolden.shared.metrics

    /// The summary ranks the scores once for both curves: the same bits as each metric ranking them itself.
    @Test func summarySharesOneRankingWithTheSameBits() throws {
        var generator = LogisticTestGenerator(seed: 8)
        // Scores on a coarse grid, so many tie.
        let scores = (0..<2_000).map { _ in Double(Int.random(in: 0...40, using: &generator)) / 40 }
        let targets = scores.map { Double.random(in: 0..<1, using: &generator) < $0 ? 1.0 : 0.0 }
        for weights in [nil, scores.indices.map { 0.5 + Double($0 % 5) }] as [[Double]?] {
            let summary = try Metrics.summary(targets: targets, probabilities: scores, weights: weights)
            #expect(summary.auc.bitPattern == (try Metrics.rocAUC(targets: targets, scores: scores, weights: weights)).bitPattern)
            #expect(summary.averagePrecision.bitPattern
                    == (try Metrics.averagePrecision(targets: targets, scores: scores, weights: weights)).bitPattern)
        }
        let ranked = Metrics.rankedByScore(scores)
        #expect(ranked == scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) })
        #expect(throws: MetricsError.oneClass(metric: "ROC AUC")) {
            try Metrics.summary(targets: [1, 1], probabilities: [0.2, 0.7])
        }
    }

    @Test func matchScikitLearnOnTiedScoresWithin1e12() throws {
        let g = Self.golden
        #expect(Swift.abs(try Metrics.rocAUC(targets: g.targets, scores: g.scores) - g.roc_auc) <= 1e-12)
        #expect(Swift.abs(try Metrics.averagePrecision(targets: g.targets, scores: g.scores) - g.average_precision) <= 1e-12)
        #expect(Swift.abs(try Metrics.logLoss(targets: g.targets, probabilities: g.scores) - g.log_loss) <= 1e-12)
        #expect(Swift.abs(try Metrics.brierScore(targets: g.targets, probabilities: g.scores) - g.brier) <= 1e-12)
    }

    @Test func weightedMatchScikitLearnWithin1e12() throws {
        let g = Self.golden
        #expect(Swift.abs(try Metrics.rocAUC(targets: g.targets, scores: g.scores, weights: g.weights) - g.weighted_roc_auc) <= 1e-12)
        #expect(Swift.abs(try Metrics.averagePrecision(targets: g.targets, scores: g.scores, weights: g.weights)
                          - g.weighted_average_precision) <= 1e-12)
        #expect(Swift.abs(try Metrics.logLoss(targets: g.targets, probabilities: g.scores, weights: g.weights) - g.weighted_log_loss) <= 1e-12)
        #expect(Swift.abs(try Metrics.brierScore(targets: g.targets, probabilities: g.scores, weights: g.weights) - g.weighted_brier) <= 1e-12)
    }

    @Test func summaryHoldsTheFourMetricsUnderTheModelFileNames() throws {
        let g = Self.golden
        let summary = try Metrics.summary(targets: g.targets, probabilities: g.scores)
        #expect(summary.auc == (try Metrics.rocAUC(targets: g.targets, scores: g.scores)))
        #expect(summary.averagePrecision == (try Metrics.averagePrecision(targets: g.targets, scores: g.scores)))
        #expect(summary.logLoss == (try Metrics.logLoss(targets: g.targets, probabilities: g.scores)))
        #expect(summary.brier == (try Metrics.brierScore(targets: g.targets, probabilities: g.scores)))
        #expect(Metrics.Summary.names == ["auc", "average_precision", "log_loss", "brier"])
        #expect(summary.byName == ["auc": summary.auc, "average_precision": summary.averagePrecision,
                                   "log_loss": summary.logLoss, "brier": summary.brier])

        // Model files hold `byName`; the struct itself encodes to the same JSON (keys sorted, as files are
        // written) and decodes back to itself.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        #expect(try encoder.encode(summary) == encoder.encode(summary.byName))
        #expect(try JSONDecoder().decode(Metrics.Summary.self, from: encoder.encode(summary.byName)) == summary)
    }

    @Test func aucCountsTiesAsOneHalf() throws {
        // Pairs (positive, negative): (0.5 vs 0.5) tie = 1/2, (0.5 vs 0.1) = 1, (0.9 vs both) = 2 → 3.5/4.
        #expect(try Metrics.rocAUC(targets: [1, 0, 1, 0], scores: [0.5, 0.5, 0.9, 0.1]) == 0.875)
        #expect(try Metrics.rocAUC(targets: [0, 1], scores: [0.3, 0.3]) == 0.5)
    }

    @Test func averagePrecisionIsAStepFunction() throws {
        // Ranked: 0.9 (1), 0.8 (0), 0.7 (1): AP = 1/2·1 + 1/2·2/3.
        #expect(Swift.abs(try Metrics.averagePrecision(targets: [1, 0, 1], scores: [0.9, 0.8, 0.7]) - (0.5 + 1.0 / 3)) < 1e-15)
    }

    @Test func logLossClipsExactZeroAndOne() throws {
        let loss = try Metrics.logLoss(targets: [1, 0], probabilities: [0, 1])
        #expect(Swift.abs(loss + log(Double.ulpOfOne)) < 1e-12)
    }

    @Test func calibrationBinsMatchLinspaceEdges() throws {
        // 0.3 falls in [0.2, 0.30000000000000004) as numpy's edges put it.
        let table = try Metrics.calibration(targets: [0, 1, 1, 0], probabilities: [0.3, 0.35, 1.0, 0.0])
        #expect(table.count == 10)
        #expect(table[2].count == 1 && table[3].count == 1 && table[9].count == 1 && table[0].count == 1)
        #expect(table[9].observedRate == 1)
        #expect(table.reduce(0) { $0 + $1.count } == 4)
    }

    @Test func gainsAndLiftByDecile() throws {
        // 20 rows, scores descending with the index; positives at ranks 0, 1, 2, 5.
        let scores = (0..<20).map { 1 - Double($0) / 20 }
        let targets = (0..<20).map { [0, 1, 2, 5].contains($0) ? 1.0 : 0.0 }
        let table = try Metrics.gains(targets: targets, scores: scores)
        #expect(table.count == 10 && table.allSatisfy { $0.count == 2 })
        #expect(table[0].positives == 2 && table[1].positives == 1 && table[2].positives == 1)
        #expect(table[0].lift == 5)  // rate 1 over base rate 0.2
        #expect(table[0].cumulativeGain == 0.5 && table[2].cumulativeGain == 1 && table[9].cumulativeGain == 1)
        #expect(Swift.abs(table[9].cumulativeLift - 1) < 1e-15)
    }

    @Test func thresholdRules() throws {
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]
        let targets: [Double] = [1, 1, 0, 1, 0, 0, 1, 0]
        let f1 = try Metrics.chooseThreshold(.maximumF1, targets: targets, scores: scores)
        #expect(f1.threshold == 0.6 && f1.truePositives == 3 && f1.falsePositives == 1)  // F1 = 6/8
        let precise = try Metrics.chooseThreshold(.targetPrecision(1), targets: targets, scores: scores)
        #expect(precise.threshold == 0.8 && precise.predictedPositives == 2)
        let budget = try Metrics.chooseThreshold(.contactBudget(5), targets: targets, scores: scores)
        #expect(budget.predictedPositives == 5 && budget.threshold == 0.5)
        // Ties at the boundary are all in or all out.
        let tied = try Metrics.chooseThreshold(.contactBudget(2), targets: [1, 0, 1, 0], scores: [0.9, 0.5, 0.5, 0.5])
        #expect(tied.predictedPositives == 1)
        #expect(throws: MetricsError.self) { try Metrics.chooseThreshold(.contactBudget(1), targets: [1, 0], scores: [0.5, 0.5]) }
        let matrix = try Metrics.confusionMatrix(targets: targets, scores: scores, threshold: 0.65)
        #expect(matrix == .init(threshold: 0.65, truePositives: 2, falsePositives: 1, trueNegatives: 3, falseNegatives: 2))
    }

    @Test func badInputIsReported() {
        #expect(throws: MetricsError.oneClass(metric: "ROC AUC")) { try Metrics.rocAUC(targets: [1, 1], scores: [0.1, 0.2]) }
        #expect(throws: MetricsError.lengthMismatch(what: "scores", expected: 2, found: 1)) { try Metrics.rocAUC(targets: [1, 0], scores: [0.1]) }
        #expect(throws: MetricsError.probabilityOutOfRange(index: 1, value: 1.5)) {
            try Metrics.logLoss(targets: [1, 0], probabilities: [0.1, 1.5])
        }
        #expect(throws: MetricsError.targetNotBinary(index: 0, value: 3)) { try Metrics.brierScore(targets: [3], probabilities: [0.1]) }
    }
}
