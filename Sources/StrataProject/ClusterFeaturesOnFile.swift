import Foundation
import StrataData
import StrataLinearAlgebra

/// The inputs discovery computed for every patient as of its day, in its model's schema: what a refresh of the
/// same day computes to assign that model's clusters. `strata month` hands them from the retrain to the refresh
/// (1.3 s of features at 1M). Taken once: whoever takes the matrix (264 MB at 1M) holds the only copy.
final class ClusterFeaturesOnFile: @unchecked Sendable {
    let asOf: Day
    /// The model file (its name in the models folder and ``Fingerprint``) they are the inputs of.
    let model: (name: String, fingerprint: String)
    private let lock = NSLock()
    private var x: Matrix<Double>?

    init(asOf: Day, x: Matrix<Double>, model: (name: String, fingerprint: String)) {
        self.asOf = asOf
        self.x = x
        self.model = model
    }

    /// Whether the features are still here to be taken.
    var isHeld: Bool { lock.withLock { x != nil } }

    /// The features when they are those of model file `name` (of `fingerprint`) as of `asOf` for `rows`
    /// patients; nil otherwise. Either way they are no longer held here.
    func take(name: String, fingerprint: String, asOf: Day, rows: Int) -> Matrix<Double>? {
        lock.withLock {
            defer { x = nil }
            guard let x, model.name == name, model.fingerprint == fingerprint, self.asOf == asOf, x.rows == rows else {
                return nil
            }
            return x
        }
    }
}
