import StrataCharts
import StrataModels

/// A score (churn or conversion): holdout metrics from the model file; ROC, reliability, cumulative gains,
/// lift by decile and the score histogram on patients whose outcome is known; the strongest coefficients;
/// and a budget table ("calling the top 500 reaches 31% of the patients who will lapse"). One builder serves both
/// targets: what differs (who is scored, what a positive is) comes with the ``ScoreInput``.
public struct ScoreSection: ReportSectionBuilder {
    /// `churn` or `conversion`: which of ``ReportInputs/scores`` to show.
    public var target: String
    /// Coefficients shown, strongest first.
    public var coefficientLimit = 12
    /// Call budgets of the budget table (those at or below the patients scored).
    public var budgets = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000]

    public init(target: String) {
        self.target = target
    }

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        guard let score = inputs.scores.first(where: { $0.target == target }) else { return nil }
        let minimum = inputs.minCellSize
        let mark = "<\(minimum)"
        let name = target
        let scored = score.population
        var blocks: [ReportBlock] = []
        var reading: [String] = []

        // The model file's own metrics (holdout, cross-validation), measured on its training rows.
        let rows = Int(score.model.training["rows"] ?? "") ?? 0
        let metricNames = score.model.metrics.keys.filter { $0.hasPrefix("holdout_") || $0.hasSuffix("_mean") || Metrics.Summary.names.contains($0) }.sorted()
        let metricRows = metricNames.map { metric -> [String] in
            rows > 0 && rows < minimum ? [metric, mark, mark] : [metric, Formatting.decimal(score.model.metrics[metric]!, 4), rows > 0 ? String(rows) : ""]
        }
        blocks.append(.table(ReportTable(caption: "Metrics stored in the model file (\(score.modelName))",
                                         aggregate: Aggregate(name: "\(name)_metrics", columns: ["metric", "value", "n"], rows: metricRows))))
        if let auc = score.model.metrics["holdout_auc"] {
            reading.append("On its out-of-time holdout the \(name) model ranks a random positive above a random negative "
                           + "\(Formatting.percent(auc)) of the time (AUC \(Formatting.decimal(auc, 3))).")
        }

        // Curves on the scored patients with known outcomes.
        let groups = ScoreGroups(probabilities: score.probabilities, outcomes: score.outcomes, minCellSize: minimum)
        let negatives = groups.patients - groups.positives
        let enough = groups.positives >= minimum && negatives >= minimum && groups.groups.count >= 2
        if enough {
            let decileRows = groups.groups.enumerated().map { index, group -> [String] in
                let cumulative = groups.groups[...index].reduce(0) { $0 + $1.positives }
                let lift = group.observedRate / (Double(groups.positives) / Double(groups.patients))
                return [String(index + 1), String(group.patients), String(group.positives), Formatting.decimal(group.meanScore, 4),
                        Formatting.decimal(group.observedRate, 4), Formatting.decimal(Double(cumulative) / Double(groups.positives), 4),
                        Formatting.decimal(lift, 3), String(group.patients)]
            }
            let deciles = Aggregate(name: "\(name)_groups", columns: ["group", "patients", "positives", "mean_score", "observed_rate",
                                                                    "cumulative_share_of_positives", "lift", "n"], rows: decileRows)
            let roc = groups.roc
            let rocAggregate = Aggregate(name: "\(name)_roc", columns: ["false_positive_rate", "true_positive_rate", "n"],
                                         rows: roc.enumerated().map { index, point in
                [Formatting.decimal(point.x, 4), Formatting.decimal(point.y, 4), String(groups.groups[..<index].reduce(0) { $0 + $1.patients })]
            })
            blocks.append(.figure(Figure(svg: try CurveChart(
                title: "\(name.capitalized) score: ROC curve", summary: "True positive rate against false positive rate at each score group's cut-off.",
                x: Axis("false positive rate"), y: Axis("true positive rate"), series: [.init(name, points: roc)], diagonal: "chance",
                identifier: "chart-\(name)-roc").svg(),
                caption: "ROC at the cut-offs between score groups (\(groups.groups.count) groups of at least \(minimum) positives and negatives).",
                aggregate: rocAggregate)))
            blocks.append(.figure(Figure(svg: try CurveChart(
                title: "\(name.capitalized) score: reliability", summary: "Observed rate against mean predicted probability per score group.",
                x: Axis("mean predicted probability"), y: Axis("observed rate"),
                series: [.init(name, points: groups.groups.map { ($0.meanScore, $0.observedRate) })], diagonal: "perfect calibration",
                identifier: "chart-\(name)-reliability").svg(),
                caption: "Reliability per score group; the patients in each group (the bin counts) are in the table below.",
                aggregate: deciles)))
            blocks.append(.figure(Figure(svg: try CurveChart(
                title: "\(name.capitalized) score: cumulative gains", summary: "Share of positives reached against share of \(scored) called, highest scores first.",
                x: Axis("share of \(scored) called"), y: Axis("share of positives reached"), series: [.init(name, points: groups.gains)],
                diagonal: "random order", identifier: "chart-\(name)-gains").svg(),
                caption: "Cumulative gains: calling the highest scores first.",
                aggregate: Aggregate(name: "\(name)_gains", columns: ["share_called", "share_reached", "n"], rows: groups.gains.enumerated().map { index, point in
                    [Formatting.decimal(point.x, 4), Formatting.decimal(point.y, 4), String(groups.groups[..<index].reduce(0) { $0 + $1.patients })]
                }))))
            let lifts = groups.groups.map { $0.observedRate / (Double(groups.positives) / Double(groups.patients)) }
            blocks.append(.figure(Figure(svg: try BarChart(
                title: "\(name.capitalized) score: lift by group", summary: "Observed rate in each score group divided by the overall rate.",
                categories: groups.groups.indices.map { "group \($0 + 1)" }, valueAxis: Axis("lift", unit: "× overall rate"),
                series: [.init("lift", values: lifts)], identifier: "chart-\(name)-lift").svg(),
                caption: "Lift: group 1 holds the highest scores.",
                aggregate: Aggregate(name: "\(name)_lift", columns: ["group", "lift", "n"], rows: lifts.enumerated().map {
                    [String($0.offset + 1), Formatting.decimal($0.element, 3), String(groups.groups[$0.offset].patients)]
                }))))
            reading.append("Scored on \(score.evaluatedOn): \(Formatting.count(groups.patients)) \(scored), "
                           + "\(Formatting.count(groups.positives)) of them \(score.positives).")
        } else {
            let count = groups.patients > 0 && groups.patients < minimum ? mark : Formatting.count(groups.patients)
            reading.append("Too few \(score.positives) (or too few others) among the \(count) \(scored) scored on \(score.evaluatedOn) "
                           + "to draw curves without showing groups of fewer than \(minimum).")
        }

        // Score histogram: 20 bins of 0.05, small bins suppressed together with their complement.
        let binCount = 20
        var bins = Array(repeating: 0, count: binCount)
        for probability in score.probabilities { bins[Swift.min(binCount - 1, Swift.max(0, Int(probability * Double(binCount))))] += 1 }
        var plan = SuppressionPlan(minCellSize: minimum)
        plan.cell("all", patients: score.probabilities.count)
        for (index, count) in bins.enumerated() { plan.cell("bin|\(index)", patients: count) }
        plan.sum("all", of: (0..<binCount).map { "bin|\($0)" })
        let hidden = plan.solve()
        let histogram = Aggregate(name: "\(name)_histogram", columns: ["from", "to", "patients", "n"], rows: bins.enumerated().map { index, count in
            let text = hidden.contains("bin|\(index)") ? mark : String(count)
            return [Formatting.decimal(Double(index) / Double(binCount), 2), Formatting.decimal(Double(index + 1) / Double(binCount), 2), text, text]
        })
        let binValues = bins.enumerated().map { hidden.contains("bin|\($0.offset)") ? nil : Double($0.element) }
        if binValues.contains(where: { $0 != nil }) {
            var chart = BarChart(title: "\(name.capitalized) score: histogram", summary: "\(scored.capitalized) per score band of 0.05.",
                                 categories: (0..<binCount).map { "\(Formatting.decimal(Double($0) / 20, 2))–\(Formatting.decimal(Double($0 + 1) / 20, 2))" },
                                 valueAxis: Axis(scored, unit: scored == "patients" ? "people" : scored), series: [.init(scored, values: binValues)],
                                 identifier: "chart-\(name)-histogram")
            chart.missingMark = mark
            blocks.append(.figure(Figure(svg: try chart.svg(), caption: "Scores of the \(scored) scored.", aggregate: histogram)))
        }

        // Strongest coefficients, per standard deviation of the feature when standardized.
        let columns = score.model.featureSchema.columns
        let coefficients = score.model.parameters.coefficients
        let strongest = coefficients.indices.filter { $0 < columns.count && coefficients[$0] != 0 }
            .sorted { (abs(coefficients[$0]), -$0) > (abs(coefficients[$1]), -$1) }.prefix(coefficientLimit)
        if !strongest.isEmpty {
            let chosen = Array(strongest)
            blocks.append(.figure(Figure(svg: try BarChart(
                title: "\(name.capitalized) score: strongest coefficients",
                summary: "Log-odds change per unit of each standardized feature; positive raises the score.",
                categories: chosen.map { columns[$0].name }, valueAxis: Axis("coefficient", unit: "log-odds", includesZero: true),
                series: [.init("coefficient", values: chosen.map { coefficients[$0] })], identifier: "chart-\(name)-coefficients").svg(),
                caption: "Positive coefficients raise the score, negative ones lower it.",
                aggregate: Aggregate(name: "\(name)_coefficients", columns: ["feature", "coefficient", "direction", "n"], rows: chosen.map {
                    [columns[$0].name, Formatting.decimal(coefficients[$0], 4), coefficients[$0] > 0 ? "raises" : "lowers", rows > 0 ? String(rows) : ""]
                }))))
        }

        // Budgets: a row only when its counts and its differences from the previous row shown are safe.
        if enough {
            var budgetRows: [[String]] = []
            var previous = (calls: 0, reached: 0)
            func small(_ n: Int) -> Bool { n > 0 && n < minimum }
            for calls in budgets where calls < groups.patients {
                let reached = groups.reached(calling: calls)
                let newlyReached = reached - previous.reached, newlyMissed = (calls - previous.calls) - newlyReached
                guard !small(reached), !small(calls - reached), !small(groups.positives - reached), !small(newlyReached), !small(newlyMissed)
                else { continue }
                budgetRows.append([String(calls), String(reached), Formatting.decimal(Double(reached) / Double(groups.positives), 4), String(calls)])
                previous = (calls, reached)
            }
            if !budgetRows.isEmpty {
                blocks.append(.table(ReportTable(caption: "Call budgets: who the top of the list reaches",
                                                 aggregate: Aggregate(name: "\(name)_budget", columns: ["calls", "positives_reached", "share_of_positives", "n"],
                                                                      rows: budgetRows))))
                let example = budgetRows.first { Int($0[0])! >= 500 } ?? budgetRows.last!
                // "the top 500" of patients; "the top 500 leads" otherwise.
                let who = scored == "patients" ? "" : " \(scored)"
                reading.append("Calling the top \(Formatting.count(Int(example[0])!))\(who) reaches \(Formatting.percent(Double(example[2])!)) of the "
                               + "\(score.positives).")
            }
        }
        return ReportSection(id: name, title: name == "churn" ? "Churn score" : "\(name.capitalized) score", reading: reading, blocks: blocks)
    }
}
