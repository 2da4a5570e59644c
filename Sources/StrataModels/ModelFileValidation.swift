import Foundation
import StrataFeatures

/// Fitted parameters that a model file checks on reading, against the file's feature schema.
///
/// Model files are JSON anyone can edit, and a refresh applies whatever is in `models/`: a scale of 0, a
/// coefficient of 1e308 or a window of 1e300 days would otherwise become scores of -inf, reasons 300 digits
/// long or a trap. ``ModelFile/read(from:kind:supportedVersions:)`` refuses such a file, naming the field.
public protocol ModelParameters: Codable, Sendable {
    /// Throws ``ModelFileFieldError`` for the first value no fit could have produced, or a shape that does
    /// not match `schema` (one coefficient or center coordinate per column).
    func validate(against schema: FeatureSchema) throws(ModelFileFieldError)
}

/// A value in a model file that no fit could have produced.
public struct ModelFileFieldError: Error, Equatable, CustomStringConvertible {
    /// Where in the file, e.g. `parameters.coefficients[2]`.
    public let field: String
    /// The value found, then what was expected.
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field) is \(problem)" }
}

extension ModelFile where Parameters: ModelParameters {
    /// Checks the schema (``FeatureSchema/validate()``), the parameters against it, the metrics (finite) and
    /// the day counts of the training context (`horizon_days`, `window_days`).
    public func validate() throws(ModelFileFieldError) {
        do { try featureSchema.validate() } catch {
            throw ModelFileFieldError(field: "featureSchema.columns[\(error.index)] (\"\(error.column)\").\(error.field)",
                                      problem: error.problem)
        }
        try parameters.validate(against: featureSchema)
        for (name, value) in metrics.sorted(by: { $0.key < $1.key }) where !value.isFinite {
            throw ModelFileFieldError(field: "metrics.\(name)", problem: "\(value); expected a finite number")
        }
        for key in ["horizon_days", "window_days"] {
            guard let text = training[key] else { continue }
            guard let days = Int(text), StrataLimits.days.contains(days) else {
                throw ModelFileFieldError(field: "training.\(key)", problem: "\"\(text)\"; expected a whole number of days "
                    + "from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)")
            }
        }
    }
}

/// Shared checks of fitted numbers.
enum FittedValues {
    /// Throws unless `value` is finite and within `limit` in magnitude.
    static func check(_ value: Double, _ field: String, limit: Double = StrataLimits.maximumMagnitude,
                      meaning: String = "a finite number") throws(ModelFileFieldError) {
        guard value.isFinite && Swift.abs(value) <= limit else {
            throw ModelFileFieldError(field: field, problem: "\(value); expected \(meaning) of magnitude at most \(limit)")
        }
    }

    /// Throws unless `count` equals the schema's column count (and so at least 1).
    static func checkCount(_ count: Int, _ field: String, schema: FeatureSchema, of what: String) throws(ModelFileFieldError) {
        guard count >= 1 else {
            throw ModelFileFieldError(field: field, problem: "empty; a model needs at least one \(what)")
        }
        guard count == schema.columns.count else {
            throw ModelFileFieldError(field: field, problem: "\(count) long; expected one \(what) per column of the "
                + "feature schema (\(schema.columns.count))")
        }
    }
}

extension KMeansParameters {
    /// Cluster ids (when stored) one per center, each >= 0 and distinct, none retired; descriptions one per
    /// center.
    func validateIdentities() throws(ModelFileFieldError) {
        if let clusterIDs {
            guard clusterIDs.count == centers.count else {
                throw ModelFileFieldError(field: "parameters.clusterIDs",
                                          problem: "\(clusterIDs.count) long; expected one id per center (\(centers.count))")
            }
            let retired = Set(retiredClusterIDs ?? [])
            for (index, id) in clusterIDs.enumerated() {
                guard id >= 0 && !clusterIDs[..<index].contains(id) && !retired.contains(id) else {
                    throw ModelFileFieldError(field: "parameters.clusterIDs[\(index)]",
                                              problem: "\(id); expected a distinct id >= 0 that is not retired")
                }
            }
        }
        if let clusterDescriptions, clusterDescriptions.count != centers.count {
            throw ModelFileFieldError(field: "parameters.clusterDescriptions",
                                      problem: "\(clusterDescriptions.count) long; expected one description per center (\(centers.count))")
        }
    }
}

extension LogisticParameters: ModelParameters {
    /// The largest coefficient or intercept a file may hold. A coefficient is the change of log-odds per unit of
    /// a (standardized) feature; beyond ±40 the probability is already 0 or 1 to double precision, and no fit
    /// of real data comes near a million.
    public static let maximumCoefficient = 1e6

