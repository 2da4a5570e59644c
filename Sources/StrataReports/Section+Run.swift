import StrataCharts
import StrataData

/// The run: its export, as-of date and patients, and the records the export's cross-record checks found.
public struct RunSection: ReportSectionBuilder {
    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        var plan = SuppressionPlan(minCellSize: inputs.minCellSize)
        plan.cell("patients", patients: inputs.run.patientCount)
        let results = inputs.checks?.results ?? []
        for result in results { plan.cell("check|\(result.check.rawValue)", patients: result.count) }
        let hidden = plan.solve()
        func shown(_ id: String, _ value: Int) -> String { hidden.contains(id) ? hidden.mark : Formatting.plain(value) }

        let facts = Aggregate(name: "run", columns: ["field", "value", "n"], rows: [
            ["run", String(inputs.run.id), ""],
            ["export", inputs.exportName ?? "not found", ""],
            ["as_of", inputs.run.asOf, ""],
            ["patients", shown("patients", inputs.run.patientCount), shown("patients", inputs.run.patientCount)],
            ["runs_in_store", String(inputs.runs.count), ""],
        ])
        var blocks: [ReportBlock] = [.table(ReportTable(caption: "The run", aggregate: facts))]
        var reading = ["Run \(inputs.run.id) covers \(Formatting.count(inputs.run.patientCount)) patients as of \(inputs.run.asOf)"
                       + (inputs.exportName.map { ", from the export \($0)." } ?? "; its export was not found, so sections that need it are left out.")]
        if !results.isEmpty {
            let checks = Aggregate(name: "run_checks", columns: ["check", "policy", "records", "n"], rows: results.map {
                let id = "check|\($0.check.rawValue)"
                return [$0.check.rawValue, $0.policy.rawValue, shown(id, $0.count), shown(id, $0.count)]
            })
            let chart = BarChart(title: "Data problems found by validation", summary: "Records each cross-record check found in the export.",
                                 categories: results.map { $0.check.phrase }, valueAxis: Axis("records", unit: "rows"),
                                 series: [.init("records found", values: results.map {
                                     hidden.contains("check|\($0.check.rawValue)") ? nil : Double($0.count)
                                 })], identifier: "chart-run-checks")
            var bar = chart
            bar.missingMark = hidden.mark
            let found = results.filter { $0.count > 0 }
            // A chart only when it has a bar to draw: every count zero, or the non-zero ones all too small to
            // show, would make an empty chart, so the table says it instead.
            if found.contains(where: { !hidden.contains("check|\($0.check.rawValue)") }) {
                blocks.append(.figure(Figure(svg: try bar.svg(), caption: "Records found per check (policy: fail, drop or keep).",
                                             aggregate: checks)))
            } else {
                let caption = found.isEmpty ? "Records found per check (none)"
                    : "Records found per check (each under \(inputs.minCellSize), so not charted)"
                blocks.append(.table(ReportTable(caption: caption, aggregate: checks)))
            }
            reading.append(found.isEmpty ? "Validation found no data problems."
                           : "Validation found problems in \(found.count) of \(results.count) checks: "
                             + found.map { "\($0.check.phrase) (\(shown("check|\($0.check.rawValue)", $0.count)), \($0.policy.rawValue))" }
                                .joined(separator: ", ") + ".")
        }
        return ReportSection(id: "run", title: "The run", reading: reading, blocks: blocks)
    }
}
