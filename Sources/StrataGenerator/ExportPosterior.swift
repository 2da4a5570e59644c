import Foundation

/// The hidden state of a patient at the as-of date given only what the export shows by then: a forward filter
/// over (latent type, status) that the simulation feeds as its history unfolds, for the ground truth's
/// `best_achievable_churn_probability` (``GroundTruth/bestAchievableChurnProbability(from:posterior:at:horizonEnd:replicas:rng:)``).
///
/// The state is a joint weight per latent type (one SIMD lane each, lanes 0–4 in ``types`` order) and status:
/// - `waiting`: returning, with a next booking planned but not yet made (the export shows nothing booked);
/// - `returning`: returning with nothing hidden (a visible booking, or nothing planned after a miss);
/// - `comingBack`: `realistic`, came back at the last check and books within three days;
/// - `dormant`: stopped by the hazard (`realistic`: may come back at 6% a check; `idealized`: for good);
/// - `left`: `realistic`, a life event ended the relationship.
///
/// It starts from the type mix (the established base's or the arrivals'), and every observable outcome
/// multiplies each (type, status) by its probability under the process: appointment outcomes, booking the
/// next visit at the visit, the visit interval and the moment a booking is made, premium choices, the price
/// level (the high-value type's spend factor), opens, clicks and responses, recalls and win-backs sent (they go
/// out only with nothing booked) or not sent when due. Every 30-day check moves weight from returning to
/// dormant with the hazard computed from the export for each type (`realistic`: and back at 6%), and life
/// events move weight to `left` at their constant rate. It never draws a random number.
///
/// What it approximates or leaves out, all small: the delay from a visit's due date to its slot is taken at its
/// mean, the interval's log-normal is summed over 16 quantiles; it leaves out the lead time's dependence on the
/// interval in `idealized`, the exact send time of a recall (which would pin the type's interval factor), opens
/// after the as-of date, and a return followed by a new stop between two visits the patient is seen at.
struct ExportPosterior {
    typealias Lanes = SIMD8<Double>

    /// The patient types, one lane each.
    static let types: [LatentType] = [.new, .regular, .lapsed, .highValue, .noShowProne]
    static let laneMask: Lanes = [1, 1, 1, 1, 1, 0, 0, 0]

    static func lanes(_ value: (BehaviourParameters) -> Double) -> Lanes {
        var result = Lanes(repeating: 0)
        for (lane, type) in types.enumerated() { result[lane] = value(type.parameters) }
        return result
    }

    static let noShow = lanes(\.noShowProbability)
    static let cancel = lanes(\.cancelProbability)
    static let intervalFactor = lanes(\.intervalFactor)
    static let spendFactor = lanes(\.spendFactor)
    /// 1 / spendFactor, 0 in the unused lanes (never a division by their zero).
    static let inverseSpendFactor = lanes { 1 / $0.spendFactor }
    static let premium = lanes(\.premiumProbability)
    static let engagement = lanes(\.engagement)
    static let bookAtVisit = lanes(\.bookAtVisitProbability)

    static func prior(established: Bool) -> Lanes {
        let mix = established ? LatentType.establishedMix : LatentType.arrivingMix
        var result = Lanes(repeating: 0)
        for (type, share) in mix { result[types.firstIndex(of: type)!] = share }
        return result
    }

    /// Where a booking that is planned but not yet made comes from; its making time's distribution.
    enum HiddenBooking {
        /// An established patient's first booking, made uniformly in the 45 days after `from`.
        case initial(from: Int64)
        /// The next visit after a completed one at `visit`, not booked at the visit; `intervalDays` is the care
        /// rhythm's interval before the type's factor.
        case planned(visit: Int64, intervalDays: Double)
        /// The rebooking after a miss at `miss`.
        case rebook(miss: Int64)
    }

    /// The hypotheses the churn probability is averaged over.
    enum Status: CaseIterable { case waiting, returning, comingBack, dormant, left }

