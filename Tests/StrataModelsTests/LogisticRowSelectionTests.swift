import StrataLinearAlgebra
import Testing
@testable import StrataModels

/// Fits and passes over a selection of rows give the bits of the same work on those rows copied into a
/// matrix (what cross-validation and the Newton warm start did before they selected rows in place).
@Suite("Logistic row selection")
struct LogisticRowSelectionTests {
    /// 9,000 rows of 3 features: chunks of 4,096 rows (16384 / (d + 1)), so passes cross chunk boundaries.
    static let data = syntheticLogisticData(rows: 9_000, coefficients: [0.9, -0.6, 0.4], intercept: -0.3, seed: 41)

    /// Every third row and a shuffled tail: ascending and unordered selections.
    static var selection: [Int] {
        var generator = LogisticTestGenerator(seed: 5)
        return Array(Swift.stride(from: 0, to: 6_000, by: 3)) + Array(6_000..<9_000).shuffled(using: &generator)
    }

    @Test(arguments: [LogisticKernel.Order.loss, .gradient, .hessian], [1, 2, 3, 4])
    /// Odd and even column counts: with an odd count, chunks of a copied matrix start 8 bytes off a 16-byte
    /// boundary for odd first rows (where OpenBLAS sums differently), and the gathered chunks must too.
    func kernelPassOverSelectedRowsEqualsPassOverCopiedRows(order: LogisticKernel.Order, workers: Int) throws {
        for columns in [3, 5, 8] {
            let coefficients: [Double] = (0..<columns).map { j in
                let size = 0.5 / Double(j + 1)
                return j % 2 == 0 ? size : -size
            }
            let (x, y) = syntheticLogisticData(rows: 9_000, coefficients: coefficients, intercept: -0.3, seed: UInt64(columns))
            let rows = Self.selection
            let targets = rows.map { y[$0] }
            let weights = rows.map { Double($0 % 7) / 3 }
            let copied = Validation.selectRows(x, rows)
            let selected = try LogisticKernel.evaluate(x, selection: rows, targets: targets, weights: weights,
                                                       coefficients: coefficients, intercept: 0.1, order: order,
                                                       workers: workers, columnSums: true)
            let reference = try LogisticKernel.evaluate(copied, targets: targets, weights: weights, coefficients: coefficients,
                                                        intercept: 0.1, order: order, workers: workers, columnSums: true)
            #expect(selected.loss.bitPattern == reference.loss.bitPattern, "\(columns) columns")
            #expect(selected.gradient.map(\.bitPattern) == reference.gradient.map(\.bitPattern), "\(columns) columns")
            #expect(selected.hessian?.elements.map(\.bitPattern) == reference.hessian?.elements.map(\.bitPattern),
                    "\(columns) columns")
            #expect(selected.columnSums.map(\.bitPattern) == reference.columnSums.map(\.bitPattern), "\(columns) columns")
        }
    }

    @Test func kernelRejectsARowOutsideTheMatrix() {
        #expect(throws: LinearAlgebraError.self) {
            try LogisticKernel.evaluate(Self.data.x, selection: [0, 9_000], targets: [0, 1], weights: nil,
                                        coefficients: [0, 0, 0], intercept: 0, order: .loss, workers: 1)
        }
    }

    /// The Newton warm start's sample is every `k`-th selected row: selected in place, it gives the same path.
    @Test func newtonWithSubsamplingOnSelectedRowsEqualsNewtonOnCopiedRows() throws {
        let rows = Self.selection
        let targets = rows.map { Self.data.y[$0] }
        let configuration = LogisticRegression.Configuration(tolerance: 1e-9, solver: .newton, workers: 2)
        let selected = LogisticObjective(x: Self.data.x, selection: rows, targets: targets, weights: nil,
                                         configuration: configuration)
        let copied = LogisticObjective(x: Validation.selectRows(Self.data.x, rows), targets: targets, weights: nil,
                                       configuration: configuration)
        // 5,000 rows, width 4: a stride of min(16, 5000 / 320) = 15 >= 4, so the warm start runs.
        let a = try NewtonSolver.minimize(selected, configuration: configuration, subsamplingMinimumRows: 1_000)
        let b = try NewtonSolver.minimize(copied, configuration: configuration, subsamplingMinimumRows: 1_000)
        #expect(a.parameters.map(\.bitPattern) == b.parameters.map(\.bitPattern))
        #expect(a.objectiveTrace.map(\.bitPattern) == b.objectiveTrace.map(\.bitPattern))
        #expect(selected.passCount == copied.passCount)
        #expect(a.iterations == b.iterations && a.converged)
    }

    @Test(arguments: [LogisticRegression.Configuration(),
                      LogisticRegression.Configuration(c: 0.5, classWeight: .balanced, solver: .lbfgs),
                      LogisticRegression.Configuration(c: 0.2, penalty: .elasticNet, l1Ratio: 0.3)])
    func fitOnSelectedRowsEqualsFitOnCopiedRows(configuration: LogisticRegression.Configuration) throws {
        let rows = Self.selection
        let targets = rows.map { Self.data.y[$0] }
        let weights = rows.map { 0.5 + Double($0 % 3) }
        let regression = LogisticRegression(configuration)
        let selected = try regression.fit(Self.data.x, selection: rows, targets: targets, sampleWeights: weights)
        let copied = try regression.fit(Validation.selectRows(Self.data.x, rows), targets: targets, sampleWeights: weights)
        #expect(selected.coefficients.map(\.bitPattern) == copied.coefficients.map(\.bitPattern))
        #expect(selected.intercept.bitPattern == copied.intercept.bitPattern)
        #expect(selected.featureMeans.map(\.bitPattern) == copied.featureMeans.map(\.bitPattern))
        #expect(selected.fit.passes == copied.fit.passes)
    }

    /// Cross-validation as it was written before folds selected rows: each fold's rows copied, then fitted
    /// and scored.
    @Test(arguments: [false, true])
    func crossValidationEqualsFittingCopiesOfEachFold(weighted: Bool) throws {
        let (x, y) = (Self.data.x, Self.data.y)
        let weights: [Double]? = weighted ? (0..<y.count).map { 1 + Double($0 % 4) / 4 } : nil
        let regression = LogisticRegression()
        let report = try Validation.crossValidate(regression, x: x, targets: y, sampleWeights: weights, folds: 5, seed: 3)
        var reference: [Metrics.Summary] = []
        for split in try Validation.stratifiedFolds(targets: y, folds: 5, seed: 3) {
            let model = try regression.fit(Validation.selectRows(x, split.trainingRows),
                                           targets: split.trainingRows.map { y[$0] },
                                           sampleWeights: weights.map { w in split.trainingRows.map { w[$0] } })
            let probabilities = try model.probabilities(Validation.selectRows(x, split.evaluationRows))
            reference.append(try Metrics.summary(targets: split.evaluationRows.map { y[$0] }, probabilities: probabilities,
                                                 weights: weights.map { w in split.evaluationRows.map { w[$0] } }))
        }
        #expect(report.folds == reference)
    }
}
