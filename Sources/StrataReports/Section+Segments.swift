import StrataCharts
import StrataData
import StrataSegments

/// Segments: members, entered, exited and stayed in the run; consented reach per channel; sizes across every
/// run; the movement between segments since the previous run; and who the contact policy held back and why
/// (`Section+HeldBack.swift`).
public struct SegmentsSection: ReportSectionBuilder {
    public init() {}

    public func section(_ inputs: ReportInputs) throws -> ReportSection? {
        let segments = inputs.segments
        guard !segments.isEmpty else { return nil }
        let run = inputs.run.id, previous = inputs.previousRun?.id
        var plan = SuppressionPlan(minCellSize: inputs.minCellSize)
        func membersID(_ segment: String, _ run: Int64) -> String { "\(segment)|members|\(run)" }

        // Counts of the run, and the sums they are tied by.
        var now: [String: SegmentHistoryEntry] = [:]
        for segment in segments {
            for entry in segment.history { plan.cell(membersID(segment.name, entry.run), patients: entry.members) }
            guard let entry = segment.history.first(where: { $0.run == run }) else { continue }
            now[segment.name] = entry
            let stayed = entry.members - entry.entered
            plan.cell("\(segment.name)|entered", patients: entry.entered)
            plan.cell("\(segment.name)|exited", patients: entry.exited)
            plan.cell("\(segment.name)|stayed", patients: stayed)
            plan.sum(membersID(segment.name, run), of: ["\(segment.name)|stayed", "\(segment.name)|entered"])
            if let previous {
                plan.sum(membersID(segment.name, previous), of: ["\(segment.name)|stayed", "\(segment.name)|exited"])
            }
        }

        // Members as codes (rows of the export), each id looked up once.
        var codes = MemberCodes(inputs.export)
        let members = segments.map { codes.codes($0.members) }

        // Consented reach per channel, as of the run.
        var reach: [String: [String: Int]] = [:]
        if let export = inputs.export {
            let ledger = ConsentLedger(export, asOf: inputs.asOf)
            for (index, segment) in segments.enumerated() {
                let rows = members[index].filter { $0 < codes.rows }
                let purpose: ConsentPurpose = segment.purpose == .marketing ? .marketing : .care
                for name in segment.channels {
                    guard let channel = Channel.allCases.first(where: { $0.name == name }) else { continue }
                    let count = rows.reduce(0) { $0 + (ledger.allows($1, channel, purpose) ? 1 : 0) }
                    reach[segment.name, default: [:]][name] = count
                    let id = "\(segment.name)|reach|\(name)", rest = "\(segment.name)|unreached|\(name)"
                    plan.cell(id, patients: count)
                    plan.cell(rest, patients: segment.members.count - count)
                    plan.sum(membersID(segment.name, run), of: [id, rest])
                }
            }
        }

        declareHeldBack(inputs, segments: segments, reach: reach, into: &plan)

        // Movement: of the patients in A after the previous run, how many are in B now (A ≠ B; A → A is `stayed`).
        var movement: [[Int]]?
        if previous != nil, segments.allSatisfy({ $0.previousMembers != nil }) {
            let before = segments.indices.map { index in
                codes.codes(segments[index].previousMembers ?? [], known: (segments[index].members, members[index]))
            }
            var matrix = Array(repeating: Array(repeating: 0, count: segments.count), count: segments.count)
            var wasIn = [Bool](repeating: false, count: codes.count)
            for from in segments.indices {
                for code in before[from] { wasIn[code] = true }
                for to in segments.indices { matrix[from][to] = members[to].reduce(0) { $0 + (wasIn[$1] ? 1 : 0) } }
                for code in before[from] { wasIn[code] = false }
            }
            for from in segments.indices {
                for to in segments.indices where from != to {
                    plan.cell("\(segments[from].name)|to|\(segments[to].name)", patients: matrix[from][to])
                }
            }
            movement = matrix
        }

        let hidden = plan.solve()
        let mark = hidden.mark
        func value(_ id: String, _ count: Int) -> Double? { hidden.contains(id) ? nil : Double(count) }
        func text(_ id: String, _ count: Int) -> String { hidden.contains(id) ? mark : Formatting.plain(count) }

        var blocks: [ReportBlock] = []
        let listed = segments.filter { now[$0.name] != nil }
        let table = Aggregate(name: "segments", columns: ["segment", "purpose", "members", "entered", "exited", "stayed", "n"],
                              rows: listed.map { segment in
            let entry = now[segment.name]!, members = membersID(segment.name, run)
            return [segment.name, segment.purpose.rawValue, text(members, entry.members),
                    text("\(segment.name)|entered", entry.entered), text("\(segment.name)|exited", entry.exited),
                    text("\(segment.name)|stayed", entry.members - entry.entered), text(members, entry.members)]
        })
        if !listed.isEmpty {
            var chart = BarChart(title: "Segment members in run \(run)", summary: "Members, entered and exited per segment in run \(run).",
                                 categories: listed.map(\.name), valueAxis: Axis("patients", unit: "people"), series: [
                                    .init("members", values: listed.map { value(membersID($0.name, run), now[$0.name]!.members) }),
                                    .init("entered", values: listed.map { value("\($0.name)|entered", now[$0.name]!.entered) }),
                                    .init("exited", values: listed.map { value("\($0.name)|exited", now[$0.name]!.exited) }),
                                 ], identifier: "chart-segments")
            chart.missingMark = mark
            blocks.append(.figure(Figure(svg: try chart.svg(), caption: "Members after the run, and who entered and left in it.",
                                         aggregate: table)))
        }

        // Sizes across runs.
        let history = Aggregate(name: "segments_history", columns: ["run", "as_of", "segment", "members", "n"], rows: segments.flatMap { segment in
            segment.history.map { entry in
                let id = membersID(segment.name, entry.run)
                return [String(entry.run), entry.asOf, segment.name, text(id, entry.members), text(id, entry.members)]
            }
        })
        let lines = segments.compactMap { segment -> LineChart.Series? in
            let points = segment.history.compactMap { entry -> (x: Double, y: Double)? in
                value(membersID(segment.name, entry.run), entry.members).map { (Double(entry.run), $0) }
            }
            return points.isEmpty ? nil : LineChart.Series(segment.name, points: points)
        }
        if !lines.isEmpty {
            let chart = LineChart(title: "Segment sizes across runs", summary: "Members of each segment after every run in the store.",
                                  x: Axis("run", unit: "number", includesZero: false), y: Axis("members", unit: "people"), series: lines,
                                  identifier: "chart-segments-history")
            blocks.append(.figure(Figure(svg: try chart.svg(), caption: "Members after each run; suppressed sizes are left out.",
                                         aggregate: history)))
        }

        if let movement, let previous {
            let names = segments.map(\.name)
            func id(_ from: Int, _ to: Int) -> String { from == to ? "\(names[from])|stayed" : "\(names[from])|to|\(names[to])" }
            let aggregate = Aggregate(name: "segments_movement", columns: ["from_run_\(previous)", "to_run_\(run)", "patients", "n"],
                                      rows: names.indices.flatMap { from in names.indices.map { to in
                [names[from], names[to], text(id(from, to), movement[from][to]), text(id(from, to), movement[from][to])]
            } })
            var map = Heatmap(title: "Movement between segments since run \(previous)",
                              summary: "Patients in each segment after run \(previous) (rows) found in each segment after run \(run) (columns).",
                              rows: names, columns: names,
                              values: names.indices.map { from in names.indices.map { to in value(id(from, to), movement[from][to]) } },
                              cellText: names.indices.map { from in names.indices.map { to in Formatting.count(movement[from][to]) } },
                              colourScale: .sequential, rowAxis: "segment after run \(previous)", columnAxis: "segment after run \(run)",
                              identifier: "chart-segments-movement")
            map.missingMark = mark
            blocks.append(.figure(Figure(svg: try map.svg(), caption: "From → to: a patient in two segments counts in each.",
                                         aggregate: aggregate)))
        }

        if !reach.isEmpty {
            let channels = Channel.allCases.map(\.name).filter { name in reach.values.contains { $0[name] != nil } }
            var rows: [[String]] = []
            for segment in listed {
                for channel in channels {
                    guard let count = reach[segment.name]?[channel] else { continue }
                    let id = "\(segment.name)|reach|\(channel)", members = segment.members.count
                    let share = hidden.contains(id) || hidden.contains(membersID(segment.name, run)) || members == 0
                        ? mark : Formatting.decimal(Double(count) / Double(members), 4)
                    rows.append([segment.name, segment.purpose.rawValue, channel, text(id, count), share, text(membersID(segment.name, run), members)])
                }
            }
            let aggregate = Aggregate(name: "segments_reach", columns: ["segment", "purpose", "channel", "reachable", "share", "n"], rows: rows)
            var chart = BarChart(title: "Consented reach per segment and channel",
                                 summary: "Share of each segment's members with consent in force for the segment's channel and purpose.",
                                 categories: listed.map(\.name), valueAxis: Axis("share of members", unit: "%"),
                                 series: channels.map { channel in
                                    .init(channel, values: listed.map { segment in
                                        guard let count = reach[segment.name]?[channel], segment.members.count > 0,
                                              !hidden.contains("\(segment.name)|reach|\(channel)"),
                                              !hidden.contains(membersID(segment.name, run)) else { return nil }
                                        return 100 * Double(count) / Double(segment.members.count)
                                    })
                                 }, identifier: "chart-segments-reach")
            chart.missingMark = mark
            if rows.contains(where: { $0[4] != mark }) {
                blocks.append(.figure(Figure(svg: try chart.svg(), caption: "Reachable: an opt-in in force for the channel and purpose.",
                                             aggregate: aggregate)))
            } else {
                blocks.append(.table(ReportTable(caption: "Reachable members per channel", aggregate: aggregate)))
            }
        }

        let heldBack = try heldBackBlock(inputs, segments: listed, hidden: hidden)
        if let heldBack { blocks.append(heldBack.block) }

        var reading: [String] = []
        if let largest = listed.max(by: { now[$0.name]!.members < now[$1.name]!.members }) {
            let entry = now[largest.name]!
            reading.append("\(listed.count) segments were evaluated in run \(run). The largest, \(largest.name), has "
                           + "\(text(membersID(largest.name, run), entry.members)) members: \(text("\(largest.name)|entered", entry.entered)) "
                           + "entered and \(text("\(largest.name)|exited", entry.exited)) left in this run.")
        }
        if previous == nil { reading.append("This is the store's first run, so there is no movement to show yet.") }
        if let heldBack { reading.append(heldBack.reading) }
        return ReportSection(id: "segments", title: "Segments", reading: reading, blocks: blocks)
    }
}
