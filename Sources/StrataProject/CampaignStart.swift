import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// `strata campaign start NAME`: freezes a campaign's audience, splits it into treatment and holdout, writes
/// the send list (treatment only) and records both groups.
///
/// The audience is the campaign segment's consented list for the campaign's channel after the latest run:
/// its members in the store, with a consent in force for the segment's purpose and an address, less the
/// global holdout and the holdouts of other open campaigns of that segment. Each patient is held out when
/// the keyed hash of (campaign, patient) under the project's secret falls below the holdout share
/// (``CampaignSplit``).
///
/// The send list is the treatment less the patients the contact policy holds back (``CampaignSendPlan``);
/// they stay in the treatment group, and the store records each with the rule that held them.
///
/// Safety as for refresh: under the refresh lock; the send list is written into a hidden staging folder and
/// renamed to `lists/campaigns/<name>/` only after the store transaction (the campaign, its groups and the
/// `campaign start` audit entry) commits. A staging folder a killed start left is removed by the next
/// command that takes the lock.
public enum CampaignStart {
    public static func run(_ configuration: CampaignWorkflow.Configuration) throws -> CampaignStartSummary {
        let project = try Project(directory: configuration.project)
        let campaigns = project.configuration.campaigns
        guard let definition = campaigns.campaign(named: configuration.name) else {
            throw CampaignRunError.unknownCampaign(configuration.name, known: campaigns.campaigns.map(\.name))
        }
        guard let segment = project.segments.definitions.first(where: { $0.name == definition.segment }) else {
            throw CampaignRunError.unknownSegment(campaign: definition.name, segment: definition.segment)
        }
        let (folder, exportFingerprint, export, _) = try CampaignWorkflow.readExport(project, explicit: configuration.export)
        try CampaignReport.checkSubgroups(definition.subgroups, campaign: definition.name, export: export)
        let channel = Channel.allCases.first { $0.name == definition.channel }!
        let purpose: ConsentPurpose = segment.purpose == .marketing ? .marketing : .care

        return try CampaignWorkflow.withStore(project, lockTimeout: configuration.lockTimeout) { store in
            guard let run = try store.latestRun() else { throw StoreError.noRuns }
            guard run.exportFingerprint == exportFingerprint else {
                throw CampaignRunError.exportNotLatestRun(export: folder.path, run: run.id)
            }
            if let existing = try store.campaign(named: definition.name) {
                throw CampaignRunError.alreadyStarted(definition.name, asOf: existing.startedAsOf)
            }
            guard try store.segmentNames().contains(definition.segment) else {
                throw CampaignRunError.unknownSegment(campaign: definition.name, segment: definition.segment)
            }
            let runDay = try Day(iso: run.asOf)
            let holdouts = try CampaignHoldouts(store: store, project: project, asOf: runDay)
            let ids = export.patients.ids
            let members = try store.members(of: definition.segment)
            var candidates: [Int] = []
            var keptByOtherHoldouts = 0
            for id in members {
                guard let row = ids.index(of: id) else { continue }
                guard holdouts.admits(id, segment: definition.segment, purpose: segment.purpose, run: run.id) else {
                    keptByOtherHoldouts += 1
                    continue
                }
                candidates.append(row)
            }
            candidates.sort()
            let consents = ConsentLedger(everythingOnFile: export)
            let audience = ContactList(campaign: definition.name, rows: candidates, channel: channel, purpose: purpose,
                                       export: export, consents: consents)
            let split = CampaignSplit(secret: try CampaignSecret.loadOrCreate(besideStore: store.path))
            // The split first, on the whole audience; then the contact policy on the treatment.
            var groups = CampaignGroups(treatment: [], holdout: [])
            var treatmentRows: [Int] = []
            for row in audience.rows {
                if split.isHeldOut(campaign: definition.name, patient: row.patientID, share: definition.holdout) {
                    groups.holdout.append(row.patientID)
                } else {
                    groups.treatment.append(row.patientID)
                    treatmentRows.append(ids.index(of: row.patientID)!)
                }
            }
            groups.treatment.sort()
            groups.holdout.sort()
            groups.clusters = try audienceClusters(groups, campaign: definition, run: run, project: project, export: export, asOf: runDay)
            let sends = try CampaignSendPlan.make(treatment: treatmentRows, campaign: definition, segment: segment, channel: channel,
                                                  run: run, asOf: runDay, project: project, export: export, store: store,
                                                  holdouts: holdouts)
            groups.notSent = Dictionary(uniqueKeysWithValues: sends.notSent.map { (ids[$0.key], $0.value) })
            let sendList = ContactList(campaign: definition.name, rows: sends.sent, channel: channel, purpose: purpose,
                                       export: export, consents: consents)

            // The send list, staged until the campaign is recorded.
            let final = CampaignWorkflow.listFolder(project, campaign: definition.name)
            try PrivateFolder.make(final.deletingLastPathComponent())
            let staging = final.deletingLastPathComponent().appendingPathComponent(".\(definition.name).staging")
            try? FileManager.default.removeItem(at: staging)
            try PrivateFolder.make(staging)
            let listData = Data(sendList.csv.utf8)
            let record = CampaignRecord(name: definition.name, segment: definition.segment, channel: definition.channel,
                                        purpose: segment.purpose.rawValue, holdoutShare: definition.holdout,
                                        outcomeEvent: definition.outcome.event.rawValue, outcomeDays: definition.outcome.withinDays,
                                        subgroups: definition.subgroups, startedRun: run.id, startedAsOf: run.asOf,
                                        startedAt: ISO8601DateFormatter().string(from: Date()))
            do {
                try AtomicFile.write(listData, to: staging.appendingPathComponent(sendList.fileName), permissions: 0o600)
                try store.exclusively { session in
                    let fingerprint = try session.startCampaign(record, groups: groups)
                    try session.audit(action: "campaign start", user: configuration.user,
                                      inputs: ["run": String(run.id), "export": exportFingerprint],
                                      outputs: ["campaign:" + definition.name: fingerprint,
                                                "list:" + sendList.fileName: Fingerprint.of(listData)])
                }
            } catch {
                try? FileManager.default.removeItem(at: staging)
                throw error
            }
            try Refresh.publish(staging, as: final, run: run.id)

            return CampaignStartSummary(
                campaign: definition.name, segment: definition.segment, channel: definition.channel, run: run.id, asOf: run.asOf,
                holdoutShare: definition.holdout, segmentMembers: members.count, keptByOtherHoldouts: keptByOtherHoldouts,
                withoutConsent: audience.withoutConsent, withoutAddress: audience.withoutAddress, audience: audience.rows.count,
                treatment: groups.treatment.count, holdout: groups.holdout.count,
                sent: sendList.rows.count, notSent: CampaignNotSent(groups.notSent),
                list: final.appendingPathComponent(sendList.fileName).path,
                outcomeDue: (runDay + definition.outcome.withinDays).description, clusters: groups.clusters)
        }
    }
}

