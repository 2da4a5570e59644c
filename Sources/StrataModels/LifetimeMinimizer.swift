/// Limited-memory BFGS for the lifetime models' few log-parameters: the logistic solver's two-loop direction
/// (``LBFGSSolver/twoLoopDirection(gradient:steps:gradientChanges:curvatures:)``) with an Armijo backtracking
/// line search on a value-and-gradient closure.
///
/// Stops when the largest gradient component is at most `gradientTolerance`, or when a step changes the value
/// by less than rounding (`relativeTolerance·max(1, |f|)`) twice in a row.
struct LifetimeMinimizer {
    struct Evaluation {
        var value: Double
        var gradient: [Double]
    }

    struct Result {
        var parameters: [Double]
        var value: Double
        var gradient: [Double]
        var iterations: Int
        var evaluations: Int
        var converged: Bool
    }

    var maximumIterations = 500
    var gradientTolerance = 1e-9
    var relativeTolerance = 1e-15

    func minimize(from start: [Double], _ evaluate: ([Double]) -> Evaluation) -> Result {
        var parameters = start
        var current = evaluate(parameters)
        var evaluations = 1
        var steps: [[Double]] = [], gradientChanges: [[Double]] = [], curvatures: [Double] = []
        var iterations = 0, stalled = 0
        var converged = false
        while iterations < maximumIterations {
            if current.gradient.allSatisfy({ Swift.abs($0) <= gradientTolerance }) {
                converged = true
                break
            }
            var direction = LBFGSSolver.twoLoopDirection(gradient: current.gradient, steps: steps,
                                                         gradientChanges: gradientChanges, curvatures: curvatures)
            var slope = dot(current.gradient, direction)
            if !(slope < 0) {
                steps.removeAll(); gradientChanges.removeAll(); curvatures.removeAll()
                direction = current.gradient.map { -$0 }
                slope = dot(current.gradient, direction)
            }
            // Log-parameters: a first step of more than one unit (a factor e) is never wise.
            let length = dot(direction, direction).squareRoot()
            var t = steps.isEmpty ? Swift.min(1, 1 / Swift.max(length, 1e-300)) : 1
            var accepted: Evaluation?
            var candidate = parameters
            while t >= 1e-12 {
                candidate = zip(parameters, direction).map { $0 + t * $1 }
                let trial = evaluate(candidate)
                evaluations += 1
                if trial.value.isFinite && trial.value <= current.value + 1e-4 * t * slope {
                    accepted = trial
                    break
                }
                t *= 0.5
            }
            iterations += 1
            guard let next = accepted else {
                // No decrease along a descent direction: the value is flat to rounding here.
                converged = current.gradient.allSatisfy { Swift.abs($0) <= 1e3 * gradientTolerance }
                break
            }
            let s = zip(candidate, parameters).map { $0 - $1 }
            let y = zip(next.gradient, current.gradient).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(s, s).squareRoot() * dot(y, y).squareRoot() {
                if steps.count == LBFGSSolver.memory { steps.removeFirst(); gradientChanges.removeFirst(); curvatures.removeFirst() }
                steps.append(s); gradientChanges.append(y); curvatures.append(1 / sy)
            }
            let change = current.value - next.value
            stalled = change <= relativeTolerance * Swift.max(1, Swift.abs(current.value)) ? stalled + 1 : 0
            parameters = candidate
            current = next
            if stalled >= 2 {
                converged = true
                break
            }
        }
        return Result(parameters: parameters, value: current.value, gradient: current.gradient, iterations: iterations,
                      evaluations: evaluations, converged: converged)
    }
}
