import Foundation
import StrataLinearAlgebra

/// Binary logistic regression with the objective scikit-learn's `LogisticRegression` minimizes:
///
///     F(w, b) = C · Σᵢ sᵢ · ℓᵢ + penalty(w),   ℓᵢ = log(1 + e^{zᵢ}) − yᵢ·zᵢ,   zᵢ = xᵢ·w + b
///
/// with `penalty(w) = ½‖w‖²` (L2), `‖w‖₁` (L1) or `(1 − ρ)·½‖w‖² + ρ·‖w‖₁` (elastic-net, `ρ` = `l1Ratio`).
/// The intercept `b` is not penalized. `sᵢ` is the sample weight times the class weight.
///
/// Solvers (all exact up to the tolerance, so they agree with each other and with scikit-learn):
/// - L2, `d ≤ 200`: Newton (IRLS). Each iteration is one fused pass over `X` giving loss, gradient and
///   Hessian `[X 1]ᵀ diag(s·p(1−p)) [X 1]`; the step solves `(H + I/C) Δ = −g` by Cholesky (LAPACK
///   `posv`); a backtracking (Armijo) line search keeps every step decreasing `F`.
/// - L2, `d > 200`: L-BFGS (10 pairs) with Armijo backtracking; one pass for loss and gradient per trial.
/// - L1 and elastic-net: proximal Newton; the quadratic model's lasso problem is solved by coordinate descent
///   on the Hessian, then a line search on `F`.
///
/// Convergence, as scikit-learn's `tol` for its lbfgs and newton solvers: the objective is scaled to
/// `F / (C · S)` with `S = Σᵢ sᵢ` (so its loss part is a weighted mean) and the fit stops when the largest
/// absolute component of its (minimum-norm sub-)gradient is at most `tolerance`.
public struct LogisticRegression: Sendable {
    /// The penalty on the coefficients (never on the intercept).
    public enum Penalty: String, Sendable, Codable, CaseIterable {
        case l2
        case l1
        case elasticNet = "elasticnet"
    }

    /// How samples of each class are weighted.
    public enum ClassWeight: String, Sendable, Codable, CaseIterable {
        /// Every sample counts with its sample weight.
        case none
        /// Class `c` gets `S / (2·S_c)` (S: total sample weight, S_c: that of class c), as scikit-learn's
        /// `class_weight="balanced"`.
        case balanced
    }

    /// Which algorithm minimizes the objective.
    public enum Solver: String, Sendable, Codable, CaseIterable {
        /// Newton for L2 with up to 200 features, L-BFGS above, proximal Newton for L1/elastic-net.
        case automatic
        case newton
        case lbfgs
        case proximalNewton = "proximal-newton"
    }

    /// Hyperparameters; a fit never changes them.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Inverse regularization strength (`C` in scikit-learn); larger means weaker penalty. Must be > 0.
        public var c: Double = 1
        public var penalty: Penalty = .l2
        /// The L1 share `ρ` of the elastic-net penalty, in [0, 1]; used only with `.elasticNet`.
        public var l1Ratio: Double = 0.5
        public var classWeight: ClassWeight = .none
        /// The convergence tolerance on the scaled gradient's max-abs (see the type's documentation).
        public var tolerance: Double = 1e-6
        /// The most solver iterations (Newton steps, L-BFGS steps).
        public var maxIterations: Int = 100
        public var solver: Solver = .automatic
        /// Row-parallel workers for the passes over `X` (the result depends on this count only in the last bits).
        public var workers: Int = Parallel.processorCount

        public init(c: Double = 1, penalty: Penalty = .l2, l1Ratio: Double = 0.5, classWeight: ClassWeight = .none,
                    tolerance: Double = 1e-6, maxIterations: Int = 100, solver: Solver = .automatic,
                    workers: Int = Parallel.processorCount) {
            self.c = c
            self.penalty = penalty
            self.l1Ratio = l1Ratio
            self.classWeight = classWeight
            self.tolerance = tolerance
            self.maxIterations = maxIterations
            self.solver = solver
            self.workers = workers
        }

