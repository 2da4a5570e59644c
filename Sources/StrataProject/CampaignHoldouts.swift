import Foundation
import StrataData
import StrataSegments

/// Who stays off a refresh's lists because of campaigns: the holdout of every open campaign, on the lists of
/// that campaign's segment, and the global holdout (`global_holdout:`), on every marketing list.
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

    var open: [Open] = []
    var globalShare = 0.0
    var split: CampaignSplit?

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
