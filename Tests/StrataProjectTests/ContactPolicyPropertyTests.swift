import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataRandom
@testable import StrataSegments
import Testing

/// The contact policy's promises, checked on generated clinics with random segment memberships, against
/// what the test works out itself from the export's rows (sent messages, visits, consents, deaths) and the
/// unconstrained lists (``ContactList`` without the policy).
@Suite("contact policy properties", .serialized)
struct ContactPolicyPropertyTests {
    static let asOf = "2025-12-31"

    /// A generated clinic read back, with some more patients marked deceased in memory (5%, beside the
    /// generator's own deaths), so that every test sees deaths whatever the clinic's process.
    struct Clinic {
        let root: URL
        var export: ClinicExport
        let deceased: Set<Int>

        init(persons: Int, seed: UInt64) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-policy-\(UUID().uuidString)")
            let folder = root.appendingPathComponent("export")
            let settings = try GeneratorConfiguration(personCount: persons, seed: seed, kind: .multiSpecialty, to: ContactPolicyPropertyTests.asOf)
            _ = try ClinicGenerator(settings).write(export: folder, truth: root.appendingPathComponent("truth"))
            export = try ExportReader.read(folder).export
            var rng = Xoshiro256StarStar(seed: seed &+ 1)
            for row in 0..<export.patients.count where Double.random(in: 0..<1, using: &rng) < 0.05 {
                export.patients.deceasedAt[row] = try Day(iso: "2025-06-01").daysSince1970
            }
            // Every death on file: the generator's own (the realistic clinic writes them) and the ones marked here.
            let deceasedAt = export.patients.deceasedAt
            deceased = Set(deceasedAt.indices.filter { deceasedAt[$0] != ClinicExport.missingDate })
        }
    }

    /// Random segments over the clinic: marketing and care, random channel orders, one `all` care segment.
    static func segments(_ patientCount: Int, seed: UInt64) -> [SegmentMembers] {
        var rng = Xoshiro256StarStar(seed: seed)
        let shapes: [(String, SegmentPurpose, ChannelsMode)] = [
            ("m-a", .marketing, .one), ("m-b", .marketing, .one), ("m-c", .marketing, .one), ("m-d", .marketing, .one),
            ("c-a", .care, .one), ("c-all", .care, .all),
        ]
        return shapes.map { name, purpose, mode in
            let channels = Channel.allCases.shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng)).map(\.name)
            let share = Double.random(in: 0.2...0.7, using: &rng)
            let rows = (0..<patientCount).filter { _ in Double.random(in: 0..<1, using: &rng) < share }
            let definition = SegmentDefinition(name: name, rule: "true", purpose: purpose, channels: channels, channelsMode: mode)
            return SegmentMembers(definition: definition, rows: rows, fieldNames: [], calls: [], exclusions: [], excluded: [], warnings: [])
        }
    }

    static let policies: [ContactPolicySettings] = [
        ContactPolicySettings(),
        ContactPolicySettings(priority: ["m-c", "m-a"], marketingCap: .init(perRun: 2, perWindow: 3, windowDays: 30),
                              careCap: .init(perRun: 1), quietDays: .init(afterVisit: 14, afterNoShow: 30, afterMessage: 3),
                              careCampaigns: ["appointment_reminder", "recall_reminder"]),
        ContactPolicySettings(marketingCap: .init(perRun: 1, perWindow: 1, windowDays: 60), quietDays: .init(afterMessage: 0)),
    ]

    @Test(arguments: [(UInt64(31), 0), (32, 1), (33, 2), (34, 1)])
    func theListsKeepEveryPromise(_ seed: UInt64, _ policyIndex: Int) throws {
        let clinic = try Clinic(persons: 700, seed: seed)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let export = clinic.export, settings = Self.policies[policyIndex]
        let asOf = try Day(iso: Self.asOf)
        let segments = Self.segments(export.patients.count, seed: seed)
        let consents = ConsentLedger(everythingOnFile: export)
        let plan = try ContactPolicy.plan(segments, export: export, consents: consents, asOf: asOf, settings: settings)
        let history = RawHistory(export, asOf: asOf, settings: settings)

        var marketingThisRun = [Int](repeating: 0, count: export.patients.count)
        var careThisRun = [Int](repeating: 0, count: export.patients.count)
        var preferredPossibleAndUsed = 0
        for (segment, planned) in zip(segments, plan.segments) {
            let definition = segment.definition
            let purpose: ConsentPurpose = definition.purpose == .marketing ? .marketing : .care
            let channels = definition.channels.map { name in Channel.allCases.first { $0.name == name }! }
            let unconstrained = channels.map { ContactList(segment, channel: $0, export: export, consents: consents) }
            // Held-back counts add up to the difference from the unconstrained lists.
            let unconstrainedRows = unconstrained.reduce(0) { $0 + $1.rows.count }
            let plannedRows = planned.rows.reduce(0) { $0 + $1.rows.count }
            #expect(unconstrainedRows - plannedRows == planned.held.byPolicy, "\(definition.name): \(planned.held)")
            #expect(planned.held.consent == unconstrained.reduce(0) { $0 + $1.withoutConsent })
            #expect(planned.held.address == unconstrained.reduce(0) { $0 + $1.withoutAddress })

            var channelsOf: [Int: [Channel]] = [:]
            for (channel, rows) in planned.rows { for row in rows { channelsOf[row, default: []].append(channel) } }
            for (row, listed) in channelsOf {
                #expect(!clinic.deceased.contains(row), "\(definition.name): deceased patient \(row) listed")
                let possible = channels.filter { channel in
                    consents.allows(row, channel, purpose)
                        && (channel == .email ? export.patients.email.hasValue(row) : export.patients.phone.hasValue(row))
                }
                if definition.channelsMode == .all {
                    #expect(listed == possible, "\(definition.name): patient \(row) on \(listed), consented on \(possible)")
                } else {
                    #expect(listed.count == 1, "\(definition.name): patient \(row) on \(listed)")
                    if let preferred = export.patients.preferredChannel[row], possible.contains(preferred) {
                        #expect(listed == [preferred], "\(definition.name): patient \(row) prefers \(preferred)")
                        preferredPossibleAndUsed += 1
                    } else {
                        #expect(listed == [possible.first!])
                    }
                }
                if definition.purpose == .marketing {
                    marketingThisRun[row] += 1
                    #expect(!history.isQuiet(row, settings.quietDays), "\(definition.name): patient \(row) in a quiet period")
                } else {
                    careThisRun[row] += 1
                }
            }
        }
        // No patient over a cap, in the run or in the window with the messages already sent.
        for row in 0..<export.patients.count {
            #expect(marketingThisRun[row] <= settings.marketingCap.perRun)
            // A patient already over the window's allowance from messages sent gets nothing more.
            if let perWindow = settings.marketingCap.perWindow, marketingThisRun[row] > 0 {
                #expect(history.marketingSentInWindow[row] + marketingThisRun[row] <= perWindow, "patient \(row)")
            }
            if let careCap = settings.careCap { #expect(careThisRun[row] <= careCap.perRun) }
        }
        // The properties must not hold vacuously: patients are listed, some on their preferred channel, and
        // the policy held some back for reasons beyond routing.
        #expect(marketingThisRun.reduce(0, +) > 20 && preferredPossibleAndUsed > 20)
        #expect(plan.segments.reduce(0) { $0 + $1.held.deceased } > 0)
        #expect(plan.segments.reduce(0) { $0 + $1.held.priority + $1.held.cap + $1.held.quietPeriod } > 0)
    }

    /// `enabled: false` gives the unconstrained lists of the living exactly: every consented channel, no cap,
    /// no routing, but a patient with a death on file is never listed, and only that is held back.
    @Test func aDisabledPolicyListsEveryConsentedChannelOfTheLiving() throws {
        let clinic = try Clinic(persons: 300, seed: 35)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let segments = Self.segments(clinic.export.patients.count, seed: 35)
        let consents = ConsentLedger(everythingOnFile: clinic.export)
        let plan = try ContactPolicy.plan(segments, export: clinic.export, consents: consents, asOf: try Day(iso: Self.asOf),
                                          settings: ContactPolicySettings(enabled: false))
        let deceasedIDs = Set(clinic.deceased.map { clinic.export.patients.ids[$0] })
        var deceasedHeld = 0
        for (segment, planned) in zip(segments, plan.segments) {
            var deceasedContacts = 0
            for position in planned.rows.indices {
                let unconstrained = ContactList(segment, channel: planned.rows[position].channel, export: clinic.export, consents: consents)
                let living = unconstrained.rows.filter { !deceasedIDs.contains($0.patientID) }
                deceasedContacts += unconstrained.rows.count - living.count
                #expect(ContactList(planned, channelAt: position, export: clinic.export).rows == living)
            }
            #expect(planned.held.deceased == deceasedContacts && planned.held.byPolicy == deceasedContacts)
            deceasedHeld += deceasedContacts
        }
        #expect(deceasedHeld > 0)
    }

    @Test func priorityNamesAreChecked() throws {
        let segments = Self.segments(10, seed: 1)
        let export = ClinicExport(patients: Patients())
        for (name, expected) in [("nope", "the name of a defined marketing segment"), ("c-a", "a marketing segment")] {
            #expect { try ContactPolicy.plan(segments, export: export, consents: ConsentLedger(everythingOnFile: export),
                                             asOf: Day(daysSince1970: 0), settings: ContactPolicySettings(priority: [name])) }
                throws: { error in
                    let error = try #require(error as? ContactPolicyError)
                    return error.setting == "priority" && error.value == name && error.expected.hasPrefix(expected)
                }
        }
    }
}

