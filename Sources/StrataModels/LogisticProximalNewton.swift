import StrataLinearAlgebra

/// Proximal Newton for the L1 and elastic-net objectives (as in newGLMNET, Yuan, Ho & Lin 2012).
///
/// At `θ` one fused pass gives the smooth gradient `g` and Hessian `Q` (loss + L2 part). The step `Δ`
/// minimizes the local model
///
///     gᵀΔ + ½·ΔᵀQΔ + λ₁·‖w + Δ_w‖₁
///
/// by cyclic coordinate descent: coordinate `j` moves to `soft(uⱼ − (gⱼ + (QΔ)ⱼ)/Qⱼⱼ, λ₁/Qⱼⱼ)` with
/// `uⱼ = θⱼ + Δⱼ` and `soft(a, τ) = sign(a)·max(|a| − τ, 0)` (no shrinkage for the intercept), keeping `QΔ`
/// current. A line search on `f` with `D = gᵀΔ + λ₁(‖w + Δ_w‖₁ − ‖w‖₁)` follows.
enum ProximalNewtonSolver {
    static func minimize(_ objective: LogisticObjective, configuration: LogisticRegression.Configuration) throws(LogisticError) -> LogisticSolution {
        var parameters = objective.startingPoint()
        var current = try objective.evaluate(parameters, .hessian)
        var solution = LogisticSolution(start: parameters, current, objective)
        let d = objective.featureCount
        while !solution.isFinished(at: parameters, current, objective, configuration) {
            // The inner problem is solved to a tolerance tied to the outer one, so the outer loop keeps its
            // fast local convergence without wasting sweeps early on.
            let innerTolerance = Swift.max(1e-3 * solution.gradientMaxAbs * objective.weightSum, 1e-15)
            let direction = lassoStep(parameters: parameters, gradient: current.gradient, hessian: current.hessian!,
                                      l1Strength: objective.l1Strength, featureCount: d, tolerance: innerTolerance)
            var l1Change = 0.0
            for j in 0..<d { l1Change += Swift.abs(parameters[j] + direction[j]) - Swift.abs(parameters[j]) }
            let decrease = dot(current.gradient, direction) + objective.l1Strength * l1Change
            guard let step = try LineSearch.backtrack(objective, from: parameters, current: current, direction: direction,
                                                      expectedDecrease: decrease, order: .hessian)
            else {
                solution.warnings.append("line search found no decrease along the proximal Newton direction")
                break
            }
            parameters = step.parameters
            current = step.evaluation
            solution.recordStep(current, objective)
        }
        solution.parameters = parameters
        return solution
    }

    /// Coordinate descent on the local model; returns `Δ`. Sweeps stop when no coordinate moved by more than
    /// `tolerance` (in units of `Qⱼⱼ·|δ|`, a gradient scale) or after 10,000 sweeps.
    static func lassoStep(parameters: [Double], gradient: [Double], hessian: Matrix<Double>, l1Strength: Double,
                          featureCount d: Int, tolerance: Double) -> [Double] {
        let width = d + 1
        var step = Array(repeating: 0.0, count: width)
        var hessianTimesStep = Array(repeating: 0.0, count: width)
        for _ in 0..<10_000 {
            var largestMove = 0.0
            for j in 0..<width {
                let curvature = Swift.max(hessian[j, j], 1e-12)
                let current = parameters[j] + step[j]
                let unshrunk = current - (gradient[j] + hessianTimesStep[j]) / curvature
                let updated = j == d ? unshrunk : softThreshold(unshrunk, l1Strength / curvature)
                let delta = updated - current
                if delta != 0 {
                    step[j] = updated - parameters[j]
                    for k in 0..<width { hessianTimesStep[k] += hessian[k, j] * delta }
                    largestMove = Swift.max(largestMove, curvature * Swift.abs(delta))
                }
            }
            if largestMove <= tolerance { break }
        }
        // A full step lands zeroed coordinates exactly on zero: θⱼ + (0 − θⱼ) == 0 in floating point.
        return step
    }

    /// `sign(value)·max(|value| − threshold, 0)`.
    static func softThreshold(_ value: Double, _ threshold: Double) -> Double {
        if value > threshold { return value - threshold }
        if value < -threshold { return value + threshold }
        return 0
    }
}
