import Foundation
import GRDB

/// A started campaign as the store keeps it: what was frozen at the start (the settings then, the run whose
/// list was the audience) so that later edits of `strata.yml` do not change what is measured.
public struct CampaignRecord: Codable, FetchableRecord, PersistableRecord, Sendable, Equatable {
    public static let databaseTableName = "campaign"

    public var name: String
    public var segment: String
    public var channel: String
    /// `marketing` or `care`: the segment's purpose, whose consent the audience had.
    public var purpose: String
    public var holdoutShare: Double
    /// `visit`, `booking` or `conversion`.
    public var outcomeEvent: String
    public var outcomeDays: Int
    /// Sub-group columns, comma-separated.
    public var subgroups: String
    /// The run whose membership and consent froze the audience, and its as-of day (the campaign's day 0).
    public var startedRun: Int64
    public var startedAsOf: String
    /// When the campaign was started (ISO 8601).
    public var startedAt: String

    public init(name: String, segment: String, channel: String, purpose: String, holdoutShare: Double, outcomeEvent: String,
                outcomeDays: Int, subgroups: [String], startedRun: Int64, startedAsOf: String, startedAt: String) {
        self.name = name
        self.segment = segment
        self.channel = channel
        self.purpose = purpose
        self.holdoutShare = holdoutShare
        self.outcomeEvent = outcomeEvent
        self.outcomeDays = outcomeDays
        self.subgroups = subgroups.joined(separator: ",")
        self.startedRun = startedRun
        self.startedAsOf = startedAsOf
        self.startedAt = startedAt
    }

    public var subgroupColumns: [String] { subgroups.split(separator: ",").map(String.init) }
}

/// A campaign's two groups, patient ids sorted, and the treatment patients its send list left out.
public struct CampaignGroups: Sendable, Equatable {
    public var treatment: [String]
    public var holdout: [String]
    /// Treatment patients the contact policy kept off the send list, with the rule (empty for a campaign
    /// started before campaigns were planned by the policy: its whole treatment was sent).
    public var notSent: [String: HeldBackReason]
    /// The audience's clusters as the start recorded them; nil for a campaign started before Strata recorded
    /// them (see `SegmentStore+CampaignClusters.swift`).
    public var clusters: CampaignClusters?

    public init(treatment: [String], holdout: [String], notSent: [String: HeldBackReason] = [:], clusters: CampaignClusters? = nil) {
        self.treatment = treatment
        self.holdout = holdout
        self.notSent = notSent
        self.clusters = clusters
    }

    /// The treatment patients on the send list, sorted.
    public var sent: [String] { notSent.isEmpty ? treatment : treatment.filter { notSent[$0] == nil } }
}

extension SegmentStore {
    /// The campaign tables: one row per started campaign, one per audience member with its group.
    static func registerCampaignMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5: campaigns") { db in
            try db.create(table: "campaign") { t in
                t.primaryKey("name", .text)
                t.column("segment", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("purpose", .text).notNull()
                t.column("holdoutShare", .double).notNull()
                t.column("outcomeEvent", .text).notNull()
                t.column("outcomeDays", .integer).notNull()
                t.column("subgroups", .text).notNull()
                t.column("startedRun", .integer).notNull().references("run")
                t.column("startedAsOf", .text).notNull()
                t.column("startedAt", .text).notNull()
            }
            try db.create(table: "campaignMember", options: .withoutRowID) { t in
                t.column("campaign", .text).notNull().references("campaign")
                t.column("patientID", .text).notNull()
                t.column("holdout", .boolean).notNull()
                t.primaryKey(["campaign", "patientID"])
            }
        }
    }

    /// The treatment patients a campaign's start held back from its send list under the contact policy. A
    /// table of its own, so that stores with campaigns from before keep their rows (and fingerprints) as
    /// they were: no row means sent.
    static func registerCampaignSendMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7: campaign sends held back by the contact policy") { db in
            try db.create(table: "campaignNotSent", options: .withoutRowID) { t in
                t.column("campaign", .text).notNull().references("campaign")
                t.column("patientID", .text).notNull()
                t.column("reason", .text).notNull()
                t.primaryKey(["campaign", "patientID"])
            }
        }
    }

    /// Every started campaign, by name.
    public func campaigns() throws -> [CampaignRecord] {
        try read { db in try CampaignRecord.fetchAll(db, sql: "SELECT * FROM campaign ORDER BY name") }
    }

    /// The campaign named `name`, if it was started.
    public func campaign(named name: String) throws -> CampaignRecord? {
        try read { db in try CampaignRecord.fetchOne(db, sql: "SELECT * FROM campaign WHERE name = ?", arguments: [name]) }
    }

    /// The campaign's treatment and holdout patients, and (unless `withClusters` is false: they are as many
    /// rows as the audience) the clusters its start recorded.
    public func campaignGroups(_ name: String, withClusters: Bool = true) throws -> CampaignGroups {
        try read { db in try Self.groups(of: name, in: db, withClusters: withClusters) }
    }

    /// The fingerprint of the campaign's row and its groups as the store holds them now; nil when missing.
    public func campaignFingerprint(_ name: String) throws -> String? {
        try read { db in try Self.campaignFingerprint(name, in: db) }
    }

    /// The patients campaign `name` sent its message to (its treatment less those held back), sorted.
    public func campaignSent(_ name: String) throws -> [String] {
        try read { db in
            try String.fetchAll(db, sql: """
                SELECT patientID FROM campaignMember WHERE campaign = ? AND holdout = 0
                AND patientID NOT IN (SELECT patientID FROM campaignNotSent WHERE campaign = ?) ORDER BY patientID
                """, arguments: [name, name])
        }
    }

    static func groups(of name: String, in db: Database, withClusters: Bool = true) throws -> CampaignGroups {
        var groups = CampaignGroups(treatment: [], holdout: [])
        let rows = try Row.fetchCursor(db, sql: "SELECT patientID, holdout FROM campaignMember WHERE campaign = ? ORDER BY patientID",
                                       arguments: [name])
        while let row = try rows.next() {
            let patient: String = row["patientID"]
            if row["holdout"] as Bool { groups.holdout.append(patient) } else { groups.treatment.append(patient) }
        }
        // A reason no rule has comes from an edit of the store, which `audit verify` reports; it is left out.
        for (patient, reason) in try notSent(of: name, in: db) { groups.notSent[patient] = HeldBackReason(rawValue: reason) }
        if withClusters { groups.clusters = try clusters(of: name, in: db) }
        return groups
    }

    /// (patient, reason) of the campaign's treatment patients held back from its send list, by patient.
    static func notSent(of name: String, in db: Database) throws -> [(String, String)] {
        var result: [(String, String)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT patientID, reason FROM campaignNotSent WHERE campaign = ? ORDER BY patientID",
                                       arguments: [name])
        while let row = try rows.next() { result.append((row["patientID"], row["reason"])) }
        return result
    }

    /// A fingerprint over the campaign's row and every member with its group, so that the one its start
    /// entry recorded in the audit log detects an edited setting, a patient moved between groups, added or
    /// removed.
    static func campaignFingerprint(_ name: String, in db: Database) throws -> String? {
        guard let campaign = try CampaignRecord.fetchOne(db, sql: "SELECT * FROM campaign WHERE name = ?", arguments: [name]) else {
            return nil
        }
        var fields = ["campaign", campaign.name, campaign.segment, campaign.channel, campaign.purpose, String(campaign.holdoutShare),
                      campaign.outcomeEvent, String(campaign.outcomeDays), campaign.subgroups, String(campaign.startedRun),
                      campaign.startedAsOf, campaign.startedAt]
        let rows = try Row.fetchCursor(db, sql: "SELECT patientID, holdout FROM campaignMember WHERE campaign = ? ORDER BY patientID",
                                       arguments: [name])
        while let row = try rows.next() {
            fields += [row["patientID"], (row["holdout"] as Bool) ? "holdout" : "treatment"]
        }
        // After the groups, so that a campaign without such rows (every one started before) keeps its fingerprint.
        for (patient, reason) in try notSent(of: name, in: db) { fields += ["not sent", patient, reason] }
        fields += try clusterFingerprintFields(name, in: db)
        return Fingerprint.of(Data(fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "\n").utf8))
    }
}

