import StrataData

/// Formats one chunk of persons into the rows of every table, applying the cut: only what was known by
/// the end of `--to` is written. An appointment booked by then but scheduled later is written as `booked`
/// without an amount; an open, click or response after the cut is left empty.
struct ExportRows: HistorySink {
    let cut: Int64
    let providers: [[UInt8]]
    /// Whether patient rows end with the attribute columns (``GeneratorConfiguration/writesAttributes``).
    let writesAttributes: Bool
    // One buffer per file, as separate properties so every append mutates in place.
    private var patients, appointments, communications, consents, conditions, leads, truth: RowBuffer
    /// Rows per file, in the order of ``files``.
    private(set) var rowCounts: [Int]
    private var patientID: [UInt8] = []

    init(cut: Int64, providers: [[UInt8]], expectedPersons: Int, writesAttributes: Bool = false) {
        self.cut = cut
        self.providers = providers
        self.writesAttributes = writesAttributes
        patients = RowBuffer(capacity: 120 * expectedPersons)
        appointments = RowBuffer(capacity: 900 * expectedPersons)
        communications = RowBuffer(capacity: 1_500 * expectedPersons)
        consents = RowBuffer(capacity: 350 * expectedPersons)
        conditions = RowBuffer(capacity: 60 * expectedPersons)
        leads = RowBuffer(capacity: 60 * expectedPersons)
        truth = RowBuffer(capacity: 60 * expectedPersons)
        rowCounts = Array(repeating: 0, count: CanonicalTable.allCases.count + 1)
    }

    /// Empties every buffer, keeping its memory for the next chunk (fresh pages cost page faults).
    mutating func reset() {
        for index in rowCounts.indices { rowCounts[index] = 0 }
        patients.removeAll(); appointments.removeAll(); communications.removeAll(); consents.removeAll()
        conditions.removeAll(); leads.removeAll(); truth.removeAll()
    }

    /// The bytes of every file: the canonical tables in `CanonicalTable.allCases` order, then the ground truth.
    var files: [[UInt8]] {
        CanonicalTable.allCases.map { table -> [UInt8] in
            switch table {
            case .patients: patients.bytes
            case .appointments: appointments.bytes
            case .communications: communications.bytes
            case .consents: consents.bytes
            case .conditions: conditions.bytes
            case .leads: leads.bytes
            }
        } + [truth.bytes]
    }

    /// Index of the ground-truth file after the canonical tables.
    static let truthFile = CanonicalTable.allCases.count

    private static let patientsFile = CanonicalTable.patients.index, appointmentsFile = CanonicalTable.appointments.index,
        communicationsFile = CanonicalTable.communications.index, consentsFile = CanonicalTable.consents.index,
        conditionsFile = CanonicalTable.conditions.index, leadsFile = CanonicalTable.leads.index

    private static let emailDomain = Array("@example.com".utf8)
    private static let phonePrefix = Array("+1555".utf8)
    private static let sexNames = CanonicalValues.sex.map { Array($0.utf8) }
    private static let optIn = Array("opt_in".utf8), optOut = Array("opt_out".utf8)

    /// `P0000042` for person 41: one letter and the 1-based index, at least seven digits.
    static func identifier(_ letter: UInt8, _ index: Int, into buffer: inout RowBuffer) {
        buffer.append([letter])
        buffer.appendZeroPadded(index + 1, width: 7)
    }

    mutating func beginPerson(_ profile: PersonProfile) {
        var id = RowBuffer(capacity: 12)
        Self.identifier(UInt8(ascii: "P"), profile.index, into: &id)
        patientID = id.bytes
    }

    private static let neighbourhoods = ["riverside", "old_town", "hillcrest", "harbour", "university", "northgate"]
        .map { Array($0.utf8) }
    private static let insurancePlans = ["private", "medicaid", "medicare", "uninsured"].map { Array($0.utf8) }
    private static let yes = Array("yes".utf8), no = Array("no".utf8)

    /// `,insurance,neighbourhood,chronic_condition`, derived from the profile without random draws (so the
    /// other columns are the same with or without them): the plan from age and price level (a patient of 65
    /// or more at the cut has medicare; the lowest price levels are medicaid; a share of the one-visit
    /// `new` type and of the highest price levels has none), the neighbourhood from the postal code, the flag
    /// from a chronic condition (diabetes, hypertension, asthma, hyperlipidemia) known by the cut.
    private mutating func appendAttributes(_ profile: PersonProfile) {
        let cutDay = Int(cut / 86_400)
        let age = CivilDate.wholeYears(from: Int32(profile.birthDay), to: Int32(cutDay))
        // A fixed fraction per person, from its index (Knuth's multiplicative hash).
        let share = Double((UInt64(profile.index) &* 2_654_435_761) % 1_000) / 1_000
        let plan = age >= 65 ? 2
            : profile.priceFactor < 0.95 ? 1
            : (profile.latentType == .new && share < 0.4) || profile.priceFactor > 1.13 ? 3 : 0
        patients.comma()
        patients.append(Self.insurancePlans[plan])
        patients.comma()
        patients.append(Self.neighbourhoods[(profile.postalCode - 10_001) % Self.neighbourhoods.count])
        patients.comma()
        let chronic = profile.conditions.contains { onset in
            [.diabetes, .hypertension, .asthma, .hyperlipidemia].contains(onset.condition) && onset.onsetDay <= cutDay
        }
        patients.append(chronic ? Self.yes : Self.no)
    }