    /// Facts of the export at a filter step, which the simulation supplies.
    struct Facts {
        /// A booking made by now is still ahead.
        var hasVisibleBooking: Bool
        /// Last completed visit, or the start of the history.
        var anchor: Int64
        /// The care rhythm's interval now, before the type's factor.
        var intervalDays: Double
        /// A recall can be sent (care consent on a usable channel).
        var canReceiveRecall: Bool
        /// A win-back can be sent (marketing consent by email or SMS).
        var canReceiveWinback: Bool
    }

    private(set) var waiting: Lanes
    private(set) var returning: Lanes
    private(set) var comingBack = Lanes(repeating: 0)
    private(set) var dormant = Lanes(repeating: 0)
    private(set) var left = Lanes(repeating: 0)
    private(set) var waitingFor: HiddenBooking?
    /// P(the waiting booking is not made by `lastStepAt`) per type, by which `waiting` was multiplied.
    private var waitingSurvival = Lanes(repeating: 1)
    private(set) var comingBackAt: Int64 = .min
    private(set) var nextCheckAt: Int64
    private var lastStepAt: Int64
    /// `bookedAt` of the booking already accounted for.
    var seenBookedAt: Int64 = .min
    private var recallSentInGap = false
    private var winbackSentInGap = false
    private var priceSeen = false
    let realism: RealisticBehaviour?
    /// `realistic`: the department's lead-time distribution function on an hourly grid (``leadTable(for:)``).
    private let leadTable: [Double]
    private let lifeEventRatePerDay: Double

    private static let day = Double(CivilTime.secondsPerDay)
    private static let hour = CivilTime.secondsPerHour

    /// Starts at `historyStart` with the type mix; `firstBooking` is the initial booking if it is not yet made.
    init(established: Bool, historyStart: Int64, firstBooking: HiddenBooking?, department: Department,
         realism: RealisticBehaviour?, lifeEventRatePerDay: Double) {
        let prior = Self.prior(established: established)
        waiting = firstBooking == nil ? Lanes(repeating: 0) : prior
        returning = firstBooking == nil ? prior : Lanes(repeating: 0)
        waitingFor = firstBooking
        self.realism = realism
        leadTable = realism == nil ? [] : Self.leadTable(for: department)
        self.lifeEventRatePerDay = realism == nil ? 0 : lifeEventRatePerDay
        nextCheckAt = historyStart + Int64(ChurnHazard.periodDays) * CivilTime.secondsPerDay
        lastStepAt = historyStart
    }

    // MARK: - Weights at the as-of date

    /// The normalized weight of every (type, status) with positive weight.
    func hypotheses() -> [(type: LatentType, status: Status, weight: Double)] {
        let groups: [(Status, Lanes)] = [(.waiting, waiting), (.returning, returning), (.comingBack, comingBack),
                                         (.dormant, dormant), (.left, left)]
        let total = groups.reduce(0.0) { $0 + $1.1.sum() }
        guard total > 0 else { return [] }
        var result: [(LatentType, Status, Double)] = []
        for (status, weights) in groups {
            for lane in 0..<Self.types.count where weights[lane] > 0 {
                result.append((Self.types[lane], status, weights[lane] / total))
            }
        }
        return result
    }

    // MARK: - Time

    /// A 30-day churn check at `nextCheckAt` with each type's hazard `hazards` (computed from the export).
    mutating func check(hazards: Lanes, facts: Facts) {
        let time = nextCheckAt
        advance(to: time, facts: facts)
        let stops = hazards * Self.laneMask
        let returns = realism == nil ? Lanes(repeating: 0) : dormant * RealisticBehaviour.dormantReturnProbability
        dormant += (returning + waiting + comingBack) * stops - returns
        returning -= returning * stops
        waiting -= waiting * stops
        comingBack -= comingBack * stops
        if facts.hasVisibleBooking {
            returning += returns
        } else {
            comingBack += returns
            comingBackAt = time
        }
        nextCheckAt = time + Int64(ChurnHazard.periodDays) * CivilTime.secondsPerDay
        normalize()
    }

