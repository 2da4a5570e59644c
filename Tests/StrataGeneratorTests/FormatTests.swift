import Foundation
import Testing
@testable import StrataGenerator
import StrataData

@Suite("generated export follows the canonical format")
struct FormatTests {
    static let kinds = ClinicKind.allCases

    @Test(arguments: kinds)
    func headersAreExactlyTheCanonicalColumns(kind: ClinicKind) throws {
        let export = try GeneratedExport.make(persons: 300, kind: kind)
        defer { export.remove() }
        for table in CanonicalTable.allCases {
            #expect(export.table(table).header == table.columns.map(\.name), "\(table)")
        }
        #expect(export.truth.header == GroundTruth.header)
    }

    @Test(arguments: kinds)
    func everyFieldHasItsColumnsKind(kind: ClinicKind) throws {
        let export = try GeneratedExport.make(persons: 300, kind: kind)
        defer { export.remove() }
        for table in CanonicalTable.allCases {
            let parsed = export.table(table)
            #expect(!parsed.rows.isEmpty, "\(table) is empty")
            for (line, row) in parsed.rows.enumerated() {
                #expect(row.count == table.columns.count, "\(table.fileName):\(line + 2)")
                for (column, field) in zip(table.columns, row) {
                    #expect(Self.conforms(field, to: column), "\(table.fileName):\(line + 2) \(column.name)=\(field)")
                }
            }
        }
    }

    static func conforms(_ field: String, to column: CanonicalColumn) -> Bool {
        if field.isEmpty { return column.isOptional }
        switch column.kind {
        case .identifier, .patientReference, .text:
            return !field.contains(",") && !field.contains("\"")
        case .date:
            return CivilTime.parseDate(field) != nil
        case .timestamp:
            let bytes = Array(field.utf8)
            return bytes.count == 20 && CivilTime.parseDate(String(field.prefix(10))) != nil && bytes[10] == UInt8(ascii: "T")
                && bytes[19] == UInt8(ascii: "Z") && field.dropFirst(11).prefix(8).split(separator: ":").count == 3
        case .decimal:
            let parts = field.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1].count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        case let .category(values):
            return values.contains(field)
        }
    }

    @Test func identifiersAreUniqueAndEveryPatientReferenceResolves() throws {
        let export = try GeneratedExport.make(persons: 500, kind: .primaryCare)
        defer { export.remove() }
        let patientIDs = export.table(.patients).values("patient_id")
        #expect(Set(patientIDs).count == patientIDs.count)
        let known = Set(patientIDs)
        for table in [CanonicalTable.appointments, .communications, .consents, .conditions] {
            let references = export.table(table).values("patient_id")
            #expect(!references.isEmpty)
            #expect(references.allSatisfy(known.contains), "\(table) names a patient not in patients.csv")
        }
        let leads = export.table(.leads)
        let leadIDs = leads.values("lead_id")
        #expect(Set(leadIDs).count == leadIDs.count)
        let convertedPatients = leads.values("patient_id").filter { !$0.isEmpty }
        #expect(!convertedPatients.isEmpty)
        #expect(convertedPatients.allSatisfy(known.contains))
        #expect(leads.values("patient_id").contains(""), "some leads never convert")
    }

    @Test func datesAreInOrder() throws {
        let export = try GeneratedExport.make(persons: 600, kind: .aesthetic)
        defer { export.remove() }
        let patients = export.table(.patients)
        let createdAt = Dictionary(uniqueKeysWithValues: zip(patients.values("patient_id"), patients.values("created_at")))

        // booked_at <= scheduled_at, and nothing is booked before the patient record exists.
        let appointments = export.table(.appointments)
        let (patient, scheduled, booked) = (appointments.column("patient_id"), appointments.column("scheduled_at"),
                                            appointments.column("booked_at"))
        var firstBooking: [String: String] = [:]
        for row in appointments.rows {
            #expect(row[booked] <= row[scheduled], "\(row)")
            firstBooking[row[patient]] = min(firstBooking[row[patient]] ?? row[booked], row[booked])
        }
        for (id, first) in firstBooking { #expect(createdAt[id]! <= first, "\(id) booked before created") }

        // Converted leads: lead created <= patient created <= first appointment booked.
        let leads = export.table(.leads)
        for row in leads.rows where !row[leads.column("patient_id")].isEmpty {
            let id = row[leads.column("patient_id")]
            #expect(row[leads.column("created_at")] <= createdAt[id]!)
            #expect(firstBooking[id] != nil, "converted lead \(id) has a first appointment")
        }

        // Opens, clicks and responses come after the send.
        let communications = export.table(.communications)
        let sent = communications.column("sent_at")
        for row in communications.rows {
            for name in ["opened_at", "clicked_at", "responded_at"] {
                let value = row[communications.column(name)]
                #expect(value.isEmpty || value >= row[sent], "\(name) before sent_at: \(row)")
            }
        }
    }

    @Test func everyContactHasConsentOnItsChannelAndPurposeRecordedBefore() throws {
        let export = try GeneratedExport.make(persons: 600, kind: .primaryCare)
        defer { export.remove() }
        let consents = export.table(.consents)
        // patient|channel|purpose -> [(recorded_at, status)] in file order (recorded order per patient).
        var history: [String: [(String, String)]] = [:]
        for row in consents.rows {
            let key = "\(row[consents.column("patient_id")])|\(row[consents.column("channel")])|\(row[consents.column("purpose")])"
            history[key, default: []].append((row[consents.column("recorded_at")], row[consents.column("status")]))
        }
        let purpose: [String: String] = Dictionary(uniqueKeysWithValues: Campaign.allCases.map {
            ($0.name, String(decoding: ConsentPurpose.nameBytes[$0.purpose.rawValue], as: UTF8.self))
        })
        let communications = export.table(.communications)
        #expect(communications.rows.count > 1_000)
        for row in communications.rows {
            let sent = row[communications.column("sent_at")]
            let campaignPurpose = try #require(purpose[row[communications.column("campaign")]])
            let key = "\(row[communications.column("patient_id")])|\(row[communications.column("channel")])|\(campaignPurpose)"
            let before = (history[key] ?? []).filter { $0.0 <= sent }.sorted { $0.0 < $1.0 }
            #expect(before.last?.1 == "opt_in", "contact without consent: \(row)")
        }
    }

    @Test func catalogTextsNeedNoQuoting() {
        var texts: [String] = Service.allCases.map(\.name) + Condition.allCases.flatMap { [$0.code, $0.description] }
        texts += Campaign.allCases.map(\.name) + LeadSource.allCases.map(\.name)
        for kind in ClinicKind.allCases {
            let catalog = ClinicCatalog.of(kind)
            texts += catalog.interests.map(\.name)
            texts += (catalog.providers + catalog.directSources).map { String(decoding: $0, as: UTF8.self) }
        }
        texts += (FirstNames.female + FirstNames.male).map { String(decoding: $0, as: UTF8.self) }
        for text in texts {
            #expect(!text.isEmpty && !text.contains(",") && !text.contains("\"") && !text.contains("\n"), "\(text)")
        }
    }

    @Test func enumeratedValuesMatchTheCanonicalLists() {
        #expect(Channel.nameBytes.map { String(decoding: $0, as: UTF8.self) } == CanonicalValues.channels)
        #expect(ConsentPurpose.nameBytes.map { String(decoding: $0, as: UTF8.self) } == CanonicalValues.consentPurpose)
        #expect(AppointmentStatus.nameBytes.map { String(decoding: $0, as: UTF8.self) } == CanonicalValues.appointmentStatus)
    }
}
