import Foundation
import GRDB

/// The contact policy's suppression report in the store: per run, segment and reason, the contacts held back.
extension SegmentStore {
    static func registerContactPolicyMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6: contacts held back by the contact policy") { db in
            try db.create(table: "heldBack") { t in
                t.column("run", .integer).notNull().references("run")
                t.column("segment", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("contacts", .integer).notNull()
                t.primaryKey(["run", "segment", "reason"])
            }
        }
    }

    /// What the contact policy held back in run `run`, per segment (by name), empty for a run recorded
    /// before the policy existed.
    public func heldBack(run: Int64) throws -> [String: HeldBack] {
        try exclusively { session in try session.heldBack(run: run) }
    }
}

extension StoreSession {
    /// Records each segment's held-back contacts for `run` (every reason, zeros included).
    public func recordHeldBack(run: Int64, _ plan: ContactPlan) throws {
        for segment in plan.segments {
            for (reason, contacts) in segment.held.reasons {
                try db.execute(sql: "INSERT INTO heldBack (run, segment, reason, contacts) VALUES (?, ?, ?, ?)",
                               arguments: [run, segment.definition.name, reason, contacts])
            }
        }
    }

    func heldBack(run: Int64) throws -> [String: HeldBack] {
        var result: [String: HeldBack] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT segment, reason, contacts FROM heldBack WHERE run = ?", arguments: [run])
        while let row = try rows.next() {
            let segment: String = row["segment"], reason: String = row["reason"], contacts: Int = row["contacts"]
            var held = result[segment] ?? HeldBack()
            switch reason {
            case "consent": held.consent = contacts
            case "address": held.address = contacts
            case "channel_routing": held.channelRouting = contacts
            case "priority": held.priority = contacts
            case "cap": held.cap = contacts
            case "quiet_period": held.quietPeriod = contacts
            case "deceased": held.deceased = contacts
            default: continue
            }
            result[segment] = held
        }
        return result
    }
}
