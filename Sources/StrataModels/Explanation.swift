import Foundation
import StrataFeatures
import StrataLinearAlgebra

/// Why a patient scored as they did: the features that push their log-odds most.
public struct Explanation: Sendable, Equatable, Codable {
    /// One feature's push on a row's log-odds.
    public struct Contribution: Sendable, Equatable, Codable {
        /// The feature's machine name.
        public var name: String
        /// Words the user understands, from the feature schema.
        public var label: String
        /// `wⱼ·(xⱼ − meanⱼ)`: the change in log-odds from the training average; for standardized features
        /// (mean 0) this is the coefficient times the standardized value.
        public var logOddsContribution: Double

        /// Positive contributions raise the predicted risk, negative ones lower it.
        public var raisesRisk: Bool { logOddsContribution > 0 }
        /// `"raises"` or `"lowers"`.
        public var direction: String { raisesRisk ? "raises" : "lowers" }

        /// E.g. "days since last visit raises risk (+1.20)".
        public var phrase: String { phrase(outcome: "risk") }

        /// The phrase with the score's own word: "lead source: referral raises chance (+0.80)".
        public func phrase(outcome: String) -> String {
            "\(label) \(direction) \(outcome) (" + (logOddsContribution >= 0 ? "+" : "") + String(format: "%.2f", logOddsContribution) + ")"
        }
    }

    /// The row of the scored matrix.
    public var row: Int
    /// The largest pushes by absolute size, largest first.
    public var contributions: [Contribution]

    /// A short sentence, e.g. "days since last visit raises risk (+1.20); visits per year lowers risk (-0.40)".
    public var summary: String { contributions.map(\.phrase).joined(separator: "; ") }
}

extension LogisticModel {
    /// For each row of `x` the `top` features with the largest `|wⱼ·(xⱼ − meanⱼ)|`, named by `schema`.
    /// Zero contributions are left out; ties keep column order.
    ///
    /// - Throws: ``LogisticError/columnCountMismatch(expected:found:)`` when `x` or `schema` does not have
    ///   one column per coefficient.
    /// - Complexity: O(n·d·log d).
    public func explain(_ x: Matrix<Double>, schema: FeatureSchema, top: Int = 3) throws(LogisticError) -> [Explanation] {
        guard x.columns == coefficients.count else { throw .columnCountMismatch(expected: coefficients.count, found: x.columns) }
        guard schema.columns.count == coefficients.count else {
            throw .columnCountMismatch(expected: coefficients.count, found: schema.columns.count)
        }
        return (0..<x.rows).map { row in
            let values = x.row(row)
            let pushes = coefficients.indices.map { j in
                coefficients[j] * (values[values.startIndex + j] - featureMeans[j])
            }
            let ranked = pushes.indices
                .filter { pushes[$0] != 0 }
                .sorted { Swift.abs(pushes[$0]) > Swift.abs(pushes[$1]) || (Swift.abs(pushes[$0]) == Swift.abs(pushes[$1]) && $0 < $1) }
                .prefix(top)
            return Explanation(row: row, contributions: ranked.map { j in
                Explanation.Contribution(name: schema.columns[j].name, label: schema.columns[j].label, logOddsContribution: pushes[j])
            })
        }
    }
}

