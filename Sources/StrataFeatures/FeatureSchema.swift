import Foundation

/// What each column of a feature matrix means and how it was transformed: the value model files store, so a
/// model applied to a new export computes exactly the columns it was trained on.
///
/// Transforms are applied in order, then standardization with the fitted `center` and `scale`
/// (`(x - center) / scale`) when both are present.
public struct FeatureSchema: Codable, Sendable, Equatable {
    /// One column of the matrix.
    public struct Column: Codable, Sendable, Equatable {
        /// The machine name, e.g. `days_since_last_visit`, `service_count.whitening`.
        public var name: String
        /// The family it comes from (`recency`, `frequency`, ...); `input` for columns of a plain matrix.
        public var family: String
        /// Words a user understands, for profiles and explanations, e.g. "days since last visit".
        public var label: String
        /// Transforms applied before scaling, in order, e.g. `["log1p"]`, `["clip(0,3650)"]`.
        public var transforms: [String]
        /// Fitted standardization: the value subtracted.
        public var center: Double?
        /// Fitted standardization: the divisor (never zero; constant columns get 1).
        public var scale: Double?
        /// The missing-value policy (`zero`, `mean`, `median`, `max`, `constant(x)`); nil when the column is never missing.
        public var missing: String?
        /// The value missing entries become (before transforms), fitted on the training rows for mean/median/max.
        public var fill: Double?
        /// The category values or codes the column counts (`services: ["whitening"]`, a condition's code list);
        /// nil for the `other` column of a family and for non-categorical columns.
        public var levels: [String]?
        /// Numeric parameters of the definition, e.g. `window_days`, `prior_weight`, `prior_rate`.
        public var parameters: [String: Double]?

        public init(name: String, family: String, label: String? = nil, transforms: [String] = [],
                    center: Double? = nil, scale: Double? = nil, missing: String? = nil, fill: Double? = nil,
                    levels: [String]? = nil, parameters: [String: Double]? = nil) {
            self.name = name
            self.family = family
            self.label = label ?? name.replacingOccurrences(of: "_", with: " ")
            self.transforms = transforms
            self.center = center
            self.scale = scale
            self.missing = missing
            self.fill = fill
            self.levels = levels
            self.parameters = parameters
        }
    }

    public var columns: [Column]

    public init(columns: [Column]) {
        self.columns = columns
    }

    /// A schema for a plain matrix with no names: `x0`, `x1`, ...
    public static func plain(columnCount: Int) -> FeatureSchema {
        plain(names: (0..<columnCount).map { "x\($0)" })
    }

    /// A schema for a plain matrix whose columns are named (e.g. from a CSV header).
    public static func plain(names: [String]) -> FeatureSchema {
        FeatureSchema(columns: names.map { Column(name: $0, family: "input") })
    }

    /// The column names, in order.
    public var names: [String] { columns.map(\.name) }
}
