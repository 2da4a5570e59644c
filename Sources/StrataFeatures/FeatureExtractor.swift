import StrataData
import StrataLinearAlgebra

/// Computes raw feature values (before missing-value fill and transforms) as of a day T.
///
/// **As of T** means: an event counts when its timestamp is at or before the end of day T (UTC), i.e.
/// `timestamp < T.endTimestamp` (``Day``'s leakage rule). An appointment on day T at 23:59 counts; one at
/// 00:00 on T + 1 does not. Nothing after T influences any value, which the leakage tests pin.
///
/// Patients are processed in parallel ranges; each patient's events are reached through ``PatientGroups``.
public enum FeatureExtractor {
    /// Raw values, one row per patient (row `i` is patient index `i`), one column per definition; NaN
    /// marks a missing value.
    ///
    /// - Parameter rows: the patients to compute, in the order of the result's rows (row `k` is patient
    ///   `rows[k]`); nil: every patient. A patient's values do not depend on which others are computed.
    /// - Complexity: O(patients · definitions + events) time, plus sorting each patient's visit days.
    public static func rawValues(_ export: ClinicExport, asOf day: Day, definitions: [FeatureDefinition], rows: [Int]? = nil,
                                 workers: Int = Parallel.processorCount) -> Matrix<Double> {
        let context = ExtractionContext(export, asOf: day, definitions: definitions)
        let width = definitions.count
        let patientCount = rows?.count ?? export.patients.count
        var parts = Parallel.map(rangesOf: patientCount, workers: workers) { range in
            // The first range's array has room for the whole matrix: the others are appended to it, so only
            // they are copied (reserved but untouched capacity costs no memory).
            var values: [Double] = []
            values.reserveCapacity(range.lowerBound == 0 ? patientCount * width : range.count * width)
            values.append(contentsOf: repeatElement(0, count: range.count * width))
            var facts = PatientFacts(context: context)
            for position in range {
                let patient = rows?[position] ?? position
                facts.collect(patient: patient, export: export, context: context)
                facts.write(row: position - range.lowerBound, width: width, into: &values, context: context,
                            patient: patient, export: export)
            }
            return values
        }
        guard !parts.isEmpty else { return Matrix(rows: patientCount, columns: width, elements: []) }
        var elements = parts[0]
        parts[0] = []  // `elements` is now the only reference: appending does not copy it
        for part in parts.dropFirst() { elements.append(contentsOf: part) }
        return Matrix(rows: patientCount, columns: width, elements: elements)
    }
}

/// Everything shared by the per-patient loop: groupings, category slots, the cut-off.
struct ExtractionContext: Sendable {
    let asOf: Day
    /// `asOf.endTimestamp`, taken once: events with a timestamp below this are at or before T.
    let cutoff: Int64
    let definitions: [FeatureDefinition]
    let appointmentGroups: PatientGroups?
    let communicationGroups: PatientGroups?
    let conditionGroups: PatientGroups?
    let leadGroups: PatientGroups?
    /// Distinct frequency windows, and for each definition its window's slot.
    let windows: [Int]
    /// Service code -> slot (0..<named count; `named count` = other).
    let serviceSlot: [Int]
    let serviceSlotCount: Int
    /// Per condition definition: which condition codes it flags (indexed by code), and its flag slot.
    let conditionCodeSets: [[Bool]]
    /// Lead source / interest code -> slot (named, then other).
    let leadSourceSlot: [Int]
    let leadInterestSlot: [Int]
    let needsVisitDays: Bool
    /// Per campaign code: whether it counts as outreach (empty when no definition counts outreach).
    let outreachCampaign: [Bool]
    /// Per definition: its window slot (visits), category slot (services, leads) or flag index (conditions).
    let slotOfDefinition: [Int]
    /// Per definition: for attribute categories, the attribute's code -> 1 when it is the column's value
    /// (empty for other definitions). An attribute the export was read without is empty for every patient.
    let attributeCodeMatches: [[Bool]]
    /// Per definition, the attribute's values, one array per kind so that a row reads a number without copying
    /// an enum payload (which costs a retain and a release per patient and column): a category's codes (empty
    /// for other definitions and for an attribute the export was read without: missing for every patient), a
    /// number's values, and a flag's values as 1, 0 or -1 for missing.
    let attributeCodes: [[Int32]]
    let attributeNumbers: [[Double]]
    let attributeFlags: [[Int8]]

