import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// Who stays off a refresh's lists because of campaigns: the holdout of every open campaign, on the lists of
/// that campaign's segment, and the global holdout (`global_holdout:`), on every marketing list. And what
/// recent campaigns sent, which the contact policy counts as messages already sent (``sends(before:export:)``).
///
/// A campaign is open from its start until its outcome window has passed: on the lists of runs recorded
/// after the start whose as-of day is at most the start day plus `within_days`. Contacting a held-out
/// patient inside the window would spoil the comparison; after it the campaign is measured and they may be
/// contacted again. The run a campaign started from keeps its lists as they were written (so rebuilding
/// them gives the same files).
struct CampaignHoldouts: Sendable {
    struct Open: Sendable {
        var segment: String
        var startedRun: Int64
        var holdout: Set<String>
    }

    /// A campaign's sends: patient ids, on its start day.
    struct Sent: Sendable {
        var campaign: String
        var startedRun: Int64
        var day: Day
        var purpose: SegmentPurpose
        var patients: [String]
    }

    var open: [Open] = []
    var globalShare = 0.0
    var split: CampaignSplit?
    /// The sends of campaigns started recently enough to count under the project's contact policy.
    var sent: [Sent] = []

    static let none = CampaignHoldouts()

    /// The campaigns open at `asOf` in `store`, and the global holdout of `project`'s settings (creating the
    /// project's secret when a global holdout is set and none exists yet). Call under the refresh lock.
    init(store: SegmentStore, project: Project, asOf: Day) throws {
        for campaign in try store.campaigns() {
            guard let start = try? Day(iso: campaign.startedAsOf), asOf <= start + campaign.outcomeDays else { continue }
            open.append(Open(segment: campaign.segment, startedRun: campaign.startedRun,
                             holdout: Set(try store.campaignGroups(campaign.name).holdout)))
        }
        globalShare = project.configuration.campaigns.globalHoldout
        if globalShare > 0 { split = CampaignSplit(secret: try CampaignSecret.loadOrCreate(besideStore: store.path)) }
        sent = try Self.recentSends(store: store, policy: project.configuration.contactPolicy, asOf: asOf)
    }

    /// The sends of the campaigns started in the days before `asOf` that `policy` looks back over (its cap
    /// windows and the quiet period after a message), or none when the policy is off.
    static func recentSends(store: SegmentStore, policy: ContactPolicySettings, asOf: Day) throws -> [Sent] {
        guard policy.enabled else { return [] }
        // A window of W days ending with the as-of day starts W - 1 days before it; a message D days before
        // keeps the quiet period through the as-of day when D <= after_message.
        let lookback = [policy.marketingCap.windowDays ?? 0, policy.careCap?.windowDays ?? 0, policy.quietDays.afterMessage + 1].max()!
        var sent: [Sent] = []
        for campaign in try store.campaigns() {
            guard let day = try? Day(iso: campaign.startedAsOf), day <= asOf, asOf - day < lookback else { continue }
            sent.append(Sent(campaign: campaign.name, startedRun: campaign.startedRun, day: day,
                             purpose: SegmentPurpose(rawValue: campaign.purpose) ?? .marketing,
                             patients: try store.campaignSent(campaign.name)))
        }
        return sent
    }

    /// What campaigns started from runs before `run` sent, as the contact policy of run `run` counts it: each
    /// a message already sent on the campaign's start day. Campaigns started from run `run` itself are planned
    /// against its lists (``CampaignSendPlan``), so they do not change them.
    func sends(before run: Int64, export: ClinicExport) -> [CampaignSends] {
        let ids = export.patients.ids
        return sent.filter { $0.startedRun < run }.map { campaign in
            CampaignSends(campaign: campaign.campaign, day: campaign.day, purpose: campaign.purpose,
                          rows: campaign.patients.compactMap { ids.index(of: $0) })
        }
    }

    private init() {}

    /// `segment` as run `run`'s lists may contain it.
    func listed(_ segment: SegmentMembers, run: Int64, export: ClinicExport) -> SegmentMembers {
        let holdouts = open.filter { $0.segment == segment.definition.name && $0.startedRun < run }.map(\.holdout)
        let global = segment.definition.purpose == .marketing ? split : nil
        if holdouts.isEmpty && global == nil { return segment }
        let ids = export.patients.ids
        return segment.listing { row in
            let patient = ids[row]
            if holdouts.contains(where: { $0.contains(patient) }) { return false }
            if let global, global.isInGlobalHoldout(patient: patient, share: globalShare) { return false }
            return true
        }
    }

    /// Whether patient `id` may be in a campaign's audience drawn from `segment` (of `purpose`) after run
    /// `run`: not in the holdout of another open campaign of that segment, nor in the global holdout.
    func admits(_ id: String, segment: String, purpose: SegmentPurpose, run: Int64) -> Bool {
        if open.contains(where: { $0.segment == segment && $0.startedRun <= run && $0.holdout.contains(id) }) { return false }
        if purpose == .marketing, let split, split.isInGlobalHoldout(patient: id, share: globalShare) { return false }
        return true
    }
}
