import Foundation
import GRDB

/// The clusters of a campaign's audience as its start recorded them, so that `campaign report` can break the
/// results down by cluster even after the cluster model changes.
public enum CampaignClusters: Sendable, Equatable {
    /// Each audience member's cluster name (as the run's refresh named it), by patient id, from the cluster
    /// model file `model`.
    case recorded(model: String, clusters: [String: String])
    /// The start recorded no clusters, and why (the run applied no cluster model, or its file had gone).
    case unavailable(reason: String)
}

extension SegmentStore {
    /// The clusters of each campaign's audience. Tables of their own, so that campaigns started before keep
    /// their rows (and fingerprints) as they were: no `campaignClusterSource` row means the start recorded
    /// no clusters at all.
    static func registerCampaignClusterMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8: campaign clusters") { db in
            try db.create(table: "campaignClusterSource") { t in
                t.primaryKey("campaign", .text).references("campaign")
                // The cluster model file, or nil with the reason there are no clusters.
                t.column("model", .text)
                t.column("unavailableReason", .text)
            }
            try db.create(table: "campaignCluster", options: .withoutRowID) { t in
                t.column("campaign", .text).notNull().references("campaign")
                t.column("patientID", .text).notNull()
                t.column("cluster", .text).notNull()
                t.primaryKey(["campaign", "patientID"])
            }
        }
    }

    /// The clusters campaign `name`'s start recorded; nil when it recorded none (started before Strata
    /// recorded clusters).
    static func clusters(of name: String, in db: Database) throws -> CampaignClusters? {
        guard let source = try Row.fetchOne(db, sql: "SELECT model, unavailableReason FROM campaignClusterSource WHERE campaign = ?",
                                            arguments: [name]) else { return nil }
        guard let model = source["model"] as String? else {
            return .unavailable(reason: source["unavailableReason"] as String? ?? "")
        }
        var clusters: [String: String] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT patientID, cluster FROM campaignCluster WHERE campaign = ? ORDER BY patientID",
                                       arguments: [name])
        while let row = try rows.next() { clusters[row["patientID"]] = row["cluster"] }
        return .recorded(model: model, clusters: clusters)
    }

    /// The fields the campaign's clusters add to its fingerprint: none when the start recorded none, so that
    /// campaigns started before keep theirs.
    static func clusterFingerprintFields(_ name: String, in db: Database) throws -> [String] {
        guard let source = try Row.fetchOne(db, sql: "SELECT model, unavailableReason FROM campaignClusterSource WHERE campaign = ?",
                                            arguments: [name]) else { return [] }
        guard let model = source["model"] as String? else { return ["clusters unavailable", source["unavailableReason"] as String? ?? ""] }
        // By patient, straight from the table's key order.
        var fields = ["clusters from", model]
        let rows = try Row.fetchCursor(db, sql: "SELECT patientID, cluster FROM campaignCluster WHERE campaign = ? ORDER BY patientID",
                                       arguments: [name])
        while let row = try rows.next() { fields += ["cluster", row["patientID"], row["cluster"]] }
        return fields
    }
}

extension StoreSession {
    /// Records the clusters of campaign `name`'s audience (inside its start's transaction).
    func recordCampaignClusters(_ name: String, _ clusters: CampaignClusters) throws {
        switch clusters {
        case let .unavailable(reason):
            try db.execute(sql: "INSERT INTO campaignClusterSource (campaign, model, unavailableReason) VALUES (?, NULL, ?)",
                           arguments: [name, reason])
        case let .recorded(model, clusters):
            try db.execute(sql: "INSERT INTO campaignClusterSource (campaign, model, unavailableReason) VALUES (?, ?, NULL)",
                           arguments: [name, model])
            let statement = try db.makeStatement(sql: "INSERT INTO campaignCluster (campaign, patientID, cluster) VALUES (?, ?, ?)")
            for (patient, cluster) in clusters.sorted(by: { $0.key < $1.key }) {
                try statement.execute(arguments: [name, patient, cluster])
            }
        }
    }
}
