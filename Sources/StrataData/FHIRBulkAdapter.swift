import Foundation

/// Reads a FHIR R4 Bulk Data export (the NDJSON files of `$export`) into canonical tables. The table of what
/// maps to what is in `docs/column-mapping.md`; in short:
///
/// | canonical | from FHIR |
/// |---|---|
/// | `patients` | `Patient`: `id`, `birthDate`, `gender`, the official (else first) name's first `given`, the first `address.postalCode`, the first `telecom` of system `email` / `phone`; `created_at` is the first `Encounter.period.start`, else the birth date |
/// | `patients.deceased_at` | `Patient.deceasedDateTime` (its UTC day); `deceasedBoolean: true` without a date: the day of the patient's last `Encounter.period.start`, else of `created_at` (the last day the records show them) |
/// | `appointments` | `Encounter`: `subject` -> patient, `period.start` -> `scheduled_at` and `booked_at`, `status` -> status (finished -> completed, cancelled -> cancelled, noshow -> no_show, planned / arrived / triaged / in-progress / onleave / booked -> booked), `class` (else the first `type`) -> service, the first participant's `individual` -> provider |
/// | `conditions` | `Condition` (`code`, `onsetDateTime` / `onsetPeriod.start` / `recordedDate`), `Procedure` (`performedDateTime` / `performedPeriod.start`), `MedicationRequest` (`authoredOn`), `Immunization` (`occurrenceDateTime`) |
/// | `communications` | `Communication` (`sent`, `medium` -> channel, the first `category` -> campaign), when present |
/// | `consents` | `Consent` (`dateTime`, `provision.type`, `provision.purpose`, channel from `provision.code` / `category`), when present |
///
/// Files are taken by name, `<ResourceType>[.<anything>].ndjson[.gz]` (`Encounter.000.ndjson`); files of
/// other resource types (Observation, Location, the export's `log.ndjson`, ...) are not read. Each file is
/// streamed line by line (`FHIRLineReader`), `Patient` files first, so references (`Patient/<id>`,
/// `urn:uuid:<id>`) resolve as they are read. Records whose status says they never happened
/// (`entered-in-error`, and `not-done` procedures and immunizations; `draft` / `proposed` consents) are
/// skipped. Problems name `file:line` and the element's path (`Encounter.000.ndjson:12: bad timestamp: at
/// period.start: ...`), and so do cross-record check findings (`Encounter.000.ndjson:12`) in every table read
/// from one file (a table filled from several files names its rows by number; see ``AdapterRowPlaces``).
public enum FHIRBulkAdapter {
    /// The resource types read, in reading order (patients first).
    static let resourceTypes = ["Patient", "Encounter", "Condition", "Procedure", "MedicationRequest", "Immunization",
                                "Communication", "Consent"]

    /// Whether `name` is an NDJSON file of a bulk export.
    static func isNDJSON(_ name: String) -> Bool { name.hasSuffix(".ndjson") || name.hasSuffix(".ndjson.gz") }

    /// The resource type a file holds, from its name (`Encounter.000.ndjson` -> `Encounter`).
    static func resourceType(ofFile name: String) -> String {
        String(name.prefix { $0 != "." })
    }

