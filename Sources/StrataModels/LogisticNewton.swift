import StrataLinearAlgebra

/// Newton's method (IRLS) for the L2-penalized objective.
///
/// At `θ` one fused pass gives `f`, `g = ∇f` and `H = ∇²f = [X 1]ᵀ diag(s·p(1−p)) [X 1] + λ₂·diag(1,…,1,0)`.
/// The step solves `H·Δ = −g` by Cholesky (LAPACK `posv`); when `H` is numerically singular (separable data
/// with a huge `C`), a ridge `μ·I` grows until the factorization succeeds. The line search first tries the
/// full step with a full pass (accepted almost always, so an iteration costs one read of `X`) and halves
/// it on failure with loss-only passes.
enum NewtonSolver {
    static func minimize(_ objective: LogisticObjective, configuration: LogisticRegression.Configuration) throws(LogisticError) -> LogisticSolution {
        var parameters = objective.startingPoint()
        var current = try objective.evaluate(parameters, .hessian)
        var solution = LogisticSolution(parameters: parameters, iterations: 0, converged: false,
                                        gradientMaxAbs: objective.stationarity(parameters, smoothGradient: current.gradient),
                                        objectiveTrace: [current.loss / objective.weightSum])
        while true {
            solution.gradientMaxAbs = objective.stationarity(parameters, smoothGradient: current.gradient)
            if solution.gradientMaxAbs <= configuration.tolerance { solution.converged = true; break }
            if solution.iterations >= configuration.maxIterations { break }
            let direction = try newtonDirection(hessian: current.hessian!, gradient: current.gradient)
            let slope = zip(current.gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            guard let step = try LineSearch.backtrack(objective, from: parameters, current: current,
                                                      direction: direction, expectedDecrease: slope, order: .hessian)
            else {
                solution.warnings.append("line search found no decrease along the Newton direction")
                break
            }
            parameters = step.parameters
            current = step.evaluation
            solution.iterations += 1
            solution.objectiveTrace.append(current.loss / objective.weightSum)
        }
        solution.parameters = parameters
        return solution
    }

    /// Solves `H·Δ = −g` by Cholesky, adding a growing ridge when `H` is not numerically positive definite.
    static func newtonDirection(hessian: Matrix<Double>, gradient: [Double]) throws(LogisticError) -> [Double] {
        let n = gradient.count
        let largestDiagonal = (0..<n).map { hessian[$0, $0] }.max() ?? 1
        var ridge = 0.0
        while true {
            var factor = hessian
            if ridge > 0 { for i in 0..<n { factor[i, i] += ridge } }
            var rightHandSide = Matrix(rows: n, columns: 1, elements: gradient.map { -$0 })
            do {
                try LAPACK.posv(&factor, &rightHandSide)
                return rightHandSide.elements
            } catch .notPositiveDefinite {
                ridge = ridge == 0 ? Swift.max(largestDiagonal, 1e-300) * 1e-12 : ridge * 100
                if ridge > Swift.max(largestDiagonal, 1) * 1e6 {
                    return gradient.map { -$0 / Swift.max(largestDiagonal, 1) }
                }
            } catch {
                throw .linearAlgebra(error)
            }
        }
    }
}

/// Backtracking line search with the Armijo condition `f(θ + tΔ) ≤ f(θ) + σ·t·D`, `σ = 10⁻⁴`, shared by
/// the solvers (`D` = `gᵀΔ` for smooth objectives, `gᵀΔ + λ₁(‖w + Δ‖₁ − ‖w‖₁)` for the proximal one).
enum LineSearch {
    struct Step {
        var parameters: [Double]
        var evaluation: LogisticKernel.Evaluation
        var stepLength: Double
    }

    /// Tries `t = 1, ½, ¼, …`. The first trial is evaluated to `order` (usually accepted, so its gradient and
    /// Hessian are reused); later trials evaluate the loss only, and the accepted point then once to `order`.
    /// A step whose value differs from `f(θ)` by less than rounding (`64·ε·|f|`) is accepted too: near the
    /// optimum Armijo cannot be decided in floating point.
    /// - Returns: the accepted step, or `nil` when `t` fell below 10⁻¹⁰.
    static func backtrack(
        _ objective: LogisticObjective, from parameters: [Double], current: LogisticKernel.Evaluation,
        direction: [Double], expectedDecrease: Double, order: LogisticKernel.Order,
        initialStep: Double = 1
    ) throws(LogisticError) -> Step? {
        let sufficientDecrease = 1e-4
        let roundingSlack = 64 * Double.ulpOfOne * Swift.abs(current.loss)
        var t = initialStep
        var first = true
        while t >= 1e-10 {
            let candidate = zip(parameters, direction).map { $0 + t * $1 }
            let trial = try first ? objective.evaluate(candidate, order) : objective.evaluate(candidate, .loss)
            if trial.loss <= current.loss + sufficientDecrease * t * Swift.min(expectedDecrease, 0)
                || trial.loss - current.loss <= roundingSlack && expectedDecrease > -roundingSlack {
                let evaluation = first ? trial : try objective.evaluate(candidate, order)
                return Step(parameters: candidate, evaluation: evaluation, stepLength: t)
            }
            first = false
            t *= 0.5
        }
        return nil
    }
}