        /// The L2 and L1 strengths of `F / C`: `penalty(w) / C = λ₂/2·‖w‖² + λ₁·‖w‖₁`.
        var penaltyStrengths: (l2: Double, l1: Double) {
            switch penalty {
            case .l2: (1 / c, 0)
            case .l1: (0, 1 / c)
            case .elasticNet: ((1 - l1Ratio) / c, l1Ratio / c)
            }
        }

        /// The solver `.automatic` resolves to for `featureCount` features.
        func resolvedSolver(featureCount: Int) -> Solver {
            switch (solver, penalty) {
            case (.automatic, .l2): featureCount > 200 ? .lbfgs : .newton
            case (.automatic, _): .proximalNewton
            case (.newton, .l2), (.lbfgs, .l2), (.proximalNewton, _): solver
            case (.newton, _), (.lbfgs, _): .proximalNewton
            }
        }

        func validate() throws(LogisticError) {
            guard c > 0, c.isFinite else {
                throw .invalidConfiguration(parameter: "C", value: "\(c)", expected: "a finite number > 0")
            }
            guard (0...1).contains(l1Ratio) else {
                throw .invalidConfiguration(parameter: "l1Ratio", value: "\(l1Ratio)", expected: "a number in [0, 1]")
            }
            guard tolerance > 0, tolerance.isFinite else {
                throw .invalidConfiguration(parameter: "tolerance", value: "\(tolerance)", expected: "a finite number > 0")
            }
            guard maxIterations >= 1 else {
                throw .invalidConfiguration(parameter: "maxIterations", value: "\(maxIterations)", expected: "an integer >= 1")
            }
            guard workers >= 1 else {
                throw .invalidConfiguration(parameter: "workers", value: "\(workers)", expected: "an integer >= 1")
            }
        }
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Fits the model.
    ///
    /// - Parameters:
    ///   - x: `n×d` features, rows are samples.
    ///   - targets: `n` labels, each 0 or 1, with both classes present.
    ///   - sampleWeights: `n` non-negative weights, or `nil` for all ones.
    /// - Returns: the fitted model; `model.fit.converged` is false (and a warning set) when the iteration
    ///   limit stopped it first.
    /// - Throws: ``LogisticError`` for invalid hyperparameters or input (one class, NaN/infinite values,
    ///   row-count mismatch, targets not 0/1, negative weights).
    /// - Complexity: per Newton iteration one pass over `X`, O(n·d²); per L-BFGS step O(n·d).
    public func fit(_ x: Matrix<Double>, targets: [Double], sampleWeights: [Double]? = nil) throws(LogisticError) -> LogisticModel {
        try fit(x, selection: nil, targets: targets, sampleWeights: sampleWeights)
    }