    init(_ export: ClinicExport, asOf day: Day, definitions: [FeatureDefinition]) {
        asOf = day
        cutoff = day.endTimestamp
        self.definitions = definitions
        let patientCount = export.patients.count
        var usesAppointments = false, usesCommunications = false, usesConditions = false, usesLeads = false
        var windows: [Int] = []
        var namedServices: [String] = [], namedSources: [String] = [], namedInterests: [String] = []
        var conditionCodeSets: [[Bool]] = []
        var needsVisitDays = false
        var outreachCampaigns: Set<String>?
        for definition in definitions {
            switch definition {
            case .visits(let window):
                usesAppointments = true
                if !windows.contains(window) { windows.append(window) }
            case .daysSinceLastVisit, .totalAmount, .meanAmount, .noShowRate, .cancellationRate, .meanBookingLeadDays,
                 .hasUpcomingAppointment, .daysUntilNextAppointment, .bookedWithin:
                usesAppointments = true
            case .outreachSinceLastVisit(let campaigns):
                usesAppointments = true
                usesCommunications = true
                outreachCampaigns = Set(campaigns)
            case .meanVisitInterval, .visitIntervalSpread, .overdueRatio, .dueWithin:
                usesAppointments = true
                needsVisitDays = true
            case .serviceCount(_, let named):
                usesAppointments = true
                namedServices = named
            case .openRate, .clickRate, .responseRate, .daysSinceLastContact:
                usesCommunications = true
            case .condition(let codes):
                usesConditions = true
                let wanted = Set(codes)
                conditionCodeSets.append(export.conditions.code.levels.map { wanted.contains($0) })
            case .leadSource(_, let named):
                usesLeads = true
                namedSources = named
            case .leadInterest(_, let named):
                usesLeads = true
                namedInterests = named
            case .tenureDays, .ageYears, .sex, .missingIndicator, .attributeCategory, .attributeNumber, .attributeFlag: break
            }
        }
        func slots(_ levels: [String], named: [String]) -> [Int] {
            levels.map { named.firstIndex(of: $0) ?? named.count }
        }
        // The tables are grouped concurrently (each grouping is one sequential counting sort).
        let patientColumns = [usesAppointments ? export.appointments.patient : nil,
                              usesCommunications ? export.communications.patient : nil,
                              usesConditions ? export.conditions.patient : nil, usesLeads ? export.leads.patient : nil]
        let groups = Parallel.map(rangesOf: patientColumns.count, workers: patientColumns.count) { tables in
            tables.map { patientColumns[$0].map { PatientGroups($0, patientCount: patientCount) } }
        }.flatMap { $0 }
        appointmentGroups = groups[0]
        communicationGroups = groups[1]
        conditionGroups = groups[2]
        leadGroups = groups[3]
        self.windows = windows
        serviceSlot = slots(export.appointments.service.levels, named: namedServices)
        serviceSlotCount = namedServices.count + 1
        self.conditionCodeSets = conditionCodeSets
        leadSourceSlot = slots(export.leads.source.levels, named: namedSources)
        leadInterestSlot = slots(export.leads.interest.levels, named: namedInterests)
        self.needsVisitDays = needsVisitDays
        outreachCampaign = outreachCampaigns.map { wanted in export.communications.campaign.levels.map { wanted.contains($0) } } ?? []
        attributeCodes = definitions.map { definition in
            guard case let .attributeCategory(name, _, _) = definition, case let .text(column)? = export.patients.extra[name] else { return [] }
            return column.codes
        }
        attributeNumbers = definitions.map { definition in
            guard case let .attributeNumber(name) = definition, case let .number(values)? = export.patients.extra[name] else { return [] }
            return values
        }
        attributeFlags = definitions.map { definition in
            guard case let .attributeFlag(name) = definition, case let .flag(values)? = export.patients.extra[name] else { return [] }
            return values.map { $0.map { $0 ? 1 : 0 } ?? -1 }
        }
        attributeCodeMatches = definitions.map { definition in
            guard case let .attributeCategory(name, level, named) = definition,
                  case let .text(column)? = export.patients.extra[name] else { return [] }
            return column.levels.map { value in level.map { value == $0 } ?? !named.contains(value) }
        }
        var conditionIndex = 0
        slotOfDefinition = definitions.map { definition in
            switch definition {
            case .visits(let window): return windows.firstIndex(of: window)!
            case .serviceCount(let level, let named), .leadSource(let level, let named), .leadInterest(let level, let named):
                return level.flatMap { named.firstIndex(of: $0) } ?? named.count
            case .condition:
                conditionIndex += 1
                return conditionIndex - 1
            default: return 0
            }
        }
    }
}

