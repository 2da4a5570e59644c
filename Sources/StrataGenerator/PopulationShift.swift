import StrataRandom

/// A change in who comes to the clinic from a date on, so that drift and a worse champion can be produced on
/// purpose (`strata generate --shift younger-arrivals:DATE`, or ``GeneratorConfiguration/shift``).
///
/// `younger-arrivals`: a new acquisition channel opens on `startDay`. Of the people arriving on or after it
/// (the day their lead or patient record is created), a share ``share`` come through it: they are ``ages``
/// years old when they arrive (uniformly) and their 30-day churn hazard has ``churnOddsFactor`` times the odds
/// it would have had. Everything else about them (department, program, conditions, contact details, preferred
/// channel) is drawn as before, from their age before the shift, and nobody arriving earlier changes: the
/// export differs from the unshifted one only in those newcomers' birth dates and what their age and hazard
/// make them do (the simulation's young-adult no-shows, consents at creation, message responses, primary
/// care's age-dependent preventive care, and leaving).
/// Which newcomers come through the channel is drawn from a stream of its own, so the rest of each person's
/// draws are those of the unshifted export.
public struct PopulationShift: Sendable, Equatable {
    /// The kinds of shift the generator knows.
    public enum Kind: String, CaseIterable, Sendable {
        case youngerArrivals = "younger-arrivals"
    }

    public let kind: Kind
    /// The first day of the shift (days since 1970-01-01).
    public let startDay: Int
    /// The share of the people arriving from `startDay` on who come through the new channel.
    public let share: Double
    /// Their age on arrival, in years.
    public let ages: ClosedRange<Double>
    /// How many times the odds of their 30-day churn hazard are multiplied.
    public let churnOddsFactor: Double

    public static let defaultShare = 0.8
    public static let defaultAges: ClosedRange<Double> = 18...28
    public static let defaultChurnOddsFactor = 4.0

    /// Checks the parameters; errors name the parameter, the value and what was expected.
    /// - Parameter from: `YYYY-MM-DD`, the first day of the shift.
    public init(_ kind: Kind = .youngerArrivals, from: String, share: Double = defaultShare, ages: ClosedRange<Double> = defaultAges,
                churnOddsFactor: Double = defaultChurnOddsFactor) throws(GeneratorError) {
        guard let day = CivilTime.parseDate(from) else {
            throw .invalidOption(name: "shift", value: from, expected: "a date YYYY-MM-DD")
        }
        guard share > 0, share <= 1 else {
            throw .invalidOption(name: "shift", value: String(share), expected: "a share of arrivals above 0 and at most 1")
        }
        guard ages.lowerBound >= 0, ages.upperBound <= 110 else {
            throw .invalidOption(name: "shift", value: "\(ages)", expected: "ages from 0 to 110 years")
        }
        guard churnOddsFactor > 0, churnOddsFactor.isFinite else {
            throw .invalidOption(name: "shift", value: String(churnOddsFactor), expected: "a positive churn odds factor")
        }
        self.kind = kind
        self.startDay = day
        self.share = share
        self.ages = ages
        self.churnOddsFactor = churnOddsFactor
    }

    /// Parses `KIND:YYYY-MM-DD` (`younger-arrivals:2024-07-01`), the other parameters at their defaults.
    public static func parse(_ text: String) throws(GeneratorError) -> PopulationShift {
        let expected = "KIND:YYYY-MM-DD with KIND one of " + Kind.allCases.map(\.rawValue).joined(separator: ", ")
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = Kind(rawValue: parts[0]) else {
            throw .invalidOption(name: "shift", value: text, expected: expected)
        }
        guard CivilTime.parseDate(parts[1]) != nil else { throw .invalidOption(name: "shift", value: text, expected: expected) }
        return try PopulationShift(kind, from: parts[1])
    }

    /// The option as `strata generate` takes it.
    public var argument: String { "\(kind.rawValue):\(CivilTime.dateString(days: startDay))" }

    /// Whether `profile`'s person came through the new channel: arrived on or after the start and drawn into
    /// the share, from a stream that no other draw uses.
    func applies(to profile: PersonProfile, seed: UInt64) -> Bool {
        guard let arrival = profile.lead?.createdAt ?? profile.createdAt,
              arrival >= Int64(startDay) * CivilTime.secondsPerDay else { return false }
        var rng = SplitMix64(seed: SplitMix64.mix(seed ^ 0x5348_4946_5400_0001) ^ SplitMix64.mix(UInt64(profile.index)))
        return Double(rng.next() >> 11) * 0x1.0p-53 < share
    }

    /// `profile` with the shift applied: a newcomer through the channel gets an age in ``ages`` on arrival
    /// (drawn from the same stream as ``applies(to:seed:)``); anyone else is returned unchanged.
    func shifted(_ profile: PersonProfile, seed: UInt64) -> PersonProfile {
        guard applies(to: profile, seed: seed), let arrival = profile.lead?.createdAt ?? profile.createdAt else { return profile }
        var rng = SplitMix64(seed: SplitMix64.mix(seed ^ 0x5348_4946_5400_0002) ^ SplitMix64.mix(UInt64(profile.index)))
        let ageOnArrival = ages.lowerBound + (ages.upperBound - ages.lowerBound) * (Double(rng.next() >> 11) * 0x1.0p-53)
        let birthDay = Int((Double(arrival) / Double(CivilTime.secondsPerDay) - ageOnArrival * 365.25).rounded(.down))
        let ageAtStart = profile.ageAtStart + Double(profile.birthDay - birthDay) / 365.25
        return PersonProfile(
            index: profile.index, latentType: profile.latentType, lead: profile.lead, createdAt: profile.createdAt,
            isEstablished: profile.isEstablished, birthDay: birthDay, ageAtStart: ageAtStart, sex: profile.sex,
            firstName: profile.firstName, lowercasedFirstName: profile.lowercasedFirstName, postalCode: profile.postalCode,
            hasEmail: profile.hasEmail, phoneNumber: profile.phoneNumber, hasWhatsApp: profile.hasWhatsApp,
            preferredChannel: profile.preferredChannel, directSource: profile.directSource, program: profile.program,
            conditions: profile.conditions, provider: profile.provider, priceFactor: profile.priceFactor)
    }

    /// The factor on the odds of `profile`'s churn hazard: ``churnOddsFactor`` for a newcomer through the
    /// channel, else 1.
    func churnOdds(for profile: PersonProfile, seed: UInt64) -> Double {
        applies(to: profile, seed: seed) ? churnOddsFactor : 1
    }

    /// `probability` with its odds multiplied by `factor`.
    static func scaled(_ probability: Double, oddsBy factor: Double) -> Double {
        factor == 1 ? probability : probability * factor / (1 - probability + probability * factor)
    }
}
