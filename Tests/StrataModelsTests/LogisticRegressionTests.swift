import Foundation
import StrataFeatures
import StrataLinearAlgebra
import Testing
@testable import StrataModels

@Suite("Logistic regression")
struct LogisticRegressionTests {
    static let golden = LogisticGolden.shared

    /// Fits the golden case with `solver` and returns the largest coefficient/intercept difference from
    /// scikit-learn.
    static func deviation(_ fit: LogisticGolden.Fit, solver: LogisticRegression.Solver = .automatic) throws -> Double {
        let data = fit.data == "standard" ? golden.standard : golden.sparse
        let configuration = LogisticRegression.Configuration(
            c: fit.C, penalty: LogisticRegression.Penalty(rawValue: fit.penalty)!, l1Ratio: fit.l1_ratio,
            classWeight: fit.class_weight == "balanced" ? .balanced : .none, tolerance: 1e-10, maxIterations: 500,
            solver: solver)
        let model = try LogisticRegression(configuration).fit(
            data.matrix, targets: data.y, sampleWeights: fit.sample_weights ? data.sample_weights : nil)
        #expect(model.fit.converged, "\(fit.name) did not converge: \(model.fit.warnings)")
        let differences = zip(model.coefficients, fit.coefficients).map { Swift.abs($0 - $1) }
        return Swift.max(differences.max() ?? 0, Swift.abs(model.intercept - fit.intercept))
    }

    @Test("L2 Newton matches scikit-learn within 1e-6", arguments: LogisticGolden.shared.fits.filter { $0.penalty == "l2" }.map(\.name))
    func l2MatchesScikitLearn(name: String) throws {
        let fit = Self.golden.fits.first { $0.name == name }!
        #expect(try Self.deviation(fit, solver: .newton) <= 1e-6)
    }

    @Test("L2 L-BFGS matches scikit-learn within 1e-6", arguments: ["l2_c1", "l2_c2_balanced_sample_weights"])
    func lbfgsMatchesScikitLearn(name: String) throws {
        let fit = Self.golden.fits.first { $0.name == name }!
        #expect(try Self.deviation(fit, solver: .lbfgs) <= 1e-6)
    }

    @Test("L1 and elastic-net match scikit-learn's saga within 1e-4",
          arguments: LogisticGolden.shared.fits.filter { $0.penalty != "l2" }.map(\.name))
    func sparsePenaltiesMatchScikitLearn(name: String) throws {
        let fit = Self.golden.fits.first { $0.name == name }!
        #expect(try Self.deviation(fit) <= 1e-4)
    }

    @Test func l1ZeroesTheCoefficientsScikitLearnZeroes() throws {
        let fit = Self.golden.fits.first { $0.name == "l1_c0.1" }!
        let model = try LogisticRegression(.init(c: fit.C, penalty: .l1, tolerance: 1e-10))
            .fit(Self.golden.sparse.matrix, targets: Self.golden.sparse.y)
        for (mine, reference) in zip(model.coefficients, fit.coefficients) where reference == 0 {
            #expect(mine == 0)
        }
    }

    @Test func balancedEqualsExplicitClassWeights() throws {
        let data = Self.golden.standard
        let positives = data.y.reduce(0, +), n = Double(data.y.count)
        let weights = data.y.map { $0 == 1 ? n / (2 * positives) : n / (2 * (n - positives)) }
        let balanced = try LogisticRegression(.init(classWeight: .balanced, tolerance: 1e-10)).fit(data.matrix, targets: data.y)
        let explicit = try LogisticRegression(.init(tolerance: 1e-10)).fit(data.matrix, targets: data.y, sampleWeights: weights)
        for (a, b) in zip(balanced.coefficients + [balanced.intercept], explicit.coefficients + [explicit.intercept]) {
            #expect(Swift.abs(a - b) <= 1e-9)
        }
    }

    @Test func newtonObjectiveDecreasesEveryStep() throws {
        let data = syntheticLogisticData(rows: 400, coefficients: [2, -1, 0.5, 3], intercept: -1, seed: 7)
        let model = try LogisticRegression(.init(c: 10, tolerance: 1e-12)).fit(data.x, targets: data.y)
        #expect(model.fit.iterations >= 3)
        for (before, after) in zip(model.fit.objectiveTrace, model.fit.objectiveTrace.dropFirst()) {
            #expect(after <= before + 1e-14 * Swift.abs(before))
        }
        #expect(model.fit.gradientMaxAbs <= 1e-12)
        // Newton from the intercept-only start: quadratic convergence, few passes.
        #expect(model.fit.iterations <= 12)
    }