    /// patient_id, first_name, birth_date, sex, postal_code, created_at, email, phone, preferred_channel, source,
    /// deceased_at (the day of a death by the cut, which only the `realistic` behaviour simulates)
    mutating func addPatient(_ profile: PersonProfile, createdAt: Int64, catalog: ClinicCatalog, deceasedDay: Int? = nil) {
        guard createdAt <= cut else { return }
        patients.field(patientID)
        patients.field(profile.firstName)
        patients.appendDate(days: profile.birthDay); patients.comma()
        patients.field(Self.sexNames[profile.sex])
        patients.appendInteger(profile.postalCode); patients.comma()
        patients.appendTimestamp(createdAt); patients.comma()
        if profile.hasEmail {
            patients.append(profile.lowercasedFirstName)
            patients.append([UInt8(ascii: ".")])
            patients.appendInteger(profile.index + 1)
            patients.append(Self.emailDomain)
        }
        patients.comma()
        if let phone = profile.phoneNumber {
            patients.append(Self.phonePrefix)
            patients.appendZeroPadded(phone, width: 7)
        }
        patients.comma()
        if let channel = profile.preferredChannel { patients.append(Channel.nameBytes[channel.rawValue]) }
        patients.comma()
        if let lead = profile.lead { patients.append(LeadSource.nameBytes[lead.source.rawValue]) }
        else { patients.append(catalog.directSources[profile.directSource]) }
        patients.comma()
        if let deceasedDay { patients.appendDate(days: deceasedDay) }
        if writesAttributes { appendAttributes(profile) }
        patients.newline()
        rowCounts[Self.patientsFile] += 1
    }

    /// patient_id, code, description, onset_date: the conditions of an exported patient with onset by the cut.
    mutating func addConditions(_ profile: PersonProfile, createdAt: Int64) {
        guard createdAt <= cut else { return }
        let cutDay = CivilTime.day(of: cut)
        for onset in profile.conditions where onset.onsetDay <= cutDay {
            conditions.field(patientID)
            conditions.field(Condition.codeBytes[onset.condition.rawValue])
            conditions.field(Condition.descriptionBytes[onset.condition.rawValue])
            conditions.appendDate(days: onset.onsetDay)
            conditions.newline()
            rowCounts[Self.conditionsFile] += 1
        }
    }

    /// lead_id, patient_id (once converted by the cut), created_at, source, interest
    mutating func addLead(_ profile: PersonProfile, catalog: ClinicCatalog) {
        guard let lead = profile.lead, lead.createdAt <= cut else { return }
        Self.identifier(UInt8(ascii: "L"), profile.index, into: &leads); leads.comma()
        if let converted = lead.convertedAt, converted <= cut { leads.append(patientID) }
        leads.comma()
        leads.appendTimestamp(lead.createdAt); leads.comma()
        leads.field(LeadSource.nameBytes[lead.source.rawValue])
        leads.append(catalog.interestBytes[lead.interest])
        leads.newline()
        rowCounts[Self.leadsFile] += 1
    }

    /// patient_id, scheduled_at, booked_at, status, service, provider, amount
    mutating func appointment(scheduledAt: Int64, bookedAt: Int64, status: AppointmentStatus, service: Service,
                              provider: Int, amountCents: Int?) {
        guard bookedAt <= cut else { return }
        let known = scheduledAt <= cut
        appointments.field(patientID)
        appointments.appendTimestamp(scheduledAt); appointments.comma()
        appointments.appendTimestamp(bookedAt); appointments.comma()
        appointments.field(AppointmentStatus.nameBytes[known ? status.rawValue : AppointmentStatus.booked.rawValue])
        appointments.field(Service.nameBytes[service.rawValue])
        appointments.field(providers[provider])
        if known, let amountCents { appointments.appendCents(amountCents) }
        appointments.newline()
        rowCounts[Self.appointmentsFile] += 1
    }

    /// patient_id, sent_at, channel, campaign, opened_at, clicked_at, responded_at
    mutating func communication(sentAt: Int64, channel: Channel, campaign: Campaign, openedAt: Int64?,
                                clickedAt: Int64?, respondedAt: Int64?) {
        guard sentAt <= cut else { return }
        communications.field(patientID)
        communications.appendTimestamp(sentAt); communications.comma()
        communications.field(Channel.nameBytes[channel.rawValue])
        communications.field(Campaign.nameBytes[campaign.rawValue])
        if let openedAt, openedAt <= cut { communications.appendTimestamp(openedAt) }
        communications.comma()
        if let clickedAt, clickedAt <= cut { communications.appendTimestamp(clickedAt) }
        communications.comma()
        if let respondedAt, respondedAt <= cut { communications.appendTimestamp(respondedAt) }
        communications.newline()
        rowCounts[Self.communicationsFile] += 1
    }

    /// patient_id, channel, purpose, status, recorded_at
    mutating func consent(channel: Channel, purpose: ConsentPurpose, optIn: Bool, recordedAt: Int64) {
        guard recordedAt <= cut else { return }
        consents.field(patientID)
        consents.field(Channel.nameBytes[channel.rawValue])
        consents.field(ConsentPurpose.nameBytes[purpose.rawValue])
        consents.field(optIn ? Self.optIn : Self.optOut)
        consents.appendTimestamp(recordedAt)
        consents.newline()
        rowCounts[Self.consentsFile] += 1
    }

    /// One row of `ground_truth.csv` (see ``GroundTruth``).
    mutating func addTruth(_ row: GroundTruth.Row) {
        row.write(into: &truth)
        rowCounts[Self.truthFile] += 1
    }
}

extension CanonicalTable {
    /// The table's position in `CanonicalTable.allCases`.
    var index: Int { CanonicalTable.allCases.firstIndex(of: self)! }
}
