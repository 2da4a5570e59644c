import StrataData
import StrataFeatures
import StrataSegments

/// Which of a campaign's treatment patients its send list contacts, under the project's contact policy.
///
/// A campaign's message is its segment's message of the run it starts from, sent to the treatment on the
/// campaign's channel: so the treatment is sent exactly where the run's lists, planned again as refresh
/// planned them (the run's memberships, the open campaigns' holdouts, the earlier campaigns' sends, every
/// segment in priority order), list the patient for that segment on that channel. The others stay in the
/// treatment group (intention to treat) with the rule that held them back: `deceased`, `quiet_period`, `cap`,
/// `priority` (the run's allowance went to higher-priority segments, or an earlier campaign started from the
/// same run already sent this segment's message on this channel), or `channel_routing` (listed on another
/// of the segment's channels). The split is made before, on the whole audience, so the policy cannot bias it.
///
/// With the policy off (`contact_policy: {enabled: false}`) the whole treatment is sent but its deceased patients.
struct CampaignSendPlan {
    /// Treatment rows sent, ascending.
    var sent: [Int]
    /// Treatment rows not sent, with the rule.
    var notSent: [Int: HeldBackReason]

    /// - Parameters:
    ///   - treatment: export rows of the treatment group, ascending.
    ///   - channel: the campaign's channel, one of `segment`'s channels when the policy is on.
    static func make(treatment: [Int], campaign: CampaignDefinition, segment: SegmentDefinition, channel: Channel,
                     run: RunRecord, asOf: Day, project: Project, export: ClinicExport, store: SegmentStore,
                     holdouts: CampaignHoldouts) throws -> CampaignSendPlan {
        guard project.configuration.contactPolicy.enabled else {
            // Without the policy the whole treatment is sent, but never to a patient with a death on file.
            var plan = CampaignSendPlan(sent: [], notSent: [:])
            for row in treatment {
                if export.patients.hasDeathOnFile(row) { plan.notSent[row] = .deceased } else { plan.sent.append(row) }
            }
            return plan
        }
        guard segment.channels.contains(channel.name) else {
            throw CampaignRunError.channelNotInSegment(campaign: campaign.name, channel: campaign.channel,
                                                       segment: segment.name, channels: segment.channels)
        }
        // The run's segments as it recorded them, in definition order (a segment defined since is in none of its lists).
        let ids = export.patients.ids
        let recorded = Set(try store.segmentNames())
        let segments = try project.segments.definitions.filter { recorded.contains($0.name) }.map { definition in
            SegmentMembers(definition: definition, recordedRows: try store.members(of: definition.name).compactMap { ids.index(of: $0) }.sorted())
        }
        let plan = try Refresh.contactPlan(segments, holdouts: holdouts, run: run.id, project: project, export: export, asOf: asOf,
                                           explaining: [segment.name])
        guard let planned = plan.segments.first(where: { $0.definition.name == segment.name }),
              let onChannel = planned.rows.first(where: { $0.channel == channel }) else {
            throw CampaignRunError.unknownSegment(campaign: campaign.name, segment: segment.name)
        }
        let listed = Set(onChannel.rows)
        let held = Dictionary(uniqueKeysWithValues: planned.heldRows.map { ($0.row, $0.reason) })
        // What campaigns started earlier from the same run sent for this segment on this channel.
        var alreadySent: Set<Int> = []
        for other in try store.campaigns() where other.startedRun == run.id && other.segment == segment.name && other.channel == channel.name {
            alreadySent.formUnion(try store.campaignSent(other.name).compactMap { ids.index(of: $0) })
        }

        var result = CampaignSendPlan(sent: [], notSent: [:])
        for row in treatment {
            if listed.contains(row) {
                if alreadySent.contains(row) { result.notSent[row] = .priority } else { result.sent.append(row) }
            } else {
                // Every audience member is a candidate of the plan (consent and an address on the channel, in no
                // other holdout), so one neither listed on the channel nor held back is listed on another.
                result.notSent[row] = held[row] ?? .channelRouting
            }
        }
        return result
    }
}
