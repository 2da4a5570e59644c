import StrataRandom
/// Receives a patient's history as the simulation produces it, in time order per table.
protocol HistorySink {
    mutating func appointment(scheduledAt: Int64, bookedAt: Int64, status: AppointmentStatus, service: Service,
                              provider: Int, amountCents: Int?)
    mutating func communication(sentAt: Int64, channel: Channel, campaign: Campaign, openedAt: Int64?,
                                clickedAt: Int64?, respondedAt: Int64?)
    mutating func consent(channel: Channel, purpose: ConsentPurpose, optIn: Bool, recordedAt: Int64)
}

/// A sink that drops everything (the ground-truth replicas only need the process, not its rows).
struct DiscardingSink: HistorySink {
    mutating func appointment(scheduledAt: Int64, bookedAt: Int64, status: AppointmentStatus, service: Service,
                              provider: Int, amountCents: Int?) {}
    mutating func communication(sentAt: Int64, channel: Channel, campaign: Campaign, openedAt: Int64?,
                                clickedAt: Int64?, respondedAt: Int64?) {}
    mutating func consent(channel: Channel, purpose: ConsentPurpose, optIn: Bool, recordedAt: Int64) {}
}

/// One patient's life in the clinic as a discrete-event simulation driven by the patient's own stream.
///
/// Events are processed strictly in time order (ties: appointment, reminder, churn check, newsletter,
/// offer, recall, win-back), and every random draw is made when its event is processed. So running to an
/// earlier limit consumes a prefix of the same draws and produces a prefix of the same history: this is
/// what makes `--to` a pure cut.
///
/// The process: one booked appointment at a time. At its scheduled time it ends `completed`, `no_show` or
/// `cancelled` (type probabilities; a patient who has stopped returning never completes). After a completed
/// visit the next one is booked for the care rhythm's interval (at the visit, or days before it); after a
/// miss, usually rebooked within 5–30 days. Every 30 days from the patient's start a churn check stops the
/// patient with the hazard of ``ChurnHazard``; stopping is permanent. Campaigns and reminders go out on
/// channels with consent; opens, clicks and responses raise engagement, which lowers the hazard; a
/// response to a recall or win-back message books a visit.
///
/// The `realistic` behaviour (``RealisticBehaviour``; nil ``realism`` in `idealized`, whose draws are left
/// exactly as they were) changes the process: a stopped patient is dormant and comes back at 6% per check;
/// life events and death (``HiddenLifeEvents``) end the relationship at instants drawn apart; no-shows,
/// cancellations, lead times, booking at the visit, visit intervals and slots follow the department's
/// calibration. After a death nothing happens but the end (`cancelled`) of an appointment booked before it.
struct PatientSimulation {
    struct Appointment {
        var bookedAt: Int64
        var scheduledAt: Int64
        var service: Service
        var amountCents: Int
        var reminderAt: Int64?
    }

    /// Importance weights for the ground truth: the probability of "no completed visit" accumulated along
    /// a path that is forced never to complete (see `GroundTruth`).
    struct NoCompletionWeight {
        var accumulated = 0.0
        var weight = 1.0
    }

    let profile: PersonProfile
    /// The latent type's parameters (a ground-truth hypothesis may set another type's).
    private(set) var parameters: BehaviourParameters
    let kind: ClinicKind
    /// The factor on the odds of the churn hazard (``PopulationShift``; 1 without a shift).
    let churnOdds: Double
    let createdAt: Int64
    /// When the patient's exported history begins: `createdAt`, or `--from` for the established base.
    let historyStart: Int64
    private(set) var isReturning = true
    private(set) var completedVisits: Int
    private var treatmentStartedAt: Int64?
    private(set) var lastCompletedAt: Int64?
    private var noShowScore = 0.0
    private var noShowUpdatedAt: Int64
    private var engagementScore = 0.0
    private var engagementUpdatedAt: Int64
    private(set) var pending: Appointment?
    private var nextChurnCheckAt: Int64
    private var nextNewsletterAt: Int64
    private var nextOfferAt: Int64
    /// Months since year 0 of the next newsletter and offer, so the following send needs no calendar search.
    private var nextNewsletterMonth: Int
    private var nextOfferMonth: Int
    private var recallDueAt: Int64?
    private var winbackDueAt: Int64?
    /// Bit `channel * 2 + purpose` set while that consent is `opt_in`.
    private var consents: UInt8 = 0
    var noCompletion: NoCompletionWeight?
    /// The ground truth's filter of what the export shows (``ExportPosterior``), fed until the as-of date; it
    /// only reads the simulation's state and never draws. Boxed, so that the truth's many copies of a
    /// simulation (which never observe) stay small.
    private var observer: ObserverBox?

    final class ObserverBox {
        var posterior: ExportPosterior
        init(_ posterior: ExportPosterior) { self.posterior = posterior }
    }
    var rng: Xoshiro256StarStar
    /// Primary care's care gaps, closed at completed visits; nil in the other departments.
    private var preventive: PreventiveCare?
    /// The `realistic` behaviour's calibration for the patient's department; nil in `idealized`.
    let realism: RealisticBehaviour?
    let lifeEventRates: LifeEventRates
    /// `realistic`: when a life event ends the relationship, and when the patient dies.
    private(set) var hidden: HiddenLifeEvents
    /// A life event ended the relationship for good.
    private(set) var hasLeft = false
    private(set) var isDeceased = false
    /// `realistic`: the time of the event processed last. A recall or win-back that fell due while a visit was
    /// booked is sent when that booking ends without a visit, at that time, not at its stale due time.
    private var clock: Int64 = .min

