import Foundation

/// Which process the generator runs (`strata generate --behaviour`, ``GeneratorConfiguration/behaviour``).
///
/// `idealized` is the original process, kept byte for byte: churn is almost written in the visible history.
/// `realistic` adds what real clinics show and an export does not explain: life events that end a patient's
/// relationship at random, deaths, dormant patients who come back, calibrated no-shows, long-tailed booking
/// lead times, weekday and holiday-month patterns and wide visit intervals (``RealisticBehaviour``;
/// `docs/export-format.md`, "Realistic behaviour", has every value and its source).
public enum Behaviour: String, CaseIterable, Sendable {
    case idealized
    case realistic

    /// The behaviour when none is asked for: the realistic clinic (issue 23); `.idealized` must be asked for.
    public static let `default`: Behaviour = .realistic

    /// Parses a behaviour, with the error the CLI shows.
    public static func named(_ name: String) throws(GeneratorError) -> Behaviour {
        guard let behaviour = Behaviour(rawValue: name) else {
            throw .invalidOption(name: "behaviour", value: name,
                                 expected: "one of " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return behaviour
    }
}

/// Yearly probabilities of the life events that end a patient's relationship with the clinic for good in the
/// `realistic` behaviour, whatever the patient's history: nothing in the export announces them.
///
/// Defaults: moving away 5% a year (US movers: about 8–9% of people a year, of whom a good part move far
/// enough to change clinic), a new insurer or plan that the clinic does not take 3%, a bad experience 2%.
/// `strata generate --life-events` sets all three (``parse(_:)``).
public struct LifeEventRates: Sendable, Equatable {
    public let movingAway: Double
    public let newInsurer: Double
    public let badExperience: Double

    public static let `default` = try! LifeEventRates(movingAway: 0.05, newInsurer: 0.03, badExperience: 0.02)

    /// The names `--life-events` and `generator.json` use, in order.
    public static let names = ["moving_away", "new_insurer", "bad_experience"]

    /// Checks the rates; each is a yearly probability in [0, 1).
    public init(movingAway: Double, newInsurer: Double, badExperience: Double) throws(GeneratorError) {
        for (name, value) in [("movingAway", movingAway), ("newInsurer", newInsurer), ("badExperience", badExperience)] {
            guard value >= 0, value < 1 else {
                throw .invalidOption(name: "lifeEvents.\(name)", value: String(value), expected: "a yearly probability from 0 to below 1")
            }
        }
        self.movingAway = movingAway
        self.newInsurer = newInsurer
        self.badExperience = badExperience
    }

    /// Parses `moving_away=P,new_insurer=P,bad_experience=P` (each name once, in any order), with the error the
    /// CLI shows.
    public static func parse(_ text: String) throws(GeneratorError) -> LifeEventRates {
        let expected = "moving_away=P,new_insurer=P,bad_experience=P, each P a yearly probability from 0 to below 1"
        var values: [String: Double] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pair[0].trimmingCharacters(in: .whitespaces)
            guard pair.count == 2, names.contains(name), values[name] == nil,
                  let value = Double(pair[1].trimmingCharacters(in: .whitespaces)), value >= 0, value < 1
            else { throw .invalidOption(name: "lifeEvents", value: text, expected: expected) }
            values[name] = value
        }
        guard let movingAway = values["moving_away"], let newInsurer = values["new_insurer"],
              let badExperience = values["bad_experience"]
        else { throw .invalidOption(name: "lifeEvents", value: text, expected: expected) }
        return try LifeEventRates(movingAway: movingAway, newInsurer: newInsurer, badExperience: badExperience)
    }

    /// The rates as `--life-events` takes them.
    public var argument: String {
        zip(Self.names, [movingAway, newInsurer, badExperience]).map { "\($0)=\($1)" }.joined(separator: ",")
    }

    /// The rates as `generator.json` records them.
    var json: String {
        "{" + zip(Self.names, [movingAway, newInsurer, badExperience]).map { "\"\($0)\": \($1)" }.joined(separator: ", ") + "}"
    }

    /// The constant hazard per day of any of the three: each yearly probability p is a rate −ln(1 − p) a year.
    var ratePerDay: Double {
        -(log1pNegative(movingAway) + log1pNegative(newInsurer) + log1pNegative(badExperience)) / 365.25
    }
}

/// The calibration of the `realistic` behaviour per department (a clinic kind, or one of the
/// multi-specialty practice's two). Values and sources: `docs/export-format.md`, "Realistic behaviour".
struct RealisticBehaviour {
    /// No-show probability from the clinic's side, combined with the type's: 1 − (1 − type)(1 − this).
    let noShowBaseline: Double
    /// Added to the type's cancellation probability.
    let extraCancellation: Double
    /// Multiplies the type's probability of booking the next visit at the end of a visit.
    let bookAtVisitScale: Double
    /// Median lead time, in days, of a visit the patient books later (not at a visit).
    let selfBookedLeadMedianDays: Double
    /// Median lead time, in days, of a new patient's first appointment.
    let firstVisitLeadMedianDays: Double
    /// Share of self-booked visits taken the same day (acute needs, free slots).
    let sameDayShare: Double

    /// Log-normal σ of the lead times.
    static let leadSigma = 1.0
    /// Lead times are capped at this many days.
    static let longestLeadDays = 270.0
    /// Log-normal σ of the visit interval around the care rhythm (0.15 in `idealized`).
    static let intervalSigma = 0.65
    /// A patient whose hazard stopped them is dormant and comes back with this probability at every 30-day check.
    static let dormantReturnProbability = 0.06
    /// After a miss: the probability of rebooking, and the median days until the patient calls back.
    static let rebookProbability = 0.7
    static let rebookDelayMedianDays = 3.0
    /// A booked visit's no-show baseline is multiplied by these for short and long lead times.
    static let sameWeekNoShowFactor = 0.6
    static let longLeadNoShowFactor = 1.35
    /// Weekday weights Monday ... Friday: a slot on a day is kept with its weight, else moved on.
    static let weekdayWeights = [1.0, 0.95, 0.9, 0.9, 0.75]
    /// Holiday periods: 20 December – 3 January and August keep a slot with this probability, else move it a week on.
    static let holidayKeepProbability = 0.6

    static func of(_ department: Department) -> RealisticBehaviour {
        switch department {
        case .primaryCare:
            RealisticBehaviour(noShowBaseline: 0.15, extraCancellation: 0.03, bookAtVisitScale: 0.7,
                               selfBookedLeadMedianDays: 9, firstVisitLeadMedianDays: 20, sameDayShare: 0.15)
        case .orthodontic:
            RealisticBehaviour(noShowBaseline: 0.03, extraCancellation: 0.02, bookAtVisitScale: 0.4,
                               selfBookedLeadMedianDays: 14, firstVisitLeadMedianDays: 14, sameDayShare: 0.03)
        case .aesthetic:
            RealisticBehaviour(noShowBaseline: 0.03, extraCancellation: 0.03, bookAtVisitScale: 0.35,
                               selfBookedLeadMedianDays: 10, firstVisitLeadMedianDays: 10, sameDayShare: 0.05)
        }
    }

    /// Whether `day` is in a holiday period (20 December – 3 January, or August).
    static func isHoliday(day: Int) -> Bool {
        let (_, month, dayOfMonth) = CivilTime.cachedCivil(days: day)
        return month == 8 || (month == 12 && dayOfMonth >= 20) || (month == 1 && dayOfMonth <= 3)
    }
}
