import Foundation
import StrataSegments

/// `strata campaign report --json`; ``table`` is what people read.
public struct CampaignReportSummary: Codable, Sendable, Equatable {
    /// One comparison of treatment with holdout. Before the outcome window has passed, the rates are those
    /// so far and everything inferential (lift, interval, p-value) is nil: not yet available.
    public struct Result: Codable, Sendable, Equatable {
        public var treatment: Int
        public var treatmentOutcomes: Int
        public var treatmentRate: Double?
        public var holdout: Int
        public var holdoutOutcomes: Int
        public var holdoutRate: Double?
        /// Treatment rate minus holdout rate.
        public var absoluteLift: Double?
        /// The absolute lift over the holdout rate.
        public var relativeLift: Double?
        /// Newcombe's hybrid score 95% interval for the absolute lift.
        public var intervalLower: Double?
        public var intervalUpper: Double?
        public var pValue: Double?
        /// The smallest absolute lift these group sizes detect with 80% power (two-sided 5% test).
        public var minimumDetectableLift: Double?

        init(_ comparison: ProportionComparison, complete: Bool) {
            treatment = comparison.treatedSize
            treatmentOutcomes = comparison.treatedOutcomes
            treatmentRate = comparison.treatedRate
            holdout = comparison.holdoutSize
            holdoutOutcomes = comparison.holdoutOutcomes
            holdoutRate = comparison.holdoutRate
            minimumDetectableLift = comparison.minimumDetectableLift
            guard complete else { return }
            absoluteLift = comparison.difference
            relativeLift = comparison.relativeLift
            let interval = comparison.interval()
            intervalLower = interval?.lower
            intervalUpper = interval?.upper
            pValue = comparison.pValue
        }

        enum CodingKeys: String, CodingKey {
            case treatment, treatmentOutcomes = "treatment_outcomes", treatmentRate = "treatment_rate", holdout
            case holdoutOutcomes = "holdout_outcomes", holdoutRate = "holdout_rate", absoluteLift = "absolute_lift"
            case relativeLift = "relative_lift", intervalLower = "interval_lower", intervalUpper = "interval_upper"
            case pValue = "p_value", minimumDetectableLift = "minimum_detectable_lift"
        }
    }

    /// One value of a sub-group column; `result` is nil when a cell is below 11 (suppressed).
    public struct Subgroup: Codable, Sendable, Equatable {
        public var column: String
        public var value: String
        public var suppressed: Bool
        public var result: Result?
    }

    /// A sub-group the report cannot give, and why (not an error: e.g. `cluster` for a campaign started
    /// without a cluster model).
    public struct UnavailableSubgroup: Codable, Sendable, Equatable {
        public var column: String
        public var reason: String
    }

    /// From the communications table: treated patients sent this campaign, and of them how many opened,
    /// clicked and responded; held-out patients it was sent to (should be 0).
    public struct Responses: Codable, Sendable, Equatable {
        public var sent = 0
        public var opened = 0
        public var clicked = 0
        public var responded = 0
        public var holdoutContacted = 0

        enum CodingKeys: String, CodingKey { case sent, opened, clicked, responded, holdoutContacted = "holdout_contacted" }
    }

    public var campaign: String
    public var segment: String
    public var channel: String
    public var outcome: String
    /// The campaign's day 0 and the last day of its outcome window.
    public var startedAsOf: String
    public var windowEnds: String
    /// The export measured on, and its last day.
    public var export = ""
    public var exportLastDay: String
    /// Whether the export reaches the window's last day: only then are the lift, interval and p-value given.
    public var complete: Bool
    public var overall: Result
    /// Group members the export no longer has (counted without the outcome).
    public var missingFromExport = 0
    /// Treatment patients on the send list, and those the contact policy kept off it at the start, by rule.
    /// Both are in the treatment group's figures (intention to treat).
    public var sent = 0
    public var notSent = CampaignNotSent()
    public var subgroups: [Subgroup] = []
    public var unavailableSubgroups: [UnavailableSubgroup] = []
    public var responses = Responses()
    public var warnings: [String] = []

    init(campaign: String, segment: String, channel: String, outcome: String, startedAsOf: String, windowEnds: String,
         exportLastDay: String, complete: Bool, overall: Result) {
        self.campaign = campaign
        self.segment = segment
        self.channel = channel
        self.outcome = outcome
        self.startedAsOf = startedAsOf
        self.windowEnds = windowEnds
        self.exportLastDay = exportLastDay
        self.complete = complete
        self.overall = overall
    }

    enum CodingKeys: String, CodingKey {
        case campaign, segment, channel, outcome, startedAsOf = "started_as_of", windowEnds = "window_ends", export
        case exportLastDay = "export_last_day", complete, overall, missingFromExport = "missing_from_export", sent
        case notSent = "not_sent", subgroups, unavailableSubgroups = "unavailable_subgroups"
        case responses, warnings
    }

    public var table: String {
        var lines = ["campaign \(campaign): \(segment) by \(channel), outcome \(outcome) in (\(startedAsOf), \(windowEnds)]",
                     "export \(export), last day \(exportLastDay)" + (complete ? "" : ": the window has not passed, rates so far")]
        if notSent.total > 0 {
            lines.append("treatment: \(sent) sent, \(notSent.total) not sent under the contact policy (\(notSent.words)); all \(overall.treatment) are counted in the treatment group (intention to treat)")
        }
        lines.append(contentsOf: Self.rows(overall, complete: complete, label: "overall"))
        for subgroup in subgroups {
            let label = "\(subgroup.column)=\(subgroup.value)"
            if let result = subgroup.result {
                lines.append(contentsOf: Self.rows(result, complete: complete, label: label))
            } else {
                lines.append("\(label): suppressed (a cell below \(CampaignReport.smallestCell))")
            }
        }
        for unavailable in unavailableSubgroups { lines.append("\(unavailable.column): not available: \(unavailable.reason)") }
        lines.append("responses (treatment): sent \(responses.sent), opened \(responses.opened), clicked \(responses.clicked), responded \(responses.responded); holdout contacted \(responses.holdoutContacted)")
        if missingFromExport > 0 { lines.append("\(missingFromExport) group members are not in this export (counted without the outcome)") }
        return lines.joined(separator: "\n")
    }

    private static func rows(_ result: Result, complete: Bool, label: String) -> [String] {
        func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a" }
        func points(_ value: Double?) -> String { value.map { String(format: "%+.2f pts", $0 * 100) } ?? "n/a" }
        var lines = ["\(label): treatment \(result.treatmentOutcomes)/\(result.treatment) (\(percent(result.treatmentRate))), "
                     + "holdout \(result.holdoutOutcomes)/\(result.holdout) (\(percent(result.holdoutRate)))"]
        if complete {
            let relative = result.relativeLift.map { String(format: "%+.1f%%", $0 * 100) } ?? "n/a"
            lines.append("  lift \(points(result.absoluteLift)) (relative \(relative)), 95% interval \(points(result.intervalLower)) to \(points(result.intervalUpper)), p = \(result.pValue.map { String(format: "%.4f", $0) } ?? "n/a")")
        } else {
            lines.append("  lift, 95% interval and p-value: not yet available (the outcome window has not passed)")
        }
        lines.append("  minimum detectable lift (80% power): \(points(result.minimumDetectableLift))")
        return lines
    }
}