    /// `realistic`: stopped by the hazard, but may come back (not left, not dead).
    var isDormant: Bool { realism != nil && !isReturning && !hasLeft && !isDeceased }
    /// Whether the patient can still complete a visit some day: returning, or dormant.
    var mayReturn: Bool { isReturning || isDormant }

    private static let day = CivilTime.secondsPerDay
    private static let hour = CivilTime.secondsPerHour
    private static let newsletterMonths: UInt16 = 1 << 1 | 1 << 4 | 1 << 7 | 1 << 10
    private static let offerMonths: UInt16 = 1 << 5 | 1 << 11

    /// Starts a patient: records consents at creation and books the first appointment.
    init<Sink: HistorySink>(profile: PersonProfile, createdAt: Int64, configuration: GeneratorConfiguration,
                            rng: Xoshiro256StarStar, hidden: HiddenLifeEvents = .none, sink: inout Sink) {
        self.profile = profile
        realism = configuration.isRealistic ? RealisticBehaviour.of(profile.program.department) : nil
        lifeEventRates = configuration.lifeEvents
        self.hidden = hidden
        parameters = profile.latentType.parameters
        kind = configuration.kind
        churnOdds = configuration.shift?.churnOdds(for: profile, seed: configuration.seed) ?? 1
        self.createdAt = createdAt
        historyStart = max(createdAt, configuration.startInstant)
        self.rng = rng
        noShowUpdatedAt = historyStart
        engagementUpdatedAt = historyStart
        nextChurnCheckAt = historyStart + Int64(ChurnHazard.periodDays) * Self.day
        (nextNewsletterMonth, nextNewsletterAt) = Self.nextCalendarSend(after: historyStart, months: Self.newsletterMonths, day: 10, hour: 10)
        (nextOfferMonth, nextOfferAt) = Self.nextCalendarSend(after: historyStart, months: Self.offerMonths, day: 15, hour: 17)
        if profile.program.department == .primaryCare {
            preventive = PreventiveCare(seed: configuration.seed, person: profile.index)
        }
        completedVisits = profile.isEstablished ? 2 : 0
        if profile.isEstablished { treatmentStartedAt = createdAt + 21 * Self.day }
        recordInitialConsents(sink: &sink)

        if profile.isEstablished {
            let (bookedAt, scheduledAt) = drawEstablishedFirstBooking(from: historyStart)
            book(bookedAt: bookedAt, scheduledAt: scheduledAt)
            return
        }
        let bookedAt = createdAt
        if let realism {
            book(bookedAt: bookedAt, scheduledAt: clinicSlot(onOrAfter: bookedAt + drawLead(medianDays: realism.firstVisitLeadMedianDays)))
            return
        }
        book(bookedAt: bookedAt, scheduledAt: clinicSlot(onOrAfter: bookedAt + Int64(self.rng.integer(in: 1...20)) * Self.day))
    }

    /// An established patient's first booking: made uniformly in the 45 days after `from`, for a slot a drawn
    /// lead time later. The export filter's hypotheses draw it again the same way.
    private mutating func drawEstablishedFirstBooking(from: Int64) -> (bookedAt: Int64, scheduledAt: Int64) {
        let bookedAt = from + Int64(rng.index(45 * 86_400))
        let lead = realism.map { drawLead(medianDays: $0.selfBookedLeadMedianDays) } ?? Int64(rng.integer(in: 2...30)) * Self.day
        return (bookedAt, clinicSlot(onOrAfter: bookedAt + lead))
    }

    // MARK: - The event loop

    private enum Event { case appointment, reminder, churnCheck, newsletter, offer, recall, winback, lifeEvent, death }

    /// Processes every event at or before `limit`, in time order.
    mutating func run<Sink: HistorySink>(until limit: Int64, into sink: inout Sink) {
        while true {
            if isDeceased {
                // Only the end of an appointment booked before the death is left.
                guard let pending, pending.scheduledAt <= limit else { return }
                resolveAppointment(at: pending.scheduledAt, sink: &sink)
                continue
            }
            var next = Int64.max
            var event = Event.appointment
            if let pending {
                next = pending.scheduledAt
                if let reminderAt = pending.reminderAt, reminderAt < next { next = reminderAt; event = .reminder }
            }
            if mayReturn && nextChurnCheckAt < next { next = nextChurnCheckAt; event = .churnCheck }
            if nextNewsletterAt < next { next = nextNewsletterAt; event = .newsletter }
            if nextOfferAt < next { next = nextOfferAt; event = .offer }
            if pending == nil {
                if let due = recallDueAt, due < next { next = due; event = .recall }
                if let due = winbackDueAt, due < next { next = due; event = .winback }
            }
            if !hasLeft && hidden.leavesAt < next { next = hidden.leavesAt; event = .lifeEvent }
            if hidden.diesAt < next { next = hidden.diesAt; event = .death }
            if realism != nil {
                next = max(next, clock)
                clock = next
            }
            guard next <= limit else { return }
            if observer != nil { observe(before: next, inclusive: false) }
            switch event {
            case .appointment: resolveAppointment(at: next, sink: &sink)
            case .reminder: sendReminder(at: next, sink: &sink)
            case .churnCheck: checkChurn(at: next)
            case .newsletter: sendNewsletter(at: next, sink: &sink)
            case .offer: sendOffer(at: next, sink: &sink)
            case .recall: sendRecall(at: next, sink: &sink)
            case .winback: sendWinback(at: next, sink: &sink)
            case .lifeEvent: leaveForGood(at: next)
            case .death: die(at: next)
            }
        }
    }

    // MARK: - Appointments

