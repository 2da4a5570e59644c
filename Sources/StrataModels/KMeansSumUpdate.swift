/// How a Lloyd step gets the per-cluster sums `Σ wᵢ xᵢ` its new centers are the means of.
///
/// Both give the same labels and centers up to Double rounding: every row's distances to all centers are
/// computed in every step either way; only the reduction differs.
enum KMeansSumUpdate: Sendable, Equatable {
    /// The sums carried over from the previous step when fewer than ``incrementalChangedFraction`` of the rows
    /// changed label in it, full sums otherwise (and on a first step, where there is nothing to carry).
    case automatic
    /// Every row added into its cluster's sums (in the working precision per 512-row chunk, then in Double).
    case full
    /// The previous step's sums, with only the rows whose label changed moved between clusters (in Double).
    case incremental

    /// Above this fraction of rows changing label in a step, the next step recomputes full sums: moving a row
    /// (a subtraction and an addition in Double) costs about 3 times adding a row in Float, so carried sums
    /// stop paying at about 30% changed (d = 32, k = 16, measured in `docs/kmeans.md`, "Incremental sums");
    /// a step's changes predict the next one's, which are usually fewer.
    static let incrementalChangedFraction = 0.25

    /// Whether the step after one that changed `changedLabels` of `rows` labels carries the sums over.
    func carriesSums(afterChanging changedLabels: Int, of rows: Int) -> Bool {
        switch self {
        case .full: false
        case .incremental: true
        case .automatic: Double(changedLabels) <= Self.incrementalChangedFraction * Double(rows)
        }
    }
}
