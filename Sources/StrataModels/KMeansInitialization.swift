import Foundation
import StrataLinearAlgebra

/// How k-means chooses its first centers.
public enum KMeansInitialization: Sendable, Equatable {
    /// Greedy k-means++ (Arthur and Vassilvitskii, as scikit-learn): the first center is a row drawn with
    /// probability proportional to its weight; each further center is the best of `localTrials` rows drawn
    /// with probability proportional to `w · D(x)²` (squared distance to the nearest chosen center), "best"
    /// meaning the one leaving the smallest potential `Σ w · D(x)²`. `nil` trials means `2 + ⌊ln k⌋`.
    case kMeansPlusPlus(localTrials: Int? = nil)
    /// `k` distinct rows drawn uniformly (proportionally to weight when weights are given).
    case random
    /// These centers (`k×d`), used as given; one run, whatever `initCount` says.
    case centers(Matrix<Double>)

    /// The name used on the command line and in model files.
    public var name: String {
        switch self {
        case .kMeansPlusPlus: "k-means++"
        case .random: "random"
        case .centers: "given"
        }
    }

    /// The number of candidates per greedy k-means++ step for `k` clusters: `2 + ⌊ln k⌋` unless set.
    static func plusPlusTrials(_ localTrials: Int?, clusterCount k: Int) -> Int {
        localTrials ?? (2 + Int(log(Double(k))))
    }
}
