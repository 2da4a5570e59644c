import Foundation
import StrataLinearAlgebra

/// The penalized objective all logistic solvers minimize, divided by `C` so that its value is
///
///     f(θ) = Σᵢ sᵢ·ℓᵢ(θ) + λ₂/2·‖w‖² + λ₁·‖w‖₁,   θ = (w, b)
///
/// (the minimizer is that of scikit-learn's `C·Σ sᵢℓᵢ + penalty`). Parameter vectors hold the `d`
/// coefficients followed by the intercept. Gradients and Hessians cover the smooth part (loss + L2); the L1
/// term is handled by the proximal solver.
final class LogisticObjective: @unchecked Sendable {
    let x: Matrix<Double>
    /// The rows of `x` the objective sums over, in order, or `nil` for all: folds and subsamples select rows
    /// instead of copying them.
    let selection: [Int]?
    /// One target (and weight) per used row.
    let targets: [Double]
    let weights: [Double]?
    let l2Strength: Double
    let l1Strength: Double
    /// `S = Σ sᵢ`: gradients divided by it are scikit-learn's scaled gradients for `tol`.
    let weightSum: Double
    let workers: Int
    /// Passes over `X` so far (every evaluation reads `X` once).
    private(set) var passCount = 0

    /// The column sums of `X`, from the first pass that computed a gradient (for the feature means).
    private(set) var columnSums: [Double]?

    convenience init(x: Matrix<Double>, selection: [Int]? = nil, targets: [Double], weights: [Double]?,
                     configuration: LogisticRegression.Configuration) {
        let strengths = configuration.penaltyStrengths
        self.init(x: x, selection: selection, targets: targets, weights: weights, l2Strength: strengths.l2,
                  l1Strength: strengths.l1, workers: configuration.workers)
    }

    init(x: Matrix<Double>, selection: [Int]? = nil, targets: [Double], weights: [Double]?, l2Strength: Double,
         l1Strength: Double, workers: Int) {
        self.x = x
        self.selection = selection
        self.targets = targets
        self.weights = weights
        self.l2Strength = l2Strength
        self.l1Strength = l1Strength
        weightSum = weights?.reduce(0, +) ?? Double(selection?.count ?? x.rows)
        self.workers = workers
    }

    /// Every `stride`-th used row (from the first) as an objective whose penalty is scaled by its share of the
    /// total weight, so its minimizer estimates this one's: `Σ_sub sᵢℓᵢ + (S_sub/S)·penalty ≈ (S_sub/S)·f`.
    /// Its Hessian times `S/S_sub` estimates this objective's Hessian. The sample selects rows of the same `x`.
    /// - Returns: `nil` when the sample misses a class or all its weight.
    func subsample(stride: Int) -> LogisticObjective? {
        let rows = Array(Swift.stride(from: 0, to: rowCount, by: stride))
        let sampleTargets = rows.map { targets[$0] }
        let sampleWeights = weights.map { w in rows.map { w[$0] } }
        let sampleWeightSum = sampleWeights?.reduce(0, +) ?? Double(rows.count)
        let positives = sampleTargets.reduce(0, +)
        guard sampleWeightSum > 0, positives > 0, positives < Double(rows.count) else { return nil }
        let share = sampleWeightSum / weightSum
        return LogisticObjective(x: x, selection: selection.map { used in rows.map { used[$0] } } ?? rows,
                                 targets: sampleTargets, weights: sampleWeights, l2Strength: l2Strength * share,
                                 l1Strength: l1Strength * share, workers: workers)
    }

    /// The number of used rows (samples).
    var rowCount: Int { selection?.count ?? x.rows }

    var featureCount: Int { x.columns }

