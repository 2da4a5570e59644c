/// What a Lloyd step does with a cluster that received no rows.
public enum KMeansEmptyClusterPolicy: String, Sendable, Equatable, Codable {
    /// Move each empty cluster's center onto one of the rows farthest from their current centers (the
    /// farthest row to the first empty cluster, and so on), taking that row's weight out of its old
    /// cluster's sums, as scikit-learn does. Inertia still never rises.
    case relocateFarthestPoints = "relocate-farthest"
    /// Leave the center where it was.
    case keepPreviousCenter = "keep"
}
