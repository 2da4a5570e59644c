/// Limited-memory BFGS for the L2-penalized objective when the Hessian is too large to form each step.
///
/// The direction is `−H̃·g` from the two-loop recursion over the last `memory` pairs
/// `(sₖ = θₖ₊₁ − θₖ, yₖ = gₖ₊₁ − gₖ)` with the initial scaling `γ = sᵀy / yᵀy` (Nocedal & Wright, Alg. 7.4);
/// pairs with `sᵀy ≤ 10⁻¹²·‖s‖·‖y‖` are skipped so `H̃` stays positive definite. Each trial step costs one
/// loss-and-gradient pass over `X`.
enum LBFGSSolver {
    static let memory = 10

    static func minimize(_ objective: LogisticObjective, configuration: LogisticRegression.Configuration) throws(LogisticError) -> LogisticSolution {
        var parameters = objective.startingPoint()
        var current = try objective.evaluate(parameters, .gradient)
        var solution = LogisticSolution(start: parameters, current, objective)
        var steps: [[Double]] = [], gradientChanges: [[Double]] = [], curvatures: [Double] = []
        while !solution.isFinished(at: parameters, current, objective, configuration) {
            var direction = twoLoopDirection(gradient: current.gradient, steps: steps,
                                             gradientChanges: gradientChanges, curvatures: curvatures)
            var slope = dot(current.gradient, direction)
            if !(slope < 0) {
                // Lost descent (rounding): restart from steepest descent.
                steps.removeAll(); gradientChanges.removeAll(); curvatures.removeAll()
                direction = current.gradient.map { -$0 }
                slope = dot(current.gradient, direction)
            }
            // Without curvature pairs the direction has the gradient's scale; start with a unit-length step.
            let initialStep = steps.isEmpty ? Swift.min(1, 1 / Swift.max(dot(direction, direction).squareRoot(), 1e-300)) : 1
            guard let step = try LineSearch.backtrack(objective, from: parameters, current: current, direction: direction,
                                                      expectedDecrease: slope, order: .gradient, initialStep: initialStep)
            else {
                solution.warnings.append("line search found no decrease along the L-BFGS direction")
                break
            }
            let s = zip(step.parameters, parameters).map { $0 - $1 }
            let y = zip(step.evaluation.gradient, current.gradient).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(s, s).squareRoot() * dot(y, y).squareRoot() {
                if steps.count == memory { steps.removeFirst(); gradientChanges.removeFirst(); curvatures.removeFirst() }
                steps.append(s); gradientChanges.append(y); curvatures.append(1 / sy)
            }
            parameters = step.parameters
            current = step.evaluation
            solution.recordStep(current, objective)
        }
        solution.parameters = parameters
        return solution
    }

    /// `−H̃·g` by the two-loop recursion; `−g` when there are no pairs yet.
    static func twoLoopDirection(gradient: [Double], steps: [[Double]], gradientChanges: [[Double]], curvatures: [Double]) -> [Double] {
        var q = gradient
        var alphas = Array(repeating: 0.0, count: steps.count)
        for k in steps.indices.reversed() {
            alphas[k] = curvatures[k] * dot(steps[k], q)
            for j in q.indices { q[j] -= alphas[k] * gradientChanges[k][j] }
        }
        if let lastStep = steps.last, let lastChange = gradientChanges.last {
            let gamma = dot(lastStep, lastChange) / dot(lastChange, lastChange)
            for j in q.indices { q[j] *= gamma }
        }
        for k in steps.indices {
            let beta = curvatures[k] * dot(gradientChanges[k], q)
            for j in q.indices { q[j] += (alphas[k] - beta) * steps[k][j] }
        }
        return q.map { -$0 }
    }
}

/// `aᵀb` for equally long vectors.
func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
}
