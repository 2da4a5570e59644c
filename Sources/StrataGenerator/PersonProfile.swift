import StrataRandom
/// A person's fixed traits, drawn first from their own stream: when they arrive, whether through a lead
/// and whether it converts, latent type, demographics, contact details, program and conditions.
///
/// Nothing here depends on `--to` or `--as-of`: the cut only decides which of these facts are exported.
struct PersonProfile {
    struct Lead {
        let createdAt: Int64
        let source: LeadSource
        let interest: Int
        /// The probability the conversion process gave this lead: `logistic(-0.1 + source + interest + age)`.
        let conversionProbability: Double
        /// When it became a patient (booking the first appointment); nil if it never converts.
        let convertedAt: Int64?
    }

    struct ConditionOnset {
        let condition: Condition
        let onsetDay: Int
    }

    let index: Int
    let latentType: LatentType
    let lead: Lead?
    /// When the patient record was created; nil for `lead_only`.
    let createdAt: Int64?
    /// Patients before `--from`: their history starts at `--from`.
    let isEstablished: Bool
    let birthDay: Int
    /// Age in years at `--from` (negative for people born later).
    let ageAtStart: Double
    /// Index into `CanonicalValues.sex`.
    let sex: Int
    let firstName: [UInt8]
    let lowercasedFirstName: [UInt8]
    let postalCode: Int
    let hasEmail: Bool
    let phoneNumber: Int?
    let hasWhatsApp: Bool
    let preferredChannel: Channel?
    let directSource: Int
    let program: CareProgram
    let conditions: [ConditionOnset]
    let provider: Int
    /// The patient's price level (insurance plan, negotiated rates): 0.9 ... 1.15.
    let priceFactor: Double

    /// Days of the intake window before `--from` (the established base) and after it.
    static let establishedWindowDays = 730
    static let arrivalWindowDays = 1826
    static let establishedShare = 0.25
    static let leadShareOfArrivals = 0.40
    /// The multi-specialty practice: the share of people who come to its orthodontic department, and the
    /// share of Invisalign inquirers who start braces there.
    static let multiSpecialtyOrthodonticShare = 0.3
    static let invisalignToBracesShare = 0.25