    /// Brings the weights to `time`: the waiting booking not made yet, the return window, life events and
    /// outreach that was due and not sent.
    mutating func advance(to time: Int64, facts: Facts) {
        guard time > lastStepAt else { return }
        if waitingFor != nil && waiting.sum() < 1e-12 {
            // Nothing left to wait for: stop computing its timing.
            waiting = Lanes(repeating: 0)
            waitingFor = nil
            waitingSurvival = Lanes(repeating: 1)
        }
        if let waitingFor {
            let survival = Self.survival(of: waitingFor, at: time, realism: realism, leadTable: leadTable)
            waiting *= Self.ratio(survival, waitingSurvival)
            waitingSurvival = survival
        }
        if time > comingBackAt + Self.returnWindow { comingBack = Lanes(repeating: 0) }
        if !facts.hasVisibleBooking { applyOutreachDue(at: time, facts: facts) }
        if lifeEventRatePerDay > 0 {
            let leaving = -Foundation.expm1(-lifeEventRatePerDay * Double(time - lastStepAt) / Self.day)
            left += (returning + waiting + comingBack + dormant) * leaving
            returning *= 1 - leaving
            waiting *= 1 - leaving
            comingBack *= 1 - leaving
            dormant *= 1 - leaving
        }
        lastStepAt = time
    }

    /// A recall or win-back due by `time` and not sent is impossible for a patient with nothing hidden
    /// booked: whoever is idle, dormant or gone would have received it.
    private mutating func applyOutreachDue(at time: Int64, facts: Facts) {
        var due = Lanes(repeating: 0)
        if facts.canReceiveRecall && !recallSentInGap {
            let recallAt = Double(facts.anchor) + (facts.intervalDays * Self.intervalFactor + 30) * Self.day + Double(Self.hour)
            due.replace(with: 1, where: Lanes(repeating: Double(time)) .> recallAt)
        }
        if facts.canReceiveWinback && !winbackSentInGap && time > facts.anchor + 300 * CivilTime.secondsPerDay + Self.hour {
            due = Lanes(repeating: 1)
        }
        let kept = Lanes(repeating: 1) - due * (1 - Self.impossible)
        returning *= kept
        dormant *= kept
        left *= kept
    }

    // MARK: - Observations

    /// A booking the patient made on their own (not at a visit, not answering a message) at `bookedAt`.
    mutating func bookingMade(bookedAt: Int64, scheduledAt: Int64, premium: Lanes, facts: Facts) {
        advance(to: bookedAt, facts: facts)
        if let waitingFor {
            waiting *= Self.density(of: waitingFor, bookedAt: bookedAt, scheduledAt: scheduledAt, realism: realism)
                / pointwiseMax(waitingSurvival, Lanes(repeating: 1e-300))
        } else {
            waiting = Lanes(repeating: 0)
        }
        let sinceReturn = (Double(bookedAt) - Double(comingBackAt) - Double(Self.hour)) / Self.day
        comingBack *= sinceReturn >= 0 && sinceReturn <= 3 ? 1.0 / 3 : 0
        returning = (waiting + comingBack + (returning + dormant + left) * Self.impossible) * premium
        dormant = Lanes(repeating: 0)
        left = Lanes(repeating: 0)
        clearHidden()
        seenBookedAt = bookedAt
        normalize()
    }

    /// An appointment ended `status`. `noShowExtra` is the young adults' extra, `baselineNoShow` the clinic's
    /// (with the lead-time factor), `extraCancel` the clinic's extra cancellations (0 in `idealized`).
    mutating func appointmentEnded(_ status: AppointmentStatus, noShowExtra: Double, baselineNoShow: Double,
                                   extraCancel: Double) {
        let noShow = Lanes(repeating: 1) - (Lanes(repeating: 1) - (Self.noShow + noShowExtra)) * (1 - baselineNoShow)
        let cancel = Self.cancel + extraCancel
        switch status {
        case .completed:
            returning *= (Lanes(repeating: 1) - noShow - cancel) * Self.laneMask
            dormant = Lanes(repeating: 0)
            left = Lanes(repeating: 0)
            recallSentInGap = false
            winbackSentInGap = false
        case .noShow:
            returning *= noShow
            dormant *= 0.35
            left *= 0.35
        default:
            returning *= cancel
            dormant *= 0.65
            left *= 0.65
        }
        clearHidden()
        normalize()
    }