    static func read(_ folder: URL, policy: IngestPolicy) throws(IngestError) -> ExportReadResult {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter(isNDJSON).sorted() } catch {
            throw IngestError(.unreadableFile, file: folder.path, found: folder.path, expected: "a folder holding a FHIR bulk export")
        }
        let filesByType = Dictionary(grouping: names, by: resourceType(ofFile:))
        guard filesByType["Patient"] != nil else {
            throw IngestError(.missingTable, file: folder.path, found: names.joined(separator: ", "),
                              expected: "Patient NDJSON files (Patient.000.ndjson or Patient.ndjson.gz) in the FHIR bulk export")
        }
        var reader = Reader(policy: policy)
        for type in resourceTypes {
            for name in filesByType[type] ?? [] {
                try reader.readFile(folder.appendingPathComponent(name), name: name, type: type)
            }
        }
        return reader.result(presentTypes: Set(filesByType.keys))
    }

    /// The tables being built while the files are read.
    struct Reader {
        let policy: IngestPolicy
        var badRows = BadRowReport()
        let decoder = JSONDecoder()

        var ids = PatientIdentifiers()
        var birthDates: [Int32] = []
        var sexes: [Sex] = []
        var firstNames = TextColumn(), emails = TextColumn(), phones = TextColumn()
        var postalCodes = ByteStringTable(), postalCodeColumn: [Int32] = []
        var firstEncounter: [Int64] = []
        var lastEncounter: [Int64] = []
        /// ``ClinicExport/missingDate``, a day of death, or ``diedOnUnknownDay``.
        var deathDays: [Int32] = []
        /// `deceasedBoolean: true` without a date: resolved to the patient's last encounter (else the day
        /// they were created) when the export has been read, the first day the records no longer show them alive.
        static let diedOnUnknownDay = Int32.max

        var appointments = Appointments()
        var services = ByteStringTable(), providers = ByteStringTable()
        var conditions = Conditions()
        var codes = ByteStringTable(), descriptions = ByteStringTable()
        var communications = Communications()
        var campaigns = ByteStringTable()
        var consents = Consents()
        /// Each kept row's file and line, per table, so cross-record checks name them.
        var places: [CanonicalTable: AdapterRowPlaces] = [:]

        init(policy: IngestPolicy) { self.policy = policy }

        mutating func readFile(_ url: URL, name: String, type: String) throws(IngestError) {
            var lines = try FHIRLineReader(url: url, file: name)
            while let line = try lines.next() {
                let record = Record(file: name, line: lines.lineNumber, bytes: Data(line), decoder: decoder)
                do {
                    try record.checkType(type)
                    switch type {
                    case "Patient": try addPatient(record)
                    case "Encounter": try addEncounter(record)
                    case "Condition": try addCondition(record)
                    case "Procedure": try addProcedure(record)
                    case "MedicationRequest": try addMedicationRequest(record)
                    case "Immunization": try addImmunization(record)
                    case "Communication": try addCommunication(record)
                    default: try addConsent(record)
                    }
                } catch {
                    try note(error)
                }
            }
        }

        /// Counts a bad record; throws when the policy allows no more.
        private mutating func note(_ error: IngestError) throws(IngestError) {
            if policy.maxBadRows == 0 || error.isFileLevel { throw error }
            badRows.record(error)
            if badRows.count > policy.maxBadRows {
                throw IngestError(.tooManyBadRows, file: error.file, line: error.line,
                                  found: "\(badRows.count) bad rows; this one: \(error.kind.rawValue): \(error.found)",
                                  expected: "at most \(policy.maxBadRows)", parameter: "maxBadRows")
            }
        }

        // MARK: Resources

        mutating func addPatient(_ record: Record) throws(IngestError) {
            let patient = try record.decode(FHIR.Patient.self)
            guard let id = FHIR.nonEmpty(patient.id) else {
                throw record.error(.emptyRequiredField, "id", expected: "the Patient's id")
            }
            guard ids.index(of: id) == nil else {
                throw record.error(.duplicateIdentifier, "id", found: id, expected: "each Patient id once")
            }
            guard let birthText = FHIR.nonEmpty(patient.birthDate) else {
                throw record.error(.emptyRequiredField, "birthDate", expected: "a birth date like 1980-02-29")
            }
            guard let birth = CivilDate.parseISODate(birthText), CanonicalDateRange.contains(day: birth) else {
                throw record.error(.badDate, "birthDate", found: birthText,
                                   expected: "a full date like 1980-02-29 from \(CanonicalDateRange.firstYear) to \(CanonicalDateRange.lastYear)")
            }
            let sex: Sex
            switch patient.gender {
            case "female": sex = .female
            case "male": sex = .male
            case "other": sex = .other
            case nil, "unknown": sex = .unknown
            case let other?:
                throw record.error(.unknownValue, "gender", found: other, expected: "one of female, male, other, unknown")
            }
            ids.table.insert(id)
            birthDates.append(birth)
            sexes.append(sex)
            let name = patient.name?.first { $0.use == "official" } ?? patient.name?.first
            firstNames.append(name?.given?.first ?? "")
            let postal = patient.address?.lazy.compactMap { FHIR.nonEmpty($0.postalCode) }.first
            postalCodeColumn.append(postal.map { postalCodes.insert($0) } ?? -1)
            emails.append(patient.telecom?.first { $0.system == "email" }?.value ?? "")
            phones.append(patient.telecom?.first { $0.system == "phone" }?.value ?? "")
            firstEncounter.append(.max)
            places[.patients, default: .init()].append(file: record.file, line: record.line)
            lastEncounter.append(.min)
            if let text = FHIR.nonEmpty(patient.deceasedDateTime) {
                deathDays.append(Day(containing: try record.timestamp(text, "deceasedDateTime")).daysSince1970)
            } else {
                deathDays.append(patient.deceasedBoolean == true ? Self.diedOnUnknownDay : ClinicExport.missingDate)
            }
        }

        mutating func addEncounter(_ record: Record) throws(IngestError) {
            let encounter = try record.decode(FHIR.Encounter.self)
            let status: AppointmentStatus
            switch encounter.status {
            case "finished": status = .completed
            case "cancelled": status = .cancelled
            case "noshow": status = .noShow
            case "planned", "arrived", "triaged", "in-progress", "onleave", "booked": status = .booked
            case "entered-in-error": return
            case let other:
                throw record.error(.unknownValue, "status", found: other ?? "",
                                   expected: "an Encounter status: finished, cancelled, noshow, planned, arrived, triaged, in-progress, onleave, booked or entered-in-error")
            }
            let patient = try record.patient(encounter.subject, "subject", ids)
            let start = try record.timestamp(encounter.period?.start, "period.start")
            guard let service = Self.service(encounter) else {
                throw record.error(.emptyRequiredField, "class", expected: "a class code (AMB, EMER, IMP, ...) or a type giving the service")
            }
            appointments.patient.append(patient)
            appointments.scheduledAt.append(start)
            appointments.bookedAt.append(start)
            appointments.status.append(status)
            appointments.service.codes.append(services.insert(service))
            let provider = encounter.participant?.lazy.compactMap { Self.referencedId($0.individual?.reference) }.first
            appointments.provider.codes.append(provider.map { providers.insert($0) } ?? -1)
            appointments.amount.append(.nan)
            firstEncounter[Int(patient)] = min(firstEncounter[Int(patient)], start)
            places[.appointments, default: .init()].append(file: record.file, line: record.line)
            lastEncounter[Int(patient)] = max(lastEncounter[Int(patient)], start)
        }

        mutating func addCondition(_ record: Record) throws(IngestError) {
            let condition = try record.decode(FHIR.Condition.self)
            if condition.verificationStatus?.coding?.contains(where: { $0.code == "entered-in-error" }) == true { return }
            let patient = try record.patient(condition.subject, "subject", ids)
            let (onsetText, path) = condition.onsetDateTime.map { ($0, "onsetDateTime") }
                ?? condition.onsetPeriod?.start.map { ($0, "onsetPeriod.start") }
                ?? (condition.recordedDate, "recordedDate")
            try addCondition(record, patient: patient, code: condition.code, codePath: "code", onset: onsetText, onsetPath: path,
                             dayAsWritten: true)
        }

        mutating func addProcedure(_ record: Record) throws(IngestError) {
            let procedure = try record.decode(FHIR.Procedure.self)
            if procedure.status == "entered-in-error" || procedure.status == "not-done" { return }
            let patient = try record.patient(procedure.subject, "subject", ids)
            let (onsetText, path) = procedure.performedDateTime.map { ($0, "performedDateTime") }
                ?? (procedure.performedPeriod?.start, "performedPeriod.start")
            try addCondition(record, patient: patient, code: procedure.code, codePath: "code", onset: onsetText, onsetPath: path)
        }

        mutating func addMedicationRequest(_ record: Record) throws(IngestError) {
            let request = try record.decode(FHIR.MedicationRequest.self)
            if request.status == "entered-in-error" { return }
            let patient = try record.patient(request.subject, "subject", ids)
            if request.medicationCodeableConcept == nil, let id = Self.referencedId(request.medicationReference?.reference) {
                // A Medication resource holds the code; its id stands for it.
                try addCondition(record, patient: patient, code: FHIR.CodeableConcept(coding: [FHIR.Coding(code: "medication:" + id)]),
                                 codePath: "medicationReference", onset: request.authoredOn, onsetPath: "authoredOn")
                return
            }
            try addCondition(record, patient: patient, code: request.medicationCodeableConcept, codePath: "medicationCodeableConcept",
                             onset: request.authoredOn, onsetPath: "authoredOn")
        }

        mutating func addImmunization(_ record: Record) throws(IngestError) {
            let immunization = try record.decode(FHIR.Immunization.self)
            if immunization.status == "entered-in-error" || immunization.status == "not-done" { return }
            let patient = try record.patient(immunization.patient, "patient", ids)
            try addCondition(record, patient: patient, code: immunization.vaccineCode, codePath: "vaccineCode",
                             onset: immunization.occurrenceDateTime, onsetPath: "occurrenceDateTime")
        }

        /// One `conditions` row. The onset day of a date and time is the day as written (the local day) for
        /// `dayAsWritten`, else the UTC day of the instant: Synthea's CSV writes condition starts as local
        /// dates but procedure, medication and immunization starts as UTC timestamps, and the same run read
        /// either way gives the same days. A date alone is that day; no onset is absent.
        private mutating func addCondition(_ record: Record, patient: Int32, code concept: FHIR.CodeableConcept?, codePath: String,
                                           onset: String?, onsetPath: String, dayAsWritten: Bool = false) throws(IngestError) {
            guard let code = Self.code(concept) else {
                throw record.error(.emptyRequiredField, codePath, expected: "a coding with a code")
            }
            var onsetDay = ClinicExport.missingDate
            if let onset = FHIR.nonEmpty(onset) {
                var day: Int32?
                if onset.count == 10 || dayAsWritten {
                    day = onset.count >= 10 ? CivilDate.parseISODate(String(onset.prefix(10))) : nil
                    if onset.count > 10 && (try? record.timestamp(onset, onsetPath)) == nil { day = nil }
                } else {
                    day = (try? record.timestamp(onset, onsetPath)).map(CivilDate.day(ofTimestamp:))
                }
                guard let day, CanonicalDateRange.contains(day: day) else {
                    throw record.error(.badDate, onsetPath, found: onset,
                                       expected: "a date or date and time like 2024-02-29 or 2024-02-29T14:30:00-05:00 from \(CanonicalDateRange.firstYear) to \(CanonicalDateRange.lastYear)")
                }
                onsetDay = day
            }
            conditions.patient.append(patient)
            conditions.code.codes.append(codes.insert(code))
            conditions.description.codes.append(concept?.label.map { descriptions.insert($0) } ?? -1)
            conditions.onsetDate.append(onsetDay)
            places[.conditions, default: .init()].append(file: record.file, line: record.line)
        }

        mutating func addCommunication(_ record: Record) throws(IngestError) {
            let communication = try record.decode(FHIR.Communication.self)
            if communication.status == "entered-in-error" || communication.status == "not-done" { return }
            let patient = try record.patient(communication.subject, "subject", ids)
            let sent = try record.timestamp(communication.sent, "sent")
            let codings = (communication.medium ?? []).flatMap { $0.coding ?? [] }
            guard let channel = Self.channel(codings) else {
                throw record.error(.unknownValue, "medium", found: codings.compactMap(\.code).joined(separator: ", "),
                                   expected: Self.channelExpectation)
            }
            communications.patient.append(patient)
            communications.sentAt.append(sent)
            communications.channel.append(channel)
            let campaign = communication.category?.first?.label
            communications.campaign.codes.append(campaign.map { campaigns.insert($0) } ?? -1)
            communications.openedAt.append(ClinicExport.missingTimestamp)
            communications.clickedAt.append(ClinicExport.missingTimestamp)
            communications.respondedAt.append(ClinicExport.missingTimestamp)
            places[.communications, default: .init()].append(file: record.file, line: record.line)
        }

        mutating func addConsent(_ record: Record) throws(IngestError) {
            let consent = try record.decode(FHIR.Consent.self)
            let status: ConsentStatus
            switch consent.status {
            case "active": status = consent.provision?.type == "deny" ? .optOut : .optIn
            case "rejected", "inactive": status = .optOut
            case "draft", "proposed", "entered-in-error": return
            case let other:
                throw record.error(.unknownValue, "status", found: other ?? "",
                                   expected: "a Consent status: active, rejected, inactive, draft, proposed or entered-in-error")
            }
            let patient = try record.patient(consent.patient, "patient", ids)
            let recorded = try record.timestamp(consent.dateTime, "dateTime")
            let codings = (consent.provision?.code ?? []).flatMap { $0.coding ?? [] } + (consent.category ?? []).flatMap { $0.coding ?? [] }
            guard let channel = Self.channel(codings) else {
                throw record.error(.unknownValue, "provision.code", found: codings.compactMap(\.code).joined(separator: ", "),
                                   expected: "a channel in provision.code or category: " + Self.channelExpectation)
            }
            consents.patient.append(patient)
            consents.channel.append(channel)
            // v3 ActReason HMARKT is marketing; any other purpose (treatment, payment, ...) is care.
            consents.purpose.append(consent.provision?.purpose?.contains { $0.code == "HMARKT" } == true ? .marketing : .care)
            consents.status.append(status)
            consents.recordedAt.append(recorded)
            places[.consents, default: .init()].append(file: record.file, line: record.line)
        }

        // MARK: Result

        func result(presentTypes: Set<String>) -> ExportReadResult {
            var appointments = self.appointments
            appointments.service.levels = services.strings
            appointments.provider.levels = providers.strings
            var conditions = self.conditions
            conditions.code.levels = codes.strings
            conditions.description.levels = descriptions.strings
            var communications = self.communications
            communications.campaign.levels = campaigns.strings
            let createdAt = (0..<ids.count).map { index in
                firstEncounter[index] != .max ? firstEncounter[index] : Int64(birthDates[index]) * CivilDate.secondsPerDay
            }
            let patients = Patients(ids: ids, birthDate: birthDates, sex: sexes, createdAt: createdAt, firstName: firstNames,
                                    postalCode: CategoryColumn(codes: postalCodeColumn, levels: postalCodes.strings),
                                    email: emails, phone: phones, preferredChannel: Array(repeating: nil, count: ids.count),
                                    source: CategoryColumn(codes: Array(repeating: -1, count: ids.count)),
                                    deceasedAt: (0..<ids.count).map { index in
                                        guard deathDays[index] == Self.diedOnUnknownDay else { return deathDays[index] }
                                        let lastSeen = lastEncounter[index] != .min ? lastEncounter[index] : createdAt[index]
                                        return Day(containing: lastSeen).daysSince1970
                                    })
            var present: Set<CanonicalTable> = [.patients]
            if presentTypes.contains("Encounter") { present.insert(.appointments) }
            if !presentTypes.isDisjoint(with: ["Condition", "Procedure", "MedicationRequest", "Immunization"]) { present.insert(.conditions) }
            if presentTypes.contains("Communication") { present.insert(.communications) }
            if presentTypes.contains("Consent") { present.insert(.consents) }
            var export = ClinicExport(patients: patients, appointments: appointments, communications: communications,
                                      consents: consents, conditions: conditions, presentTables: present)
            export.origins.identifiedTables = [.appointments]  // every Encounter has its own id
            for (table, tablePlaces) in places { tablePlaces.record(table, in: &export.origins) }
            return ExportReadResult(export: export, format: .fhir, badRows: badRows)
        }

        // MARK: Mapping helpers

        /// v3 ActCode encounter classes, by the names Synthea's CSV uses where they agree.
        static let classNames = [
            "AMB": "ambulatory", "EMER": "emergency", "IMP": "inpatient", "ACUTE": "inpatient", "NONAC": "inpatient",
            "OBSENC": "observation", "PRENC": "pre-admission", "SS": "short stay", "VR": "virtual", "HH": "home health",
            "FLD": "field",
        ]

        static func service(_ encounter: FHIR.Encounter) -> String? {
            if let code = FHIR.nonEmpty(encounter.encounterClass?.code) { return classNames[code] ?? code.lowercased() }
            return encounter.type?.lazy.compactMap(\.label).first
        }

        /// The code of a concept: SNOMED CT codes as they are (as Synthea's CSV writes them), RxNorm codes as
        /// `rxnorm:<code>`, CVX as `cvx:<code>`, ICD-10 as `icd10:<code>`, others as `<system>|<code>`.
        static func code(_ concept: FHIR.CodeableConcept?) -> String? {
            let codings = (concept?.coding ?? []).filter { FHIR.nonEmpty($0.code) != nil }
            guard let coding = codings.first(where: { $0.system == "http://snomed.info/sct" }) ?? codings.first,
                  let code = coding.code else { return nil }
            switch coding.system {
            case "http://snomed.info/sct", nil: return code
            case "http://www.nlm.nih.gov/research/umls/rxnorm": return "rxnorm:" + code
            case "http://hl7.org/fhir/sid/cvx": return "cvx:" + code
            case "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10": return "icd10:" + code
            case let system?: return system + "|" + code
            }
        }

        static let channelCodes: [String: Channel] = [
            "email": .email, "EMAILWRIT": .email, "sms": .sms, "SMSWRIT": .sms, "phone": .phone, "PHONE": .phone,
            "whatsapp": .whatsapp,
        ]
        static let channelExpectation = "a coding of email, sms, phone or whatsapp (v3 ParticipationMode EMAILWRIT, SMSWRIT, PHONE)"

        static func channel(_ codings: [FHIR.Coding]) -> Channel? {
            codings.lazy.compactMap { $0.code.flatMap { channelCodes[$0] ?? channelCodes[$0.lowercased()] } }.first
        }

        /// The id a reference points at: `Practitioner/123` -> 123, `urn:uuid:abc` -> abc, a conditional
        /// reference `Practitioner?identifier=system|value` -> value.
        static func referencedId(_ reference: String?) -> String? {
            guard let reference = FHIR.nonEmpty(reference) else { return nil }
            if reference.hasPrefix("urn:uuid:") { return String(reference.dropFirst(9)) }
            if let bar = reference.lastIndex(of: "|") { return String(reference[reference.index(after: bar)...]) }
            return reference.split(separator: "/").last.map(String.init)
        }
    }

    /// One line of a bulk file, with its place for messages.
    struct Record {
        let file: String
        let line: Int
        let bytes: Data
        let decoder: JSONDecoder

        func error(_ kind: IngestError.Kind, _ path: String, found: String = "", expected: String) -> IngestError {
            IngestError(kind, file: file, line: line, found: found, expected: expected, jsonPath: path)
        }

        func checkType(_ type: String) throws(IngestError) {
            let header = try decode(FHIR.Header.self)
            guard header.resourceType == type else {
                throw error(.unknownValue, "resourceType", found: header.resourceType ?? "",
                            expected: "\(type) (the file's name says it holds \(type) resources)")
            }
        }

        func decode<T: Decodable>(_ type: T.Type) throws(IngestError) -> T {
            do { return try decoder.decode(type, from: bytes) } catch let decoding as DecodingError {
                switch decoding {
                case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
                    throw error(.badJSON, Self.path(context.codingPath), found: "",
                                expected: "a FHIR R4 resource (\(context.debugDescription))")
                case .dataCorrupted(let context):
                    if context.codingPath.isEmpty {
                        throw error(.badJSON, "", found: String(decoding: bytes.prefix(60), as: UTF8.self),
                                    expected: "one JSON object per line")
                    }
                    throw error(.badJSON, Self.path(context.codingPath), expected: "a FHIR R4 resource (\(context.debugDescription))")
                @unknown default:
                    throw error(.badJSON, "", expected: "a FHIR R4 resource")
                }
            } catch {
                throw self.error(.badJSON, "", expected: "one JSON object per line (\(error))")
            }
        }

        /// `participant[0].individual` from a coding path.
        static func path(_ keys: [CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }

        /// The patient index a reference (`Patient/<id>`, `urn:uuid:<id>`, or a full URL ending in
        /// `Patient/<id>`) points at.
        func patient(_ reference: FHIR.Reference?, _ path: String, _ ids: PatientIdentifiers) throws(IngestError) -> Int32 {
            let fullPath = path + ".reference"
            guard let text = FHIR.nonEmpty(reference?.reference) else {
                throw error(.emptyRequiredField, fullPath, expected: "a reference to the Patient (Patient/<id> or urn:uuid:<id>)")
            }
            var id: Substring?
            if text.hasPrefix("urn:uuid:") {
                id = text.dropFirst(9)
            } else {
                var parts = text.split(separator: "/", omittingEmptySubsequences: false)
                if parts.count >= 4 && parts[parts.count - 2] == "_history" { parts.removeLast(2) }
                if parts.count >= 2 && parts[parts.count - 2] == "Patient" { id = parts[parts.count - 1] }
            }
            guard let id else {
                throw error(.unknownPatient, fullPath, found: text, expected: "a reference Patient/<id> or urn:uuid:<id>")
            }
            guard let index = ids.index(of: String(id)) else {
                throw error(.unknownPatient, fullPath, found: text, expected: "a Patient of the export's Patient files")
            }
            return Int32(index)
        }

        /// A FHIR dateTime as seconds since the epoch (UTC): with a time it must have a zone (`Z` or an
        /// offset); a date alone is 00:00 UTC of that day.
        func timestamp(_ text: String?, _ path: String) throws(IngestError) -> Int64 {
            guard let text = FHIR.nonEmpty(text) else {
                throw error(.emptyRequiredField, path, expected: "a date and time like 2024-02-29T14:30:00-05:00")
            }
            let bytes = Array(text.utf8)
            var value: Int64?
            if bytes.count == 10 {
                value = ByteParsing.isoDate(bytes.span, 0, bytes.count).map { Int64($0) * CivilDate.secondsPerDay }
            } else {
                value = ByteParsing.isoTimestamp(bytes.span, 0, bytes.count)
            }
            guard let value, CanonicalDateRange.contains(timestamp: value) else {
                throw error(.badTimestamp, path, found: text,
                            expected: "a date and time like 2024-02-29T14:30:00-05:00 (or a date) from \(CanonicalDateRange.firstYear) to \(CanonicalDateRange.lastYear)")
            }
            return value
        }
    }
}