    private mutating func resolveAppointment<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        guard let appointment = pending else { return }
        pending = nil
        if isDeceased {
            sink.appointment(scheduledAt: appointment.scheduledAt, bookedAt: appointment.bookedAt, status: .cancelled,
                             service: appointment.service, provider: profile.provider, amountCents: nil)
            return
        }
        let status: AppointmentStatus
        if !isReturning {
            status = rng.bernoulli(0.65) ? .cancelled : .noShow
        } else {
            let levels = missLevels(of: appointment)
            var noShow = parameters.noShowProbability + levels.youngAdultExtra
            // The clinic's own no-show level on top of the type's (`realistic` only).
            if realism != nil { noShow = 1 - (1 - noShow) * (1 - levels.baselineNoShow) }
            let cancel = parameters.cancelProbability + levels.extraCancel
            if var weights = noCompletion {
                weights.weight *= noShow + cancel
                noCompletion = weights
                status = rng.uniform() * (noShow + cancel) < noShow ? .noShow : .cancelled
            } else {
                let draw = rng.uniform()
                status = draw < noShow ? .noShow : draw < noShow + cancel ? .cancelled : .completed
            }
        }
        var amount: Int?
        switch status {
        case .completed: amount = appointment.amountCents
        case .noShow: amount = rng.bernoulli(0.4) ? 2_500 : nil
        default: amount = nil
        }
        sink.appointment(scheduledAt: appointment.scheduledAt, bookedAt: appointment.bookedAt, status: status,
                         service: appointment.service, provider: profile.provider, amountCents: amount)
        if observer != nil { observeEnd(of: appointment, status: status) }
        switch status {
        case .completed:
            completedVisits += 1
            if completedVisits == 2 { treatmentStartedAt = time }
            lastCompletedAt = time
            preventive?.visitCompleted(at: time, profile: profile, priceFactor: profile.priceFactor * parameters.spendFactor,
                                       sink: &sink)
            recallDueAt = nil
            winbackDueAt = nil
            if isReturning { bookNextVisit(after: time) }
            if observer != nil { observeCompletedVisit(at: time, appointment: appointment) }
        case .noShow:
            noShowScore = decayed(noShowScore, from: noShowUpdatedAt, to: time, timeConstantDays: ChurnHazard.noShowTimeConstantDays) + 1
            noShowUpdatedAt = time
            if isReturning && rng.bernoulli(rebookProbability) { rebook(after: time) }
        default:
            if isReturning && rng.bernoulli(rebookProbability) { rebook(after: time) }
        }
        if status != .completed { observer?.posterior.missed(at: time) }
        if pending == nil { scheduleOutreach(after: time) }
    }

    private var rebookProbability: Double { realism == nil ? 0.75 : RealisticBehaviour.rebookProbability }

    /// Books the visit the care rhythm calls for after a completed visit at `visitTime`.
    private mutating func bookNextVisit(after visitTime: Int64) {
        let (interval, scheduledAt) = drawNextSlot(after: visitTime, expectedIntervalDays: expectedIntervalDays(at: visitTime))
        let bookedAt = rng.bernoulli(parameters.bookAtVisitProbability * (realism?.bookAtVisitScale ?? 1))
            ? visitTime + 50 * 60
            : drawSelfBookedAt(visit: visitTime, scheduledAt: scheduledAt, intervalDays: interval)
        book(bookedAt: bookedAt, scheduledAt: scheduledAt)
    }

    /// The next visit's interval (log-normal around `expectedIntervalDays`, at least 7 days) and its slot.
    private mutating func drawNextSlot(after visit: Int64, expectedIntervalDays: Double) -> (intervalDays: Double, scheduledAt: Int64) {
        let sigma = realism == nil ? 0.15 : RealisticBehaviour.intervalSigma
        let interval = max(7, expectedIntervalDays * rng.logNormalFactor(sigma: sigma))
        return (interval, clinicSlot(onOrAfter: visit + Int64(interval * 86_400)))
    }

    /// When a patient who did not book at the visit books the slot `scheduledAt` themselves: a drawn lead
    /// time before it, and not before an hour after the visit.
    private mutating func drawSelfBookedAt(visit: Int64, scheduledAt: Int64, intervalDays: Double) -> Int64 {
        if let realism { return max(visit + Self.hour, scheduledAt - drawLead(medianDays: realism.selfBookedLeadMedianDays)) }
        let leadDays = rng.integer(in: 2...min(28, max(2, Int(intervalDays) - 2)))
        return max(visit + Self.hour, scheduledAt - Int64(leadDays) * Self.day - Int64(rng.index(8 * 3_600)))
    }

    /// Rebooks after a missed appointment: `realistic` calls back after a log-normal delay (median 3 days) and
    /// takes a slot a drawn lead time later.
    private mutating func rebook(after time: Int64) {
        let (bookedAt, scheduledAt) = drawRebooking(after: time)
        book(bookedAt: bookedAt, scheduledAt: scheduledAt)
    }

    /// The booking that follows a miss at `time`.
    private mutating func drawRebooking(after time: Int64) -> (bookedAt: Int64, scheduledAt: Int64) {
        if let realism {
            let delayDays = min(60, RealisticBehaviour.rebookDelayMedianDays * rng.logNormalFactor(sigma: 1))
            let bookedAt = time + Self.hour + Int64(delayDays * 86_400)
            return (bookedAt, clinicSlot(onOrAfter: bookedAt + drawLead(medianDays: realism.selfBookedLeadMedianDays)))
        }
        let bookedAt = time + Self.hour + Int64(rng.index(3 * 86_400))
        return (bookedAt, clinicSlot(onOrAfter: bookedAt + Int64(rng.integer(in: 5...30)) * Self.day))
    }

    private mutating func book(bookedAt: Int64, scheduledAt: Int64) {
        var (service, _) = plan(at: bookedAt)
        if completedVisits >= 2 && rng.bernoulli(parameters.premiumProbability) {
            service = CareSchedule.premium(program: profile.program)
        }
        let price = Double(service.listPriceCents) * profile.priceFactor * parameters.spendFactor
        let amount = Int((price / 50).rounded()) * 50
        let reminderAt = scheduledAt - Self.day
        pending = Appointment(bookedAt: bookedAt, scheduledAt: scheduledAt, service: service, amountCents: amount,
                              reminderAt: reminderAt > bookedAt + Self.hour ? reminderAt : nil)
    }

    private func plan(at time: Int64) -> (service: Service, intervalDays: Double) {
        let daysInTreatment = treatmentStartedAt.map { Int(($0 < time ? time - $0 : 0) / Self.day) }
        return CareSchedule.plan(profile: profile, completedVisits: completedVisits,
                                 daysInTreatment: daysInTreatment, day: CivilTime.day(of: time))
    }

    /// The interval the patient's rhythm expects before the next visit, in days.
    func expectedIntervalDays(at time: Int64) -> Double { plan(at: time).intervalDays * parameters.intervalFactor }

    /// With nothing booked, the clinic will send a recall 30 days after the visit is due and a win-back
    /// 300 days after the last completed visit (each once per gap).
    private mutating func scheduleOutreach(after time: Int64) {
        let anchor = lastCompletedAt ?? historyStart
        if recallDueAt == nil {
            recallDueAt = max(time + Self.hour, anchor + Int64((expectedIntervalDays(at: time) + 30) * 86_400))
        }
        if winbackDueAt == nil {
            winbackDueAt = max(time + Self.hour, anchor + 300 * Self.day)
        }
    }

    /// What adds to a returning patient's type-level chances of missing `appointment`: 0.02 of no-show for a
    /// young adult (18-29), and in `realistic` the clinic's own no-show level, higher for visits booked long
    /// ahead (Dantas et al. 2018), and its extra cancellations (0 in `idealized`). The export filter
    /// (``ExportPosterior``) weighs appointment outcomes with the same levels.
    private func missLevels(of appointment: Appointment) -> (youngAdultExtra: Double, baselineNoShow: Double, extraCancel: Double) {
        let youngAdultExtra = profile.ageAtStart >= 18 && profile.ageAtStart < 30 ? 0.02 : 0
        guard let realism else { return (youngAdultExtra, 0, 0) }
        let leadDays = Double(appointment.scheduledAt - appointment.bookedAt) / 86_400
        let leadFactor = leadDays < 7 ? RealisticBehaviour.sameWeekNoShowFactor
            : leadDays > 60 ? RealisticBehaviour.longLeadNoShowFactor : 1
        return (youngAdultExtra, realism.noShowBaseline * leadFactor, realism.extraCancellation)
    }

    /// A weekday slot (08:00–17:45 UTC, every 15 minutes) on the day of `time` or later, after `time`.
    /// `realistic` moves a requested weekend day to a weekday of the next week drawn uniformly (not always Monday),
    /// then keeps a day with its weekday's weight, and a holiday day with ``RealisticBehaviour/holidayKeepProbability``
    /// (moving a week on otherwise), so Fridays and holiday months are quieter. A day that is passed over (too
    /// late in it, or not kept) moves to the next working day, so Friday's overflow lands on Monday.
    private mutating func clinicSlot(onOrAfter time: Int64) -> Int64 {
        var day = CivilTime.day(of: time)
        let slot = 8 * Self.hour + Int64(rng.index(40)) * 15 * 60
        let weekday = CivilTime.weekday(days: day)
        if realism != nil && (weekday == 6 || weekday == 0) {
            day += (weekday == 6 ? 2 : 1) + rng.index(5)
        } else if weekday == 6 { day += 2 } else if weekday == 0 { day += 1 }
        while true {
            let candidate = Int64(day) * Self.day + slot
            let nextWorkingDay = day + (CivilTime.weekday(days: day) == 5 ? 3 : 1)
            guard candidate > time else {
                day = nextWorkingDay
                continue
            }
            guard realism != nil else { return candidate }
            let holiday = RealisticBehaviour.isHoliday(day: day)
            let keep = RealisticBehaviour.weekdayWeights[CivilTime.weekday(days: day) - 1]
                * (holiday ? RealisticBehaviour.holidayKeepProbability : 1)
            if rng.bernoulli(keep) { return candidate }
            day = holiday ? day + 7 : nextWorkingDay
        }
    }

    /// `realistic`: the lead time of a booking the patient makes, in seconds: same day (1–7 hours) with the
    /// department's share, else log-normal (σ ``RealisticBehaviour/leadSigma``) with median `medianDays`,
    /// capped at ``RealisticBehaviour/longestLeadDays``.
    private mutating func drawLead(medianDays: Double) -> Int64 {
        guard let realism else { preconditionFailure("lead times are drawn in the realistic behaviour only") }
        if rng.bernoulli(realism.sameDayShare) { return Self.hour + Int64(rng.index(6 * 3_600)) }
        let days = min(RealisticBehaviour.longestLeadDays, medianDays * rng.logNormalFactor(sigma: RealisticBehaviour.leadSigma))
        return Int64(days * 86_400)
    }

    // MARK: - Churn

    /// The 30-day hazard at `time` from what the export shows by then (see ``ChurnHazard``).
    func hazard(at time: Int64) -> Double {
        let tenureYears = Double(time - createdAt) / (365.25 * 86_400)
        let recencyDays = Double(time - (lastCompletedAt ?? historyStart)) / 86_400
        let overdueMonths = max(0, recencyDays - expectedIntervalDays(at: time)) / 30
        let hasBooking = pending.map { $0.bookedAt <= time } ?? false
        return PopulationShift.scaled(ChurnHazard.probability(
            parameters: parameters, tenureYears: tenureYears, overdueMonths: overdueMonths,
            noShowScore: decayed(noShowScore, from: noShowUpdatedAt, to: time, timeConstantDays: ChurnHazard.noShowTimeConstantDays),
            engagementScore: decayed(engagementScore, from: engagementUpdatedAt, to: time, timeConstantDays: ChurnHazard.engagementTimeConstantDays),
            hasBooking: hasBooking), oddsBy: churnOdds)
    }

    private mutating func checkChurn(at time: Int64) {
        nextChurnCheckAt = time + Int64(ChurnHazard.periodDays) * Self.day
        if isDormant {
            if rng.bernoulli(RealisticBehaviour.dormantReturnProbability) { comeBack(at: time) }
            return
        }
        let probability = hazard(at: time)
        if var weights = noCompletion, realism == nil {
            // The churned branch never completes again: add its whole weight; continue on the other branch.
            weights.accumulated += weights.weight * probability
            weights.weight *= 1 - probability
            noCompletion = weights
        } else if rng.uniform() < probability {
            isReturning = false
            if let booking = pending, booking.bookedAt > time {
                pending = nil  // a booking planned for later is never made
                scheduleOutreach(after: time)
            }
        }
    }

    /// `realistic`: a dormant patient returns and books a visit (unless one is already booked).
    private mutating func comeBack(at time: Int64) {
        isReturning = true
        guard pending == nil, let realism else { return }
        let bookedAt = time + Self.hour + Int64(rng.index(3 * 86_400))
        book(bookedAt: bookedAt, scheduledAt: clinicSlot(onOrAfter: bookedAt + drawLead(medianDays: realism.selfBookedLeadMedianDays)))
    }

    /// `realistic`: a life event ends the relationship for good; a booking planned for later is never made, one
    /// made earlier ends as a stopped patient's does.
    private mutating func leaveForGood(at time: Int64) {
        hasLeft = true
        isReturning = false
        if let booking = pending, booking.bookedAt > time {
            pending = nil
            scheduleOutreach(after: time)
        }
    }

    /// `realistic`: the patient dies. Nothing happens afterwards but the end of an appointment booked before.
    private mutating func die(at time: Int64) {
        isDeceased = true
        isReturning = false
        if let booking = pending, booking.bookedAt > time { pending = nil }
    }

    /// `realistic`, for the ground truth's replicas: the life event and death instants drawn again after
    /// `time` from the replica's stream, so the truth never knows the path's own future.
    mutating func redrawHiddenEvents(after time: Int64) {
        guard realism != nil else { return }
        let age = (Double(time) / 86_400 - Double(profile.birthDay)) / 365.25
        hidden = HiddenLifeEvents.redrawn(after: time, ageYears: age, sex: profile.sex, rates: lifeEventRates, rng: &rng)
    }

    private func decayed(_ score: Double, from: Int64, to: Int64, timeConstantDays: Double) -> Double {
        score == 0 ? 0 : score * exponent(-Double(to - from) / (timeConstantDays * 86_400))
    }

    // MARK: - Consents and communications

    private func granted(_ channel: Channel, _ purpose: ConsentPurpose) -> Bool {
        consents & (1 << (channel.rawValue * 2 + purpose.rawValue)) != 0
    }

    /// Consents on every channel the patient gave details for, recorded when the record is created:
    /// care nearly always opt-in; marketing opt-in 55% email, 40% SMS, 15% phone, 35% WhatsApp (+10 points
    /// for messaging under 30).
    private mutating func recordInitialConsents<Sink: HistorySink>(sink: inout Sink) {
        let young = profile.ageAtStart < 30
        let channels: [(Channel, Bool, Double)] = [
            (.email, profile.hasEmail, 0.55),
            (.sms, profile.phoneNumber != nil, young ? 0.5 : 0.4),
            (.phone, profile.phoneNumber != nil, 0.15),
            (.whatsapp, profile.hasWhatsApp, young ? 0.45 : 0.35),
        ]
        for (channel, available, marketingShare) in channels where available {
            for (purpose, share) in [(ConsentPurpose.care, 0.97), (.marketing, marketingShare)] {
                let optIn = rng.bernoulli(share)
                if optIn { consents |= 1 << (channel.rawValue * 2 + purpose.rawValue) }
                sink.consent(channel: channel, purpose: purpose, optIn: optIn, recordedAt: createdAt)
            }
        }
    }

    /// List hygiene: campaigns go only to patients seen (or created) within the last 24 months.
    private func isOnMailingList(at time: Int64) -> Bool {
        time - (lastCompletedAt ?? historyStart) <= 730 * Self.day
    }

    private mutating func sendNewsletter<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        (nextNewsletterMonth, nextNewsletterAt) = Self.calendarSend(afterMonth: nextNewsletterMonth, months: Self.newsletterMonths,
                                                                    day: 10, hour: 10)
        if isOnMailingList(at: time) && granted(.email, .marketing) { _ = send(.newsletter, on: .email, at: time, sink: &sink) }
    }

    private mutating func sendOffer<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        (nextOfferMonth, nextOfferAt) = Self.calendarSend(afterMonth: nextOfferMonth, months: Self.offerMonths, day: 15, hour: 17)
        guard isOnMailingList(at: time) else { return }
        if let preferred = profile.preferredChannel, preferred == .sms || preferred == .whatsapp, granted(preferred, .marketing) {
            _ = send(.seasonalOffer, on: preferred, at: time, sink: &sink)
        } else if granted(.sms, .marketing) {
            _ = send(.seasonalOffer, on: .sms, at: time, sink: &sink)
        }
    }

    private mutating func sendReminder<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        pending?.reminderAt = nil
        if let channel = careChannel(allowingPhone: false) { _ = send(.appointmentReminder, on: channel, at: time, sink: &sink) }
    }

    private mutating func sendRecall<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        recallDueAt = Int64.max  // once per gap; cleared by the next completed visit
        if let channel = careChannel(allowingPhone: true), let responded = send(.recallReminder, on: channel, at: time, sink: &sink) {
            bookFromResponse(at: responded)
        }
    }

    private mutating func sendWinback<Sink: HistorySink>(at time: Int64, sink: inout Sink) {
        winbackDueAt = Int64.max
        let channel: Channel? = granted(.email, .marketing) ? .email : granted(.sms, .marketing) ? .sms : nil
        if let channel, let responded = send(.winback, on: channel, at: time, sink: &sink) {
            bookFromResponse(at: responded)
        }
    }

    private mutating func bookFromResponse(at responded: Int64) {
        guard mayReturn, pending == nil else { return }
        isReturning = true
        if let realism {
            book(bookedAt: responded, scheduledAt: clinicSlot(onOrAfter: responded + drawLead(medianDays: realism.selfBookedLeadMedianDays)))
        } else {
            book(bookedAt: responded, scheduledAt: clinicSlot(onOrAfter: responded + Int64(rng.integer(in: 2...14)) * Self.day))
        }
        if observer != nil, let booking = pending {
            let premium = premiumLikelihood(of: booking)
            observer?.posterior.bookedFromResponse(bookedAt: responded, premium: premium)
        }
    }

    /// The channel for care messages: the preferred one if it carries care consent, else SMS, else email.
    private func careChannel(allowingPhone: Bool) -> Channel? {
        if let preferred = profile.preferredChannel, allowingPhone || preferred != .phone, granted(preferred, .care) {
            return preferred
        }
        if granted(.sms, .care) { return .sms }
        if granted(.email, .care) { return .email }
        return nil
    }

    /// Sends one message and draws what the patient does with it.
    ///
    /// Opens are tracked for email (base 0.32) and WhatsApp (0.75); clicks for email, WhatsApp and SMS;
    /// responses for reminders (confirmations), recalls and win-backs. The base
    /// rates are multiplied by the preferred-channel factor (1.35, else 0.85), an age factor per channel,
    /// the type's engagement and 0.3 once the patient has stopped returning.
    ///
    /// - Returns: when the patient responded, or nil.
    /// The chance of a response to `campaign` on `channel` before the patient's factors: a confirmation of a
    /// reminder, a booking from a recall or win-back (only by a patient who may still return). The export
    /// filter (``ExportPosterior``) weighs responses with the same numbers.
    static func responseBase(_ campaign: Campaign, on channel: Channel, mayReturn: Bool) -> Double {
        switch campaign {
        case .appointmentReminder: channel == .email ? 0.25 : 0.55
        case .recallReminder: mayReturn ? 0.30 : 0
        case .winback: mayReturn ? 0.12 : 0
        case .newsletter, .seasonalOffer: 0
        }
    }

    private mutating func send<Sink: HistorySink>(_ campaign: Campaign, on channel: Channel, at time: Int64,
                                                  sink: inout Sink) -> Int64? {
        let age = profile.ageAtStart + Double(time - historyStart) / (365.25 * 86_400)
        let ageFactor: Double
        switch channel {
        case .email: ageFactor = age < 25 ? 0.7 : age > 50 ? 1.15 : 1.0
        case .whatsapp, .sms: ageFactor = age < 35 ? 1.15 : age > 55 ? 0.75 : 0.95
        case .phone: ageFactor = age > 55 ? 1.2 : 0.9
        }
        let factor = (profile.preferredChannel == channel ? 1.35 : 0.85) * ageFactor * parameters.engagement
            * (isReturning ? 1 : 0.3)
        var openedAt: Int64?, clickedAt: Int64?, respondedAt: Int64?
        let openBase: Double? = channel == .email ? 0.32 : channel == .whatsapp ? 0.75 : nil
        if let openBase, rng.uniform() < min(0.97, openBase * factor) {
            openedAt = time + 60 + Int64(rng.exponential(mean: 4 * 3_600))
        }
        let clickChance = channel == .phone ? 0 : openedAt != nil ? 0.22 * factor : openBase == nil ? 0.08 * factor : 0
        if clickChance > 0 && rng.uniform() < min(0.9, clickChance) {
            clickedAt = (openedAt ?? time) + 5 + Int64(rng.exponential(mean: 15 * 60))
        }
        let responseBase = Self.responseBase(campaign, on: channel, mayReturn: mayReturn)
        if responseBase > 0 && rng.uniform() < min(0.95, responseBase * factor) {
            respondedAt = time + 60 + Int64(rng.exponential(mean: 3 * 3_600))
        }
        if hidden.diesAt < .max {
            // Nobody opens, clicks or answers after their death (the draws are made all the same).
            if let opened = openedAt, opened >= hidden.diesAt { openedAt = nil }
            if let clicked = clickedAt, clicked >= hidden.diesAt { clickedAt = nil }
            if let responded = respondedAt, responded >= hidden.diesAt { respondedAt = nil }
        }
        observer?.posterior.message(campaign, on: channel, factor: (profile.preferredChannel == channel ? 1.35 : 0.85) * ageFactor,
                          opened: openedAt != nil, clicked: clickedAt != nil, responded: respondedAt != nil)
        sink.communication(sentAt: time, channel: channel, campaign: campaign, openedAt: openedAt,
                           clickedAt: clickedAt, respondedAt: respondedAt)
        let gained = (openedAt != nil ? 1.0 : 0) + (clickedAt != nil ? 2 : 0) + (respondedAt != nil ? 2 : 0)
        if gained > 0 {
            engagementScore = decayed(engagementScore, from: engagementUpdatedAt, to: time,
                                      timeConstantDays: ChurnHazard.engagementTimeConstantDays) + gained
            engagementUpdatedAt = time
        }
        if campaign.purpose == .marketing && rng.bernoulli(channel == .email ? 0.004 : 0.01) {
            consents &= ~(1 << (channel.rawValue * 2 + ConsentPurpose.marketing.rawValue))
            let recordedAt = time + 600 + Int64(rng.index(3 * 86_400))
            if recordedAt < hidden.diesAt {
                sink.consent(channel: channel, purpose: .marketing, optIn: false, recordedAt: recordedAt)
            }
        }
        return respondedAt
    }

    /// The first instant after `time` on `day` of a month in `months` (bit m for month m) at `hour`:00 UTC,
    /// with its month counted from year 0 (`year * 12 + month - 1`).
    static func nextCalendarSend(after time: Int64, months: UInt16, day: Int, hour: Int) -> (month: Int, instant: Int64) {
        let (year, month, _) = CivilTime.civil(days: CivilTime.day(of: time))
        var candidate = calendarSend(afterMonth: year * 12 + month - 2, months: months, day: day, hour: hour)
        while candidate.instant <= time {
            candidate = calendarSend(afterMonth: candidate.month, months: months, day: day, hour: hour)
        }
        return candidate
    }

    /// The send in the first month after `absoluteMonth` that is in `months`.
    static func calendarSend(afterMonth absoluteMonth: Int, months: UInt16, day: Int, hour: Int) -> (month: Int, instant: Int64) {
        precondition(months & 0x1FFE != 0, "no month in the calendar mask \(months)")
        var candidate = absoluteMonth + 1
        while months & (1 << (candidate % 12 + 1)) == 0 { candidate += 1 }
        let instant = Int64(CivilTime.days(year: candidate / 12, month: candidate % 12 + 1, day: day)) * Self.day
            + Int64(hour) * Self.hour
        return (candidate, instant)
    }
}

