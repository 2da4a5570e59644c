import Foundation
import StrataData
import StrataFeatures
import StrataSegments

extension Refresh {
    /// The run's lists under the project's contact policy (`contact_policy` in strata.yml): one channel per
    /// patient and segment, no deceased patient, marketing within its caps and quiet periods.
    ///
    /// Every opt-out on file counts, even one recorded after the as-of date: a list is used now. The open
    /// campaigns' holdouts come off the segments first; what campaigns started from earlier runs sent counts
    /// as messages already sent (``CampaignHoldouts``).
    /// - Parameter explaining: segments whose plan records each patient held back and why.
    static func contactPlan(_ segments: [SegmentMembers], holdouts: CampaignHoldouts, run: Int64, project: Project,
                            export: ClinicExport, asOf: Day, explaining: Set<String> = []) throws -> ContactPlan {
        try ContactPolicy.plan(segments.map { holdouts.listed($0, run: run, export: export) }, export: export,
                               consents: ConsentLedger(everythingOnFile: export), asOf: asOf,
                               settings: project.configuration.contactPolicy, sent: holdouts.sends(before: run, export: export),
                               explaining: explaining)
    }
}

extension Refresh.StagedLists {
    /// Each planned segment's lists, in definition and channel order.
    func contactLists(_ plan: ContactPlan) -> [ContactList] {
        plan.segments.flatMap { segment in segment.rows.indices.map { ContactList(segment, channelAt: $0, export: export) } }
    }
}

extension RefreshSummary {
    /// A heading, then per segment that the contact policy held contacts back from, indented (so that no
    /// line starts with a segment name but the table's): `  name: N (reason n, ...)`, the reasons with a count
    /// only. Empty when nothing was held back.
    var heldBackLines: [String] {
        let lines: [String] = segments.compactMap { segment in
            let reasons = segment.heldBack.reasons.filter { $0.contacts > 0 }
            guard !reasons.isEmpty else { return nil }
            let total = reasons.reduce(0) { $0 + $1.contacts }
            return "  \(segment.name): \(total) (" + reasons.map { "\($0.name.replacingOccurrences(of: "_", with: " ")) \($0.contacts)" }
                .joined(separator: ", ") + ")"
        }
        return lines.isEmpty ? [] : ["held back (contacts), by reason:"] + lines
    }
}