    /// One coefficient and one training mean per schema column, each finite (coefficients and the intercept
    /// within ``maximumCoefficient``); `c` and `tolerance` finite and > 0; `l1Ratio` in [0, 1]; iterations >= 0.
    public func validate(against schema: FeatureSchema) throws(ModelFileFieldError) {
        try FittedValues.checkCount(coefficients.count, "parameters.coefficients", schema: schema, of: "coefficient")
        for (index, value) in coefficients.enumerated() {
            try FittedValues.check(value, "parameters.coefficients[\(index)]", limit: Self.maximumCoefficient,
                                   meaning: "a finite log-odds coefficient")
        }
        try FittedValues.check(intercept, "parameters.intercept", limit: Self.maximumCoefficient,
                               meaning: "a finite log-odds intercept")
        try FittedValues.checkCount(featureMeans.count, "parameters.featureMeans", schema: schema, of: "training mean")
        for (index, value) in featureMeans.enumerated() {
            try FittedValues.check(value, "parameters.featureMeans[\(index)]")
        }
        guard c.isFinite && c > 0 else {
            throw ModelFileFieldError(field: "parameters.c", problem: "\(c); expected a finite number > 0")
        }
        if let l1Ratio, !(0...1).contains(l1Ratio) {
            throw ModelFileFieldError(field: "parameters.l1Ratio", problem: "\(l1Ratio); expected a number from 0 to 1")
        }
        guard tolerance.isFinite && tolerance > 0 else {
            throw ModelFileFieldError(field: "parameters.tolerance", problem: "\(tolerance); expected a finite number > 0")
        }
        guard iterations >= 0 else {
            throw ModelFileFieldError(field: "parameters.iterations", problem: "\(iterations); expected a count >= 0")
        }
    }
}

extension KMeansParameters: ModelParameters {
    /// At least one center, every center with one finite coordinate per schema column; cluster sizes and
    /// names (when stored) one per center, sizes >= 0, names non-empty and distinct; inertia finite and >= 0;
    /// the hyperparameters a fit accepts.
    public func validate(against schema: FeatureSchema) throws(ModelFileFieldError) {
        guard !centers.isEmpty else {
            throw ModelFileFieldError(field: "parameters.centers", problem: "empty; a model needs at least one center")
        }
        for (cluster, center) in centers.enumerated() {
            try FittedValues.checkCount(center.count, "parameters.centers[\(cluster)]", schema: schema, of: "coordinate")
            for (column, value) in center.enumerated() {
                try FittedValues.check(value, "parameters.centers[\(cluster)][\(column)]")
            }
        }
        if !clusterSizes.isEmpty && clusterSizes.count != centers.count {
            throw ModelFileFieldError(field: "parameters.clusterSizes",
                                      problem: "\(clusterSizes.count) long; expected one size per center (\(centers.count))")
        }
        if let index = clusterSizes.firstIndex(where: { $0 < 0 }) {
            throw ModelFileFieldError(field: "parameters.clusterSizes[\(index)]", problem: "\(clusterSizes[index]); expected a count >= 0")
        }
        if let clusterNames {
            guard clusterNames.count == centers.count else {
                throw ModelFileFieldError(field: "parameters.clusterNames",
                                          problem: "\(clusterNames.count) long; expected one name per center (\(centers.count))")
            }
            for (index, name) in clusterNames.enumerated() {
                if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw ModelFileFieldError(field: "parameters.clusterNames[\(index)]", problem: "empty; expected a name")
                }
                if clusterNames[..<index].contains(name) {
                    throw ModelFileFieldError(field: "parameters.clusterNames[\(index)]",
                                              problem: "\"\(name)\", which another cluster already has; names must be distinct")
                }
            }
        }
        try validateIdentities()
        guard inertia.isFinite && inertia >= 0 else {
            throw ModelFileFieldError(field: "parameters.inertia", problem: "\(inertia); expected a finite number >= 0")
        }
        guard iterations >= 0 else {
            throw ModelFileFieldError(field: "parameters.iterations", problem: "\(iterations); expected a count >= 0")
        }
        guard hyperparameters.initCount >= 1 else {
            throw ModelFileFieldError(field: "parameters.hyperparameters.initCount",
                                      problem: "\(hyperparameters.initCount); expected at least 1")
        }
        guard hyperparameters.maxIterations >= 1 else {
            throw ModelFileFieldError(field: "parameters.hyperparameters.maxIterations",
                                      problem: "\(hyperparameters.maxIterations); expected at least 1")
        }
        guard hyperparameters.tolerance.isFinite && hyperparameters.tolerance >= 0 else {
            throw ModelFileFieldError(field: "parameters.hyperparameters.tolerance",
                                      problem: "\(hyperparameters.tolerance); expected a finite number >= 0")
        }
    }
}