// MARK: - The ground truth's view of the export

extension PatientSimulation {
    /// Starts the export filter (``ExportPosterior``) on the state the patient starts with: the type mix, and the
    /// first booking, made already (new patients) or not yet (the established base books within 45 days).
    mutating func startObserving() {
        let firstBookingHidden = pending.map { $0.bookedAt > historyStart } ?? false
        var posterior = ExportPosterior(established: profile.isEstablished, historyStart: historyStart,
                                        firstBooking: firstBookingHidden ? .initial(from: historyStart) : nil,
                                        department: profile.program.department, realism: realism, lifeEventRatePerDay: lifeEventRates.ratePerDay)
        if !firstBookingHidden, let booking = pending { posterior.seenBookedAt = booking.bookedAt }
        observer = ObserverBox(posterior)
    }

    /// The filter brought to the end of `time` (the as-of instant); observing stops.
    mutating func finishObserving(at time: Int64) -> ExportPosterior? {
        guard let box = observer else { return nil }
        observe(before: time, inclusive: true)
        var posterior = box.posterior
        observer = nil
        posterior.advance(to: time, facts: exportFacts(at: time, bookingsMadeBy: time))
        return posterior
    }

    /// Feeds the filter the churn checks and the bookings made before `time` (or at it), in time order.
    fileprivate mutating func observe(before time: Int64, inclusive: Bool) {
        guard let box = observer else { return }
        while true {
            let seenBookedAt = box.posterior.seenBookedAt, checkAt = box.posterior.nextCheckAt
            let bookingAt = pending.flatMap { $0.bookedAt != seenBookedAt ? $0.bookedAt : nil }
            let next = min(checkAt, bookingAt ?? .max)
            guard inclusive ? next <= time : next < time else { break }
            if let bookingAt, bookingAt <= checkAt, let booking = pending {
                let premium = premiumLikelihood(of: booking), facts = exportFacts(at: bookingAt, bookingsMadeBy: bookingAt - 1)
                box.posterior.bookingMade(bookedAt: bookingAt, scheduledAt: booking.scheduledAt, premium: premium, facts: facts)
            } else {
                let hazards = hazards(at: checkAt), facts = exportFacts(at: checkAt, bookingsMadeBy: checkAt)
                box.posterior.check(hazards: hazards, facts: facts)
            }
        }
    }