/// The export's history as the test reads it, independently of ``ContactHistory``: whole days compared as
/// `YYYY-MM-DD` arithmetic on days since 1970.
struct RawHistory {
    let asOf: Int
    var lastMessage: [Int], lastVisit: [Int], lastNoShow: [Int]
    var marketingSentInWindow: [Int]

    init(_ export: ClinicExport, asOf day: Day, settings: ContactPolicySettings) {
        asOf = Int(day.daysSince1970)
        let count = export.patients.count
        (lastMessage, lastVisit, lastNoShow) = (Array(repeating: .min, count: count), Array(repeating: .min, count: count),
                                                Array(repeating: .min, count: count))
        marketingSentInWindow = Array(repeating: 0, count: count)
        let communications = export.communications
        for row in 0..<communications.count {
            let sentDay = Int(communications.sentAt[row] / 86_400) - (communications.sentAt[row] % 86_400 < 0 ? 1 : 0)
            guard sentDay <= asOf, !settings.careCampaigns.contains(communications.campaign[row] ?? "") else { continue }
            let patient = Int(communications.patient[row])
            lastMessage[patient] = max(lastMessage[patient], sentDay)
            if let days = settings.marketingCap.windowDays, sentDay > asOf - days { marketingSentInWindow[patient] += 1 }
        }
        let appointments = export.appointments
        for row in 0..<appointments.count {
            let scheduledDay = Int(appointments.scheduledAt[row] / 86_400)
            guard scheduledDay <= asOf else { continue }
            let patient = Int(appointments.patient[row])
            if appointments.status[row] == .completed { lastVisit[patient] = max(lastVisit[patient], scheduledDay) }
            if appointments.status[row] == .noShow { lastNoShow[patient] = max(lastNoShow[patient], scheduledDay) }
        }
    }

    /// Within N days after the event: the as-of day is at most N days after it.
    func isQuiet(_ row: Int, _ quiet: ContactPolicySettings.QuietDays) -> Bool {
        func within(_ event: Int, _ days: Int) -> Bool { days > 0 && event != .min && asOf - event <= days }
        return within(lastMessage[row], quiet.afterMessage) || within(lastVisit[row], quiet.afterVisit)
            || within(lastNoShow[row], quiet.afterNoShow)
    }
}