    /// After a completed visit at `visit`: the first price seen (`priceRatio`, amount over list price, within
    /// `priceTolerance`) tells the spend factor; the next visit is booked at the visit (`scheduledAt`, with
    /// `premium`) or planned for later.
    mutating func visitCompleted(at visit: Int64, priceRatio: Double, priceTolerance: Double, intervalDays: Double,
                                 bookedAtVisit: (scheduledAt: Int64, premium: Lanes)?) {
        if !priceSeen {
            priceSeen = true
            let low = Self.spendFactor * 0.9 - priceTolerance, high = Self.spendFactor * 1.15 + priceTolerance
            var fits = Lanes(repeating: 1e-9)
            fits.replace(with: 1, where: (low .<= Lanes(repeating: priceRatio)) .& (Lanes(repeating: priceRatio) .<= high))
            returning *= fits * Self.inverseSpendFactor
        }
        let atVisit = Self.bookAtVisit * (realism?.bookAtVisitScale ?? 1)
        if let bookedAtVisit {
            let interval = HiddenBooking.planned(visit: visit, intervalDays: intervalDays)
            returning *= atVisit * bookedAtVisit.premium
                * Self.intervalDensity(interval, scheduledAt: bookedAtVisit.scheduledAt, realism: realism)
            seenBookedAt = visit + 50 * 60
        } else {
            waiting = returning * (Lanes(repeating: 1) - atVisit)
            returning = Lanes(repeating: 0)
            waitingFor = .planned(visit: visit, intervalDays: intervalDays)
            waitingSurvival = Lanes(repeating: 1)
        }
        normalize()
    }

    /// After a miss at `time`: a returning patient rebooks (hidden until made) or waits for outreach.
    mutating func missed(at time: Int64) {
        let rebooks = realism == nil ? 0.75 : RealisticBehaviour.rebookProbability
        waiting = returning * rebooks
        returning *= 1 - rebooks
        waitingFor = .rebook(miss: time)
        waitingSurvival = Lanes(repeating: 1)
        normalize()
    }

    /// A message and what the patient did with it; `factor` is the preferred-channel and age factor.
    mutating func message(_ campaign: Campaign, on channel: Channel, factor: Double, opened: Bool, clicked: Bool,
                          responded: Bool) {
        if campaign == .recallReminder || campaign == .winback {
            // They are sent only with nothing booked, hidden or not.
            waiting *= Self.impossible
            comingBack *= Self.impossible
            if campaign == .recallReminder { recallSentInGap = true } else { winbackSentInGap = true }
        }
        func likelihood(_ statusFactor: Double, mayReturn: Bool) -> Lanes {
            let f = Self.engagement * (factor * statusFactor)
            var result = Lanes(repeating: 1)
            let openBase: Double? = channel == .email ? 0.32 : channel == .whatsapp ? 0.75 : nil
            if let openBase {
                let open = pointwiseMin(f * openBase, Lanes(repeating: 0.97))
                result *= opened ? open : Lanes(repeating: 1) - open
            }
            let clickBase = channel == .phone ? 0 : opened ? 0.22 : openBase == nil ? 0.08 : 0
            if clickBase > 0 {
                let click = pointwiseMin(f * clickBase, Lanes(repeating: 0.9))
                result *= clicked ? click : Lanes(repeating: 1) - click
            } else if clicked {
                result = Lanes(repeating: 0)
            }
            let responseBase = PatientSimulation.responseBase(campaign, on: channel, mayReturn: mayReturn)
            let response = pointwiseMin(f * responseBase, Lanes(repeating: 0.95))
            result *= responded ? response : Lanes(repeating: 1) - response
            return result
        }
        let active = likelihood(1, mayReturn: true)
        waiting *= active
        returning *= active
        comingBack *= active
        dormant *= likelihood(0.3, mayReturn: realism != nil)
        left *= likelihood(0.3, mayReturn: false)
        normalize()
    }

