import StrataLinearAlgebra

/// Out-of-sample estimates of a logistic model's metrics: stratified k-fold, and time-based validation
/// (train on features as of an earlier date, evaluate on a later one).
public enum Validation {
    /// One fold: the rows to train on and the rows to evaluate on (disjoint, together all rows).
    public struct Fold: Sendable, Equatable {
        public var trainingRows: [Int]
        public var evaluationRows: [Int]
    }

    /// Stratified k-fold splits: each class's rows are shuffled (``Xoshiro256StarStar`` seeded with `seed`) and dealt to the folds in turn,
    /// the second class continuing where the first stopped, so every fold holds each class within one row of
    /// its share and fold sizes differ by at most one. The same seed gives the same folds.
    ///
    /// - Throws: ``ValidationError`` when `folds < 2` or a class has fewer rows than folds.
    public static func stratifiedFolds(targets: [Double], folds: Int, seed: UInt64) throws(ValidationError) -> [Fold] {
        guard folds >= 2 else { throw .invalidFoldCount(folds) }
        if let bad = targets.firstIndex(where: { $0 != 0 && $0 != 1 }) { throw .targetNotBinary(index: bad, value: targets[bad]) }
        var generator = Xoshiro256StarStar(seed: seed)
        var assignment = Array(repeating: 0, count: targets.count)
        var nextFold = 0
        for label in [0.0, 1.0] {
            var members = targets.indices.filter { targets[$0] == label }
            guard members.count >= folds else {
                throw .classTooSmall(label: label, count: members.count, folds: folds)
            }
            members.shuffle(using: &generator)
            for row in members {
                assignment[row] = nextFold
                nextFold = (nextFold + 1) % folds
            }
        }
        return (0..<folds).map { fold in
            Fold(trainingRows: targets.indices.filter { assignment[$0] != fold },
                 evaluationRows: targets.indices.filter { assignment[$0] == fold })
        }
    }

    /// A metric across folds or periods.
    public struct Spread: Sendable, Equatable, Codable {
        /// One value per fold, in fold order.
        public var values: [Double]
        public var mean: Double
        /// The sample standard deviation (divisor `count − 1`; 0 for a single value).
        public var standardDeviation: Double

        public init(_ values: [Double]) {
            self.values = values
            mean = values.reduce(0, +) / Double(values.count)
            let m = mean
            standardDeviation = values.count > 1
                ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
        }
    }

    /// Each metric of ``Metrics/Summary`` across folds, with its mean and standard deviation.
    public struct SummarySpread: Sendable, Equatable, Codable {
        public var auc: Spread
        public var averagePrecision: Spread
        public var logLoss: Spread
        public var brier: Spread

        init(_ folds: [Metrics.Summary]) {
            auc = Spread(folds.map(\.auc))
            averagePrecision = Spread(folds.map(\.averagePrecision))
            logLoss = Spread(folds.map(\.logLoss))
            brier = Spread(folds.map(\.brier))
        }

        enum CodingKeys: String, CodingKey {
            case auc
            case averagePrecision = "average_precision"
            case logLoss = "log_loss"
            case brier
        }

        /// Each spread under its metric's name (``Metrics/Summary/names``).
        public var byName: [String: Spread] {
            [CodingKeys.auc.rawValue: auc, CodingKeys.averagePrecision.rawValue: averagePrecision,
             CodingKeys.logLoss.rawValue: logLoss, CodingKeys.brier.rawValue: brier]
        }
    }

    /// Metrics per fold and their spread.
    public struct Report: Sendable, Equatable, Codable {
        /// ``Metrics/summary(targets:probabilities:weights:)`` of each fold's evaluation rows.
        public var folds: [Metrics.Summary]
        /// Each metric's values across folds with mean and standard deviation.
        public var spread: SummarySpread

        init(folds: [Metrics.Summary]) {
            self.folds = folds
            self.spread = SummarySpread(folds)
        }
    }

