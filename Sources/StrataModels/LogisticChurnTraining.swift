import StrataData
import StrataFeatures
import StrataLinearAlgebra

/// Training a churn score on an export without leaking the future into the features.
///
/// With `T` the scoring date (usually the export's last day) and `h` the horizon:
/// - the model is fitted on features as of `T − h` with labels "no completed appointment in `(T − h, T]`";
/// - its out-of-time estimate refits the same way one horizon earlier (features as of `T − 2h`, labels in
///   `(T − 2h, T − h]`) and evaluates on features as of `T − h` with labels in `(T − h, T]`, data the earlier
///   fit never saw;
/// - scoring applies the fitted feature schema as of `T`.
///
/// Rows are the patients on file at the feature date (created at or before its end).
public enum ChurnTraining {
    /// An out-of-time evaluation.
    public struct Holdout: Sendable {
        /// The feature date of the fit and of the evaluation.
        public var fitAsOf: Day
        public var evaluationAsOf: Day
        /// Patient indices (into the export) of the evaluation rows.
        public var patientRows: [Int]
        public var targets: [Double]
        public var probabilities: [Double]
        /// ROC AUC, average precision, log loss, Brier on the evaluation rows.
        public var metrics: Metrics.Summary
    }

    /// What a churn training fits and how: the scoring date, the horizon, the features, the regression and
    /// its validation.
    public struct Configuration: Sendable {
        /// The scoring date `T`.
        public var scoringDate: Day
        /// The horizon `h` in days, in ``StrataLimits/days``.
        public var horizonDays: Int
        public var spec: FeatureSpec
        public var regression: LogisticRegression
        /// Stratified cross-validation folds.
        public var folds: Int
        /// Seed of the fold assignment.
        public var seed: UInt64

        public init(scoringDate: Day, horizonDays: Int, spec: FeatureSpec, regression: LogisticRegression,
                    folds: Int = 5, seed: UInt64 = 0) {
            self.scoringDate = scoringDate
            self.horizonDays = horizonDays
            self.spec = spec
            self.regression = regression
            self.folds = folds
            self.seed = seed
        }
    }

    /// What ``train(_:_:)`` produces.
    public struct Result: Sendable {
        /// The model on the patients on file at `featuresAsOf`, with its schema and metrics.
        public var fit: ValidatedFit
        public var featuresAsOf: Day
        public var labelsThrough: Day
        public var horizonDays: Int
        /// The out-of-time estimate; `nil` when the export does not reach back `2h` with both classes.
        public var holdout: Holdout?
        /// Why there is no holdout: the error the earlier fit or its evaluation met (nil with a holdout).
        public var holdoutUnavailable: String?
    }

    /// Fits the churn model for scoring at `configuration.scoringDate`.
    /// - Parameter readRowsOnFile: called once the model is fitted, with the features (in the fit's schema) of
    ///   the patients on file at the feature date (``patientsOnFile(_:asOf:)``) in patient order, the fit and the
    ///   feature date: the training population, as a drift reference describes it. The matrix is the fit's own
    ///   rows with the few patients left out of churn (a death within the label window) put back in place, so
    ///   nothing is computed again; each row equals that patient's row of the whole table. Nil: nothing is put
    ///   back.
    /// - Throws: ``ChurnTrainingError`` for a horizon outside ``StrataLimits/days``, ``LogisticError`` (e.g. one
    ///   class: nobody churned), feature errors, ``ValidationError``, and what `readRowsOnFile` throws. A holdout
    ///   that cannot be made is not an error: the result has no holdout and says why in
    ///   ``Result/holdoutUnavailable``.
    public static func train(_ export: ClinicExport, _ configuration: Configuration,
                             readRowsOnFile: ((_ x: Matrix<Double>, _ fit: ValidatedFit, _ asOf: Day) throws -> Void)? = nil)
        throws -> Result {
        let horizonDays = configuration.horizonDays, spec = configuration.spec, regression = configuration.regression
        guard StrataLimits.days.contains(horizonDays) else { throw ChurnTrainingError.horizonOutOfRange(days: horizonDays) }
        let featureDay = configuration.scoringDate - horizonDays
        let (fit, rows, y) = try fitted(export, asOf: featureDay, configuration, readRowsOnFile: readRowsOnFile)
        var holdout: Holdout?
        var holdoutUnavailable: String?
        let earlierDay = featureDay - horizonDays
        var earlierFit: (schema: FeatureSchema, model: LogisticModel)?
        do {
            let earlier = try labeledRows(export, asOf: earlierDay, horizonDays: horizonDays, spec: spec)
            earlierFit = (earlier.schema, try regression.fit(earlier.x, targets: earlier.y))
        } catch {
            holdoutUnavailable = "\(error)"
        }
        if let earlierFit {
            // Only the labelled rows are computed (each equals its row of the whole table). The fit's raw values
            // as of the same day are not reused: the earlier schema's definitions differ where they are fitted on
            // their day (attendance's population prior, the categories kept), the fit transforms its raw matrix in
            // place, and keeping a copy beside this matrix would add some 400 MB at 1M.
            let evaluationX = try FeaturePipeline.apply(earlierFit.schema, to: export, asOf: featureDay, rows: rows).matrix
            let probabilities = try earlierFit.model.probabilities(evaluationX)
            holdout = Holdout(fitAsOf: earlierDay, evaluationAsOf: featureDay, patientRows: rows, targets: y,
                              probabilities: probabilities,
                              metrics: try Metrics.summary(targets: y, probabilities: probabilities))
        }
        return Result(fit: fit, featuresAsOf: featureDay, labelsThrough: configuration.scoringDate, horizonDays: horizonDays,
                      holdout: holdout, holdoutUnavailable: holdoutUnavailable)
    }

