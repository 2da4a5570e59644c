import StrataFeatures
import StrataLinearAlgebra

/// A score fitted on labelled rows with its optimistic and cross-validated metrics: what churn and conversion
/// training share.
public struct ValidatedFit: Sendable {
    public var model: LogisticModel
    /// The fitted feature schema (transforms, categories, centers, scales) the model expects.
    public var schema: FeatureSchema
    public var rows: Int
    public var positives: Int
    /// Metrics on the training rows (optimistic).
    public var trainingMetrics: Metrics.Summary
    /// Stratified k-fold on the training rows.
    public var crossValidation: Validation.Report

    /// Fits `regression` on `x` and `targets`, then measures it on the same rows and by stratified k-fold.
    public static func fit(_ regression: LogisticRegression, x: Matrix<Double>, targets: [Double], schema: FeatureSchema,
                    folds: Int, seed: UInt64) throws -> ValidatedFit {
        let model = try regression.fit(x, targets: targets)
        return ValidatedFit(
            model: model, schema: schema, rows: targets.count, positives: Int(targets.reduce(0, +)),
            trainingMetrics: try Metrics.summary(targets: targets, probabilities: try model.probabilities(x)),
            crossValidation: try Validation.crossValidate(regression, x: x, targets: targets, folds: folds, seed: seed))
    }
}
