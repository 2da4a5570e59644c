/// The hidden kind of a person, which the export never shows and the ground truth records.
///
/// Types set the parameters of one shared process (``BehaviourParameters``); what a model can see is the
/// history that process writes. `docs/export-format.md` lists the values.
public enum LatentType: String, CaseIterable, Sendable {
    /// Comes once and rarely returns: a very high churn hazard from the start.
    case new
    /// Steady recalls: low hazard that falls with tenure, books the next visit at the visit.
    case regular
    /// Returns for a while, then stops: the hazard rises with tenure (+1.4 logit per year).
    case lapsed
    /// Many, more expensive services at shorter intervals; the most engaged.
    case highValue = "high_value"
    /// Misses appointments: no-show probability 0.28 against the regular 0.04.
    case noShowProne = "no_show_prone"
    /// Inquired (a lead) and never converted: no patient record, no appointments.
    case leadOnly = "lead_only"

    var parameters: BehaviourParameters {
        switch self {
        case .new:
            BehaviourParameters(hazardIntercept: -0.4, tenureSlopePerYear: 0, noShowProbability: 0.06,
                                cancelProbability: 0.06, intervalFactor: 1.0, spendFactor: 1.0,
                                premiumProbability: 0.03, engagement: 0.8, bookAtVisitProbability: 0.35)
        case .regular:
            BehaviourParameters(hazardIntercept: -5.0, tenureSlopePerYear: -0.15, noShowProbability: 0.04,
                                cancelProbability: 0.05, intervalFactor: 1.0, spendFactor: 1.0,
                                premiumProbability: 0.05, engagement: 1.1, bookAtVisitProbability: 0.75)
        case .lapsed:
            BehaviourParameters(hazardIntercept: -4.4, tenureSlopePerYear: 1.4, noShowProbability: 0.07,
                                cancelProbability: 0.08, intervalFactor: 1.2, spendFactor: 1.0,
                                premiumProbability: 0.03, engagement: 0.7, bookAtVisitProbability: 0.45)
        case .highValue:
            BehaviourParameters(hazardIntercept: -5.3, tenureSlopePerYear: -0.15, noShowProbability: 0.03,
                                cancelProbability: 0.04, intervalFactor: 0.75, spendFactor: 1.35,
                                premiumProbability: 0.35, engagement: 1.3, bookAtVisitProbability: 0.8)
        case .noShowProne:
            BehaviourParameters(hazardIntercept: -3.8, tenureSlopePerYear: 0, noShowProbability: 0.28,
                                cancelProbability: 0.12, intervalFactor: 1.1, spendFactor: 1.0,
                                premiumProbability: 0.03, engagement: 0.6, bookAtVisitProbability: 0.4)
        case .leadOnly:
            BehaviourParameters(hazardIntercept: 0, tenureSlopePerYear: 0, noShowProbability: 0,
                                cancelProbability: 0, intervalFactor: 1, spendFactor: 1,
                                premiumProbability: 0, engagement: 0, bookAtVisitProbability: 0)
        }
    }

    /// Mix of patient types among people who were patients before `--from` (the established base).
    static let establishedMix: [(LatentType, Double)] =
        [(.new, 0.08), (.regular, 0.45), (.lapsed, 0.20), (.highValue, 0.13), (.noShowProne, 0.14)]
    /// Mix of patient types among people who arrive during the period (directly or as converted leads).
    static let arrivingMix: [(LatentType, Double)] =
        [(.new, 0.25), (.regular, 0.33), (.lapsed, 0.17), (.highValue, 0.10), (.noShowProne, 0.15)]
}

/// The parameters a latent type gives the shared behaviour process.
struct BehaviourParameters {
    /// Logit of the 30-day churn hazard at zero tenure, nothing overdue, no no-shows, no engagement.
    let hazardIntercept: Double
    /// Added to the hazard logit per year since the patient record was created.
    let tenureSlopePerYear: Double
    /// Probability that a booked appointment of a patient still returning ends `no_show`.
    let noShowProbability: Double
    /// Probability that it ends `cancelled`; the rest end `completed`.
    let cancelProbability: Double
    /// Multiplies the clinic's recall interval.
    let intervalFactor: Double
    /// Multiplies prices.
    let spendFactor: Double
    /// Probability that a visit is an add-on premium service instead of the planned one.
    let premiumProbability: Double
    /// Multiplies open, click and response probabilities of communications.
    let engagement: Double
    /// Probability that the next visit is booked at the end of a completed one (otherwise days before it).
    let bookAtVisitProbability: Double
}

/// The 30-day churn hazard, the same for every type up to the type's intercept and tenure slope:
///
///     logit h = intercept + tenureSlope · tenureYears + 0.30 · min(overdueMonths, 12)
///               + 0.55 · noShowScore − 0.45 · min(engagementScore, 5) − 1.0 · hasBooking
///
/// where overdueMonths = max(0, daysSinceLastCompletedVisit − expectedIntervalDays) / 30, noShowScore is the
/// count of no-shows decayed with a 365-day time constant, and engagementScore the opens (+1), clicks (+2)
/// and responses (+2) decayed with a 120-day time constant, and hasBooking is 1 while an appointment booked
/// earlier is still ahead. All of these are visible in the export.
enum ChurnHazard {
    static let overdueWeight = 0.30
    static let noShowWeight = 0.55
    static let engagementWeight = 0.45
    static let bookingWeight = 1.0
    static let noShowTimeConstantDays = 365.0
    static let engagementTimeConstantDays = 120.0
    static let periodDays = 30

    static func probability(parameters: BehaviourParameters, tenureYears: Double, overdueMonths: Double,
                            noShowScore: Double, engagementScore: Double, hasBooking: Bool) -> Double {
        logistic(parameters.hazardIntercept + parameters.tenureSlopePerYear * tenureYears
                 + overdueWeight * min(overdueMonths, 12) + noShowWeight * noShowScore
                 - engagementWeight * min(engagementScore, 5) - (hasBooking ? bookingWeight : 0))
    }
}