    /// The validated fit on the labelled rows as of `day`, then `readRowsOnFile` with the rows on file. The
    /// matrix lives only in this call: it is gone before the holdout computes a table of its own.
    private static func fitted(_ export: ClinicExport, asOf day: Day, _ configuration: Configuration,
                               readRowsOnFile: ((Matrix<Double>, ValidatedFit, Day) throws -> Void)?) throws
        -> (fit: ValidatedFit, rows: [Int], y: [Double]) {
        let (schema, rows, labeledX, y, leftOut) = try labeledRows(export, asOf: day, horizonDays: configuration.horizonDays,
                                                                   spec: configuration.spec, keepingLeftOut: readRowsOnFile != nil)
        var x = consume labeledX
        let fit = try ValidatedFit.fit(configuration.regression, x: x, targets: y, schema: schema, folds: configuration.folds,
                                       seed: configuration.seed)
        if let readRowsOnFile {
            x.insertRows(leftOut.x, at: leftOut.rows, among: rows)
            try readRowsOnFile(x, fit, day)
        }
        return (fit, rows, y)
    }

    /// The patients on file at the end of `day` (created at or before it) and alive then (no `deceased_at`
    /// on or before it), as indices into the export: whom a churn score is for.
    public static func patientsOnFile(_ export: ClinicExport, asOf day: Day) -> [Int] {
        let cutoff = day.endTimestamp, patients = export.patients
        return (0..<patients.count).filter { patients.createdAt[$0] < cutoff && !patients.isDeceased($0, on: day.daysSince1970) }
    }

    /// The last day with any recorded event (completed, missed or cancelled visit, message, new patient or
    /// lead): the default scoring date, the export's "now". Future bookings do not count.
    public static func lastEventDay(_ export: ClinicExport) -> Day? {
        var latest = Int64.min
        let appointments = export.appointments
        for row in 0..<appointments.count where appointments.status[row] != .booked {
            latest = Swift.max(latest, appointments.scheduledAt[row])
        }
        for value in export.communications.sentAt { latest = Swift.max(latest, value) }
        for value in export.patients.createdAt where value != ClinicExport.missingTimestamp { latest = Swift.max(latest, value) }
        for value in export.leads.createdAt where value != ClinicExport.missingTimestamp { latest = Swift.max(latest, value) }
        return latest == .min ? nil : Day(containing: latest)
    }

