import StrataLinearAlgebra
import Testing
@testable import StrataModels

@Suite("Validation")
struct ValidationTests {
    @Test(arguments: [2, 3, 5, 7])
    func stratifiedFoldsPartitionRowsAndKeepClassRatios(folds: Int) throws {
        var generator = LogisticTestGenerator(seed: UInt64(folds))
        let targets = (0..<103).map { _ in Double.random(in: 0..<1, using: &generator) < 0.3 ? 1.0 : 0.0 }
        let splits = try Validation.stratifiedFolds(targets: targets, folds: folds, seed: 42)
        #expect(splits.count == folds)
        let evaluated = splits.flatMap(\.evaluationRows).sorted()
        #expect(evaluated == Array(0..<103))
        let positives = targets.reduce(0, +)
        for split in splits {
            #expect(Set(split.trainingRows).isDisjoint(with: split.evaluationRows))
            #expect(split.trainingRows.count + split.evaluationRows.count == 103)
            let foldPositives = split.evaluationRows.reduce(0.0) { $0 + targets[$1] }
            #expect(Swift.abs(foldPositives - positives / Double(folds)) <= 1)
            #expect(Swift.abs(Double(split.evaluationRows.count) - 103 / Double(folds)) <= 1)
        }
        #expect(try Validation.stratifiedFolds(targets: targets, folds: folds, seed: 42) == splits)
        #expect(try Validation.stratifiedFolds(targets: targets, folds: folds, seed: 43) != splits)
    }

    @Test func foldErrors() {
        #expect(throws: ValidationError.invalidFoldCount(1)) { try Validation.stratifiedFolds(targets: [0, 1], folds: 1, seed: 0) }
        #expect(throws: ValidationError.classTooSmall(label: 1, count: 2, folds: 3)) {
            try Validation.stratifiedFolds(targets: [0, 0, 0, 1, 1], folds: 3, seed: 0)
        }
    }

    @Test func crossValidationReportsMetricsWithSpread() throws {
        let data = syntheticLogisticData(rows: 600, coefficients: [1.5, -1, 0.5], intercept: -0.5, seed: 23)
        let report = try Validation.crossValidate(LogisticRegression(), x: data.x, targets: data.y, folds: 4, seed: 1)
        #expect(report.folds.count == 4)
        let auc = report.spread.auc
        #expect(auc.values.count == 4 && auc.mean > 0.75 && auc.mean < 1)
        #expect(auc.standardDeviation > 0 && auc.standardDeviation < 0.1)
        #expect(Set(report.spread.byName.keys) == ["auc", "average_precision", "log_loss", "brier"])
    }

    @Test func timeBasedValidationFitsOnEachPeriod() throws {
        var requested: [Int] = []
        let report = try Validation.timeBased(LogisticRegression(), cutoffs: [1, 2]) { cutoff in
            requested.append(cutoff)
            let train = syntheticLogisticData(rows: 300, coefficients: [1, 1], intercept: 0, seed: UInt64(cutoff))
            let evaluate = syntheticLogisticData(rows: 300, coefficients: [1, 1], intercept: 0, seed: UInt64(100 + cutoff))
            return .init(trainingX: train.x, trainingTargets: train.y, evaluationX: evaluate.x, evaluationTargets: evaluate.y)
        }
        #expect(requested == [1, 2])
        #expect(report.folds.count == 2 && report.spread.auc.mean > 0.7)
    }

    @Test func spreadUsesTheSampleStandardDeviation() {
        let spread = Validation.Spread([1, 2, 3, 4])
        #expect(spread.mean == 2.5)
        #expect(Swift.abs(spread.standardDeviation - (5.0 / 3).squareRoot()) < 1e-15)
    }
}
