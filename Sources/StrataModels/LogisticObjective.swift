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
    let targets: [Double]
    let weights: [Double]?
    let l2Strength: Double
    let l1Strength: Double
    /// `S = Σ sᵢ`: gradients divided by it are scikit-learn's scaled gradients for `tol`.
    let weightSum: Double
    let workers: Int
    /// Passes over `X` so far (every evaluation reads `X` once).
    private(set) var passCount = 0

    init(x: Matrix<Double>, targets: [Double], weights: [Double]?, configuration: LogisticRegression.Configuration) {
        self.x = x
        self.targets = targets
        self.weights = weights
        (l2Strength, l1Strength) = configuration.penaltyStrengths
        weightSum = weights?.reduce(0, +) ?? Double(x.rows)
        workers = configuration.workers
    }

    var featureCount: Int { x.columns }

    /// Value, smooth gradient and (for `.hessian`) smooth Hessian at `parameters`.
    func evaluate(_ parameters: [Double], _ order: LogisticKernel.Order) throws(LogisticError) -> LogisticKernel.Evaluation {
        let d = featureCount
        passCount += 1
        var evaluation: LogisticKernel.Evaluation
        do {
            evaluation = try LogisticKernel.evaluate(
                x, targets: targets, weights: weights, coefficients: Array(parameters[0..<d]),
                intercept: parameters[d], order: order, workers: workers)
        } catch { throw .linearAlgebra(error) }
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
        guard evaluation.loss.isFinite, evaluation.gradient.allSatisfy(\.isFinite) else {
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
}
