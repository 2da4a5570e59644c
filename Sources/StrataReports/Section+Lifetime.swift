import StrataCharts
import StrataData

/// The lifetime model's fields as a run applied them (`p_alive`, `clv_<N>d`), one value per patient of
/// ``ReportInputs/export``; NaN where a patient has none (no completed visit by the as-of date).
public struct LifetimeInput: Sendable {
    /// The model file's name.
    public var modelName: String
    /// N of `clv_<N>d`.
    public var horizonDays: Int
    /// P(alive) per patient.
    public var pAlive: [Double]
    /// CLV over the horizon per patient; nil when the model has no usable spend model.
    public var clv: [Double]?

    public init(modelName: String, horizonDays: Int, pAlive: [Double], clv: [Double]?) {
        self.modelName = modelName
        self.horizonDays = horizonDays
        self.pAlive = pAlive
        self.clv = clv
    }
}

/// Lifetime: the distribution of P(alive) and of CLV over the model's horizon, and per segment the mean CLV
/// and the share of members with P(alive) below ``lowAlive``. Every count from 1 to `minCellSize − 1`
/// patients is suppressed, with its complement where a total is shown; a mean is shown only over at least
/// `minCellSize` patients.
public struct LifetimeSection: ReportSectionBuilder {
    /// Members with P(alive) below this are counted as probably gone.
    public var lowAlive = 0.3
    /// The lower edges of the CLV bands, in the export's currency; the last band is open.
    public var clvBands: [Double] = [0, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]

    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        guard let lifetime = inputs.lifetime, let export = inputs.export, lifetime.pAlive.count == export.patients.count else { return nil }
        let minimum = inputs.minCellSize
        let horizon = "\(lifetime.horizonDays) days"
        var blocks: [ReportBlock] = []
        var reading: [String] = []

        let pAliveBins = (0..<10).map { (Double($0) / 10, Double($0 + 1) / 10) }
        let alive = histogram(lifetime.pAlive, edges: pAliveBins.map(\.0), minCellSize: minimum)
        reading.append("P(alive) is the chance a patient still comes to the clinic, from the \(lifetime.modelName) model "
                       + "(BG/NBD); \(Formatting.count(alive.patients)) patients with a completed visit have one.")
        if let block = try histogramBlock(alive, labels: pAliveBins.map { "\(Formatting.decimal($0.0, 1))–\(Formatting.decimal($0.1, 1))" },
                                          name: "lifetime_p_alive", title: "P(alive): distribution", axisLabel: "P(alive) band",
                                          summary: "Patients per band of 0.1 of P(alive) as of the run.", mark: "<\(minimum)") {
            blocks.append(block)
        }
        if let clv = lifetime.clv {
            let bins = histogram(clv, edges: clvBands, minCellSize: minimum)
            let labels = clvBands.indices.map { index in
                index + 1 < clvBands.count ? "\(Formatting.count(Int(clvBands[index])))–\(Formatting.count(Int(clvBands[index + 1])))"
                                          : "\(Formatting.count(Int(clvBands[index])))+"
            }
            if let block = try histogramBlock(bins, labels: labels, name: "lifetime_clv", title: "CLV over \(horizon): distribution",
                                              axisLabel: "CLV band", summary: "Patients per band of expected spend over the next \(horizon).",
                                              mark: "<\(minimum)") {
                blocks.append(block)
            }
            reading.append("CLV is the spend the model expects from a patient over the next \(horizon), discounted at 1% a month.")
        }

