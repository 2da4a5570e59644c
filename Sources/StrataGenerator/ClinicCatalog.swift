/// The generator's vocabulary: services and list prices per clinic kind, care programs and their rhythms,
/// conditions, channels, campaigns, lead sources and interests, names. Every text here is written into
/// CSV fields unquoted, so none holds a comma, quote or line break.

/// A treatment category (the `service` column) with its list price.
enum Service: Int, CaseIterable {
    // orthodontic
    case orthoConsultation, bracesPlacement, bracesAdjustment, alignerStart, alignerCheck,
         retainerFitting, retainerCheck, whitening
    // aesthetic
    case aestheticConsultation, botox, dermalFiller, laserHairRemoval, chemicalPeel, medicalFacial, laserResurfacing
    // primary care
    case newPatientVisit, annualPhysical, diabetesFollowUp, bloodPressureCheck, asthmaReview, prenatalVisit,
         labPanel
    // primary care, preventive (see `PreventiveCare`)
    case mammogram, immunization, fluShot, diabeticEyeExam

    var name: String {
        switch self {
        case .orthoConsultation: "ortho_consultation"
        case .bracesPlacement: "braces_placement"
        case .bracesAdjustment: "braces_adjustment"
        case .alignerStart: "invisalign_start"
        case .alignerCheck: "invisalign_check"
        case .retainerFitting: "retainer_fitting"
        case .retainerCheck: "retainer_check"
        case .whitening: "whitening"
        case .aestheticConsultation: "aesthetic_consultation"
        case .botox: "botox"
        case .dermalFiller: "dermal_filler"
        case .laserHairRemoval: "laser_hair_removal"
        case .chemicalPeel: "chemical_peel"
        case .medicalFacial: "medical_facial"
        case .laserResurfacing: "laser_resurfacing"
        case .newPatientVisit: "new_patient_visit"
        case .annualPhysical: "annual_physical"
        case .diabetesFollowUp: "diabetes_follow_up"
        case .bloodPressureCheck: "blood_pressure_check"
        case .asthmaReview: "asthma_review"
        case .prenatalVisit: "prenatal_visit"
        case .labPanel: "lab_panel"
        case .mammogram: "mammogram"
        case .immunization: "immunization"
        case .fluShot: "flu_shot"
        case .diabeticEyeExam: "diabetic_eye_exam"
        }
    }

    /// List price in cents before the patient's plan factor and the type's spend factor.
    var listPriceCents: Int {
        switch self {
        case .orthoConsultation: 9_500
        case .bracesPlacement: 480_000
        case .bracesAdjustment: 8_500
        case .alignerStart: 540_000
        case .alignerCheck: 7_500
        case .retainerFitting: 45_000
        case .retainerCheck: 6_000
        case .whitening: 45_000
        case .aestheticConsultation: 7_500
        case .botox: 35_000
        case .dermalFiller: 70_000
        case .laserHairRemoval: 25_000
        case .chemicalPeel: 18_000
        case .medicalFacial: 12_000
        case .laserResurfacing: 95_000
        case .newPatientVisit: 18_000
        case .annualPhysical: 14_000
        case .diabetesFollowUp: 11_000
        case .bloodPressureCheck: 9_500
        case .asthmaReview: 10_500
        case .prenatalVisit: 13_000
        case .labPanel: 6_500
        case .mammogram: 24_000
        case .immunization: 9_000
        case .fluShot: 4_000
        case .diabeticEyeExam: 15_000
        }
    }

    static let nameBytes: [[UInt8]] = allCases.map { Array($0.name.utf8) }
}

/// What a patient comes for; it fixes the services and the rhythm of visits (see `CareSchedule`).
enum CareProgram: Int {
    case braces, aligners, retainers          // orthodontic
    case botox, filler, laser, peel, facial   // aesthetic
    case generalCare                          // primary care: rhythm from the patient's conditions

    /// The department that runs the program: a clinic kind's, or one of the multi-specialty practice's two.
    var department: Department {
        switch self {
        case .braces, .aligners, .retainers: .orthodontic
        case .botox, .filler, .laser, .peel, .facial: .aesthetic
        case .generalCare: .primaryCare
        }
    }
}

/// A kind of care with its own services, rhythms and demographics. Each single-specialty clinic kind is one
/// department; the multi-specialty practice has primary care and orthodontics.
enum Department {
    case orthodontic, aesthetic, primaryCare
}

/// Conditions (ICD-10-CM codes) that drive care needs: in primary care they set the visit rhythm; in the
/// other kinds they steer which program a patient chooses.
enum Condition: Int, CaseIterable {
    case diabetes, hypertension, asthma, hyperlipidemia, pregnancy
    case malocclusion, bruxism, gingivitis
    case acne, rosacea, melasma

    var code: String {
        switch self {
        case .diabetes: "E11.9"
        case .hypertension: "I10"
        case .asthma: "J45.909"
        case .hyperlipidemia: "E78.5"
        case .pregnancy: "Z34.90"
        case .malocclusion: "M26.4"
        case .bruxism: "G47.63"
        case .gingivitis: "K05.10"
        case .acne: "L70.0"
        case .rosacea: "L71.9"
        case .melasma: "L81.1"
        }
    }

