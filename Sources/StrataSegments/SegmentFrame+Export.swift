import StrataData
import StrataFeatures

extension SegmentFrame {
    /// The fields rules read, for every patient of `export`, as of day `asOf`:
    ///
    /// - attributes: `age`, `birth_date`, `sex`, `postal_code`, `preferred_channel`, `lead_source` (the patient's source),
    ///   `completed_visits`, `first_visit`, `last_visit`, `next_appointment` (dates), `services` (completed
    ///   services), `conditions` (codes, lower-case descriptions and the names of condition groups the
    ///   feature spec defines), `lead_interest` and `lead_channel` (the newest lead's interest and source), and
    ///   each declared attribute of the export (``Patients/extra``) as text, number or yes/no;
    /// - every column of `schema` by name, with its raw value (before transforms and scaling; NaN is missing);
    /// - each of `scores` (e.g. `churn_score`), and `cluster` (the cluster's name) when given.
    ///
    /// It also keeps what the rule functions read: every patient's completed visits by service
    /// (``VisitHistory``) and the onset of each condition code, description and condition group
    /// (``ConditionOnsets``).
    ///
    /// Only events at or before the end of day `asOf` count (``Day/endTimestamp``), except
    /// `next_appointment`, which is the earliest appointment booked by then and scheduled after it.
    public static func build(export: ClinicExport, asOf: Day, schema: FeatureSchema?, scores: [String: [Double]] = [:],
                             clusters: [String]? = nil) throws -> SegmentFrame {
        let patients = export.patients
        let count = patients.count
        var frame = SegmentFrame(patientCount: count, asOf: asOf)
        let cutoff = asOf.endTimestamp

        frame.set("age", .number(Numbers(missingAsNaN: patients.birthDate.map { birth in
            birth == ClinicExport.missingDate ? .nan : Double(CivilDate.wholeYears(from: birth, to: asOf.daysSince1970))
        })))
        frame.set("birth_date", .date(patients.birthDate.map { $0 == ClinicExport.missingDate ? nil : Int($0) }))
        frame.set("sex", .text(patients.sex.map(\.name)))
        frame.set("postal_code", .text((0..<count).map { patients.postalCode[$0] }))
        frame.set("preferred_channel", .text(patients.preferredChannel.map { $0?.name }))
        frame.set("lead_source", .text((0..<count).map { patients.source[$0] }))

        // Visits and the next booked appointment, in one pass.
        var completed = [Int](repeating: 0, count: count)
        var firstVisit = [Int?](repeating: nil, count: count), lastVisit = [Int?](repeating: nil, count: count)
        var nextAppointment = [Int?](repeating: nil, count: count)
        var services = [Set<Int32>](repeating: [], count: count)
        var visitCounts = [Int](repeating: 0, count: count + 1)
        let appointments = export.appointments
        for row in 0..<appointments.count {
            let patient = Int(appointments.patient[row])
            let scheduled = appointments.scheduledAt[row]
            let day = Int(CivilDate.day(ofTimestamp: scheduled))
            if scheduled < cutoff, appointments.status[row] == .completed {
                completed[patient] += 1
                firstVisit[patient] = min(firstVisit[patient] ?? day, day)
                lastVisit[patient] = max(lastVisit[patient] ?? day, day)
                services[patient].insert(appointments.service.codes[row])
                if appointments.service.codes[row] >= 0 { visitCounts[patient + 1] += 1 }
            } else if scheduled >= cutoff, appointments.bookedAt[row] < cutoff,
                      appointments.status[row] != .cancelled {
                nextAppointment[patient] = min(nextAppointment[patient] ?? day, day)
            }
        }
        frame.set("completed_visits", .number(Numbers(missingAsNaN: completed.map(Double.init))))
        frame.set("first_visit", .date(firstVisit))
        frame.set("last_visit", .date(lastVisit))
        frame.set("next_appointment", .date(nextAppointment))
        let serviceNames = appointments.service.levels
        frame.set("services", .list(services.map { $0.filter { $0 >= 0 }.map { serviceNames[Int($0)] }.sorted() }))
        frame.setVisits(visitHistory(appointments, cutoff: cutoff, offsetsFromCounts: visitCounts))

        // Conditions known by then (no onset date counts as known).
        var conditions = [Set<String>](repeating: [], count: count)
        let table = export.conditions
        var onsets = ConditionOnsets()
        var groupsOfCode: [String: [String]] = [:]
        for definition in schema?.columns ?? [] where definition.family == "conditions" && definition.name.hasPrefix("condition.") {
            let group = String(definition.name.dropFirst("condition.".count))
            onsets.declare(group, patientCount: count)
            for code in definition.levels ?? [] { groupsOfCode[code, default: []].append(group) }
        }
        for name in table.code.levels + table.description.levels.map({ $0.lowercased() }) { onsets.declare(name, patientCount: count) }
        for row in 0..<table.count where table.onsetDate[row] == ClinicExport.missingDate || table.onsetDate[row] <= asOf.daysSince1970 {
            let patient = Int(table.patient[row])
            let onset = table.onsetDate[row] == ClinicExport.missingDate ? nil : Int(table.onsetDate[row])
            var names: [String] = []
            if let code = table.code[row] {
                conditions[patient].insert(code)
                names.append(code)
                names += groupsOfCode[code] ?? []
            }
            if let description = table.description[row] {
                conditions[patient].insert(description.lowercased())
                names.append(description.lowercased())
            }
            for name in names { onsets.record(name, patient: patient, day: onset, patientCount: count) }
        }
        frame.onsets = onsets

        // The newest lead created by then.
        var leadInterest = [String?](repeating: nil, count: count), leadChannel = [String?](repeating: nil, count: count)
        var leadTime = [Int64](repeating: .min, count: count)
        let leads = export.leads
        for row in 0..<leads.count where leads.patient[row] >= 0 && leads.createdAt[row] < cutoff {
            let patient = Int(leads.patient[row])
            guard leads.createdAt[row] >= leadTime[patient] else { continue }
            leadTime[patient] = leads.createdAt[row]
            leadInterest[patient] = leads.interest[row]
            leadChannel[patient] = leads.source[row]
        }
        frame.set("lead_interest", .text(leadInterest))
        frame.set("lead_channel", .text(leadChannel))

        // Declared attributes (`attributes` in strata.yml), typed as declared: `insurance = 'medicaid'`,
        // `household_size >= 4`, `chronic_condition`. The fields above keep their names.
        for (name, values) in patients.extra.sorted(by: { $0.key < $1.key }) where frame.columns[name] == nil {
            switch values {
            case .text(let column): frame.set(name, .text((0..<count).map { column[$0] }))
            case .number(let numbers): frame.set(name, .number(Numbers(missingAsNaN: numbers)))  // NaN: empty
            case .flag(let flags): frame.set(name, .flag(flags))
            }
        }

        // Feature columns, raw.
        if let schema {
            let definitions = try FeatureDefinition.definitions(of: schema)
            let raw = FeatureExtractor.rawValues(export, asOf: asOf, definitions: definitions)
            for (column, definition) in schema.columns.enumerated() where frame.columns[definition.name] == nil {
                let values = (0..<count).map { row in raw[row, column] }  // NaN: missing
                frame.set(definition.name, .number(Numbers(missingAsNaN: values)))
                if definition.family == "conditions", definition.name.hasPrefix("condition.") {
                    let group = String(definition.name.dropFirst("condition.".count))
                    for row in 0..<count where values[row] >= 1 { conditions[row].insert(group) }  // false for NaN
                }
            }
        }
        frame.set("conditions", .list(conditions.map { $0.sorted() }))

        for (name, values) in scores {
            precondition(values.count == count, "score \(name) has \(values.count) values for \(count) patients")
            frame.set(name, .number(Numbers(missingAsNaN: values)))  // NaN: no score
        }
        if let clusters {
            precondition(clusters.count == count, "\(clusters.count) cluster names for \(count) patients")
            frame.set("cluster", .text(clusters))
        }
        return frame
    }