/// One patient's aggregates as of T; buffers are reused from patient to patient.
struct PatientFacts {
    var visitCount = 0
    var lastVisitDay = Int32.min
    var lastVisitAt = Int64.min
    var outreachCount = 0
    var amountSum = 0.0
    var amountCount = 0
    var windowCounts: [Int]
    var visitDays: [Int32] = []
    var outcomes = 0, noShows = 0, cancellations = 0
    var leadTimeSum = 0.0
    var leadTimeCount = 0
    var serviceCounts: [Int]
    /// Per channel: sent, opened, clicked, responded.
    var channelCounts: [Int]
    var lastContact = Int64.min
    var hasUpcoming = false
    var nextScheduled = Int64.max
    var conditionFlags: [Bool]
    var latestLeadRow = -1

    init(context: ExtractionContext) {
        windowCounts = Array(repeating: 0, count: context.windows.count)
        serviceCounts = Array(repeating: 0, count: context.serviceSlotCount)
        channelCounts = Array(repeating: 0, count: Channel.allCases.count * 4)
        conditionFlags = Array(repeating: false, count: context.conditionCodeSets.count)
    }

    mutating func collect(patient: Int, export: ClinicExport, context: ExtractionContext) {
        let cutoff = context.cutoff, asOf = context.asOf.daysSince1970
        visitCount = 0; lastVisitDay = .min; lastVisitAt = .min; amountSum = 0; amountCount = 0
        for index in windowCounts.indices { windowCounts[index] = 0 }
        visitDays.removeAll(keepingCapacity: true)
        outcomes = 0; noShows = 0; cancellations = 0; leadTimeSum = 0; leadTimeCount = 0
        for index in serviceCounts.indices { serviceCounts[index] = 0 }
        hasUpcoming = false; nextScheduled = .max

        if let groups = context.appointmentGroups {
            let appointments = export.appointments
            for position in groups.range(of: patient) {
                let row = Int(groups.rows[position])
                let scheduled = appointments.scheduledAt[row]
                let booked = appointments.bookedAt[row]
                if scheduled >= cutoff {
                    if booked != ClinicExport.missingTimestamp && booked < cutoff {
                        hasUpcoming = true
                        nextScheduled = min(nextScheduled, scheduled)
                    }
                    continue
                }
                let status = appointments.status[row]
                if booked != ClinicExport.missingTimestamp {
                    leadTimeSum += Double(scheduled - booked) / Double(CivilDate.secondsPerDay)
                    leadTimeCount += 1
                }
                switch status {
                case .completed:
                    outcomes += 1
                    visitCount += 1
                    let day = CivilDate.day(ofTimestamp: scheduled)
                    lastVisitDay = max(lastVisitDay, day)
                    lastVisitAt = max(lastVisitAt, scheduled)
                    let amount = appointments.amount[row]
                    if !amount.isNaN {
                        amountSum += amount
                        amountCount += 1
                    }
                    for (slot, window) in context.windows.enumerated() where Int(asOf - day) < window {
                        windowCounts[slot] += 1
                    }
                    let service = appointments.service.codes[row]
                    if service >= 0 { serviceCounts[context.serviceSlot[Int(service)]] += 1 }
                    if context.needsVisitDays { visitDays.append(day) }
                case .noShow:
                    outcomes += 1
                    noShows += 1
                case .cancelled:
                    outcomes += 1
                    cancellations += 1
                case .booked:
                    break
                }
            }
        }

        if let groups = context.communicationGroups {
            for index in channelCounts.indices { channelCounts[index] = 0 }
            lastContact = .min
            outreachCount = 0
            let communications = export.communications
            let outreachCampaign = context.outreachCampaign
            for position in groups.range(of: patient) {
                let row = Int(groups.rows[position])
                let sent = communications.sentAt[row]
                guard sent < cutoff else { continue }
                lastContact = max(lastContact, sent)
                if !outreachCampaign.isEmpty && sent > lastVisitAt {
                    let campaign = communications.campaign.codes[row]
                    if campaign >= 0 && outreachCampaign[Int(campaign)] { outreachCount += 1 }
                }
                let base = Int(communications.channel[row].rawValue) * 4
                channelCounts[base] += 1
                let opened = communications.openedAt[row], clicked = communications.clickedAt[row]
                let responded = communications.respondedAt[row]
                if opened != ClinicExport.missingTimestamp && opened < cutoff { channelCounts[base + 1] += 1 }
                if clicked != ClinicExport.missingTimestamp && clicked < cutoff { channelCounts[base + 2] += 1 }
                if responded != ClinicExport.missingTimestamp && responded < cutoff { channelCounts[base + 3] += 1 }
            }
        }

        if let groups = context.conditionGroups {
            for index in conditionFlags.indices { conditionFlags[index] = false }
            let conditions = export.conditions
            for position in groups.range(of: patient) {
                let row = Int(groups.rows[position])
                let onset = conditions.onsetDate[row]
                guard onset == ClinicExport.missingDate || onset <= asOf else { continue }
                let code = Int(conditions.code.codes[row])
                guard code >= 0 else { continue }
                for (flag, codeSet) in context.conditionCodeSets.enumerated() where codeSet[code] { conditionFlags[flag] = true }
            }
        }

        if let groups = context.leadGroups {
            latestLeadRow = -1
            var latest = Int64.min
            for position in groups.range(of: patient) {
                let row = Int(groups.rows[position])
                let created = export.leads.createdAt[row]
                if created < cutoff && created >= latest {
                    latest = created
                    latestLeadRow = row
                }
            }
        }
    }