    /// The patient answered a recall or win-back and booked at `bookedAt`: a dormant patient is back.
    mutating func bookedFromResponse(bookedAt: Int64, premium: Lanes) {
        returning = (returning + dormant) * premium
        dormant = Lanes(repeating: 0)
        left = Lanes(repeating: 0)
        clearHidden()
        seenBookedAt = bookedAt
        normalize()
    }

    /// A booking seen at the visit it follows or at a response was already weighed; later ones carry a premium
    /// choice when made from the third visit on.
    static func premiumLikelihood(drawn: Bool, isPremium: Bool) -> Lanes {
        guard drawn else { return Lanes(repeating: 1) }
        return isPremium ? premium : Lanes(repeating: 1) - premium
    }

    private mutating func clearHidden() {
        waiting = Lanes(repeating: 0)
        comingBack = Lanes(repeating: 0)
        waitingFor = nil
        waitingSurvival = Lanes(repeating: 1)
    }

    /// The weight left to an outcome the process rules out, so that what the filter approximates (a recall's
    /// due date, a slot's shift) cannot empty it.
    static let impossible = 1e-6

    private mutating func normalize() {
        let total = (waiting + returning + comingBack + dormant + left).sum()
        guard total > 0, total.isFinite else {
            // Never expected (a NaN or an outcome the filter rules out entirely is a bug): fail in debug builds,
            // else fall back to the types without evidence rather than nothing.
            assertionFailure("the export filter lost all weight: \(returning) \(dormant)")
            clearHidden()
            returning = Self.laneMask / 5
            dormant = Lanes(repeating: 0)
            left = Lanes(repeating: 0)
            return
        }
        let scale = 1 / total
        waiting *= scale; returning *= scale; comingBack *= scale; dormant *= scale; left *= scale
    }

    // MARK: - The hidden booking's timing

    static let returnWindow = 3 * CivilTime.secondsPerDay + CivilTime.secondsPerHour

    /// The interval's log-normal factors exp(σ z) at the normal quantiles z of (j + ½)/16, per behaviour.
    private static let realisticSpread = (0..<16).map { exponent(RealisticBehaviour.intervalSigma * inverseNormal((Double($0) + 0.5) / 16)) }
    private static let idealizedSpread = (0..<16).map { exponent(0.15 * inverseNormal((Double($0) + 0.5) / 16)) }

    private static func intervalSigma(_ realism: RealisticBehaviour?) -> Double {
        realism == nil ? 0.15 : RealisticBehaviour.intervalSigma
    }

    /// The mean delay, in days, from the instant a visit is due to the slot it gets (weekends, quieter days,
    /// holiday months; measured on the slot rules by simulation: 2.55 days `realistic`, 0.92 `idealized`).
    private static func slotDelayDays(_ realism: RealisticBehaviour?) -> Double { realism == nil ? 0.92 : 2.55 }

    /// P(lead time < d days) on an hourly grid for d from 0 to the longest lead (`realistic`: same day, 1–7
    /// hours, with the department's share, else log-normal), one table per department.
    static func leadTable(for department: Department) -> [Double] {
        switch department {
        case .orthodontic: orthodonticLeads
        case .aesthetic: aestheticLeads
        case .primaryCare: primaryCareLeads
        }
    }

    private static let orthodonticLeads = makeLeadTable(RealisticBehaviour.of(.orthodontic))
    private static let aestheticLeads = makeLeadTable(RealisticBehaviour.of(.aesthetic))
    private static let primaryCareLeads = makeLeadTable(RealisticBehaviour.of(.primaryCare))

    private static func makeLeadTable(_ realism: RealisticBehaviour) -> [Double] {
        (0...Int(RealisticBehaviour.longestLeadDays * 24)).map { hours in
            let days = Double(hours) / 24
            guard days > 0 else { return 0 }
            let sameDay = realism.sameDayShare * min(1, max(0, (days * 24 - 1) / 6))
            let later = days >= RealisticBehaviour.longestLeadDays ? 1
                : normalCDF(naturalLog(days / realism.selfBookedLeadMedianDays) / RealisticBehaviour.leadSigma)
            return sameDay + (1 - realism.sameDayShare) * later
        }
    }

