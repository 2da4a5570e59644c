import StrataCharts
import StrataData
import StrataSegments

/// Consent: the share of patients with an opt-in in force per channel and purpose, as of the run.
public struct ConsentSection: ReportSectionBuilder {
    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        guard let export = inputs.export, export.patients.count > 0 else { return nil }
        let ledger = ConsentLedger(export, asOf: inputs.asOf)
        let patients = export.patients.count
        var plan = SuppressionPlan(minCellSize: inputs.minCellSize)
        plan.cell("patients", patients: patients)
        var counts: [String: Int] = [:]
        for channel in Channel.allCases {
            for purpose in ConsentPurpose.allCases {
                let count = (0..<patients).reduce(0) { $0 + (ledger.allows($1, channel, purpose) ? 1 : 0) }
                let key = "\(channel.name)|\(purpose.name)"
                counts[key] = count
                plan.cell(key, patients: count)
                plan.cell("not|\(key)", patients: patients - count)
                plan.sum("patients", of: [key, "not|\(key)"])
            }
        }
        let hidden = plan.solve()
        let mark = hidden.mark
        func share(_ key: String) -> Double? {
            hidden.contains(key) || hidden.contains("patients") ? nil : Double(counts[key]!) / Double(patients)
        }
        let rows = Channel.allCases.flatMap { channel in ConsentPurpose.allCases.map { purpose -> [String] in
            let key = "\(channel.name)|\(purpose.name)"
            return [channel.name, purpose.name, hidden.contains(key) ? mark : String(counts[key]!),
                    share(key).map { Formatting.decimal($0, 4) } ?? mark, hidden.contains("patients") ? mark : String(patients)]
        } }
        let aggregate = Aggregate(name: "consent", columns: ["channel", "purpose", "reachable", "share", "n"], rows: rows)
        var blocks: [ReportBlock] = []
        var chart = BarChart(title: "Reachable share per channel and purpose",
                             summary: "Share of the export's patients with an opt-in in force as of the run, per channel and purpose.",
                             categories: Channel.allCases.map(\.name), valueAxis: Axis("share of patients", unit: "%"),
                             series: ConsentPurpose.allCases.map { purpose in
                                .init(purpose.name, values: Channel.allCases.map { share("\($0.name)|\(purpose.name)").map { $0 * 100 } })
                             }, identifier: "chart-consent")
        chart.missingMark = mark
        if rows.contains(where: { $0[3] != mark }) {
            blocks.append(.figure(Figure(svg: try chart.svg(), caption: "No record means no consent; the latest record decides.", aggregate: aggregate)))
        } else {
            blocks.append(.table(ReportTable(caption: "Reachable patients per channel and purpose", aggregate: aggregate)))
        }
        let best = counts.filter { !hidden.contains($0.key) }.max { ($0.value, $1.key) < ($1.value, $0.key) }
        var reading = ["Consent is counted as of \(inputs.asOf) over the export's \(Formatting.count(patients)) patients: a patient is "
                       + "reachable on a channel for a purpose when their latest record for it is an opt-in."]
        if let best {
            let parts = best.key.split(separator: "|")
            reading.append("The widest reach is \(parts[0]) for \(parts[1]): \(Formatting.percent(Double(best.value) / Double(patients))) of patients.")
        }
        return ReportSection(id: "consent", title: "Consent", reading: reading, blocks: blocks)
    }
}