    var description: String {
        switch self {
        case .diabetes: "Type 2 diabetes mellitus without complications"
        case .hypertension: "Essential (primary) hypertension"
        case .asthma: "Asthma uncomplicated"
        case .hyperlipidemia: "Hyperlipidemia"
        case .pregnancy: "Supervision of normal pregnancy"
        case .malocclusion: "Malocclusion"
        case .bruxism: "Sleep related bruxism"
        case .gingivitis: "Plaque induced chronic gingivitis"
        case .acne: "Acne vulgaris"
        case .rosacea: "Rosacea"
        case .melasma: "Chloasma (melasma)"
        }
    }

    /// Days a pregnancy lasts in the simulation (prenatal visits stop after it).
    static let pregnancyDays = 266

    static let codeBytes: [[UInt8]] = allCases.map { Array($0.code.utf8) }
    static let descriptionBytes: [[UInt8]] = allCases.map { Array($0.description.utf8) }
}

/// The contact channels, in the order of `CanonicalValues.channels`.
enum Channel: Int, CaseIterable {
    case email, sms, phone, whatsapp

    static let nameBytes: [[UInt8]] = ["email", "sms", "phone", "whatsapp"].map { Array($0.utf8) }
}

/// The consent purposes, in the order of `CanonicalValues.consentPurpose`.
enum ConsentPurpose: Int, CaseIterable {
    case marketing, care

    static let nameBytes: [[UInt8]] = ["marketing", "care"].map { Array($0.utf8) }
}

/// Appointment outcomes, in the order of `CanonicalValues.appointmentStatus`.
enum AppointmentStatus: Int, CaseIterable {
    case completed, noShow, cancelled, booked

    static let nameBytes: [[UInt8]] = ["completed", "no_show", "cancelled", "booked"].map { Array($0.utf8) }
}

/// The campaigns the clinic runs; each has one consent purpose.
enum Campaign: Int, CaseIterable {
    /// Quarterly email newsletter (10 January, April, July, October, 10:00 UTC).
    case newsletter
    /// Twice-yearly offer by SMS or WhatsApp (15 May and 15 November, 17:00 UTC).
    case seasonalOffer
    /// The day before each booked appointment.
    case appointmentReminder
    /// Once when a patient is 30 days past their expected next visit and has nothing booked.
    case recallReminder
    /// Once when a patient has not completed a visit for 300 days and has nothing booked.
    case winback

    var name: String {
        switch self {
        case .newsletter: "newsletter"
        case .seasonalOffer: "seasonal_offer"
        case .appointmentReminder: "appointment_reminder"
        case .recallReminder: "recall_reminder"
        case .winback: "winback"
        }
    }

    var purpose: ConsentPurpose {
        switch self {
        case .newsletter, .seasonalOffer, .winback: .marketing
        case .appointmentReminder, .recallReminder: .care
        }
    }

    static let nameBytes: [[UInt8]] = allCases.map { Array($0.name.utf8) }
}

/// Where a lead came from, and how it shifts the logit of conversion.
enum LeadSource: Int, CaseIterable {
    case googleAds, instagram, facebook, webForm, referral, phoneInquiry

    var name: String {
        switch self {
        case .googleAds: "google_ads"
        case .instagram: "instagram"
        case .facebook: "facebook"
        case .webForm: "web_form"
        case .referral: "referral"
        case .phoneInquiry: "phone_inquiry"
        }
    }

    var conversionEffect: Double {
        switch self {
        case .googleAds: 0.0
        case .instagram: -0.5
        case .facebook: -0.7
        case .webForm: 0.2
        case .referral: 1.1
        case .phoneInquiry: 0.8
        }
    }

    /// Relative frequency among leads.
    var weight: Double {
        switch self {
        case .googleAds: 0.28
        case .instagram: 0.2
        case .facebook: 0.12
        case .webForm: 0.18
        case .referral: 0.12
        case .phoneInquiry: 0.10
        }
    }

    static let weights: [Double] = allCases.map(\.weight)
    static let nameBytes: [[UInt8]] = allCases.map { Array($0.name.utf8) }
}

/// A lead's interest: what it asked about, the program it starts if it converts, and its conversion effect.
struct LeadInterest {
    let name: String
    let program: CareProgram
    let weight: Double
    let conversionEffect: Double
}

/// The catalog of one clinic kind.
struct ClinicCatalog {
    let interests: [LeadInterest]
    let interestBytes: [[UInt8]]
    let interestWeights: [Double]
    let providers: [[UInt8]]
    /// Sources of patients who did not come through a lead.
    let directSources: [[UInt8]]
    let directSourceWeights: [Double]
    /// Per department of a multi-specialty practice, its part of `interests` and `providers`; empty for a
    /// single-specialty kind, whose lists are all its own.
    private var interestRanges: [Department: Range<Int>] = [:]
    private var providerRanges: [Department: Range<Int>] = [:]

