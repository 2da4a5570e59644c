import StrataData
import StrataRandom

/// Preventive care in primary care: at every completed visit the clinic checks the patient's care gaps and
/// gives what is due, as an extra completed appointment that same day — if the patient agrees, with their
/// own adherence. So whether a reminder is due has a ground truth in the export itself, and adherence is
/// imperfect, as in real practices.
///
/// | service | who | due when | adherence (per person) |
/// |---|---|---|---|
/// | `mammogram` 240.00 | women 40–74 | none yet, or the last one 1 year (half of the women) or 2 years (the others) ago, less 30 days | 15% never; else uniform 0.4–0.95 |
/// | `immunization` 90.00 | children 1–17 | the dose of their age's stage (ages 1, 4, 11, 16) not given since that birthday | 8% never; else uniform 0.7–0.98 |
/// | `flu_shot` 40.00 | everyone 1 and over | none yet this flu season (September to March) | 45% never; else uniform 0.4–0.95 |
/// | `diabetic_eye_exam` 150.00 | diabetics | none yet, or the last one 335 days ago or more | 20% never; else uniform 0.3–0.9 |
///
/// Diabetic follow-ups are the care rhythm itself (`CareSchedule`: every 91 days).
///
/// The draws come from the person's own `preventive` stream, so preventive care leaves the rest of the
/// history exactly as it was; and since it happens only at completed visits, it never changes whether a
/// patient completes a visit in the churn horizon (the ground truth stays exact).
struct PreventiveCare {
    /// The immunization stages of the simplified schedule, in years of age: one visit each.
    static let immunizationStages = [1, 4, 11, 16]
    /// The gap the clinic allows before a yearly exam is due again.
    static let yearlyGapDays = 335

    private var rng: Xoshiro256StarStar
    private let mammogramAdherence: Double
    private let mammogramGapDays: Int
    private let immunizationAdherence: Double
    private let fluShotAdherence: Double
    private let eyeExamAdherence: Double
    private var lastMammogram: Int?
    private var lastImmunization: Int?
    private var lastFluSeason: Int?
    private var lastEyeExam: Int?

    init(seed: UInt64, person: Int) {
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(person), purpose: .preventive)
        func adherence(never: Double, _ low: Double, _ high: Double) -> Double {
            rng.bernoulli(never) ? 0 : rng.uniform(low, high)
        }
        mammogramAdherence = adherence(never: 0.15, 0.4, 0.95)
        mammogramGapDays = rng.bernoulli(0.5) ? 365 - 30 : 730 - 30
        immunizationAdherence = adherence(never: 0.08, 0.7, 0.98)
        fluShotAdherence = adherence(never: 0.45, 0.4, 0.95)
        eyeExamAdherence = adherence(never: 0.2, 0.3, 0.9)
        self.rng = rng
    }

    /// After a completed visit at `time`: gives what is due, 20 minutes apart, each with the patient's
    /// adherence, and records it. `priceFactor` multiplies list prices (the patient's and the type's).
    mutating func visitCompleted<Sink: HistorySink>(at time: Int64, profile: PersonProfile, priceFactor: Double,
                                                    sink: inout Sink) {
        let day = CivilTime.day(of: time)
        let age = Self.wholeYears(from: profile.birthDay, to: day)
        var given = 0
        func give(_ service: Service, sink: inout Sink) {
            given += 1
            let amount = Int((Double(service.listPriceCents) * priceFactor / 50).rounded()) * 50
            sink.appointment(scheduledAt: time + Int64(given) * 20 * 60, bookedAt: time, status: .completed,
                             service: service, provider: profile.provider, amountCents: amount)
        }
        if profile.sex == 0, (40...74).contains(age), lastMammogram.map({ day - $0 >= mammogramGapDays }) ?? true,
           rng.bernoulli(mammogramAdherence) {
            lastMammogram = day
            give(.mammogram, sink: &sink)
        }
        if (1...17).contains(age), let stage = Self.immunizationStages.last(where: { $0 <= age }),
           lastImmunization.map({ $0 < Self.birthday(profile.birthDay, years: stage) }) ?? true,
           rng.bernoulli(immunizationAdherence) {
            lastImmunization = day
            give(.immunization, sink: &sink)
        }
        if age >= 1, let season = Self.fluSeason(of: day), lastFluSeason != season, rng.bernoulli(fluShotAdherence) {
            lastFluSeason = season
            give(.fluShot, sink: &sink)
        }
        if profile.has(.diabetes, onDay: day), lastEyeExam.map({ day - $0 >= Self.yearlyGapDays }) ?? true,
           rng.bernoulli(eyeExamAdherence) {
            lastEyeExam = day
            give(.diabeticEyeExam, sink: &sink)
        }
    }

    /// The flu season `day` is in, named by the year it starts (September to March), or nil outside one.
    static func fluSeason(of day: Int) -> Int? {
        let (year, month, _) = CivilTime.cachedCivil(days: day)
        if month >= 9 { return year }
        return month <= 3 ? year - 1 : nil
    }

    /// Whole years of age on `day` (a birthday counts from that day on).
    static func wholeYears(from birth: Int, to day: Int) -> Int {
        let b = CivilTime.cachedCivil(days: birth), d = CivilTime.cachedCivil(days: day)
        return d.year - b.year - ((d.month, d.day) < (b.month, b.day) ? 1 : 0)
    }

    /// The day of the `years`-th birthday (29 February becomes the 28th in other years).
    static func birthday(_ birth: Int, years: Int) -> Int {
        let b = CivilTime.civil(days: birth)
        let year = b.year + years
        return CivilTime.days(year: year, month: b.month, day: min(b.day, CivilDate.daysInMonth(year: year, month: b.month)))
    }
}
