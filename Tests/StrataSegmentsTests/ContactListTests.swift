import Foundation
import StrataData
import StrataGenerator
import StrataSegments
import Testing

/// Writes a small canonical export: `rows` maps a file name to its lines (header first).
func writeExport(_ files: [String: [String]]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lists-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let headers = Dictionary(uniqueKeysWithValues: CanonicalTable.allCases.map { ($0.fileName, $0.columns.map(\.name).filter { $0 != "deceased_at" }.joined(separator: ",")) })
    for table in CanonicalTable.allCases where table.isRequired || files[table.fileName] != nil {
        let lines = [headers[table.fileName]!] + (files[table.fileName] ?? [])
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(table.fileName), atomically: true, encoding: .utf8)
    }
    return folder
}

@Suite("Contact lists")
struct ContactListTests {
    /// Five patients, each with a different consent story for e-mail marketing.
    static func export() throws -> ClinicExport {
        let folder = try writeExport([
            "patients.csv": [
                "P1,Ann,1980-01-01,female,,2020-01-01T00:00:00Z,ann@example.com,+15550001,email,web",
                "P2,Bob,1980-01-01,male,,2020-01-01T00:00:00Z,bob@example.com,+15550002,sms,web",
                "P3,=HYPERLINK(1),1980-01-01,female,,2020-01-01T00:00:00Z,cy@example.com,,email,web",
                "P4,Dee,1980-01-01,female,,2020-01-01T00:00:00Z,,+15550004,sms,web",
                "P5,\"Eve, Jr\",1980-01-01,female,,2020-01-01T00:00:00Z,eve@example.com,+15550005,email,web",
            ],
            "appointments.csv": ["P1,2024-01-10T10:00:00Z,2024-01-01T10:00:00Z,completed,cleaning,Dr A,90.00"],
            "consents.csv": [
                "P1,email,marketing,opt_in,2021-01-01T00:00:00Z",
                "P2,email,marketing,opt_in,2021-01-01T00:00:00Z",
                "P2,email,marketing,opt_out,2023-05-01T00:00:00Z",   // opted out later
                "P3,email,marketing,opt_in,2021-01-01T00:00:00Z",
                "P3,email,care,opt_out,2022-01-01T00:00:00Z",        // other purpose: no effect on marketing
                "P4,email,marketing,opt_in,2021-01-01T00:00:00Z",    // no e-mail address
                "P5,email,marketing,opt_in,2024-07-01T00:00:00Z",    // after the as-of date: not yet in force
                "P1,sms,care,opt_in,2021-01-01T00:00:00Z",
                "P1,sms,care,opt_out,2021-01-01T00:00:00Z",          // same moment: opt-out wins
                "P2,sms,care,opt_in,2021-01-01T00:00:00Z",
            ],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try ExportReader.read(folder, format: .canonical).export
    }

    static let asOf = try! Day(iso: "2024-06-30")

    func members(_ purpose: SegmentPurpose, channels: [String], in export: ClinicExport) throws -> SegmentMembers {
        let frame = try SegmentFrame.build(export: export, asOf: Self.asOf, schema: nil)
        let catalog = try SegmentCatalog([SegmentDefinition(name: "everyone", rule: "age >= 0", purpose: purpose, channels: channels)])
        return try catalog.evaluate(frame)[0]
    }

    @Test func onlyConsentInForceForTheChannelAndPurpose() throws {
        let export = try Self.export()
        let ledger = ConsentLedger(export, asOf: Self.asOf)
        let marketing = ContactList(try members(.marketing, channels: ["email"], in: export), channel: .email, export: export, consents: ledger)
        #expect(marketing.rows.map(\.patientID) == ["P1", "P3"])
        #expect(marketing.withoutConsent == 2 && marketing.withoutAddress == 1)
        #expect(marketing.csv == """
            patient_id,email,first_name,segment
            P1,ann@example.com,Ann,everyone
            P3,cy@example.com,'=HYPERLINK(1),everyone

            """)
        let care = ContactList(try members(.care, channels: ["sms"], in: export), channel: .sms, export: export, consents: ledger)
        #expect(care.rows == [ContactList.Row(patientID: "P2", address: "+15550002", firstName: "Bob")])
        #expect(care.fileName == "everyone-sms.csv")
    }

    @Test func listsAreWrittenForTheOwnerOnly() throws {
        let export = try Self.export()
        let list = ContactList(try members(.marketing, channels: ["email"], in: export), channel: .email, export: export,
                               consents: ConsentLedger(export, asOf: Self.asOf))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-list-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try list.write(into: directory)
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try String(contentsOf: url, encoding: .utf8) == list.csv)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["everyone-email.csv"])
    }

    /// The property the issue names: over generated clinics, no patient whose consent in force for a channel
    /// and purpose is not `opt_in` ever appears in that channel's list; and everyone eligible does.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func noOptedOutPatientEverAppears(_ seed: UInt64) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-prop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let configuration = try GeneratorConfiguration(personCount: 300, seed: seed, kind: .primaryCare,
                                                       from: "2022-01-01", to: "2024-06-30")
        _ = try ClinicGenerator(configuration).write(export: root.appendingPathComponent("export"), truth: root.appendingPathComponent("truth"))
        let export = try ExportReader.read(root.appendingPathComponent("export")).export
        let asOf = try Day(iso: "2024-06-30")
        let cutoff = (Int64(asOf.daysSince1970) + 1) * CivilDate.secondsPerDay
        let ledger = ConsentLedger(export, asOf: asOf)
        let frame = try SegmentFrame.build(export: export, asOf: asOf, schema: nil)
        let catalog = try SegmentCatalog(SegmentPurpose.allCases.map {
            SegmentDefinition(name: "all-\($0.rawValue)", rule: "completed_visits >= 0", purpose: $0, channels: CanonicalValues.channels)
        })
        var listed = 0
        for segment in try catalog.evaluate(frame) {
            let purpose: ConsentPurpose = segment.definition.purpose == .marketing ? .marketing : .care
            for channel in Channel.allCases {
                let list = ContactList(segment, channel: channel, export: export, consents: ledger)
                // The consent in force, recomputed from the raw rows: the latest record, opt-out on ties.
                var inForce: [Int: (time: Int64, optIn: Bool)] = [:]
                let consents = export.consents
                for row in 0..<consents.count where consents.channel[row] == channel && consents.purpose[row] == purpose
                    && consents.recordedAt[row] < cutoff {
                    let patient = Int(consents.patient[row]), time = consents.recordedAt[row]
                    let optIn = consents.status[row] == .optIn
                    if let current = inForce[patient], current.time > time { continue }
                    if let current = inForce[patient], current.time == time { inForce[patient] = (time, current.optIn && optIn) }
                    else { inForce[patient] = (time, optIn) }
                }
                let listedIDs = Set(list.rows.map(\.patientID))
                for (patient, consent) in inForce where !consent.optIn {
                    #expect(!listedIDs.contains(export.patients.ids[patient]), "seed \(seed): \(export.patients.ids[patient]) opted out of \(channel.name)/\(purpose.name)")
                }
                let eligible = segment.rows.filter { row in
                    inForce[row]?.optIn == true && (channel == .email ? export.patients.email[row] : export.patients.phone[row]) != nil
                }
                #expect(list.rows.map(\.patientID) == eligible.map { export.patients.ids[$0] })
                listed += list.rows.count
            }
        }
        #expect(listed > 0, "the property is vacuous if no list has anyone")
    }
}
