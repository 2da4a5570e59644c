import StrataCharts
import StrataData
import StrataSegments

/// Who was not contacted and why: the contacts the contact policy held back in the run, per segment and
/// reason, as the refresh stored them. Part of the segments section, because the contacts held back for want
/// of consent are the members not reachable on each channel, summed: the two share one suppression plan.
///
/// A *contact* is a (patient, channel) row of the unconstrained lists (see ``ContactPolicy``), so a count is
/// contacts, and a count from 1 to `minCellSize − 1` contacts comes from fewer patients still: it is suppressed.
extension SegmentsSection {
    /// The reasons in report order: the store's names, a legend label short enough for all seven to fit on
    /// the chart's one legend line, and words.
    static let heldBackReasons: [(name: String, label: String, words: String)] = [
        ("consent", "consent", "no consent in force"), ("address", "address", "no e-mail or phone"),
        ("channel_routing", "routing", "listed on another channel"), ("priority", "priority", "taken by a higher-priority segment"),
        ("cap", "cap", "frequency cap used up"), ("quiet_period", "quiet", "quiet period"), ("deceased", "deceased", "deceased"),
    ]

    static func heldBackID(_ segment: String, _ reason: String) -> String { "\(segment)|held|\(reason)" }

    /// Declares each held-back count, and that the contacts held back for consent are the members not
    /// reachable on each of the segment's channels, summed (when those were counted).
    func declareHeldBack(_ inputs: ReportInputs, segments: [SegmentSnapshot], reach: [String: [String: Int]],
                         into plan: inout SuppressionPlan) {
        for segment in segments {
            guard let held = inputs.heldBack[segment.name] else { continue }
            for (reason, contacts) in held.reasons { plan.cell(Self.heldBackID(segment.name, reason), patients: contacts) }
            let channels = Set(segment.channels.filter { name in Channel.allCases.contains { $0.name == name } })
            if let counted = reach[segment.name], !channels.isEmpty, Set(counted.keys) == channels {
                plan.sum(Self.heldBackID(segment.name, "consent"), of: channels.sorted().map { "\(segment.name)|unreached|\($0)" })
            }
        }
    }

    /// The held-back table or chart of `segments` and a sentence on the largest count shown; nil when the run
    /// stored none (a run recorded before the contact policy existed).
    func heldBackBlock(_ inputs: ReportInputs, segments: [SegmentSnapshot], hidden: Suppressed) throws -> (block: ReportBlock, reading: String)? {
        let held = segments.compactMap { segment in inputs.heldBack[segment.name].map { (segment, $0) } }
        guard !held.isEmpty else { return nil }
        let mark = hidden.mark
        func text(_ id: String, _ count: Int) -> String { hidden.contains(id) ? mark : Formatting.plain(count) }
        var rows: [[String]] = []
        var largest: (segment: String, reason: String, contacts: Int)?
        for (segment, counts) in held {
            let byName = Dictionary(uniqueKeysWithValues: counts.reasons.map { ($0.name, $0.contacts) })
            for reason in Self.heldBackReasons {
                let contacts = byName[reason.name] ?? 0, id = Self.heldBackID(segment.name, reason.name)
                rows.append([segment.name, segment.purpose.rawValue, reason.name, text(id, contacts), text(id, contacts)])
                if !hidden.contains(id), contacts > (largest?.contacts ?? 0) { largest = (segment.name, reason.words, contacts) }
            }
        }
        let aggregate = Aggregate(name: "segments_held_back", columns: ["segment", "purpose", "reason", "contacts", "n"], rows: rows)
        let reading = largest.map {
            "The contact policy held back contacts (a patient on one channel) in run \(inputs.run.id) for the reasons in the chart; "
                + "the most were in \($0.segment), \(Formatting.count($0.contacts)) for \($0.reason)."
        } ?? "The contact policy held back no contacts in run \(inputs.run.id), or too few to show."
        // Only the reasons that held someone back somewhere get a series.
        let reasons = Self.heldBackReasons.filter { reason in held.contains { $0.1.reasons.contains { $0.name == reason.name && $0.contacts > 0 } } }
        guard largest != nil, !reasons.isEmpty else {
            return (.table(ReportTable(caption: "Contacts held back per segment and reason", aggregate: aggregate)), reading)
        }
        var chart = BarChart(title: "Contacts held back in run \(inputs.run.id)",
                             summary: "Contacts (a patient on one channel) the contact policy did not list, per segment and reason.",
                             categories: held.map(\.0.name), valueAxis: Axis("contacts held back", unit: "contacts"),
                             series: reasons.map { reason in
                                .init(reason.label, values: held.map { segment, counts in
                                    let contacts = counts.reasons.first { $0.name == reason.name }?.contacts ?? 0
                                    return hidden.contains(Self.heldBackID(segment.name, reason.name)) ? nil : Double(contacts)
                                })
                             }, identifier: "chart-segments-held-back")
        chart.missingMark = mark
        let legend = Self.heldBackReasons.map { "\($0.label): \($0.words)" }.joined(separator: "; ")
        return (.figure(Figure(svg: try chart.svg(), caption: "Who was not contacted and why (one contact is a patient on one channel). "
                                                         + "\(legend).",
                               aggregate: aggregate)), reading)
    }
}
