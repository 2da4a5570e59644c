import StrataLinearAlgebra

/// Newton's method (IRLS) for the L2-penalized objective.
///
/// At `θ` one fused pass gives `f`, `g = ∇f` and `H = ∇²f = [X 1]ᵀ diag(s·p(1−p)) [X 1] + λ₂·diag(1,…,1,0)`.
/// The step solves `H·Δ = −g` by Cholesky (LAPACK `posv`); when `H` is numerically singular (separable data
/// with a huge `C`), a ridge `μ·I` grows until the factorization succeeds. The line search first tries the
/// full step with a full pass (accepted almost always, so an iteration costs one read of `X`) and halves
/// it on failure with loss-only passes.
///
/// Many rows (`n ≥ 100,000` and at least `80·(d+1)²`, so the sample keeps `20·(d+1)²`): forming `H` costs `n·(d+1)²` per pass while the
/// gradient costs `n·d`, so the solver first fits every `k`-th row (`k ≤ 16`, recursively), which puts `θ`
/// within sampling error of the optimum, and then takes Newton steps on all rows with the sample's Hessian
/// (scaled to the full weight) and exact full-data gradients — a chord iteration that converges linearly at
/// a rate of the Hessian's relative sampling error (a few percent), sped up by a BFGS update of that
/// Hessian with each step's `(s, Δg)` pair. Whenever a step cuts the gradient by less than 4x or needs
/// backtracking, the next pass forms the full-data Hessian again. The fixed point is the same (`g = 0` on
/// all rows); only the path differs.
enum NewtonSolver {
    /// Rows below this are fitted by plain Newton.
    static let subsamplingMinimumRows = 100_000

    /// - Parameter subsamplingMinimumRows: the row count from which a sample fit warms up (tests lower it).
    static func minimize(_ objective: LogisticObjective, configuration: LogisticRegression.Configuration,
                         subsamplingMinimumRows: Int = subsamplingMinimumRows) throws(LogisticError) -> LogisticSolution {
        let width = objective.featureCount + 1
        var parameters = objective.startingPoint()
        var modelHessian: Matrix<Double>?
        // Plain Newton forms H every pass; the chord phase only when progress stalls.
        var plainNewton = true
        let stride = Swift.min(16, objective.rowCount / (20 * width * width))
        if objective.rowCount >= subsamplingMinimumRows, stride >= 4, let sample = objective.subsample(stride: stride) {
            var sampleConfiguration = configuration
            // The sample's optimum is only within sampling error (~1/√m, a few 1e-3 here) of the full one: a
            // tighter sample fit would not give a better start.
            sampleConfiguration.tolerance = Swift.max(configuration.tolerance, 1e-3)
            let warmStart = try minimize(sample, configuration: sampleConfiguration, subsamplingMinimumRows: subsamplingMinimumRows)
            if let sampleHessian = warmStart.hessian, warmStart.parameters.allSatisfy(\.isFinite) {
                parameters = warmStart.parameters
                var scaled = sampleHessian
                let scale = objective.weightSum / sample.weightSum
                for k in scaled.elements.indices { scaled.elements[k] *= scale }
                modelHessian = scaled
                plainNewton = false
            }
        }
        var refreshHessian = plainNewton
        var backtracked = false
        var current = try objective.evaluate(parameters, refreshHessian ? .hessian : .gradient)
        if let hessian = current.hessian { modelHessian = hessian }
        var solution = LogisticSolution(start: parameters, current, objective)
        while true {
            let previousGradient = solution.gradientMaxAbs
            if solution.isFinished(at: parameters, current, objective, configuration) { break }
            if solution.iterations > 0 && !plainNewton {
                refreshHessian = backtracked || solution.gradientMaxAbs > 0.25 * previousGradient
            }
            let direction = try newtonDirection(hessian: modelHessian!, gradient: current.gradient)
            let slope = zip(current.gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            guard let step = try LineSearch.backtrack(objective, from: parameters, current: current, direction: direction,
                                                      expectedDecrease: slope, order: refreshHessian ? .hessian : .gradient)
            else {
                if !refreshHessian {
                    // The sampled Hessian misled the search: retry from here with the exact one.
                    refreshHessian = true
                    current = try objective.evaluate(parameters, .hessian)
                    modelHessian = current.hessian
                    continue
                }
                solution.warnings.append("line search found no decrease along the Newton direction")
                break
            }
            if let hessian = step.evaluation.hessian {
                modelHessian = hessian
            } else {
                modelHessian = bfgsUpdate(modelHessian!, step: zip(step.parameters, parameters).map { $0 - $1 },
                                          gradientChange: zip(step.evaluation.gradient, current.gradient).map { $0 - $1 })
            }
            parameters = step.parameters
            current = step.evaluation
            backtracked = step.stepLength < 1
            solution.recordStep(current, objective)
        }
        solution.parameters = parameters
        solution.hessian = modelHessian
        return solution
    }

    /// The BFGS update `H + y·yᵀ/(yᵀs) − (Hs)(Hs)ᵀ/(sᵀHs)`, which makes `H·s = y` while keeping `H` symmetric
    /// positive definite; `H` unchanged when the curvature `yᵀs` is not positive.
    static func bfgsUpdate(_ hessian: Matrix<Double>, step s: [Double], gradientChange y: [Double]) -> Matrix<Double> {
        let n = s.count
        let curvature = dot(y, s)
        var hs = Array(repeating: 0.0, count: n)
        for i in 0..<n { for j in 0..<n { hs[i] += hessian[i, j] * s[j] } }
        let sHs = dot(s, hs)
        guard curvature > 0, sHs > 0 else { return hessian }
        var updated = hessian
        for i in 0..<n {
            for j in 0..<n { updated[i, j] += y[i] * y[j] / curvature - hs[i] * hs[j] / sHs }
        }
        return updated
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
