/// Why k-means could not fit or predict. Messages name the offending value and what was expected.
public enum KMeansError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The cluster count is below 1.
    case invalidClusterCount(Int)
    /// Fewer rows than clusters (scikit-learn: "n_samples=3 should be >= n_clusters=5").
    case tooFewSamples(samples: Int, clusters: Int)
    /// The matrix has no columns.
    case noFeatures
    /// An element of the input is NaN or infinite.
    case nonFiniteValue(row: Int, column: Int, value: String)
    /// A hyperparameter is out of range.
    case invalidParameter(name: String, value: String, expected: String)
    /// Sample weights do not fit the rows, or one is negative or not finite.
    case invalidSampleWeights(String)
    /// Given initial centers do not fit: wrong shape or non-finite values.
    case invalidInitialCenters(String)
    /// Rows for `predict` have a different column count than the centers.
    case featureCountMismatch(expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .invalidClusterCount(k): "n_clusters=\(k) should be >= 1"
        case let .tooFewSamples(samples, clusters): "n_samples=\(samples) should be >= n_clusters=\(clusters)"
        case .noFeatures: "the matrix has no columns; k-means needs at least one feature"
        case let .nonFiniteValue(row, column, value):
            "input contains \(value) at row \(row), column \(column); k-means needs finite numbers"
        case let .invalidParameter(name, value, expected): "\(name)=\(value) is invalid: expected \(expected)"
        case let .invalidSampleWeights(detail): "invalid sample weights: \(detail)"
        case let .invalidInitialCenters(detail): "invalid initial centers: \(detail)"
        case let .featureCountMismatch(expected, found):
            "the model was fitted on \(expected) features, the input has \(found)"
        }
    }
}