    /// Fits `regression` on each fold's training rows and scores its evaluation rows.
    ///
    /// The fits read their rows of `x` in place (``LogisticRegression/fit(_:selection:targets:sampleWeights:)``)
    /// and the evaluation rows are copied into one buffer that every fold reuses, so the folds allocate no
    /// matrix of their own: at 1M rows the copies were gigabytes of fresh pages for the kernel to zero. The
    /// numbers are those of fitting and scoring copies of the rows, bit for bit.
    ///
    /// - Returns: ROC AUC, average precision, log loss and Brier per fold, with mean and spread.
    /// - Complexity: `folds` fits on `(folds − 1)/folds` of the rows.
    public static func crossValidate(
        _ regression: LogisticRegression, x: Matrix<Double>, targets: [Double], sampleWeights: [Double]? = nil,
        folds: Int = 5, seed: UInt64 = 0
    ) throws -> Report {
        guard targets.count == x.rows else {
            throw LogisticError.rowCountMismatch(rows: x.rows, other: "the target", count: targets.count)
        }
        let splits = try stratifiedFolds(targets: targets, folds: folds, seed: seed)
        var results: [Metrics.Summary] = []
        var evaluationElements: [Double] = []
        evaluationElements.reserveCapacity((splits.map(\.evaluationRows.count).max() ?? 0) * x.columns)
        for split in splits {
            let model = try regression.fit(x, selection: split.trainingRows, targets: split.trainingRows.map { targets[$0] },
                                           sampleWeights: sampleWeights.map { w in split.trainingRows.map { w[$0] } })
            let evaluationTargets = split.evaluationRows.map { targets[$0] }
            let probabilities = try model.probabilities(selectRows(x, split.evaluationRows, reusing: &evaluationElements))
            results.append(try Metrics.summary(targets: evaluationTargets, probabilities: probabilities,
                                               weights: sampleWeights.map { w in split.evaluationRows.map { w[$0] } }))
        }
        return Report(folds: results)
    }

    /// Training and evaluation data for one period of a time-based validation.
    public struct Period: Sendable {
        /// Features as of `T − h` and labels observed in `(T − h, T]`.
        public var trainingX: Matrix<Double>
        public var trainingTargets: [Double]
        /// Features as of `T` and labels observed after `T`.
        public var evaluationX: Matrix<Double>
        public var evaluationTargets: [Double]

        public init(trainingX: Matrix<Double>, trainingTargets: [Double], evaluationX: Matrix<Double>, evaluationTargets: [Double]) {
            self.trainingX = trainingX
            self.trainingTargets = trainingTargets
            self.evaluationX = evaluationX
            self.evaluationTargets = evaluationTargets
        }
    }

    /// Time-based validation: for each cutoff, `period(cutoff)` builds the training data (as of an earlier
    /// date) and the evaluation data (as of the cutoff); the model is fitted on the first and scored on the
    /// second. The closure owns the leakage rule: features must come from before the labels they predict.
    ///
    /// - Returns: the metrics per cutoff (in order) and their spread.
    public static func timeBased<Cutoff>(
        _ regression: LogisticRegression, cutoffs: [Cutoff], period: (Cutoff) throws -> Period
    ) throws -> Report {
        var results: [Metrics.Summary] = []
        for cutoff in cutoffs {
            let data = try period(cutoff)
            let model = try regression.fit(data.trainingX, targets: data.trainingTargets)
            let probabilities = try model.probabilities(data.evaluationX)
            results.append(try Metrics.summary(targets: data.evaluationTargets, probabilities: probabilities))
        }
        return Report(folds: results)
    }

    /// The rows `indices` of `x`, copied in that order.
    package static func selectRows(_ x: Matrix<Double>, _ indices: [Int]) -> Matrix<Double> {
        var elements: [Double] = []
        elements.reserveCapacity(indices.count * x.columns)
        return selectRows(x, indices, reusing: &elements)
    }

    /// ``selectRows(_:_:)`` into the storage of `elements`, which keeps its capacity for the next call once the
    /// returned matrix is gone (cross-validation's folds).
    static func selectRows(_ x: Matrix<Double>, _ indices: [Int], reusing elements: inout [Double]) -> Matrix<Double> {
        elements.removeAll(keepingCapacity: true)
        for row in indices { elements.append(contentsOf: x.row(row)) }
        return Matrix(rows: indices.count, columns: x.columns, elements: elements)
    }
}

/// Why a validation could not run.
public enum ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidFoldCount(Int)
    case targetNotBinary(index: Int, value: Double)
    case classTooSmall(label: Double, count: Int, folds: Int)

    public var description: String {
        switch self {
        case let .invalidFoldCount(folds): "validation: folds = \(folds); expected at least 2"
        case let .targetNotBinary(index, value): "validation: target \(index) is \(value); expected 0 or 1"
        case let .classTooSmall(label, count, folds):
            "validation: class \(label) has \(count) rows; stratified \(folds)-fold needs at least \(folds)"
        }
    }
}