    /// P(lead time < `days`) of a booking the patient makes (`realistic`: from `leadTable`, linear between
    /// hours; `idealized`: uniform from 2 days to `longestDays` days and 8 hours).
    private static func leadCDF(days: Double, longestDays: Double, leadTable: [Double]) -> Double {
        guard days > 0 else { return 0 }
        guard !leadTable.isEmpty else { return min(1, max(0, (days - 2) / max(longestDays - 2 + 1.0 / 3, 1.0 / 3))) }
        let hours = days * 24
        guard hours < Double(leadTable.count - 1) else { return 1 }
        let below = Int(hours), fraction = hours - Double(below)
        return leadTable[below] + (leadTable[below + 1] - leadTable[below]) * fraction
    }

    /// P(the booking is not made by `time`) per type.
    static func survival(of booking: HiddenBooking, at time: Int64, realism: RealisticBehaviour?, leadTable: [Double]) -> Lanes {
        switch booking {
        case .initial(let from):
            return Lanes(repeating: max(0, 1 - Double(time - from) / (45 * day)))
        case .rebook(let miss):
            let days = Double(time - miss - hour) / day
            guard days > 0 else { return Lanes(repeating: 1) }
            guard realism != nil else { return Lanes(repeating: max(0, 1 - days / 3)) }
            return Lanes(repeating: days >= 60 ? 0 : 1 - normalCDF(naturalLog(days / RealisticBehaviour.rebookDelayMedianDays)))
        case .planned(let visit, let intervalDays):
            let spread = realism == nil ? idealizedSpread : realisticSpread
            let elapsedDays = Double(time - visit) / day - slotDelayDays(realism)
            var result = Lanes(repeating: 0)
            for lane in 0..<types.count {
                let median = intervalDays * intervalFactor[lane]
                var total = 0.0
                for factor in spread {
                    let interval = max(7, median * factor)
                    total += leadCDF(days: interval - elapsedDays, longestDays: min(28, max(2, interval.rounded(.down) - 2)),
                                     leadTable: leadTable)
                }
                result[lane] = total / Double(spread.count)
            }
            return result
        }
    }

    /// The density per day of making the booking at `bookedAt` for `scheduledAt`, up to the lead time's
    /// density (the same whatever the origin in `realistic`).
    static func density(of booking: HiddenBooking, bookedAt: Int64, scheduledAt: Int64, realism: RealisticBehaviour?) -> Lanes {
        switch booking {
        case .initial:
            return Lanes(repeating: 1.0 / 45)
        case .rebook(let miss):
            let days = Double(bookedAt - miss - hour) / day
            guard realism != nil else { return Lanes(repeating: days >= 0 && days <= 3 ? 1.0 / 3 : 1e-9) }
            guard days > 0 else { return Lanes(repeating: 1e-9) }
            return Lanes(repeating: normalDensity(naturalLog(days / RealisticBehaviour.rebookDelayMedianDays)) / days)
        case .planned:
            return intervalDensity(booking, scheduledAt: scheduledAt, realism: realism)
        }
    }

    /// The log-normal density per day of the visit interval that put the visit at `scheduledAt`, per type.
    static func intervalDensity(_ booking: HiddenBooking, scheduledAt: Int64, realism: RealisticBehaviour?) -> Lanes {
        guard case .planned(let visit, let intervalDays) = booking else { return Lanes(repeating: 1) }
        let sigma = intervalSigma(realism)
        let days = max(1, Double(scheduledAt - visit) / day - slotDelayDays(realism))
        var result = Lanes(repeating: 0)
        for lane in 0..<types.count {
            let z = naturalLog(days / (intervalDays * intervalFactor[lane])) / sigma
            result[lane] = max(normalDensity(z) / (days * sigma), 1e-12)
        }
        return result
    }

    private static func ratio(_ numerator: Lanes, _ denominator: Lanes) -> Lanes {
        var result = Lanes(repeating: 0)
        for lane in 0..<types.count where denominator[lane] > 0 { result[lane] = numerator[lane] / denominator[lane] }
        return result
    }
}
