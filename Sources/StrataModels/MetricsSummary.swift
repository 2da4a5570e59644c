extension Metrics {
    /// What ``Metrics/summary(targets:probabilities:weights:)`` measures: the four metrics of one set of
    /// scored rows.
    ///
    /// Encoded under the names `auc`, `average_precision`, `log_loss` and `brier`, the keys model files and
    /// `--json` use; ``byName`` gives the same names for the open-ended `metrics` of a ``ModelFile``.
    public struct Summary: Codable, Sendable, Equatable {
        /// ROC AUC (``Metrics/rocAUC(targets:scores:weights:)``).
        public var auc: Double
        /// Average precision (``Metrics/averagePrecision(targets:scores:weights:)``).
        public var averagePrecision: Double
        /// Mean negative log-likelihood (``Metrics/logLoss(targets:probabilities:weights:)``).
        public var logLoss: Double
        /// Brier score (``Metrics/brierScore(targets:probabilities:weights:)``).
        public var brier: Double

        public init(auc: Double, averagePrecision: Double, logLoss: Double, brier: Double) {
            self.auc = auc
            self.averagePrecision = averagePrecision
            self.logLoss = logLoss
            self.brier = brier
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case auc
            case averagePrecision = "average_precision"
            case logLoss = "log_loss"
            case brier
        }

        /// The metric names, in declaration order: `auc`, `average_precision`, `log_loss`, `brier`.
        public static let names: [String] = CodingKeys.allCases.map(\.rawValue)

        /// Each metric under its encoded name, as model files store it.
        public var byName: [String: Double] {
            [CodingKeys.auc.rawValue: auc, CodingKeys.averagePrecision.rawValue: averagePrecision,
             CodingKeys.logLoss.rawValue: logLoss, CodingKeys.brier.rawValue: brier]
        }
    }
}