    /// Fits the model on the rows `selection` of `x` (in that order), as ``fit(_:targets:sampleWeights:)``
    /// would on those rows copied into a matrix, bit for bit, without the copy: cross-validation fits its folds
    /// this way.
    ///
    /// - Parameters:
    ///   - selection: row indices into `x`, or `nil` for every row.
    ///   - targets: one label per selected row.
    ///   - sampleWeights: one weight per selected row, or `nil` for all ones.
    package func fit(_ x: Matrix<Double>, selection: [Int]?, targets: [Double],
                     sampleWeights: [Double]? = nil) throws(LogisticError) -> LogisticModel {
        try configuration.validate()
        let start = DispatchTime.now().uptimeNanoseconds
        let rowCount = selection?.count ?? x.rows
        precondition(selection?.allSatisfy { (0..<x.rows).contains($0) } ?? true, "a selected row is outside x's \(x.rows) rows")
        // The used rows as a matrix of their own, only for the paths below that need one (rare).
        func usedRows() -> Matrix<Double> { selection.map { Validation.selectRows(x, $0) } ?? x }
        let weights = try Self.effectiveWeights(rows: rowCount, targets: targets, sampleWeights: sampleWeights,
                                                classWeight: configuration.classWeight)
        let objective = LogisticObjective(x: x, selection: selection, targets: targets, weights: weights,
                                          configuration: configuration)
        let solver = configuration.resolvedSolver(featureCount: x.columns)
        var solution: LogisticSolution
        do {
            switch solver {
            case .newton, .automatic: solution = try NewtonSolver.minimize(objective, configuration: configuration)
            case .lbfgs: solution = try LBFGSSolver.minimize(objective, configuration: configuration)
            case .proximalNewton: solution = try ProximalNewtonSolver.minimize(objective, configuration: configuration)
            }
        } catch .numericalOverflow(let detail) {
            // A NaN or infinity anywhere in X makes every pass non-finite (0·∞ and 0·NaN are NaN), so finite
            // passes prove finite input and the scan runs only here, to name the offending element.
            if let bad = LogisticKernel.firstNonFinite(usedRows(), workers: configuration.workers) {
                throw .nonFiniteInput(row: bad.row, column: bad.column, value: bad.value)
            }
            throw .numericalOverflow(detail: detail)
        }
        if !solution.converged {
            solution.warnings.append(
                "did not converge in \(solution.iterations) iterations (\(solver.rawValue)): gradient max-abs "
                + "\(solution.gradientMaxAbs) > tolerance \(configuration.tolerance); raise the iteration limit, "
                + "lower C, or scale the features")
        }
        let d = x.columns
        let means: [Double]
        if let sums = objective.columnSums {
            means = sums.map { $0 / Double(rowCount) }
        } else {
            means = try Self.columnMeans(usedRows())
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = LogisticModel.FitReport(
            solver: solver, iterations: solution.iterations, converged: solution.converged,
            gradientMaxAbs: solution.gradientMaxAbs, objective: solution.objectiveTrace.last ?? .nan,
            objectiveTrace: solution.objectiveTrace, passes: objective.passCount, seconds: seconds,
            warnings: solution.warnings)
        return LogisticModel(coefficients: Array(solution.parameters[0..<d]), intercept: solution.parameters[d],
                             featureMeans: means, configuration: configuration, fit: report)
    }

    /// Sample weights times class weights, checked; `nil` when every weight is one.
    static func effectiveWeights(
        rows: Int, targets: [Double], sampleWeights: [Double]?, classWeight: ClassWeight
    ) throws(LogisticError) -> [Double]? {
        guard rows > 0 else { throw .noRows }
        guard targets.count == rows else { throw .rowCountMismatch(rows: rows, other: "the target", count: targets.count) }
        if let sampleWeights {
            guard sampleWeights.count == rows else {
                throw .rowCountMismatch(rows: rows, other: "the sample weights", count: sampleWeights.count)
            }
            if let bad = sampleWeights.firstIndex(where: { !($0 >= 0) || !$0.isFinite }) {
                throw .invalidSampleWeight(index: bad, value: sampleWeights[bad])
            }
        }
        var positives = 0
        for (index, target) in targets.enumerated() {
            if target == 1 { positives += 1 } else if target != 0 { throw .targetNotBinary(index: index, value: target) }
        }
        if positives == 0 || positives == targets.count {
            throw .oneClass(label: positives == 0 ? 0 : 1, count: targets.count)
        }
        var weights = sampleWeights
        if classWeight == .balanced {
            var classTotals = [0.0, 0.0]
            for (index, target) in targets.enumerated() { classTotals[Int(target)] += sampleWeights?[index] ?? 1 }
            let total = classTotals[0] + classTotals[1]
            guard classTotals[0] > 0, classTotals[1] > 0 else { throw .zeroTotalWeight }
            let classFactor = [total / (2 * classTotals[0]), total / (2 * classTotals[1])]
            weights = targets.enumerated().map { index, target in (sampleWeights?[index] ?? 1) * classFactor[Int(target)] }
        }
        if let weights, !(weights.reduce(0, +) > 0) { throw .zeroTotalWeight }
        return weights
    }

    /// The unweighted mean of each column (explanations measure contributions from it).
    static func columnMeans(_ x: Matrix<Double>) throws(LogisticError) -> [Double] {
        var sums = Array(repeating: 0.0, count: x.columns)
        do {
            try BLAS.gemv(x, Array(repeating: 1.0, count: x.rows), trans: .transpose, into: &sums)
        } catch { throw .linearAlgebra(error) }
        return sums.map { $0 / Double(x.rows) }
    }
}
