import Foundation
import StrataFeatures
import StrataLinearAlgebra

/// A fitted binary logistic regression: `P(y = 1 | x) = σ(x·w + b)`.
public struct LogisticModel: Sendable, Codable, Equatable {
    /// How the fit went.
    public struct FitReport: Sendable, Codable, Equatable {
        public var solver: LogisticRegression.Solver
        /// Solver iterations (Newton, L-BFGS or proximal Newton steps).
        public var iterations: Int
        public var converged: Bool
        /// The scaled (sub)gradient's max-abs at the solution (compare with the tolerance).
        public var gradientMaxAbs: Double
        /// The scaled objective `F / (C·S)` at the solution.
        public var objective: Double
        /// The scaled objective at the start and after each accepted step; never increases beyond rounding.
        public var objectiveTrace: [Double]
        /// Passes over the design matrix.
        public var passes: Int
        /// Wall time of the fit, seconds.
        public var seconds: Double
        /// E.g. not converged; empty when all went well.
        public var warnings: [String]
    }

    /// `w`, one per column.
    public var coefficients: [Double]
    /// `b`.
    public var intercept: Double
    /// The training matrix's column means (aggregates, not patient data): explanations measure each
    /// feature's push on the log-odds from the average patient, `wⱼ·(xⱼ − meanⱼ)`.
    public var featureMeans: [Double]
    /// The hyperparameters it was fitted with.
    public var configuration: LogisticRegression.Configuration
    public var fit: FitReport

    public init(coefficients: [Double], intercept: Double, featureMeans: [Double],
                configuration: LogisticRegression.Configuration, fit: FitReport) {
        self.coefficients = coefficients
        self.intercept = intercept
        self.featureMeans = featureMeans
        self.configuration = configuration
        self.fit = fit
    }

    /// The log-odds `x·w + b` of every row.
    public func decisionFunction(_ x: Matrix<Double>) throws(LogisticError) -> [Double] {
        guard x.columns == coefficients.count else {
            throw .columnCountMismatch(expected: coefficients.count, found: x.columns)
        }
        do { return try LogisticKernel.margins(x, coefficients: coefficients, intercept: intercept) } catch {
            throw .linearAlgebra(error)
        }
    }

    /// `P(y = 1)` for every row, in [0, 1].
    public func probabilities(_ x: Matrix<Double>) throws(LogisticError) -> [Double] {
        try decisionFunction(x).map(Logistic.sigmoid)
    }
}

/// The logistic function and loss in numerically stable forms.
public enum Logistic {
    /// `σ(z) = 1 / (1 + e^{−z})`, computed without overflow for any `z`.
    @inlinable
    public static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }

    /// `log(1 + e^{z}) − y·z`, the negative log-likelihood of label `y` at log-odds `z`, as
    /// `max(z, 0) + log1p(e^{−|z|}) − y·z`.
    @inlinable
    public static func loss(margin z: Double, target y: Double) -> Double {
        Swift.max(z, 0) + log1p(exp(-Swift.abs(z))) - y * z
    }
}

/// What a logistic model file stores as its parameters (`ModelFile<LogisticParameters>`, kind `logistic`).
public struct LogisticParameters: Codable, Sendable, Equatable {
    public var coefficients: [Double]
    public var intercept: Double
    public var featureMeans: [Double]
    public var penalty: LogisticRegression.Penalty
    public var c: Double
    public var l1Ratio: Double?
    public var classWeight: LogisticRegression.ClassWeight
    public var tolerance: Double
    public var solver: LogisticRegression.Solver
    public var iterations: Int
    public var converged: Bool

    /// The file kind.
    public static let kind = "logistic"

    public init(_ model: LogisticModel) {
        coefficients = model.coefficients
        intercept = model.intercept
        featureMeans = model.featureMeans
        penalty = model.configuration.penalty
        c = model.configuration.c
        l1Ratio = model.configuration.penalty == .elasticNet ? model.configuration.l1Ratio : nil
        classWeight = model.configuration.classWeight
        tolerance = model.configuration.tolerance
        solver = model.fit.solver
        iterations = model.fit.iterations
        converged = model.fit.converged
    }

    /// The model these parameters describe (its fit report holds only what the file keeps).
    public var model: LogisticModel {
        var configuration = LogisticRegression.Configuration(c: c, penalty: penalty, classWeight: classWeight,
                                                             tolerance: tolerance)
        if let l1Ratio { configuration.l1Ratio = l1Ratio }
        return LogisticModel(
            coefficients: coefficients, intercept: intercept, featureMeans: featureMeans, configuration: configuration,
            fit: .init(solver: solver, iterations: iterations, converged: converged, gradientMaxAbs: .nan,
                       objective: .nan, objectiveTrace: [], passes: 0, seconds: 0, warnings: []))
    }
}

extension LogisticModel {
    /// This model as a model file (kind `logistic`) with `featureSchema`; `metrics` are training metrics and
    /// `training` holds context such as `as_of`, `horizon_days` and `export_fingerprint` (never patient data).
    public func modelFile(featureSchema: FeatureSchema, metrics: [String: Double] = [:],
                          training: [String: String] = [:]) -> ModelFile<LogisticParameters> {
        var allMetrics = metrics
        allMetrics["iterations"] = Double(fit.iterations)
        allMetrics["gradient_max_abs"] = fit.gradientMaxAbs
        return ModelFile(kind: LogisticParameters.kind, featureSchema: featureSchema,
                         parameters: LogisticParameters(self), metrics: allMetrics, training: training)
    }
}
