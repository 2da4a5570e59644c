import Foundation
import StrataCharts
import StrataModels

/// Clusters: sizes at discovery, a clusters × features heatmap of standardized means (with the means in the
/// features' own units written in), and the evidence the model file keeps about the choice of k.
public struct ClustersSection: ReportSectionBuilder {
    /// The features shown: those whose standardized means differ most between clusters.
    public var featureLimit = 12

    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        guard let file = inputs.clusters else { return nil }
        let parameters = file.parameters
        let count = parameters.centers.count
        guard count > 0, parameters.clusterSizes.count == count else { return nil }
        let names = parameters.clusterNames?.count == count ? parameters.clusterNames! : (0..<count).map { "cluster \($0)" }
        let total = parameters.clusterSizes.reduce(0, +)
        var plan = SuppressionPlan(minCellSize: inputs.minCellSize)
        plan.cell("total", patients: total)
        for (index, size) in parameters.clusterSizes.enumerated() { plan.cell("size|\(index)", patients: size) }
        plan.sum("total", of: (0..<count).map { "size|\($0)" })
        let hidden = plan.solve()
        let mark = hidden.mark
        func shownSize(_ index: Int) -> Bool { !hidden.contains("size|\(index)") }

        let sizes = Aggregate(name: "clusters_sizes", columns: ["cluster", "name", "patients", "share", "n"], rows: (0..<count).map { index in
            let size = parameters.clusterSizes[index]
            let text = shownSize(index) ? String(size) : mark
            let share = shownSize(index) && !hidden.contains("total") && total > 0 ? Formatting.decimal(Double(size) / Double(total), 4) : mark
            return [String(index), names[index], text, share, text]
        })
        var bars = BarChart(title: "Cluster sizes at discovery", summary: "Patients in each cluster when the model was fitted.",
                            categories: names, valueAxis: Axis("patients", unit: "people"),
                            series: [.init("patients", values: (0..<count).map { shownSize($0) ? Double(parameters.clusterSizes[$0]) : nil })],
                            identifier: "chart-clusters-sizes")
        bars.missingMark = mark
        var blocks: [ReportBlock] = []
        if (0..<count).contains(where: shownSize) {
            blocks.append(.figure(Figure(svg: try bars.svg(), caption: "Cluster sizes on the discovery export.", aggregate: sizes)))
        } else {
            blocks.append(.table(ReportTable(caption: "Cluster sizes on the discovery export", aggregate: sizes)))
        }

        // Standardized means: the centers when the features were standardized, else each column's z across clusters.
        let columns = file.featureSchema.columns
        let width = Swift.min(columns.count, parameters.centers[0].count)
        var standardized = Array(repeating: Array(repeating: 0.0, count: width), count: count)
        var original = standardized
        for j in 0..<width {
            let column = columns[j]
            let values = parameters.centers.map { $0[j] }
            if let scale = column.scale, let center = column.center {
                for i in 0..<count {
                    standardized[i][j] = values[i]
                    var raw = center + scale * values[i]
                    if column.transforms.contains("log1p") { raw = expm1(raw) }
                    original[i][j] = raw
                }
            } else {
                let mean = values.reduce(0, +) / Double(count)
                let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
                for i in 0..<count {
                    standardized[i][j] = sd > 0 ? (values[i] - mean) / sd : 0
                    original[i][j] = column.transforms.contains("log1p") ? expm1(values[i]) : values[i]
                }
            }
        }
        let spread = (0..<width).map { j in (0..<count).filter(shownSize).map { abs(standardized[$0][j]) }.max() ?? 0 }
        let chosen = (0..<width).sorted { (spread[$0], -$0) > (spread[$1], -$1) }.prefix(featureLimit).sorted()
        let visible = (0..<count).filter(shownSize)
        if !visible.isEmpty && !chosen.isEmpty {
            let profile = Aggregate(name: "clusters_profiles", columns: ["cluster", "name", "feature", "standardized_mean", "mean", "n"],
                                    rows: (0..<count).flatMap { i in (0..<width).map { j in
                let size = parameters.clusterSizes[i]
                return shownSize(i) ? [String(i), names[i], columns[j].name, Formatting.decimal(standardized[i][j]),
                                       Formatting.decimal(original[i][j]), String(size)]
                                    : [String(i), names[i], columns[j].name, mark, mark, mark]
            } })
            var map = Heatmap(title: "What sets the clusters apart",
                              summary: "Standardized mean of each feature per cluster; the number in each cell is the mean in the feature's own units.",
                              rows: names, columns: chosen.map { columns[$0].name },
                              values: (0..<count).map { i in chosen.map { shownSize(i) ? standardized[i][$0] : nil } },
                              cellText: (0..<count).map { i in chosen.map { Self.short(original[i][$0]) } },
                              colourScale: .diverging(limit: 2), rowAxis: "cluster", columnAxis: "feature (standardized: blue low, orange high)",
                              identifier: "chart-clusters-profiles")
            map.missingMark = mark
            blocks.append(.figure(Figure(svg: try map.svg(), caption: "Colour: standardized mean (±2 SD at full colour); text: mean in original units.",
                                         aggregate: profile)))
        }

        var evidence: [[String]] = [["k", String(count), ""], ["patients", hidden.contains("total") ? mark : String(total), hidden.contains("total") ? mark : String(total)],
                                    ["inertia", Formatting.decimal(parameters.inertia), ""], ["iterations", String(parameters.iterations), ""]]
        for (name, value) in file.metrics.sorted(by: { $0.key < $1.key }) where name != "inertia" && name != "iterations" {
            evidence.append([name, Formatting.decimal(value, 4), ""])
        }
        for (name, value) in file.training.sorted(by: { $0.key < $1.key }) where name == "as_of" { evidence.append([name, value, ""]) }
        blocks.append(.table(ReportTable(caption: "The model's k and its evidence",
                                         aggregate: Aggregate(name: "clusters_model", columns: ["measure", "value", "n"], rows: evidence))))

        let largest = (0..<count).filter(shownSize).max { parameters.clusterSizes[$0] < parameters.clusterSizes[$1] }
        var reading = ["The cluster model has \(count) clusters, fitted on \(hidden.contains("total") ? mark : Formatting.count(total)) patients"
                       + (file.training["as_of"].map { " as of \($0)" } ?? "") + "."]
        if let largest {
            reading.append("The largest is \(names[largest]) (\(Formatting.count(parameters.clusterSizes[largest])) patients). "
                           + "In the heatmap, orange cells are features a cluster has more of than the average patient, blue less.")
        }
        if let stability = file.metrics["stability"] {
            reading.append("Stability \(Formatting.decimal(stability, 2)) (1 = the same clusters on every subsample).")
        }
        return ReportSection(id: "clusters", title: "Clusters", reading: reading, blocks: blocks)
    }

    /// A mean as the heatmap writes it: 3 significant figures.
    static func short(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1000 { return Formatting.count(Int(value.rounded())) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }
}