/// `strata campaign start --json`; ``table`` is what people read.
public struct CampaignStartSummary: Codable, Sendable, Equatable {
    public var campaign: String
    public var segment: String
    public var channel: String
    /// The run whose list was the audience, and its as-of day (the campaign's day 0).
    public var run: Int64
    public var asOf: String
    public var holdoutShare: Double
    public var segmentMembers: Int
    /// Members kept out because they are in the global holdout or another open campaign's holdout.
    public var keptByOtherHoldouts: Int
    public var withoutConsent: Int
    public var withoutAddress: Int
    public var audience: Int
    public var treatment: Int
    public var holdout: Int
    /// Treatment patients on the send list, and those the contact policy kept off it (still in the treatment
    /// group), by rule: `sent + not_sent.total == treatment`.
    public var sent: Int
    public var notSent: CampaignNotSent
    /// The send list (treatment only).
    public var list: String
    /// The last day of the outcome window: a report on an export reaching it has every outcome.
    public var outcomeDue: String
    /// The cluster model file whose clusters were recorded with the groups, or nil with
    /// ``clustersUnavailable`` saying why none were.
    public var clusterModel: String?
    public var clustersUnavailable: String?

    enum CodingKeys: String, CodingKey {
        case campaign, segment, channel, run, asOf = "as_of", holdoutShare = "holdout_share", segmentMembers = "segment_members"
        case keptByOtherHoldouts = "kept_by_other_holdouts", withoutConsent = "without_consent", withoutAddress = "without_address"
        case audience, treatment, holdout, sent, notSent = "not_sent", list, outcomeDue = "outcome_due"
        case clusterModel = "cluster_model", clustersUnavailable = "clusters_unavailable"
    }

    init(campaign: String, segment: String, channel: String, run: Int64, asOf: String, holdoutShare: Double, segmentMembers: Int,
         keptByOtherHoldouts: Int, withoutConsent: Int, withoutAddress: Int, audience: Int, treatment: Int, holdout: Int, sent: Int,
         notSent: CampaignNotSent, list: String, outcomeDue: String, clusters: CampaignClusters?) {
        (self.campaign, self.segment, self.channel, self.run, self.asOf) = (campaign, segment, channel, run, asOf)
        (self.holdoutShare, self.segmentMembers, self.keptByOtherHoldouts) = (holdoutShare, segmentMembers, keptByOtherHoldouts)
        (self.withoutConsent, self.withoutAddress, self.audience) = (withoutConsent, withoutAddress, audience)
        (self.treatment, self.holdout, self.sent, self.notSent) = (treatment, holdout, sent, notSent)
        (self.list, self.outcomeDue) = (list, outcomeDue)
        switch clusters {
        case let .recorded(model, _)?: clusterModel = model
        case let .unavailable(reason)?: clustersUnavailable = reason
        case nil: break
        }
    }

    public var table: String {
        """
        campaign \(campaign): \(segment) by \(channel), run \(run) as of \(asOf)
        audience \(audience) (of \(segmentMembers) members: \(withoutConsent) without consent, \(withoutAddress) without address, \(keptByOtherHoldouts) in other holdouts)
        treatment \(treatment), holdout \(holdout) (share \(holdoutShare))
        sent \(sent) of the treatment; not sent under the contact policy: \(notSent.words)
        send list: \(list)
        outcomes are complete on an export reaching \(outcomeDue)
        clusters: \(clusterModel.map { "recorded from \($0)" } ?? "not recorded: " + (clustersUnavailable ?? "unknown"))
        """
    }
}
