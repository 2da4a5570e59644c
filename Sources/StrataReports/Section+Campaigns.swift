import StrataCharts
import StrataSegments

/// A started campaign measured on the run's export, as `strata campaign report` measures it: its settings
/// and the two groups' sizes and outcomes.
public struct CampaignInput: Sendable {
    public var campaign: CampaignRecord
    public var comparison: ProportionComparison
    /// The last day of the outcome window.
    public var windowEnds: String
    /// Whether the export reaches the window's last day; before, only the rates so far are shown.
    public var complete: Bool

    public init(campaign: CampaignRecord, comparison: ProportionComparison, windowEnds: String, complete: Bool) {
        self.campaign = campaign
        self.comparison = comparison
        self.windowEnds = windowEnds
        self.complete = complete
    }
}

/// Campaigns: each started campaign's outcome rate in its treatment group and its holdout, the lift with its
/// 95% interval (Newcombe's hybrid score) and p-value once the outcome window has passed (issue 21).
///
/// Each group's size, outcomes and non-outcomes are cells; a campaign with any of its six cells suppressed
/// shows no rate, lift, interval or p-value, since each would give the hidden counts back.
public struct CampaignsSection: ReportSectionBuilder {
    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        guard !inputs.campaigns.isEmpty else { return nil }
        var plan = SuppressionPlan(minCellSize: inputs.minCellSize)
        for input in inputs.campaigns {
            let name = input.campaign.name, compared = input.comparison
            for (group, size, outcomes) in [("treatment", compared.treatedSize, compared.treatedOutcomes),
                                            ("holdout", compared.holdoutSize, compared.holdoutOutcomes)] {
                plan.cell("\(name)|\(group)", patients: size)
                plan.cell("\(name)|\(group)|outcome", patients: outcomes)
                plan.cell("\(name)|\(group)|none", patients: size - outcomes)
                plan.sum("\(name)|\(group)", of: ["\(name)|\(group)|outcome", "\(name)|\(group)|none"])
            }
        }
        let hidden = plan.solve()
        let mark = hidden.mark
        func shown(_ input: CampaignInput) -> Bool {
            ["treatment", "holdout"].allSatisfy { group in
                ["", "|outcome", "|none"].allSatisfy { !hidden.contains("\(input.campaign.name)|\(group)\($0)") }
            }
        }
        func count(_ id: String, _ value: Int) -> String { hidden.contains(id) ? mark : Formatting.plain(value) }
        func number(_ value: Double?, _ isShown: Bool) -> String { isShown ? value.map { Formatting.decimal($0, 4) } ?? "" : mark }

        var rows: [[String]] = []
        var readings: [String] = []
        for input in inputs.campaigns {
            let name = input.campaign.name, compared = input.comparison, isShown = shown(input)
            let inferential = input.complete && isShown
            let interval = inferential ? compared.interval() : nil
            let total = hidden.contains("\(name)|treatment") || hidden.contains("\(name)|holdout")
                ? mark : Formatting.plain(compared.treatedSize + compared.holdoutSize)
            rows.append([name, input.campaign.segment, input.campaign.channel, input.campaign.outcomeEvent,
                         input.campaign.startedAsOf, input.windowEnds, input.complete ? "yes" : "no",
                         count("\(name)|treatment", compared.treatedSize), count("\(name)|treatment|outcome", compared.treatedOutcomes),
                         number(compared.treatedRate, isShown),
                         count("\(name)|holdout", compared.holdoutSize), count("\(name)|holdout|outcome", compared.holdoutOutcomes),
                         number(compared.holdoutRate, isShown),
                         input.complete ? number(compared.difference, isShown) : "", input.complete ? number(interval?.lower, isShown) : "",
                         input.complete ? number(interval?.upper, isShown) : "", input.complete ? number(compared.pValue, isShown) : "",
                         total])
            guard isShown, let treated = compared.treatedRate, let held = compared.holdoutRate else {
                readings.append("\(name): groups too small to show.")
                continue
            }
            var sentence = "\(name) (\(input.campaign.outcomeEvent) within \(input.campaign.outcomeDays) days of \(input.campaign.startedAsOf)): "
                + "\(Formatting.percent(treated)) of the treatment group against \(Formatting.percent(held)) of the holdout"
            if let interval, let difference = compared.difference {
                sentence += String(format: ", a lift of %+.1f points (95%% interval %+.1f to %+.1f)", difference * 100,
                                   interval.lower * 100, interval.upper * 100)
                sentence += interval.lower > 0 || interval.upper < 0 ? "." : "; the interval includes no effect."
            } else {
                sentence += " so far; the window ends \(input.windowEnds), so the lift is not yet available."
            }
            readings.append(sentence)
        }
        let aggregate = Aggregate(name: "campaigns", columns: [
            "campaign", "segment", "channel", "outcome", "started_as_of", "window_ends", "complete", "treatment",
            "treatment_outcomes", "treatment_rate", "holdout", "holdout_outcomes", "holdout_rate", "absolute_lift",
            "interval_lower", "interval_upper", "p_value", "n",
        ], rows: rows)
        let drawn = inputs.campaigns.filter(shown)
        var blocks: [ReportBlock] = []
        if drawn.isEmpty {
            blocks.append(.table(ReportTable(caption: "Campaigns measured on the run's export", aggregate: aggregate)))
        } else {
            var chart = BarChart(title: "Outcome rate per campaign and group",
                                 summary: "Share of each campaign's treatment group and holdout with the campaign's outcome in its window, on the run's export.",
                                 categories: inputs.campaigns.map(\.campaign.name), valueAxis: Axis("patients with the outcome", unit: "%"),
                                 series: [
                                    .init("treatment", values: inputs.campaigns.map { shown($0) ? $0.comparison.treatedRate.map { $0 * 100 } : nil }),
                                    .init("holdout", values: inputs.campaigns.map { shown($0) ? $0.comparison.holdoutRate.map { $0 * 100 } : nil }),
                                 ], identifier: "chart-campaigns")
            chart.missingMark = mark
            blocks.append(.figure(Figure(svg: try chart.svg(),
                                         caption: "Treatment against holdout; lift, 95% interval and p-value in the table once a window has passed.",
                                         aggregate: aggregate)))
        }
        let reading = ["Each campaign's randomized holdout measured on the run's export (intention to treat: patients the "
                       + "contact policy kept off the send list stay in the treatment group)."] + readings
        return ReportSection(id: "campaigns", title: "Campaigns", reading: reading, blocks: blocks)
    }
}
