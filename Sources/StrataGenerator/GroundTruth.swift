import StrataRandom
/// The generator's own answers, written to `ground_truth.csv` apart from the export (for tests and
/// evaluation only; never an input of Strata).
///
/// **Churn probability.** For a patient created by the as-of date T, the probability under the model that
/// the patient has no completed appointment in (T, T + horizon], given everything the simulation knows at
/// the end of day T (history, latent type, whether the patient has already stopped returning). It is a
/// Monte Carlo estimate with a fixed seed (the person's `groundTruth` stream), `replicas` paths, each
/// weighted by importance: every path is forced never to complete a visit, and its weight is the product of
/// the probabilities of the forced choices, while each churn check adds the weight of the branch that stops
/// returning (certain to complete nothing afterwards). A path's weight is thus exactly
/// P(no completion | the path's other random choices), which has far less variance than counting paths.
/// A patient who has already stopped returning at T has probability 1.
///
/// In the `realistic` behaviour a stopped patient is dormant and may come back, so a churn check's stop is
/// drawn on the path instead of branched (the appointments stay forced and weighted); the life event and death
/// instants are drawn again after T on each path (the simulation's own are its future, which the truth must
/// not know). A patient who has left for good or died by T has probability 1.
///
/// **Best-achievable churn probability.** The same event given only what the export shows by T: the average of
/// the same paths over the hypotheses of ``ExportPosterior`` about the hidden type and status
/// (``bestAchievableChurnProbability(from:posterior:at:horizonEnd:replicas:rng:)``). It bounds what any model of the
/// export can reach.
enum GroundTruth {
    static let header = ["patient_id", "lead_id", "latent_type", "returning_at_as_of", "churn_probability",
                         "conversion_probability", "best_achievable_churn_probability"]
    static let bytesPerRow = 69
    /// Monte Carlo paths per patient unless `strata generate --truth-paths` says otherwise.
    static let defaultReplicas = 16

    struct Row {
        var patientID: [UInt8]?
        var leadID: [UInt8]?
        var latentType: LatentType
        /// Whether the patient was still returning at the end of the as-of day (nil if created later).
        var returningAtAsOf: Bool?
        var churnProbability: Double?
        var conversionProbability: Double?
        /// P(no completed appointment in the horizon | what the export shows by the as-of date).
        var bestAchievableChurnProbability: Double?

        private static let typeNames = LatentType.allCases.map { Array($0.rawValue.utf8) }
        private static let trueBytes = Array("true".utf8), falseBytes = Array("false".utf8)

        func write(into buffer: inout RowBuffer) {
            if let patientID { buffer.append(patientID) }
            buffer.comma()
            if let leadID { buffer.append(leadID) }
            buffer.comma()
            buffer.field(Self.typeNames[LatentType.allCases.firstIndex(of: latentType)!])
            if let returningAtAsOf { buffer.append(returningAtAsOf ? Self.trueBytes : Self.falseBytes) }
            buffer.comma()
            if let churnProbability { appendProbability(churnProbability, into: &buffer) }
            buffer.comma()
            if let conversionProbability { appendProbability(conversionProbability, into: &buffer) }
            buffer.comma()
            if let bestAchievableChurnProbability { appendProbability(bestAchievableChurnProbability, into: &buffer) }
            buffer.newline()
        }

        /// A probability with six decimals, `0.123456`.
        private func appendProbability(_ p: Double, into buffer: inout RowBuffer) {
            let millionths = Int((min(max(p, 0), 1) * 1_000_000).rounded())
            buffer.appendInteger(millionths / 1_000_000)
            buffer.append([UInt8(ascii: ".")])
            buffer.appendZeroPadded(millionths % 1_000_000, width: 6)
        }
    }

    /// P(no completed appointment in (T, horizonEnd]) from the state at T; see the type's documentation.
    static func churnProbability(from snapshot: PatientSimulation, at time: Int64, horizonEnd: Int64, replicas: Int,
                                 rng: inout Xoshiro256StarStar) -> Double {
        guard snapshot.mayReturn else { return 1 }
        var total = 0.0
        for _ in 0..<replicas {
            var path = snapshot
            path.rng = rng
            total += noCompletionWeight(of: &path, at: time, horizonEnd: horizonEnd)
            rng = path.rng
        }
        return total / Double(replicas)
    }

    /// One importance-weighted path from `path`'s state at `time`: P(no completion | its other choices).
    private static func noCompletionWeight(of path: inout PatientSimulation, at time: Int64, horizonEnd: Int64) -> Double {
        guard path.mayReturn else { return 1 }
        var discard = DiscardingSink()
        path.noCompletion = PatientSimulation.NoCompletionWeight()
        path.redrawHiddenEvents(after: time)
        path.run(until: horizonEnd, into: &discard)
        let weights = path.noCompletion!
        return weights.accumulated + weights.weight
    }

    /// Hypotheses lighter than this are left out of the best-achievable probability (the rest renormalized).
    static let lightestHypothesis = 1e-3

    /// P(no completed appointment in (T, horizonEnd] | what the export shows by T): the average over the
    /// export filter's hypotheses (type, status) at T (``ExportPosterior``) of the same importance-weighted
    /// paths as ``churnProbability(from:at:horizonEnd:replicas:rng:)``, each path started from a copy of the patient with
    /// the hypothesis's type and status (``PatientSimulation/hypothesis(type:status:posterior:at:rng:)``).
    /// A hypothesis of weight w gets ⌈replicas · w⌉ paths; a patient dead by T (the export shows it), or gone for good,
    /// has probability 1.
    static func bestAchievableChurnProbability(from snapshot: PatientSimulation, posterior: ExportPosterior, at time: Int64,
                                               horizonEnd: Int64, replicas: Int, rng: inout Xoshiro256StarStar) -> Double {
        if snapshot.isDeceased { return 1 }
        var total = 0.0, covered = 0.0
        for hypothesis in posterior.hypotheses() where hypothesis.weight >= lightestHypothesis {
            covered += hypothesis.weight
            if hypothesis.status == .left {
                total += hypothesis.weight
                continue
            }
            let paths = max(1, Int((Double(replicas) * hypothesis.weight).rounded(.up)))
            var sum = 0.0
            for _ in 0..<paths {
                var path = snapshot.hypothesis(type: hypothesis.type, status: hypothesis.status, posterior: posterior,
                                               at: time, rng: rng)
                sum += noCompletionWeight(of: &path, at: time, horizonEnd: horizonEnd)
                rng = path.rng
            }
            total += hypothesis.weight * sum / Double(paths)
        }
        return covered > 0 ? total / covered : 1
    }
}