    /// Writes the patient's row of raw values.
    func write(row: Int, width: Int, into values: inout [Double], context: ExtractionContext, patient: Int,
               export: ClinicExport) {
        let asOf = context.asOf.daysSince1970
        let base = row * width
        var intervalMean = Double.nan, intervalSpread = Double.nan
        if context.needsVisitDays && visitDays.count >= 2 {
            let days = visitDays.sorted()
            var sum = 0.0
            for k in 1..<days.count { sum += Double(days[k] - days[k - 1]) }
            let gaps = Double(days.count - 1)
            intervalMean = sum / gaps
            var squares = 0.0
            for k in 1..<days.count {
                let deviation = Double(days[k] - days[k - 1]) - intervalMean
                squares += deviation * deviation
            }
            intervalSpread = (squares / gaps).squareRoot()
        }
        let daysSinceLastVisit = visitCount > 0 ? Double(asOf - lastVisitDay) : .nan
        for (column, definition) in context.definitions.enumerated() {
            let value: Double
            switch definition {
            case .daysSinceLastVisit: value = daysSinceLastVisit
            case .visits: value = Double(windowCounts[context.slotOfDefinition[column]])
            case .totalAmount: value = amountSum
            case .meanAmount: value = amountCount > 0 ? amountSum / Double(amountCount) : .nan
            case .tenureDays:
                let created = export.patients.createdAt[patient]
                let createdDay = created == ClinicExport.missingTimestamp ? Int32.max : CivilDate.day(ofTimestamp: created)
                value = createdDay <= asOf ? Double(asOf - createdDay) : .nan
            case .ageYears:
                let birth = export.patients.birthDate[patient]
                value = birth != ClinicExport.missingDate && birth <= asOf ? Double(CivilDate.wholeYears(from: birth, to: asOf)) : .nan
            case .sex(let sex): value = export.patients.sex[patient] == sex ? 1 : 0
            case .meanVisitInterval: value = intervalMean
            case .visitIntervalSpread: value = intervalSpread
            case .overdueRatio: value = intervalMean > 0 ? daysSinceLastVisit / intervalMean : .nan
            case .noShowRate(let weight, let prior):
                value = (Double(noShows) + weight * prior) / (Double(outcomes) + weight)
            case .cancellationRate(let weight, let prior):
                value = (Double(cancellations) + weight * prior) / (Double(outcomes) + weight)
            case .meanBookingLeadDays: value = leadTimeCount > 0 ? leadTimeSum / Double(leadTimeCount) : .nan
            case .serviceCount: value = Double(serviceCounts[context.slotOfDefinition[column]])
            case .openRate(let channel, let weight, let prior): value = rate(channel, 1, weight, prior)
            case .clickRate(let channel, let weight, let prior): value = rate(channel, 2, weight, prior)
            case .responseRate(let channel, let weight, let prior): value = rate(channel, 3, weight, prior)
            case .daysSinceLastContact:
                value = lastContact == .min ? .nan : Double(asOf - CivilDate.day(ofTimestamp: lastContact))
            case .hasUpcomingAppointment: value = hasUpcoming ? 1 : 0
            case .daysUntilNextAppointment:
                value = hasUpcoming ? Double(CivilDate.day(ofTimestamp: nextScheduled) - asOf) : .nan
            case .bookedWithin(let days):
                value = hasUpcoming && Int(CivilDate.day(ofTimestamp: nextScheduled) - asOf) <= days ? 1 : 0
            case .dueWithin(let days):
                let due = intervalMean - daysSinceLastVisit  // NaN (→ 0) without a usual interval
                value = due > 0 && due <= Double(days) ? 1 : 0
            case .outreachSinceLastVisit: value = Double(outreachCount)
            case .condition: value = conditionFlags[context.slotOfDefinition[column]] ? 1 : 0
            case .leadSource:
                value = leadIndicator(export.leads.source.codes, slots: context.leadSourceSlot, slot: context.slotOfDefinition[column])
            case .leadInterest:
                value = leadIndicator(export.leads.interest.codes, slots: context.leadInterestSlot, slot: context.slotOfDefinition[column])
            case .missingIndicator: value = 0  // filled below, once the indicated column is known
            case .attributeCategory:
                let code = context.attributeCodes[column].isEmpty ? -1 : context.attributeCodes[column][patient]
                value = code >= 0 && !context.attributeCodeMatches[column].isEmpty && context.attributeCodeMatches[column][Int(code)] ? 1 : 0
            case .attributeNumber:
                value = context.attributeNumbers[column].isEmpty ? .nan : context.attributeNumbers[column][patient]
            case .attributeFlag:
                let flag = context.attributeFlags[column].isEmpty ? -1 : context.attributeFlags[column][patient]
                value = flag < 0 ? .nan : Double(flag)
            }
            values[base + column] = value
        }
        for (column, definition) in context.definitions.enumerated() {
            if case .missingIndicator(let of) = definition { values[base + column] = values[base + of].isNaN ? 1 : 0 }
        }
    }

    private func rate(_ channel: Channel, _ event: Int, _ weight: Double, _ prior: Double) -> Double {
        let base = Int(channel.rawValue) * 4
        return (Double(channelCounts[base + event]) + weight * prior) / (Double(channelCounts[base]) + weight)
    }

    private func leadIndicator(_ codes: [Int32], slots: [Int], slot: Int) -> Double {
        guard latestLeadRow >= 0 else { return 0 }
        let code = codes[latestLeadRow]
        guard code >= 0 else { return 0 }
        return slots[Int(code)] == slot ? 1 : 0
    }
}