    /// The completed visits (at or before `cutoff`) with a service, grouped by patient in day order;
    /// `counts[p + 1]` is patient `p`'s number of them.
    private static func visitHistory(_ appointments: Appointments, cutoff: Int64, offsetsFromCounts counts: [Int]) -> VisitHistory {
        var offsets = counts
        for patient in 1..<offsets.count { offsets[patient] += offsets[patient - 1] }
        var next = offsets
        var serviceIndex = [Int32](repeating: 0, count: offsets[offsets.count - 1])
        var days = [Int32](repeating: 0, count: serviceIndex.count)
        for row in 0..<appointments.count where appointments.scheduledAt[row] < cutoff && appointments.status[row] == .completed
            && appointments.service.codes[row] >= 0 {
            let patient = Int(appointments.patient[row])
            serviceIndex[next[patient]] = appointments.service.codes[row]
            days[next[patient]] = CivilDate.day(ofTimestamp: appointments.scheduledAt[row])
            next[patient] += 1
        }
        // Exports list a patient's appointments in any order; each patient's few visits are sorted by day.
        for patient in 0..<(offsets.count - 1) where offsets[patient + 1] - offsets[patient] > 1 {
            let range = offsets[patient]..<offsets[patient + 1]
            if range.dropFirst().allSatisfy({ days[$0 - 1] <= days[$0] }) { continue }
            let sorted = range.sorted { (days[$0], serviceIndex[$0]) < (days[$1], serviceIndex[$1]) }
            let (sortedDays, sortedServices) = (sorted.map { days[$0] }, sorted.map { serviceIndex[$0] })
            days.replaceSubrange(range, with: sortedDays)
            serviceIndex.replaceSubrange(range, with: sortedServices)
        }
        return VisitHistory(services: appointments.service.levels, offsets: offsets, serviceIndex: serviceIndex, day: days)
    }
}