    /// What the export shows at `time` that the filter's steps need; bookings count as made when made by
    /// `bookingsMadeBy`.
    private func exportFacts(at time: Int64, bookingsMadeBy: Int64) -> ExportPosterior.Facts {
        ExportPosterior.Facts(
            hasVisibleBooking: pending.map { $0.bookedAt <= bookingsMadeBy } ?? false,
            anchor: lastCompletedAt ?? historyStart,
            intervalDays: plan(at: time).intervalDays,
            canReceiveRecall: careChannel(allowingPhone: true) != nil,
            canReceiveWinback: granted(.email, .marketing) || granted(.sms, .marketing))
    }

    /// The 30-day hazard at `time` for every type (lanes in ``ExportPosterior/types`` order), from what the
    /// export shows: ``hazard(at:)`` with each type's parameters.
    fileprivate func hazards(at time: Int64) -> SIMD8<Double> {
        let tenureYears = Double(time - createdAt) / (365.25 * 86_400)
        let recencyDays = Double(time - (lastCompletedAt ?? historyStart)) / 86_400
        let intervalDays = plan(at: time).intervalDays
        let hasBooking = pending.map { $0.bookedAt <= time } ?? false
        let noShow = decayed(noShowScore, from: noShowUpdatedAt, to: time, timeConstantDays: ChurnHazard.noShowTimeConstantDays)
        let engagement = decayed(engagementScore, from: engagementUpdatedAt, to: time, timeConstantDays: ChurnHazard.engagementTimeConstantDays)
        var result = SIMD8<Double>(repeating: 0)
        for (lane, type) in ExportPosterior.types.enumerated() {
            let parameters = type.parameters
            let overdueMonths = max(0, recencyDays - intervalDays * parameters.intervalFactor) / 30
            result[lane] = PopulationShift.scaled(ChurnHazard.probability(
                parameters: parameters, tenureYears: tenureYears, overdueMonths: overdueMonths, noShowScore: noShow,
                engagementScore: engagement, hasBooking: hasBooking), oddsBy: churnOdds)
        }
        return result
    }

