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

/// A schema column no fit could have produced: a model file edited, damaged or from another version.
public struct FeatureSchemaError: Error, Equatable, CustomStringConvertible {
    /// The column's position in the schema and its name.
    public let index: Int
    public let column: String
    /// The offending field of the column, e.g. `scale`, `parameters.window_days`.
    public let field: String
    /// The value found, then what was expected.
    public let problem: String

    public var description: String { "columns[\(index)] (\"\(column)\").\(field) is \(problem)" }
}

extension FeatureSchema {
    /// The smallest fitted `scale`: standardization gives constant columns a scale of 1, so a fitted scale
    /// is never below this; a smaller one would blow the column up to infinities.
    public static let minimumScale = 1e-12

    /// Checks that a fit could have produced every column: a unique, non-empty name; `center` and `fill`
    /// finite and at most ``StrataLimits/maximumMagnitude``; `scale` in [``minimumScale``,
    /// ``StrataLimits/maximumMagnitude``]; transforms and missing-value policy this version reads;
    /// parameters in range (`window_days` whole days in ``StrataLimits/days``, `prior_weight` > 0, `prior_rate`
    /// in [0, 1]); a definition this version computes (except for the `input` columns of a plain matrix).
    public func validate() throws(FeatureSchemaError) {
        var seen = Set<String>()
        for (index, column) in columns.enumerated() {
            func fail(_ field: String, _ problem: String) -> FeatureSchemaError {
                FeatureSchemaError(index: index, column: column.name, field: field, problem: problem)
            }
            guard !column.name.isEmpty else { throw fail("name", "empty; every column needs a name") }
            guard seen.insert(column.name).inserted else {
                throw fail("name", "\"\(column.name)\", which an earlier column already has; names must be unique")
            }
            if let center = column.center, !StrataLimits.isSensible(center) {
                throw fail("center", "\(center); expected a finite number of magnitude at most 1e15")
            }
            if let scale = column.scale, !(scale.isFinite && scale >= Self.minimumScale && scale <= StrataLimits.maximumMagnitude) {
                throw fail("scale", "\(scale); expected a standard deviation from 1e-12 to 1e15 (constant columns have 1)")
            }
            if let fill = column.fill, !StrataLimits.isSensible(fill) {
                throw fail("fill", "\(fill); expected a finite number of magnitude at most 1e15")
            }
            for (position, text) in column.transforms.enumerated() where ColumnTransform(text) == nil {
                throw fail("transforms[\(position)]", "\"\(text)\"; expected log1p or clip(lo,hi) with finite lo <= hi")
            }
            if let missing = column.missing {
                guard let policy = MissingPolicy(schemaText: missing) else {
                    throw fail("missing", "\"\(missing)\"; expected zero, mean, median, max or constant(x)")
                }
                if case .constant(let value) = policy, !StrataLimits.isSensible(value) {
                    throw fail("missing", "\"\(missing)\"; a constant fill must be finite, of magnitude at most 1e15")
                }
            }
            for (key, value) in (column.parameters ?? [:]).sorted(by: { $0.key < $1.key }) {
                let expected: String? = switch key {
                case "window_days": StrataLimits.isDayCount(value) ? nil
                    : "a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)"
                case "prior_weight": value > 0 && value <= StrataLimits.maximumPriorWeight ? nil
                    : "a number > 0 and at most \(Int(StrataLimits.maximumPriorWeight))"
                case "prior_rate": (0...1).contains(value) ? nil : "a rate from 0 to 1"
                default: StrataLimits.isSensible(value) ? nil : "a finite number of magnitude at most 1e15"
                }
                if let expected { throw fail("parameters.\(key)", "\(value); expected \(expected)") }
            }
            // Columns of a plain matrix (`strata logistic`, `strata kmeans`) have no feature definition.
            if column.family != "input" {
                do { _ = try FeatureDefinition.definition(of: column, in: columns) } catch {
                    throw fail("name", "\"\(column.name)\": \(error.problem)")
                }
            }
        }
    }
}