    /// Features fitted as of `day` and churn labels in `(day, day + horizon]` for the patients on file: the
    /// fitted schema and the labelled rows' matrix, not the whole table. The labelled rows are moved down in
    /// the table's own matrix (``Matrix/keepRows(_:)``) rather than copied out of it, so the matrix of every
    /// patient (528 MB at 1M) and a copy of most of its rows are never alive together.
    /// - Parameter keepingLeftOut: also copy out the rows of the patients on file left out of churn (a death
    ///   within the label window; few), with their patient indices; else `leftOut` is empty.
    static func labeledRows(_ export: ClinicExport, asOf day: Day, horizonDays: Int, spec: FeatureSpec,
                            keepingLeftOut: Bool = false) throws
        -> (schema: FeatureSchema, rows: [Int], x: Matrix<Double>, y: [Double], leftOut: (rows: [Int], x: Matrix<Double>)) {
        // Who is labelled and how, on a thread of its own while the features are computed (one core's passes over
        // the patients and appointments, a tenth of a second each at 1M). Death within the label window is not
        // churn: those patients are left out, not labelled 1.
        let labelling = Started { () -> (rows: [Int], leftOut: [Int], y: [Double]) in
            var rows: [Int] = [], leftOutRows: [Int] = []
            for row in patientsOnFile(export, asOf: day) {
                if Labels.isLeftOutOfChurn(export, row, asOf: day, horizonDays: horizonDays) {
                    leftOutRows.append(row)
                } else {
                    rows.append(row)
                }
            }
            let labels = Labels.churn(export, asOf: day, horizonDays: horizonDays)
            return (rows, leftOutRows, rows.map { labels[$0] })
        }
        defer { _ = try? labelling.value() }
        let table = try FeaturePipeline.fit(export, asOf: day, spec: spec)
        let schema = table.schema
        var x = (consume table).matrix
        let (rows, leftOutRows, y) = try labelling.value()
        let leftOut = keepingLeftOut ? (leftOutRows, Validation.selectRows(x, leftOutRows))
                                     : ([], Matrix<Double>(rows: 0, columns: x.columns))
        x.keepRows(rows)
        return (schema, rows, x, y, leftOut)
    }
}

extension Matrix<Double> {
    /// Puts `inserted`'s rows back among this matrix's, in place: with this matrix's rows those of the patients
    /// `rows` and `inserted`'s those of `insertedRows` (both strictly increasing, disjoint), the result's rows
    /// are those of the merged, increasing patient list. The storage grows within its capacity when
    /// ``keepRows(_:)`` left room (no second matrix), and rows only move up, from the last one down.
    /// - Complexity: O((`rows.count` + `insertedRows.count`) · `columns`) moves at most.
    mutating func insertRows(_ inserted: Matrix<Double>, at insertedRows: [Int], among rows: [Int]) {
        precondition(inserted.rows == insertedRows.count && self.rows == rows.count && inserted.columns == columns,
                     "insertRows: \(inserted.rows) rows for \(insertedRows.count) places into \(self.rows) rows for \(rows.count)")
        guard !insertedRows.isEmpty else { return }
        let width = columns, total = rows.count + insertedRows.count
        var storage = elements
        // Dropping this matrix's reference leaves `storage` unique, so growing and moving do not copy it.
        self = Matrix(rows: 0, columns: width)
        storage.append(contentsOf: repeatElement(0, count: insertedRows.count * width))
        var kept = rows.count - 1, put = insertedRows.count - 1
        for target in stride(from: total - 1, through: 0, by: -1) {
            // Once every inserted row is placed, the remaining rows are already where they belong.
            guard put >= 0 else { break }
            let targetStart = target * width
            if kept < 0 || insertedRows[put] > rows[kept] {
                let sourceStart = put * width
                for j in 0..<width { storage[targetStart + j] = inserted.elements[sourceStart + j] }
                put -= 1
            } else {
                let sourceStart = kept * width
                for j in 0..<width { storage[targetStart + j] = storage[sourceStart + j] }
                kept -= 1
            }
        }
        self = Matrix(rows: total, columns: width, elements: storage)
    }
}

/// Why a churn model cannot be trained with these settings.
public enum ChurnTrainingError: Error, Equatable, CustomStringConvertible {
    /// The horizon is not a whole number of days in ``StrataLimits/days``.
    case horizonOutOfRange(days: Int)

    public var description: String {
        switch self {
        case .horizonOutOfRange(let days):
            "a churn horizon of \(days) days is out of range; expected \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound) days"
        }
    }
}
