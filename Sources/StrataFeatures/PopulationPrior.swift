import StrataData

/// The empirical-Bayes prior of a shrunk rate: a Beta(w·p, w·(1 − p)) fitted to the training population by
/// the beta-binomial method of moments, so each patient's rate (x + w·p) / (n + w) is pulled towards what
/// the clinic's patients do, as far as the patients' rates really differ.
///
/// With n_i appointments and x_i events for the k patients who have any (N = Σ n_i):
/// - p = Σ x_i / N, the pooled rate;
/// - S = Σ n_i (x_i/n_i − p)², whose expectation under the beta-binomial is
///   p(1 − p) · [(k − 1) + ρ (N − k − Σ n_i²/N + 1)], with ρ = 1 / (w + 1) the intra-patient correlation;
/// - so ρ = (S / (p(1 − p)) − (k − 1)) / (N − k − Σ n_i²/N + 1), and w = 1/ρ − 1, kept within
///   [``minimumWeight``, ``StrataLimits/maximumPriorWeight``] (ρ ≤ 0, no more spread than chance: the
///   largest weight).
///
/// When p is 0 or 1 every rate equals p whatever the weight; when the denominator is not positive (every
/// patient has one appointment) the spread cannot be told from chance, and the fallback weight is used.
public struct PopulationPrior: Sendable, Equatable {
    /// The prior rate p.
    public var rate: Double
    /// The prior weight w (pseudo-appointments).
    public var weight: Double
    /// Whether w was estimated (false: the fallback weight).
    public var weightEstimated: Bool

    /// The smallest weight the estimate gives: a prior of almost no appointments.
    public static let minimumWeight = 0.01

    /// Estimates the prior from per-patient counts (`events[i]` of `trials[i]`; patients with no trials ignored).
    public init(events: [Int], trials: [Int], fallbackWeight: Double) {
        precondition(events.count == trials.count, "one event count per trial count")
        var k = 0.0, total = 0.0, eventTotal = 0.0, squaredTrials = 0.0
        for (x, n) in zip(events, trials) where n > 0 {
            k += 1
            total += Double(n)
            eventTotal += Double(x)
            squaredTrials += Double(n) * Double(n)
        }
        guard total > 0 else {
            self.init(rate: 0, weight: fallbackWeight, weightEstimated: false)
            return
        }
        let p = eventTotal / total
        let denominator = total - k - squaredTrials / total + 1
        guard p > 0, p < 1, denominator > 1e-9 else {
            self.init(rate: p, weight: fallbackWeight, weightEstimated: false)
            return
        }
        var spread = 0.0
        for (x, n) in zip(events, trials) where n > 0 {
            let deviation = Double(x) / Double(n) - p
            spread += Double(n) * deviation * deviation
        }
        let rho = (spread / (p * (1 - p)) - (k - 1)) / denominator
        let weight = rho <= 0 ? StrataLimits.maximumPriorWeight
            : min(max(1 / rho - 1, Self.minimumWeight), StrataLimits.maximumPriorWeight)
        self.init(rate: p, weight: weight, weightEstimated: true)
    }

    public init(rate: Double, weight: Double, weightEstimated: Bool) {
        self.rate = rate
        self.weight = weight
        self.weightEstimated = weightEstimated
    }

    /// The no-show and cancellation priors of `export`'s patients as of the cut-off: appointments scheduled
    /// before `cutoff` with an outcome (completed, no_show, cancelled), as the rates count them.
    static func attendance(_ export: ClinicExport, cutoff: Int64, fallbackWeight: Double) -> (noShow: PopulationPrior, cancellation: PopulationPrior) {
        let count = export.patients.count
        var trials = [Int](repeating: 0, count: count)
        var noShows = [Int](repeating: 0, count: count), cancellations = [Int](repeating: 0, count: count)
        let appointments = export.appointments
        for row in 0..<appointments.count where appointments.scheduledAt[row] < cutoff {
            let patient = Int(appointments.patient[row])
            switch appointments.status[row] {
            case .completed: trials[patient] += 1
            case .noShow: trials[patient] += 1; noShows[patient] += 1
            case .cancelled: trials[patient] += 1; cancellations[patient] += 1
            case .booked: break
            }
        }
        return (PopulationPrior(events: noShows, trials: trials, fallbackWeight: fallbackWeight),
                PopulationPrior(events: cancellations, trials: trials, fallbackWeight: fallbackWeight))
    }
}