        // Per segment: patients with a value, the share with a low P(alive), and the mean CLV.
        var plan = SuppressionPlan(minCellSize: minimum)
        var perSegment: [(name: String, patients: Int, low: Int, clv: Double?)] = []
        for segment in inputs.segments {
            let rows = segment.members.compactMap { export.patients.ids.index(of: $0) }.filter { !lifetime.pAlive[$0].isNaN }
            let low = rows.reduce(0) { $0 + (lifetime.pAlive[$1] < lowAlive ? 1 : 0) }
            let values = lifetime.clv.map { clv in rows.map { clv[$0] }.filter { !$0.isNaN } }
            let mean = values.flatMap { $0.count >= minimum ? $0.reduce(0, +) / Double($0.count) : nil }
            perSegment.append((segment.name, rows.count, low, mean))
            plan.cell("\(segment.name)|patients", patients: rows.count)
            plan.cell("\(segment.name)|low", patients: low)
            plan.cell("\(segment.name)|not-low", patients: rows.count - low)
            plan.sum("\(segment.name)|patients", of: ["\(segment.name)|low", "\(segment.name)|not-low"])
        }
        let hidden = plan.solve()
        if !perSegment.isEmpty {
            let mark = hidden.mark
            func shown(_ segment: String, _ cell: String) -> Bool { !hidden.contains("\(segment)|\(cell)") }
            let rows = perSegment.map { segment -> [String] in
                let patients = shown(segment.name, "patients") ? String(segment.patients) : mark
                let share = shown(segment.name, "low") && shown(segment.name, "patients") && segment.patients > 0
                    ? Formatting.decimal(Double(segment.low) / Double(segment.patients), 4) : mark
                let clv = shown(segment.name, "patients") ? segment.clv.map { Formatting.decimal($0, 2) } ?? "" : mark
                return [segment.name, patients, shown(segment.name, "low") ? String(segment.low) : mark, share, clv, patients]
            }
            let aggregate = Aggregate(name: "lifetime_segments", columns: ["segment", "patients", "low_p_alive", "share_low_p_alive",
                                                                          "mean_clv", "n"], rows: rows)
            let shares = perSegment.map { segment -> Double? in
                guard shown(segment.name, "low"), shown(segment.name, "patients"), segment.patients > 0 else { return nil }
                return 100 * Double(segment.low) / Double(segment.patients)
            }
            // A chart of nothing but empty bars says nothing (every share hidden or 0): the table alone then.
            if shares.contains(where: { ($0 ?? 0) > 0 }) {
                var chart = BarChart(title: "Members with P(alive) below \(Formatting.decimal(lowAlive, 1))",
                                     summary: "Share of each segment's members (with a completed visit) whom the model thinks probably gone.",
                                     categories: perSegment.map(\.name), valueAxis: Axis("share of members", unit: "%"),
                                     series: [.init("P(alive) < \(Formatting.decimal(lowAlive, 1))", values: shares)],
                                     identifier: "chart-lifetime-segments")
                chart.missingMark = mark
                blocks.append(.figure(Figure(svg: try chart.svg(),
                                             caption: "Per segment: members with a P(alive), the share below \(Formatting.decimal(lowAlive, 1)) "
                                                + "and the mean CLV (the table below the chart's data).",
                                             aggregate: aggregate)))
            } else {
                blocks.append(.table(ReportTable(caption: "Per segment: P(alive) and CLV", aggregate: aggregate)))
            }
            if let top = perSegment.filter({ $0.clv != nil && shown($0.name, "patients") }).max(by: { $0.clv! < $1.clv! }) {
                reading.append("The segment with the highest mean CLV is \(top.name): \(Formatting.decimal(top.clv!, 2)) per member over \(horizon).")
            }
        }
        return ReportSection(id: "lifetime", title: "Lifetime: P(alive) and CLV", reading: reading, blocks: blocks)
    }

    /// Counts per band (a value below the first edge joins the first band; NaN is left out), with the bands
    /// to suppress: the small ones and their complements, the total being shown.
    struct Bands {
        var counts: [Int]
        var hidden: Suppressed
        var patients: Int { counts.reduce(0, +) }
    }

    func histogram(_ values: [Double], edges: [Double], minCellSize: Int) -> Bands {
        var counts = Array(repeating: 0, count: edges.count)
        for value in values where !value.isNaN {
            let band = (edges.lastIndex { $0 <= value }) ?? 0
            counts[band] += 1
        }
        var plan = SuppressionPlan(minCellSize: minCellSize)
        plan.cell("all", patients: counts.reduce(0, +))
        for (index, count) in counts.enumerated() { plan.cell("band|\(index)", patients: count) }
        plan.sum("all", of: counts.indices.map { "band|\($0)" })
        return Bands(counts: counts, hidden: plan.solve())
    }

    func histogramBlock(_ bands: Bands, labels: [String], name: String, title: String, axisLabel: String, summary: String,
                        mark: String) throws -> ReportBlock? {
        guard bands.patients > 0 else { return nil }
        let rows = bands.counts.enumerated().map { index, count -> [String] in
            let text = bands.hidden.contains("band|\(index)") ? mark : String(count)
            return [labels[index], text, text]
        }
        let aggregate = Aggregate(name: name, columns: ["band", "patients", "n"], rows: rows)
        let values = bands.counts.enumerated().map { bands.hidden.contains("band|\($0.offset)") ? nil : Double($0.element) }
        guard values.contains(where: { $0 != nil }) else {
            return .table(ReportTable(caption: "\(title) (every band suppressed)", aggregate: aggregate))
        }
        var chart = BarChart(title: title, summary: summary, categories: labels, valueAxis: Axis("patients", unit: "people"),
                             series: [.init("patients", values: values)], identifier: "chart-\(name.replacingOccurrences(of: "_", with: "-"))")
        chart.missingMark = mark
        return .figure(Figure(svg: try chart.svg(), caption: "\(axisLabel)s; bands of fewer than \(mark.dropFirst()) patients are suppressed.",
                              aggregate: aggregate))
    }
}