    fileprivate func premiumLikelihood(of booking: Appointment) -> SIMD8<Double> {
        ExportPosterior.premiumLikelihood(drawn: completedVisits >= 2,
                                          isPremium: booking.service == CareSchedule.premium(program: profile.program))
    }

    /// The end of an appointment, with the no-show and cancellation levels it had for a returning patient.
    fileprivate mutating func observeEnd(of appointment: Appointment, status: AppointmentStatus) {
        let levels = missLevels(of: appointment)
        observer?.posterior.appointmentEnded(status, noShowExtra: levels.youngAdultExtra, baselineNoShow: levels.baselineNoShow,
                                             extraCancel: levels.extraCancel)
    }

    /// A completed visit: its price level, and whether the next visit was booked at it.
    fileprivate mutating func observeCompletedVisit(at time: Int64, appointment: Appointment) {
        let listPrice = Double(appointment.service.listPriceCents)
        let atVisit = pending.flatMap { $0.bookedAt == time + 50 * 60 ? ($0.scheduledAt, premiumLikelihood(of: $0)) : nil }
        let intervalDays = plan(at: time).intervalDays
        observer?.posterior.visitCompleted(at: time, priceRatio: listPrice > 0 ? Double(appointment.amountCents) / listPrice : 1,
                                 priceTolerance: listPrice > 0 ? 50 / listPrice : 10,
                                 intervalDays: intervalDays, bookedAtVisit: atVisit)
    }