    @Test func probabilitiesLieInTheUnitInterval() throws {
        let data = syntheticLogisticData(rows: 300, coefficients: [4, -4, 8], intercept: 0.5, seed: 11)
        let model = try LogisticRegression(.init(c: 100)).fit(data.x, targets: data.y)
        var generator = LogisticTestGenerator(seed: 3)
        let probe = Matrix(rows: 200, columns: 3, elements: (0..<600).map { _ in 50 * generator.normal() })
        for p in try model.probabilities(probe) + model.probabilities(data.x) {
            #expect(p >= 0 && p <= 1)
        }
    }

    @Test func separableDataGivesFiniteCoefficients() throws {
        // Perfectly separated by the sign of column 0.
        let x = Matrix<Double>((0..<40).map { i in [Double(i) - 19.5, Double(i % 3)] })
        let y = (0..<40).map { $0 >= 20 ? 1.0 : 0.0 }
        let model = try LogisticRegression(.init(c: 1)).fit(x, targets: y)
        #expect(model.fit.converged)
        #expect((model.coefficients + [model.intercept]).allSatisfy { $0.isFinite })
        // With a huge C the penalty no longer holds the coefficients: they grow until the iteration limit
        // and the fit reports it instead of overflowing.
        let loose = try LogisticRegression(.init(c: 1e12, maxIterations: 30)).fit(x, targets: y)
        #expect((loose.coefficients + [loose.intercept]).allSatisfy { $0.isFinite })
        #expect(loose.coefficients[0] > model.coefficients[0])
        if !loose.fit.converged { #expect(!loose.fit.warnings.isEmpty) }
    }

    @Test func notConvergedIsReportedWithAWarning() throws {
        let data = syntheticLogisticData(rows: 200, coefficients: [1, 2], intercept: 0, seed: 5)
        let model = try LogisticRegression(.init(tolerance: 1e-14, maxIterations: 1)).fit(data.x, targets: data.y)
        #expect(!model.fit.converged)
        #expect(model.fit.warnings.first?.contains("did not converge in 1 iterations") == true)
    }

    @Test func solversAgreeOnTheSameProblem() throws {
        let data = syntheticLogisticData(rows: 500, coefficients: [0.5, -1, 0, 2, 0.1], intercept: 0.3, seed: 13)
        let newton = try LogisticRegression(.init(c: 0.7, tolerance: 1e-11, solver: .newton)).fit(data.x, targets: data.y)
        let lbfgs = try LogisticRegression(.init(c: 0.7, tolerance: 1e-11, maxIterations: 1000, solver: .lbfgs)).fit(data.x, targets: data.y)
        let proximal = try LogisticRegression(.init(c: 0.7, penalty: .elasticNet, l1Ratio: 0, tolerance: 1e-11)).fit(data.x, targets: data.y)
        for other in [lbfgs, proximal] {
            for (a, b) in zip(newton.coefficients + [newton.intercept], other.coefficients + [other.intercept]) {
                #expect(Swift.abs(a - b) <= 1e-8)
            }
        }
    }

    @Test func subsampledWarmStartReachesTheSameOptimum() throws {
        // 12,000 rows with the sampling threshold lowered to 5,000 (from 100,000, to keep debug builds fast):
        // Newton first fits every 16th row, then takes chord steps on all rows.
        let data = syntheticLogisticData(rows: 12_000, coefficients: [0.8, -0.3, 0.5], intercept: -0.4, seed: 29)
        let configuration = LogisticRegression.Configuration(tolerance: 1e-9, solver: .newton)
        let objective = LogisticObjective(x: data.x, targets: data.y, weights: nil, configuration: configuration)
        let sampled = try NewtonSolver.minimize(objective, configuration: configuration, subsamplingMinimumRows: 5_000)
        let plainObjective = LogisticObjective(x: data.x, targets: data.y, weights: nil, configuration: configuration)
        let plain = try NewtonSolver.minimize(plainObjective, configuration: configuration, subsamplingMinimumRows: .max)
        #expect(sampled.converged && plain.converged)
        for (a, b) in zip(sampled.parameters, plain.parameters) { #expect(Swift.abs(a - b) <= 1e-8) }
        // A few more passes than plain Newton, most of them without the O(n·d²) Hessian.
        #expect(objective.passCount <= plainObjective.passCount + 3, "\(objective.passCount) vs \(plainObjective.passCount)")
        for (before, after) in zip(sampled.objectiveTrace, sampled.objectiveTrace.dropFirst()) {
            #expect(after <= before + 1e-14 * Swift.abs(before))
        }
        // The feature means come from the same passes.
        let mean0 = data.x.column(0).reduce(0, +) / 12_000
        #expect(Swift.abs(try #require(objective.columnSums)[0] / 12_000 - mean0) <= 1e-12)
    }

    @Test(arguments: [LogisticRegression.Solver.lbfgs, .newton, .proximalNewton])
    func nonFiniteInputIsFoundByEverySolver(solver: LogisticRegression.Solver) throws {
        var data = syntheticLogisticData(rows: 50, coefficients: [1, 1], intercept: 0, seed: 31)
        for value in [Double.nan, .infinity] {
            data.x[37, 0] = value
            let penalty: LogisticRegression.Penalty = solver == .proximalNewton ? .l1 : .l2
            #expect(throws: LogisticError.self) {
                try LogisticRegression(.init(penalty: penalty, solver: solver)).fit(data.x, targets: data.y)
            }
            do {
                _ = try LogisticRegression(.init(penalty: penalty, solver: solver)).fit(data.x, targets: data.y)
            } catch let LogisticError.nonFiniteInput(row, column, _) {
                #expect(row == 37 && column == 0)
            }
        }
    }

    @Test func workerCountDoesNotChangeTheSolution() throws {
        let data = syntheticLogisticData(rows: 3000, coefficients: [1, -0.5, 0.25], intercept: -0.2, seed: 17)
        let one = try LogisticRegression(.init(tolerance: 1e-10, workers: 1)).fit(data.x, targets: data.y)
        let three = try LogisticRegression(.init(tolerance: 1e-10, workers: 3)).fit(data.x, targets: data.y)
        for (a, b) in zip(one.coefficients, three.coefficients) { #expect(Swift.abs(a - b) <= 1e-10) }
    }

    @Test func kernelGradientAndHessianMatchFiniteDifferences() throws {
        let data = syntheticLogisticData(rows: 120, coefficients: [0.4, -0.7], intercept: 0.1, seed: 19)
        let weights = (0..<120).map { 0.5 + Double($0 % 4) / 2 }
        let theta = [0.3, -0.2, 0.05]
        func value(_ t: [Double]) throws -> LogisticKernel.Evaluation {
            try LogisticKernel.evaluate(data.x, targets: data.y, weights: weights, coefficients: [t[0], t[1]],
                                        intercept: t[2], order: .hessian, workers: 2)
        }
        let center = try value(theta)
        let h = 1e-6
        for j in 0..<3 {
            var plus = theta, minus = theta
            plus[j] += h
            minus[j] -= h
            let (fp, fm) = (try value(plus), try value(minus))
            #expect(Swift.abs((fp.loss - fm.loss) / (2 * h) - center.gradient[j]) <= 1e-6 * Swift.max(1, Swift.abs(center.gradient[j])))
            for k in 0..<3 {
                let numeric = (fp.gradient[k] - fm.gradient[k]) / (2 * h)
                #expect(Swift.abs(numeric - center.hessian![k, j]) <= 1e-5 * Swift.max(1, Swift.abs(numeric)))
            }
        }
        // The loss in stable form equals the textbook formula where the latter is accurate.
        var direct = 0.0
        for i in 0..<120 {
            let z = 0.3 * data.x[i, 0] - 0.2 * data.x[i, 1] + 0.05
            let p = 1 / (1 + exp(-z))
            direct -= weights[i] * (data.y[i] * log(p) + (1 - data.y[i]) * log(1 - p))
        }
        #expect(Swift.abs(direct - center.loss) <= 1e-10 * direct)
    }

    @Test func stableLossAndSigmoidAtExtremeMargins() {
        #expect(Logistic.sigmoid(-800) >= 0 && Logistic.sigmoid(-800) < 1e-300)
        #expect(Logistic.sigmoid(800) == 1)
        #expect(Logistic.loss(margin: 800, target: 1) == 0)
        #expect(Logistic.loss(margin: -800, target: 1) == 800)
        #expect(Swift.abs(Logistic.loss(margin: 1e-20, target: 0) - log(2)) < 1e-15)
    }

    // MARK: Errors

    @Test func inputErrorsNameTheProblem() throws {
        let x = Matrix<Double>([[1, 2], [3, 4], [5, 6]])
        let regression = LogisticRegression()
        #expect(throws: LogisticError.oneClass(label: 1, count: 3)) { try regression.fit(x, targets: [1, 1, 1]) }
        #expect(throws: LogisticError.rowCountMismatch(rows: 3, other: "the target", count: 2)) {
            try regression.fit(x, targets: [0, 1])
        }
        #expect(throws: LogisticError.targetNotBinary(index: 2, value: 2)) { try regression.fit(x, targets: [0, 1, 2]) }
        #expect(throws: LogisticError.targetNotBinary(index: 1, value: -1)) { try regression.fit(x, targets: [1, -1, 1]) }
        var bad = x
        bad[2, 1] = .nan
        #expect(throws: LogisticError.self) { try regression.fit(bad, targets: [0, 1, 0]) }
        do {
            _ = try regression.fit(bad, targets: [0, 1, 0])
        } catch let LogisticError.nonFiniteInput(row, column, _) {
            #expect(row == 2 && column == 1)
        }
        bad[2, 1] = -.infinity
        #expect(throws: LogisticError.nonFiniteInput(row: 2, column: 1, value: -.infinity)) { try regression.fit(bad, targets: [0, 1, 0]) }
        #expect(throws: LogisticError.invalidSampleWeight(index: 0, value: -1)) {
            try regression.fit(x, targets: [0, 1, 0], sampleWeights: [-1, 1, 1])
        }
        #expect(throws: LogisticError.rowCountMismatch(rows: 3, other: "the sample weights", count: 1)) {
            try regression.fit(x, targets: [0, 1, 0], sampleWeights: [1])
        }
        #expect(throws: LogisticError.invalidConfiguration(parameter: "C", value: "0.0", expected: "a finite number > 0")) {
            try LogisticRegression(.init(c: 0)).fit(x, targets: [0, 1, 0])
        }
        #expect(throws: LogisticError.noRows) { try regression.fit(Matrix(rows: 0, columns: 2), targets: []) }
        let model = try regression.fit(x, targets: [0, 1, 0])
        #expect(throws: LogisticError.columnCountMismatch(expected: 2, found: 3)) { try model.probabilities(Matrix(rows: 1, columns: 3)) }
    }

    // MARK: Model file and explanations

    @Test func modelFileRoundTrips() throws {
        let data = Self.golden.standard
        let model = try LogisticRegression(.init(c: 0.5)).fit(data.matrix, targets: data.y)
        let file = ModelFile(kind: LogisticParameters.kind, featureSchema: .plain(columnCount: 5),
                             parameters: LogisticParameters(model), metrics: ["auc": 0.8],
                             training: ["as_of": "2026-01-01", "horizon_days": "180", "export_fingerprint": "sha256:abc"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("logistic-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        let read = try ModelFile<LogisticParameters>.read(from: url, kind: "logistic")
        #expect(read.parameters == file.parameters)
        #expect(read.training["horizon_days"] == "180")
        #expect(try read.parameters.model.probabilities(data.matrix) == model.probabilities(data.matrix))
    }

    @Test func explanationsNameTheLargestPushes() throws {
        let model = LogisticModel(
            coefficients: [2, -1, 0.1, 0], intercept: 0, featureMeans: [0, 0, 0, 0], configuration: .init(),
            fit: .init(solver: .newton, iterations: 0, converged: true, gradientMaxAbs: 0, objective: 0,
                       objectiveTrace: [], passes: 0, seconds: 0, warnings: []))
        let schema = FeatureSchema(columns: [
            .init(name: "days_since_last_visit", family: "recency"),
            .init(name: "visits_per_year", family: "frequency", label: "visits per year"),
            .init(name: "emails_opened", family: "engagement"),
            .init(name: "age", family: "demographics"),
        ])
        let x = Matrix<Double>([[1, 3, 5, 9], [-0.5, 0, 0, 1]])
        let explanations = try model.explain(x, schema: schema)
        #expect(explanations[0].contributions.map(\.name) == ["visits_per_year", "days_since_last_visit", "emails_opened"])
        #expect(explanations[0].contributions.map(\.direction) == ["lowers", "raises", "raises"])
        #expect(explanations[0].summary.hasPrefix("visits per year lowers risk (-3.00); days since last visit raises risk (+2.00)"))
        // Zero pushes are not explanations.
        #expect(explanations[1].contributions.map(\.name) == ["days_since_last_visit"])
    }
}
