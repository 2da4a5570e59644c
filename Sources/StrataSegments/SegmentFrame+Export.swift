import StrataData
import StrataFeatures
import StrataLinearAlgebra

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
    ///
    /// With a `selection` (the rules' ``SegmentCatalog/frameSelection``), only the fields it names are built,
    /// and the visit history and condition onsets only when the rules call their functions: the rest is named in
    /// ``unbuiltFields``. Scores are always in (they are kept without a copy).
    public static func build(export: ClinicExport, asOf: Day, schema: FeatureSchema?, scores: [String: [Double]] = [:],
                             clusters: [String]? = nil, selection: Selection = .everything) throws -> SegmentFrame {
        let patients = export.patients
        let count = patients.count
        var frame = SegmentFrame(patientCount: count, asOf: asOf)
        let cutoff = asOf.endTimestamp
        /// Sets field `name` to `column()` when the selection has it; otherwise records it as unbuilt.
        func add(_ name: String, _ column: () -> Column) {
            if selection.includes(name) { frame.set(name, column()) } else { frame.skip(name) }
        }

        add("age") {
            .number(Numbers(missingAsNaN: patients.birthDate.map { birth in
                birth == ClinicExport.missingDate ? .nan : Double(CivilDate.wholeYears(from: birth, to: asOf.daysSince1970))
            }))
        }
        add("birth_date") { .date(patients.birthDate.map { $0 == ClinicExport.missingDate ? nil : Int($0) }) }
        add("sex") { .text(patients.sex.map(\.name)) }
        add("postal_code") { .text((0..<count).map { patients.postalCode[$0] }) }
        add("preferred_channel") { .text(patients.preferredChannel.map { $0?.name }) }
        add("lead_source") { .text((0..<count).map { patients.source[$0] }) }

        // Visits and the next booked appointment, in one pass on a thread of its own while the conditions, leads
        // and features are computed (0.7 s of a million-patient refresh). Its fields exist from here on (later
        // fields of the same name give way to them); they are built, where selected, once the pass is done.
        let visitFields = ["completed_visits", "first_visit", "last_visit", "next_appointment", "services"]
        let visiting: Started<VisitColumns>?
        if selection.visitHistory || visitFields.contains(where: selection.includes) {
            let wantsServices = selection.includes("services"), wantsHistory = selection.visitHistory
            visiting = Started { [appointments = export.appointments] in
                visitColumns(appointments, cutoff: cutoff, patientCount: count, services: wantsServices, history: wantsHistory)
            }
        } else {
            visiting = nil
        }
        visitFields.forEach { frame.skip($0) }

        // Conditions known by then (no onset date counts as known).
        let wantsConditions = selection.includes("conditions")
        var conditions = [Set<String>](repeating: [], count: wantsConditions ? count : 0)
        if wantsConditions || selection.conditionOnsets {
            let table = export.conditions
            var onsets = ConditionOnsets()
            var groupsOfCode: [String: [String]] = [:]
            if selection.conditionOnsets {  // 4 bytes a patient for each name
                for definition in schema?.columns ?? [] where definition.family == "conditions" && definition.name.hasPrefix("condition.") {
                    let group = String(definition.name.dropFirst("condition.".count))
                    onsets.declare(group, patientCount: count)
                    for code in definition.levels ?? [] { groupsOfCode[code, default: []].append(group) }
                }
                for name in table.code.levels + table.description.levels.map({ $0.lowercased() }) { onsets.declare(name, patientCount: count) }
            }
            for row in 0..<table.count where table.onsetDate[row] == ClinicExport.missingDate || table.onsetDate[row] <= asOf.daysSince1970 {
                let patient = Int(table.patient[row])
                let onset = table.onsetDate[row] == ClinicExport.missingDate ? nil : Int(table.onsetDate[row])
                var names: [String] = []
                if let code = table.code[row] {
                    if wantsConditions { conditions[patient].insert(code) }
                    names.append(code)
                    names += groupsOfCode[code] ?? []
                }
                if let description = table.description[row] {
                    if wantsConditions { conditions[patient].insert(description.lowercased()) }
                    names.append(description.lowercased())
                }
                if selection.conditionOnsets {
                    for name in names { onsets.record(name, patient: patient, day: onset, patientCount: count) }
                }
            }
            if selection.conditionOnsets { frame.onsets = onsets }
        }

        // The newest lead created by then.
        if selection.includes("lead_interest") || selection.includes("lead_channel") {
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
            add("lead_interest") { .text(leadInterest) }
            add("lead_channel") { .text(leadChannel) }
        } else {
            ["lead_interest", "lead_channel"].forEach { frame.skip($0) }
        }

        // Declared attributes (`attributes` in strata.yml), typed as declared: `insurance = 'medicaid'`,
        // `household_size >= 4`, `chronic_condition`. The fields above keep their names.
        for (name, values) in patients.extra.sorted(by: { $0.key < $1.key }) where !frame.hasField(name) {
            switch values {
            case .text(let column): add(name) { .text((0..<count).map { column[$0] }) }
            case .number(let numbers): add(name) { .number(Numbers(missingAsNaN: numbers)) }  // NaN: empty
            case .flag(let flags): add(name) { .flag(flags) }
            }
        }

        // Feature columns, raw: those selected, and the condition groups when `conditions` is.
        if let schema {
            try addFeatures(schema, export: export, asOf: asOf, selection: selection, to: &frame, conditions: &conditions)
        }
        if let visits = try visiting?.value() {
            add("completed_visits") { .number(Numbers(missingAsNaN: visits.completed.map(Double.init))) }
            add("first_visit") { .date(visits.firstVisit) }
            add("last_visit") { .date(visits.lastVisit) }
            add("next_appointment") { .date(visits.nextAppointment) }
            add("services") { .list(visits.services) }
            if let history = visits.history { frame.setVisits(history) }
        }
        add("conditions") { .list(conditions.map { $0.sorted() }) }
        frame.attach(scores: scores, clusters: clusters, selection: selection)
        return frame
    }

    /// The visit fields of every patient, from one pass over the appointments.
    private struct VisitColumns: Sendable {
        var completed: [Int]
        var firstVisit: [Int?]
        var lastVisit: [Int?]
        var nextAppointment: [Int?]
        /// Each patient's completed services by name, sorted; empty unless asked for.
        var services: [[String]]
        var history: VisitHistory?
    }

    /// Completed visits at or before `cutoff` (count, first and last day, services) and the earliest appointment
    /// booked by then and scheduled after it, for each of `patientCount` patients; with `history`, the visits
    /// by service (``VisitHistory``).
    private static func visitColumns(_ appointments: Appointments, cutoff: Int64, patientCount count: Int, services wantsServices: Bool,
                                     history wantsHistory: Bool) -> VisitColumns {
        var completed = [Int](repeating: 0, count: count)
        var firstVisit = [Int?](repeating: nil, count: count), lastVisit = [Int?](repeating: nil, count: count)
        var nextAppointment = [Int?](repeating: nil, count: count)
        // Services as one bit each where there are at most 64 (a set per patient otherwise): a million hashed
        // sets were most of this pass.
        let serviceNames = appointments.service.levels
        let serviceBits = wantsServices && serviceNames.count <= 64
        var serviceMasks = [UInt64](repeating: 0, count: serviceBits ? count : 0)
        var serviceSets = [Set<Int32>](repeating: [], count: wantsServices && !serviceBits ? count : 0)
        var visitCounts = [Int](repeating: 0, count: count + 1)
        for row in 0..<appointments.count {
            let patient = Int(appointments.patient[row])
            let scheduled = appointments.scheduledAt[row]
            if scheduled < cutoff, appointments.status[row] == .completed {
                let day = Int(CivilDate.day(ofTimestamp: scheduled))
                let service = appointments.service.codes[row]
                completed[patient] += 1
                firstVisit[patient] = min(firstVisit[patient] ?? day, day)
                lastVisit[patient] = max(lastVisit[patient] ?? day, day)
                if serviceBits {
                    if service >= 0 { serviceMasks[patient] |= 1 << UInt64(service) }
                } else if wantsServices {
                    serviceSets[patient].insert(service)
                }
                if service >= 0 { visitCounts[patient + 1] += 1 }
            } else if scheduled >= cutoff, appointments.bookedAt[row] < cutoff, appointments.status[row] != .cancelled {
                let day = Int(CivilDate.day(ofTimestamp: scheduled))
                nextAppointment[patient] = min(nextAppointment[patient] ?? day, day)
            }
        }
        var services: [[String]] = []
        if serviceBits {
            let byName = serviceNames.indices.sorted { serviceNames[$0] < serviceNames[$1] }
            services = serviceMasks.map { mask in
                mask == 0 ? [] : byName.compactMap { mask & (1 << UInt64($0)) != 0 ? serviceNames[$0] : nil }
            }
        } else if wantsServices {
            services = serviceSets.map { $0.filter { $0 >= 0 }.map { serviceNames[Int($0)] }.sorted() }
        }
        return VisitColumns(completed: completed, firstVisit: firstVisit, lastVisit: lastVisit, nextAppointment: nextAppointment,
                            services: services,
                            history: wantsHistory ? visitHistory(appointments, cutoff: cutoff, offsetsFromCounts: visitCounts) : nil)
    }

    /// Sets each of `scores` (NaN: no score) and, when given and `selection` includes it, `cluster`: the last
    /// fields ``build(export:asOf:schema:scores:clusters:selection:)`` sets, for a frame built without them while
    /// the models scored (a refresh builds both side by side).
    public mutating func attach(scores: [String: [Double]], clusters: [String]?, selection: Selection = .everything) {
        for (name, values) in scores {
            precondition(values.count == patientCount, "score \(name) has \(values.count) values for \(patientCount) patients")
            set(name, .number(Numbers(missingAsNaN: values)))
        }
        if let clusters {
            precondition(clusters.count == patientCount, "\(clusters.count) cluster names for \(patientCount) patients")
            if selection.includes("cluster") { set("cluster", .text(clusters)) } else { skip("cluster") }
        }
    }

    /// The columns of `schema` that `frame` has no field of yet, by name, with their raw values (NaN is
    /// missing): those `selection` includes are set, the others recorded as unbuilt; only the selected ones, the
    /// columns their missing indicators read and, when `conditions` is selected, the condition groups (whose
    /// names it lists for every patient with the group) are computed.
    private static func addFeatures(_ schema: FeatureSchema, export: ClinicExport, asOf: Day, selection: Selection,
                                    to frame: inout SegmentFrame, conditions: inout [Set<String>]) throws {
        let definitions = try FeatureDefinition.definitions(of: schema)
        let wantsConditions = selection.includes("conditions")
        var fields: [Int] = [], groups: [(column: Int, group: String)] = []
        for (column, definition) in schema.columns.enumerated() where !frame.hasField(definition.name) {
            if selection.includes(definition.name) { fields.append(column) } else { frame.skip(definition.name) }
            if wantsConditions, definition.family == "conditions", definition.name.hasPrefix("condition.") {
                groups.append((column, String(definition.name.dropFirst("condition.".count))))
            }
        }
        var computed = Set(fields + groups.map(\.column))
        for column in computed { if case let .missingIndicator(of: base) = definitions[column] { computed.insert(base) } }
        guard !computed.isEmpty else { return }
        // The computed columns in schema order, an indicator pointing at its column's new place.
        let columns = computed.sorted()
        let place = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
        let subset = columns.map { column -> FeatureDefinition in
            if case let .missingIndicator(of: base) = definitions[column] { return .missingIndicator(of: place[base]!) }
            return definitions[column]
        }
        let raw = FeatureExtractor.rawValues(export, asOf: asOf, definitions: subset)
        let count = frame.patientCount
        func values(_ column: Int) -> [Double] { (0..<count).map { row in raw[row, place[column]!] } }
        for column in fields { frame.set(schema.columns[column].name, .number(Numbers(missingAsNaN: values(column)))) }
        for (column, group) in groups {
            let flags = values(column)
            for row in 0..<count where flags[row] >= 1 { conditions[row].insert(group) }  // false for NaN
        }
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