    /// Value, smooth gradient and (for `.hessian`) smooth Hessian at `parameters`.
    func evaluate(_ parameters: [Double], _ order: LogisticKernel.Order) throws(LogisticError) -> LogisticKernel.Evaluation {
        let d = featureCount
        passCount += 1
        var evaluation: LogisticKernel.Evaluation
        let wantsColumnSums = columnSums == nil && order >= .gradient
        do {
            evaluation = try LogisticKernel.evaluate(
                x, selection: selection, targets: targets, weights: weights, coefficients: Array(parameters[0..<d]),
                intercept: parameters[d], order: order, workers: workers, columnSums: wantsColumnSums)
        } catch { throw .linearAlgebra(error) }
        if wantsColumnSums { columnSums = evaluation.columnSums }
        var squaredNorm = 0.0, absoluteSum = 0.0
        for j in 0..<d {
            squaredNorm += parameters[j] * parameters[j]
            absoluteSum += Swift.abs(parameters[j])
        }
        evaluation.loss += 0.5 * l2Strength * squaredNorm + l1Strength * absoluteSum
        if order >= .gradient {
            for j in 0..<d { evaluation.gradient[j] += l2Strength * parameters[j] }
        }
        if order >= .hessian {
            for j in 0..<d { evaluation.hessian![j, j] += l2Strength }
        }
        // The column sums (first gradient pass) multiply every element of X by 1, so any NaN or infinity in X
        // shows up here whatever BLAS does with zero coefficients.
        guard evaluation.loss.isFinite, evaluation.gradient.allSatisfy(\.isFinite),
              evaluation.columnSums.allSatisfy(\.isFinite) else {
            throw .numericalOverflow(detail: "the objective is \(evaluation.loss) at a parameter max-abs of "
                                     + "\(parameters.map { Swift.abs($0) }.max() ?? 0); scale the features")
        }
        return evaluation
    }

    /// The objective value only.
    func value(_ parameters: [Double]) throws(LogisticError) -> Double {
        try evaluate(parameters, .loss).loss
    }

    /// The largest absolute component of the minimum-norm subgradient of `f`, divided by `S` (scikit-learn's
    /// scale for `tol`). With `λ₁ = 0` it is the gradient's max-abs.
    func stationarity(_ parameters: [Double], smoothGradient gradient: [Double]) -> Double {
        var largest = Swift.abs(gradient[featureCount])
        for j in 0..<featureCount {
            let component: Double
            if l1Strength == 0 {
                component = Swift.abs(gradient[j])
            } else if parameters[j] != 0 {
                component = Swift.abs(gradient[j] + l1Strength * (parameters[j] > 0 ? 1 : -1))
            } else {
                component = Swift.max(Swift.abs(gradient[j]) - l1Strength, 0)
            }
            largest = Swift.max(largest, component)
        }
        return largest / weightSum
    }

    /// Starting point: zero coefficients and the intercept at the weighted log-odds of the positives
    /// (the minimizer over the intercept alone), which saves a Newton step or two.
    func startingPoint() -> [Double] {
        var positive = 0.0
        for i in targets.indices where targets[i] == 1 { positive += weights?[i] ?? 1 }
        var start = Array(repeating: 0.0, count: featureCount + 1)
        start[featureCount] = log(positive / (weightSum - positive))
        return start
    }
}

/// What a solver returns.
struct LogisticSolution {
    var parameters: [Double]
    var iterations: Int
    var converged: Bool
    var gradientMaxAbs: Double
    /// `f(θ) / S` (scikit-learn's scaled objective `F / (C·S)`) at the start and after every accepted step.
    var objectiveTrace: [Double]
    var warnings: [String] = []
    /// The last Hessian the solver used (smooth part, with the L2 term), when it formed one.
    var hessian: Matrix<Double>? = nil

    /// A solution at the starting point, whose evaluation is `start`.
    init(start parameters: [Double], _ start: LogisticKernel.Evaluation, _ objective: LogisticObjective) {
        self.parameters = parameters
        iterations = 0
        converged = false
        gradientMaxAbs = objective.stationarity(parameters, smoothGradient: start.gradient)
        objectiveTrace = [start.loss / objective.weightSum]
    }

    /// The stopping rules at `parameters`: records the stationarity, then `true` when it is within the
    /// tolerance (converged) or the iterations are used up.
    mutating func isFinished(at parameters: [Double], _ current: LogisticKernel.Evaluation, _ objective: LogisticObjective,
                             _ configuration: LogisticRegression.Configuration) -> Bool {
        gradientMaxAbs = objective.stationarity(parameters, smoothGradient: current.gradient)
        if gradientMaxAbs <= configuration.tolerance { converged = true }
        return converged || iterations >= configuration.maxIterations
    }

    /// Counts an accepted step that reached `evaluation`.
    mutating func recordStep(_ evaluation: LogisticKernel.Evaluation, _ objective: LogisticObjective) {
        iterations += 1
        objectiveTrace.append(evaluation.loss / objective.weightSum)
    }
}
