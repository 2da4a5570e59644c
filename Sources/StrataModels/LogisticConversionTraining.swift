import StrataData
import StrataFeatures
import StrataLinearAlgebra

/// Training a conversion score: will a lead complete a first visit within `N` days of inquiring?
///
/// With `T` the scoring date and `N` the window (`labels.conversion_window_days`):
/// - the model is fitted on the leads created at or before `T − N`, whose windows have closed by `T`, with
///   the features known at creation (``LeadFeatures``) and the labels of ``Labels/conversion(_:asOf:windowDays:)``;
/// - its out-of-time estimate refits the same way one window earlier (leads created at or before `T − 2N`,
///   outcomes known by `T − N`) and evaluates on the leads created in `(T − 2N, T − N]`, which that fit
///   never saw;
/// - scoring applies to the leads still open at `T` (``Labels/openLeads(_:asOf:windowDays:)``).
public enum ConversionTraining {
    /// An out-of-time evaluation.
    public struct Holdout: Sendable {
        /// The last creation day of the leads the earlier model was fitted on.
        public var fitCreatedThrough: Day
        /// The creation days of the evaluation leads: `(fitCreatedThrough, evaluationCreatedThrough]`.
        public var evaluationCreatedThrough: Day
        /// Lead rows (indices into `export.leads`) of the evaluation.
        public var leadRows: [Int]
        public var targets: [Double]
        public var probabilities: [Double]
        /// ROC AUC, average precision, log loss, Brier on the evaluation leads.
        public var metrics: Metrics.Summary
    }

    /// What ``train(_:scoringDate:windowDays:spec:regression:folds:seed:)`` produces.
    public struct Result: Sendable {
        /// The model on the leads created through `createdThrough`, with its lead schema and metrics.
        public var fit: ValidatedFit
        /// The last creation day of the training leads (`T − N`).
        public var createdThrough: Day
        /// The last day outcomes were read from (`T`).
        public var labelsThrough: Day
        public var windowDays: Int
        /// The out-of-time estimate; `nil` when the export does not reach back `2N` with both outcomes.
        public var holdout: Holdout?
        /// Why there is no holdout when the leads reach back far enough: the error the earlier fit or its
        /// evaluation met (nil with a holdout, or when there are no earlier or no evaluation leads at all).
        public var holdoutUnavailable: String?
    }

    /// Fits the conversion model for scoring at `scoringDate`.
    /// - Throws: ``ConversionTrainingError`` when the window is outside ``StrataLimits/days`` or no lead's window
    ///   has closed, ``LogisticError`` (e.g. every lead converted), ``ValidationError``. A holdout that cannot be
    ///   made is not an error: the result has no holdout and says why in ``Result/holdoutUnavailable``.
    public static func train(
        _ export: ClinicExport, scoringDate: Day, windowDays: Int, spec: FeatureSpec,
        regression: LogisticRegression, folds: Int = 5, seed: UInt64 = 0
    ) throws -> Result {
        guard StrataLimits.days.contains(windowDays) else { throw ConversionTrainingError.windowOutOfRange(days: windowDays) }
        let createdThrough = scoringDate - windowDays
        let (rows, y) = Labels.conversion(export, asOf: createdThrough, windowDays: windowDays)
        guard !rows.isEmpty else {
            throw ConversionTrainingError.noClosedLeads(createdThrough: createdThrough, windowDays: windowDays)
        }
        let table = LeadFeatures.fit(export, rows: rows, spec: spec)
        let fit = try ValidatedFit.fit(regression, x: table.matrix, targets: y, schema: table.schema, folds: folds, seed: seed)

        // A lead's label depends only on its own creation and first visit, so the earlier fit's leads and
        // labels are those of the leads created through one window before, and the rest are its evaluation.
        let earlierThrough = createdThrough - windowDays
        let evaluationStart = earlierThrough.endTimestamp
        let evaluation = rows.indices.filter { export.leads.createdAt[rows[$0]] >= evaluationStart }
        let earlier = rows.indices.filter { export.leads.createdAt[rows[$0]] < evaluationStart }
        var holdout: Holdout?
        var holdoutUnavailable: String?
        if !earlier.isEmpty, !evaluation.isEmpty {
            let earlierTable = LeadFeatures.fit(export, rows: earlier.map { rows[$0] }, spec: spec)
            let evaluationRows = evaluation.map { rows[$0] }
            let evaluationTargets = evaluation.map { y[$0] }
            // The earlier leads may all share one outcome, or the evaluation leads may: then there is no
            // estimate to give, and the result says why instead of failing the training. Applying the earlier
            // schema cannot meet bad data, so its errors still throw.
            do {
                let earlierModel = try regression.fit(earlierTable.matrix, targets: earlier.map { y[$0] })
                let x = try LeadFeatures.apply(earlierTable.schema, to: export, rows: evaluationRows).matrix
                let probabilities = try earlierModel.probabilities(x)
                do {
                    let metrics = try Metrics.summary(targets: evaluationTargets, probabilities: probabilities)
                    holdout = Holdout(fitCreatedThrough: earlierThrough, evaluationCreatedThrough: createdThrough,
                                      leadRows: evaluationRows, targets: evaluationTargets,
                                      probabilities: probabilities, metrics: metrics)
                } catch {
                    holdoutUnavailable = "\(error)"
                }
            } catch let error as LogisticError {
                holdoutUnavailable = "\(error)"
            }
        }
        return Result(fit: fit, createdThrough: createdThrough, labelsThrough: scoringDate, windowDays: windowDays,
                      holdout: holdout, holdoutUnavailable: holdoutUnavailable)
    }
}

/// Why a conversion model cannot be trained on an export.
public enum ConversionTrainingError: Error, Equatable, ParameterNaming {
    /// No lead was created early enough for its window to have closed by the scoring date.
    case noClosedLeads(createdThrough: Day, windowDays: Int)
    /// The window is not a whole number of days in ``StrataLimits/days``.
    case windowOutOfRange(days: Int)

    public func description(naming name: (String) -> String) -> String {
        switch self {
        case .noClosedLeads(let day, let window):
            "no lead was created on or before \(day), so no \(window)-day conversion window "
                + "has closed by the scoring date; give a later \(name("asOf")) or a shorter labels.conversion_window_days"
        case .windowOutOfRange(let days):
            "a conversion window of \(days) days is out of range; expected \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound) days"
        }
    }
}