    /// A copy of the patient at `time` as if their type were `type` and their hidden status `status`, for the
    /// best-achievable probability's paths: a booking not yet made is drawn again from its distribution given
    /// that it was not made by `time` (with the copy's `rng`, set from `rng`), one made later than `time` by
    /// the real path is dropped (it is the path's future).
    func hypothesis(type: LatentType, status: ExportPosterior.Status, posterior: ExportPosterior, at time: Int64,
                    rng: Xoshiro256StarStar) -> PatientSimulation {
        var copy = self
        copy.rng = rng
        copy.observer = nil
        copy.parameters = type.parameters
        copy.hasLeft = false
        if let booking = copy.pending, booking.bookedAt > time { copy.pending = nil }
        switch status {
        case .returning:
            copy.isReturning = true
        case .dormant, .left:
            copy.isReturning = false
        case .waiting:
            copy.isReturning = true
            if copy.pending == nil, let origin = posterior.waitingFor { copy.drawHiddenBooking(origin, after: time) }
        case .comingBack:
            copy.isReturning = true
            if copy.pending == nil, let realism {
                let windowEnd = max(time + Self.hour, posterior.comingBackAt + ExportPosterior.returnWindow)
                let bookedAt = time + 1 + Int64(copy.rng.index(Int(windowEnd - time)))
                copy.book(bookedAt: bookedAt, scheduledAt: copy.clinicSlot(onOrAfter: bookedAt + copy.drawLead(medianDays: realism.selfBookedLeadMedianDays)))
            }
        }
        if copy.pending == nil { copy.scheduleOutreach(after: time) }
        return copy
    }

    /// Draws the hidden booking of `origin` again until it is made after `time` (at most 100 tries; then made
    /// just after `time`).
    private mutating func drawHiddenBooking(_ origin: ExportPosterior.HiddenBooking, after time: Int64) {
        for attempt in 0..<100 {
            var bookedAt: Int64, scheduledAt: Int64
            switch origin {
            case .initial(let from):
                (bookedAt, scheduledAt) = drawEstablishedFirstBooking(from: from)
            case .planned(let visit, let intervalDays):
                let slot = drawNextSlot(after: visit, expectedIntervalDays: intervalDays * parameters.intervalFactor)
                scheduledAt = slot.scheduledAt
                bookedAt = drawSelfBookedAt(visit: visit, scheduledAt: scheduledAt, intervalDays: slot.intervalDays)
            case .rebook(let miss):
                (bookedAt, scheduledAt) = drawRebooking(after: miss)
            }
            if bookedAt > time || attempt == 99 {
                bookedAt = max(bookedAt, time + Self.hour)
                book(bookedAt: bookedAt, scheduledAt: max(scheduledAt, bookedAt + Self.hour))
                return
            }
        }
    }
}