    static func of(_ kind: ClinicKind) -> ClinicCatalog {
        switch kind {
        case .orthodontic: orthodontic
        case .aesthetic: aesthetic
        case .primaryCare: primaryCare
        case .multiSpecialty: multiSpecialty
        }
    }

    /// The interests a lead of `department` may have: indices into ``interests``.
    func interestRange(of department: Department) -> Range<Int> { interestRanges[department] ?? interests.indices }

    /// The providers of `department`: indices into ``providers``.
    func providerRange(of department: Department) -> Range<Int> { providerRanges[department] ?? providers.indices }

    private init(interests: [LeadInterest], providers: [String]) {
        self.interests = interests
        interestBytes = interests.map { Array($0.name.utf8) }
        interestWeights = interests.map(\.weight)
        self.providers = providers.map { Array($0.utf8) }
        directSources = ["referral", "walk_in", "insurance_directory", "google_search"].map { Array($0.utf8) }
        directSourceWeights = [0.35, 0.15, 0.2, 0.3]
    }

    static let orthodontic = ClinicCatalog(
        interests: [LeadInterest(name: "invisalign", program: .aligners, weight: 0.4, conversionEffect: -0.2),
                    LeadInterest(name: "braces", program: .braces, weight: 0.35, conversionEffect: 0.4),
                    LeadInterest(name: "retainers", program: .retainers, weight: 0.1, conversionEffect: 0.6),
                    LeadInterest(name: "smile_consultation", program: .aligners, weight: 0.15, conversionEffect: -0.6)],
        providers: ["Dr. Alvarez", "Dr. Chen", "Dr. Okafor", "Dr. Novak"])

    static let aesthetic = ClinicCatalog(
        interests: [LeadInterest(name: "botox", program: .botox, weight: 0.35, conversionEffect: 0.3),
                    LeadInterest(name: "fillers", program: .filler, weight: 0.2, conversionEffect: 0.0),
                    LeadInterest(name: "laser_hair_removal", program: .laser, weight: 0.2, conversionEffect: -0.3),
                    LeadInterest(name: "chemical_peel", program: .peel, weight: 0.1, conversionEffect: 0.1),
                    LeadInterest(name: "facials", program: .facial, weight: 0.15, conversionEffect: -0.2)],
        providers: ["Dr. Rossi", "Dr. Haddad", "Nurse Kim", "Nurse Silva"])

    static let primaryCare = ClinicCatalog(
        interests: [LeadInterest(name: "new_patient", program: .generalCare, weight: 0.45, conversionEffect: 0.3),
                    LeadInterest(name: "annual_physical", program: .generalCare, weight: 0.2, conversionEffect: 0.1),
                    LeadInterest(name: "diabetes_care", program: .generalCare, weight: 0.15, conversionEffect: 0.5),
                    LeadInterest(name: "prenatal_care", program: .generalCare, weight: 0.1, conversionEffect: 0.6),
                    LeadInterest(name: "vaccination", program: .generalCare, weight: 0.1, conversionEffect: -0.8)],
        providers: ["Dr. Patel", "Dr. Johnson", "Dr. Nguyen", "Dr. Schmidt", "NP Garcia", "NP Brown"])
}

extension ClinicCatalog {
    /// Primary care and orthodontics under one roof (a family practice with an orthodontic wing): each
    /// department's interests and providers as in its own kind.
    static let multiSpecialty: ClinicCatalog = {
        let parts: [(Department, ClinicCatalog)] = [(.primaryCare, primaryCare), (.orthodontic, orthodontic)]
        var catalog = ClinicCatalog(interests: parts.flatMap(\.1.interests),
                                    providers: parts.flatMap { $0.1.providers.map { String(decoding: $0, as: UTF8.self) } })
        var (interestStart, providerStart) = (0, 0)
        for (department, part) in parts {
            catalog.interestRanges[department] = interestStart..<(interestStart + part.interests.count)
            catalog.providerRanges[department] = providerStart..<(providerStart + part.providers.count)
            interestStart += part.interests.count
            providerStart += part.providers.count
        }
        return catalog
    }()
}

/// First names by sex (female list for `female`, male list for `male`, both for the rest).
enum FirstNames {
    static let female: [[UInt8]] = ["Maria", "Sofia", "Emma", "Olivia", "Ava", "Isabella", "Mia", "Amelia", "Harper",
                                    "Evelyn", "Aisha", "Priya", "Mei", "Fatima", "Elena", "Grace", "Chloe", "Zoe",
                                    "Lucia", "Nora"].map { Array($0.utf8) }
    static let male: [[UInt8]] = ["James", "Liam", "Noah", "Oliver", "Elijah", "Lucas", "Mateo", "Ethan", "Omar",
                                  "Arjun", "Wei", "Daniel", "Samuel", "David", "Leo", "Hugo", "Adam", "Jonah",
                                  "Marco", "Kenji"].map { Array($0.utf8) }
    static let lowercasedFemale: [[UInt8]] = female.map { lowercase($0) }
    static let lowercasedMale: [[UInt8]] = male.map { lowercase($0) }

    private static func lowercase(_ name: [UInt8]) -> [UInt8] {
        name.map { (65...90).contains($0) ? $0 + 32 : $0 }
    }
}
