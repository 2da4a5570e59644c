/// The clinic's rhythm of care: which service a patient's next visit is and how many days after the last
/// completed visit it is due. Deterministic given the patient's state; the simulation adds the type's
/// interval factor, log-normal jitter and the occasional premium add-on.
///
/// | kind | program | visits |
/// |---|---|---|
/// | orthodontic | braces | consultation; placement 21 days later; adjustments every 42 days for 600 days; retainer checks every 180 |
/// | orthodontic | aligners | consultation; Invisalign start; checks every 56 days for 450 days; retainer checks every 180 |
/// | orthodontic | retainers | consultation; retainer fitting; checks every 180 days |
/// | aesthetic | botox / filler / laser / peel / facial | consultation; then the treatment every 105 / 240 / 42 (6 sessions, then 365) / 42 / 56 days |
/// | primary-care | general | new-patient visit; then the shortest need: prenatal every 28 days while pregnant, diabetes every 91, blood pressure every 120, asthma every 180, else an annual physical (365) |
/// | multi-specialty | general, braces, aligners, retainers | the rhythm of the program's department, as above |
enum CareSchedule {
    /// The planned next visit after `completedVisits` completed visits.
    ///
    /// - Parameters:
    ///   - completedVisits: completed visits so far, counting the established base's earlier history.
    ///   - daysInTreatment: days since the program's start visit (the second visit), or nil before it.
    ///   - day: the day the plan is made, for conditions that come and go (pregnancy).
    static func plan(profile: PersonProfile, completedVisits: Int, daysInTreatment: Int?,
                     day: Int) -> (service: Service, intervalDays: Double) {
        switch profile.program.department {
        case .orthodontic:
            if completedVisits == 0 { return (.orthoConsultation, 21) }
            switch profile.program {
            case .braces:
                if completedVisits == 1 { return (.bracesPlacement, 42) }
                if let days = daysInTreatment, days < 600 { return (.bracesAdjustment, 42) }
                return (.retainerCheck, 180)
            case .aligners:
                if completedVisits == 1 { return (.alignerStart, 56) }
                if let days = daysInTreatment, days < 450 { return (.alignerCheck, 56) }
                return (.retainerCheck, 180)
            default:
                return completedVisits == 1 ? (.retainerFitting, 180) : (.retainerCheck, 180)
            }
        case .aesthetic:
            if completedVisits == 0 { return (.aestheticConsultation, 14) }
            switch profile.program {
            case .botox: return (.botox, 105)
            case .filler: return (.dermalFiller, 240)
            case .laser: return (.laserHairRemoval, completedVisits <= 6 ? 42 : 365)
            case .peel: return (.chemicalPeel, 42)
            default: return (.medicalFacial, 56)
            }
        case .primaryCare:
            let need: (Service, Double)
            if profile.has(.pregnancy, onDay: day) { need = (.prenatalVisit, 28) }
            else if profile.has(.diabetes, onDay: day) { need = (.diabetesFollowUp, 91) }
            else if profile.has(.hypertension, onDay: day) { need = (.bloodPressureCheck, 120) }
            else if profile.has(.asthma, onDay: day) { need = (.asthmaReview, 180) }
            else { need = (.annualPhysical, 365) }
            return completedVisits == 0 ? (.newPatientVisit, need.1) : need
        }
    }

    /// The add-on a high-spending patient sometimes takes instead of the planned visit.
    static func premium(program: CareProgram) -> Service {
        switch program.department {
        case .orthodontic: .whitening
        case .aesthetic: program == .filler ? .laserResurfacing : .dermalFiller
        case .primaryCare: .labPanel
        }
    }
}