    static func draw(index: Int, configuration: GeneratorConfiguration, catalog: ClinicCatalog,
                     rng: inout Xoshiro256StarStar) -> PersonProfile {
        let start = configuration.startInstant
        let isEstablished = rng.bernoulli(establishedShare)
        let arrival = isEstablished
            ? start - Int64(rng.index(establishedWindowDays * 86_400))
            : start + Int64(rng.index(arrivalWindowDays * 86_400))
        let viaLead = !isEstablished && rng.bernoulli(leadShareOfArrivals)

        // The department first (a multi-specialty practice has two), then demographics by department.
        let kind = configuration.kind
        let department: Department
        switch kind {
        case .orthodontic: department = .orthodontic
        case .aesthetic: department = .aesthetic
        case .primaryCare: department = .primaryCare
        case .multiSpecialty: department = rng.bernoulli(multiSpecialtyOrthodonticShare) ? .orthodontic : .primaryCare
        }
        let ageAtStart: Double
        let femaleShare: Double
        switch department {
        case .orthodontic:
            ageAtStart = rng.bernoulli(0.55) ? rng.uniform(8, 17) : rng.uniform(18, 55)
            femaleShare = 0.56
        case .aesthetic:
            ageAtStart = 22 + 45 * (rng.uniform() + rng.uniform()) / 2
            femaleShare = 0.85
        case .primaryCare:
            ageAtStart = 88 * rng.uniform().squareRoot() * rng.uniform(0.55, 1.0)
            femaleShare = 0.51
        }
        let sexDraw = rng.uniform()
        let sex = sexDraw < femaleShare ? 0 : sexDraw < 0.99 ? 1 : sexDraw < 0.995 ? 2 : 3
        let birthDay = configuration.startDay - Int(ageAtStart * 365.25)
        let femaleName = sex == 0 || (sex >= 2 && rng.bernoulli(0.5))
        let names = femaleName ? FirstNames.female : FirstNames.male
        let nameIndex = rng.index(names.count)
        let lowercased = femaleName ? FirstNames.lowercasedFemale : FirstNames.lowercasedMale

        // Contact details and preferred channel: the young prefer messaging, the old phone and email.
        let hasEmail = rng.bernoulli(0.9)
        let hasPhone = rng.bernoulli(0.95)
        let phoneNumber = rng.index(10_000_000)
        let channelWeights: [Double] = ageAtStart < 30 ? [0.25, 0.35, 0.05, 0.35]
            : ageAtStart < 55 ? [0.40, 0.30, 0.10, 0.20] : [0.35, 0.20, 0.35, 0.10]
        var preferred: Channel? = rng.bernoulli(0.08) ? nil : Channel(rawValue: rng.weightedIndex(channelWeights))
        if preferred == .email && !hasEmail { preferred = hasPhone ? .sms : nil }
        if preferred != .email && preferred != nil && !hasPhone { preferred = hasEmail ? .email : nil }
        let hasWhatsApp = hasPhone && (preferred == .whatsapp || rng.bernoulli(0.4))
        let postalCode = 10_001 + min(rng.index(40), rng.index(40))  // nearer codes more common

        // Lead and conversion.
        var lead: Lead?
        var interest = -1
        if viaLead {
            let source = LeadSource(rawValue: rng.weightedIndex(LeadSource.weights))!
            let interests = catalog.interestRange(of: department)
            interest = interests.lowerBound + rng.weightedIndex(Array(catalog.interestWeights[interests]))
            let ageEffect = ageAtStart < 25 ? -0.3 : ageAtStart > 50 ? 0.3 : 0
            let probability = logistic(-0.1 + source.conversionEffect + catalog.interests[interest].conversionEffect + ageEffect)
            let converts = rng.bernoulli(probability)
            let delay = 3_600 + Int64(rng.exponential(mean: 10 * 86_400))
            lead = Lead(createdAt: arrival, source: source, interest: interest, conversionProbability: probability,
                        convertedAt: converts ? arrival + delay : nil)
        }
        let latentType: LatentType
        if let lead, lead.convertedAt == nil {
            latentType = .leadOnly
        } else {
            let mix = isEstablished ? LatentType.establishedMix : LatentType.arrivingMix
            latentType = mix[rng.weightedIndex(mix.map(\.1))].0
        }
        let createdAt: Int64? = latentType == .leadOnly ? nil : (lead?.convertedAt ?? arrival)
        let directSource = rng.weightedIndex(catalog.directSourceWeights)

        // Conditions, then the program they and the interest suggest.
        var conditions: [ConditionOnset] = []
        let anchorDay = CivilTime.day(of: createdAt ?? arrival)
        func onset(preexistingShare: Double) -> Int {
            rng.bernoulli(preexistingShare) ? anchorDay - 1 - rng.index(5 * 365) : anchorDay + 1 + rng.index(4 * 365)
        }
        func maybe(_ condition: Condition, _ probability: Double, preexisting: Double = 0.7) {
            if rng.bernoulli(probability) { conditions.append(ConditionOnset(condition: condition, onsetDay: onset(preexistingShare: preexisting))) }
        }
        let program: CareProgram
        switch department {
        case .orthodontic:
            maybe(.bruxism, 0.08)
            maybe(.gingivitis, ageAtStart > 25 ? 0.18 : 0.06)
            var interestProgram = interest >= 0 ? catalog.interests[interest].program : nil
            // In the practice, the orthodontist finds that some who asked about Invisalign need braces: they
            // stay Invisalign leads but start braces.
            if kind == .multiSpecialty, interestProgram == .aligners, catalog.interests[interest].name == "invisalign",
               rng.bernoulli(invisalignToBracesShare) {
                interestProgram = .braces
            }
            let choice: CareProgram = interestProgram ??
                (ageAtStart < 18 ? (rng.bernoulli(0.8) ? .braces : .aligners)
                : (rng.weightedIndex([0.3, 0.55, 0.15]) == 0 ? .braces : rng.bernoulli(0.78) ? .aligners : .retainers))
            if choice != .retainers { maybe(.malocclusion, 0.9, preexisting: 1) }
            program = choice
        case .aesthetic:
            maybe(.acne, ageAtStart < 35 ? 0.22 : 0.06)
            maybe(.rosacea, ageAtStart > 30 ? 0.1 : 0.03)
            maybe(.melasma, sex == 0 ? 0.08 : 0.02)
            if interest >= 0 {
                program = catalog.interests[interest].program
            } else {
                let hasSkinCondition = !conditions.isEmpty
                let weights: [Double] = hasSkinCondition ? [0.15, 0.1, 0.1, 0.35, 0.3]
                    : ageAtStart > 40 ? [0.45, 0.25, 0.1, 0.1, 0.1] : [0.25, 0.1, 0.35, 0.15, 0.15]
                program = [CareProgram.botox, .filler, .laser, .peel, .facial][rng.weightedIndex(weights)]
            }
        case .primaryCare:
            maybe(.diabetes, ageAtStart > 40 ? min(0.06 + 0.004 * (ageAtStart - 40), 0.25) : 0.01)
            maybe(.hypertension, ageAtStart > 30 ? min(0.01 * (ageAtStart - 30), 0.5) : 0.005)
            maybe(.asthma, 0.08)
            maybe(.hyperlipidemia, ageAtStart > 40 ? 0.2 : 0.02)
            let prenatalInterest = interest >= 0 && catalog.interests[interest].name == "prenatal_care"
            if sex == 0 && ageAtStart >= 18 && ageAtStart <= 42 && (prenatalInterest || rng.bernoulli(0.15)) {
                let onsetDay = prenatalInterest ? anchorDay - 40 - rng.index(60) : anchorDay + rng.index(3 * 365)
                conditions.append(ConditionOnset(condition: .pregnancy, onsetDay: onsetDay))
            }
            if interest >= 0 && catalog.interests[interest].name == "diabetes_care"
                && !conditions.contains(where: { $0.condition == .diabetes }) {
                conditions.append(ConditionOnset(condition: .diabetes, onsetDay: anchorDay - 1 - rng.index(365)))
            }
            program = .generalCare
        }
        conditions.sort { ($0.onsetDay, $0.condition.rawValue) < ($1.onsetDay, $1.condition.rawValue) }
        let providers = catalog.providerRange(of: department)
        let provider = providers.lowerBound + rng.index(providers.count)
        let priceFactor = rng.uniform(0.9, 1.15)

        return PersonProfile(
            index: index, latentType: latentType, lead: lead, createdAt: createdAt, isEstablished: isEstablished,
            birthDay: birthDay, ageAtStart: ageAtStart, sex: sex, firstName: names[nameIndex],
            lowercasedFirstName: lowercased[nameIndex], postalCode: postalCode, hasEmail: hasEmail,
            phoneNumber: hasPhone ? phoneNumber : nil, hasWhatsApp: hasWhatsApp, preferredChannel: preferred,
            directSource: directSource, program: program, conditions: conditions, provider: provider,
            priceFactor: priceFactor)
    }

    /// Whether the condition is active on `day` (pregnancy lasts `Condition.pregnancyDays`).
    func has(_ condition: Condition, onDay day: Int) -> Bool {
        for onset in conditions where onset.condition == condition && onset.onsetDay <= day {
            if condition != .pregnancy || day < onset.onsetDay + Condition.pregnancyDays { return true }
        }
        return false
    }
}