extension StoreSession {
    /// Records a started campaign, both its groups, the treatment patients not sent and the audience's clusters.
    /// - Returns: the fingerprint of what was recorded (see ``SegmentStore/campaignFingerprint(_:)``).
    public func startCampaign(_ campaign: CampaignRecord, groups: CampaignGroups) throws -> String {
        try campaign.insert(db)
        let statement = try db.makeStatement(sql: "INSERT INTO campaignMember (campaign, patientID, holdout) VALUES (?, ?, ?)")
        for patient in groups.treatment { try statement.execute(arguments: [campaign.name, patient, false]) }
        for patient in groups.holdout { try statement.execute(arguments: [campaign.name, patient, true]) }
        let notSent = try db.makeStatement(sql: "INSERT INTO campaignNotSent (campaign, patientID, reason) VALUES (?, ?, ?)")
        for (patient, reason) in groups.notSent.sorted(by: { $0.key < $1.key }) {
            try notSent.execute(arguments: [campaign.name, patient, reason.rawValue])
        }
        if let clusters = groups.clusters { try recordCampaignClusters(campaign.name, clusters) }
        return try SegmentStore.campaignFingerprint(campaign.name, in: db)!
    }

    /// The campaign named `name`, if it was started.
    public func campaign(named name: String) throws -> CampaignRecord? {
        try CampaignRecord.fetchOne(db, sql: "SELECT * FROM campaign WHERE name = ?", arguments: [name])
    }
}

/// `strata audit verify` for campaigns: each campaign's row and groups against the fingerprint its
/// `campaign start` entry recorded, and its send list against the list's fingerprint.
enum CampaignAudit {
    static let startAction = "campaign start"

    static func problems(store: SegmentStore, entries: [AuditEntry], listsFolder: URL) throws -> [String] {
        var problems: [String] = []
        var started: Set<String> = []
        for entry in entries where entry.action == startAction {
            let outputs = entry.outputFingerprints
            for (key, recorded) in outputs.sorted(by: { $0.key < $1.key }) where key.hasPrefix("campaign:") {
                let name = String(key.dropFirst("campaign:".count))
                started.insert(name)
                guard let current = try store.campaignFingerprint(name) else {
                    problems.append("campaign \(name): entry \(entry.sequence) records its start, but the store has no such campaign")
                    continue
                }
                if current != recorded {
                    problems.append("campaign \(name): its settings or groups were changed after entry \(entry.sequence) recorded them")
                }
                let folder = listsFolder.appendingPathComponent("campaigns").appendingPathComponent(name)
                let expected = outputs.filter { $0.key.hasPrefix("list:") }
                if expected.isEmpty { continue }
                for problem in ListFolder.problems(folder, expected: expected) {
                    problems.append("campaign \(name): \(problem)")
                }
            }
        }
        for campaign in try store.campaigns() where !started.contains(campaign.name) {
            problems.append("campaign \(campaign.name) is in the store, but no audit entry records its start")
        }
        return problems
    }
}
