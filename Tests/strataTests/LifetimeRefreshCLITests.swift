import Foundation
import StrataModels
import StrataProject
import Testing

/// `strata train lifetime` then `strata refresh`: the lifetime fields in rules, checked against P(alive)
/// worked out here from the model file's parameters and the raw appointments.
@Suite("refresh with a lifetime model", .serialized)
struct LifetimeRefreshCLITests {
    let project: URL
    static let cut = "2025-12-31"

    init() throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-lifetime-refresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    }

    var export: URL { project.appendingPathComponent("exports/\(Self.cut)") }

    /// `strata init`, a generated aesthetic clinic of 500 people, and `segments` as the project's segments.
    func setUp(segments: [(name: String, rule: String)]) throws {
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let generated = try StrataBinary.run(["generate", "--patients", "500", "--seed", "5", "--kind", "aesthetic", "--to", Self.cut,
                                              "--out", export.path, "--truth-out", project.appendingPathComponent("truth").path])
        #expect(generated.status == 0, "\(generated.standardError)")
        try write(segments: segments)
    }

    func write(segments: [(name: String, rule: String)]) throws {
        let file = project.appendingPathComponent("strata.yml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml = String(yaml[..<yaml.range(of: "segments:\n")!.lowerBound]) + "segments:\n"
        for segment in segments {
            yaml += "  - name: \(segment.name)\n    rule: \(segment.rule)\n    purpose: marketing\n    channels: [email]\n"
        }
        try yaml.write(to: file, atomically: true, encoding: .utf8)
    }

    func refresh(_ extra: [String] = []) throws -> StrataBinary.Result {
        try StrataBinary.run(["refresh", "--project", project.path, export.path, "--as-of", Self.cut] + extra)
    }

    /// The patients who entered `segment` in the latest run (all members, on a first run).
    func entered(_ segment: String) throws -> Set<String> {
        let diff = try StrataBinary.run(["segments", "diff", segment, "--project", project.path])
        #expect(diff.status == 0, "\(diff.standardError)")
        return Set(diff.standardOutput.split(separator: "\n").filter { $0.hasPrefix("+ ") }.map {
            String($0.dropFirst(2).split(separator: "\t")[0])
        })
    }

    /// Days since 1970-01-01 of `YYYY-MM-DD` (Howard Hinnant's days_from_civil).
    static func days(_ iso: Substring) -> Int {
        let parts = iso.split(separator: "-").map { Int($0)! }
        let (y, m, d) = (parts[1] <= 2 ? parts[0] - 1 : parts[0], parts[1], parts[2])
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        return era * 146_097 + yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear - 719_468
    }

    /// P(alive) of every patient with a completed visit by the cut, from the raw appointments: frequency =
    /// distinct visit days − 1, recency = last − first, T = cut − first (days), and
    /// P(alive) = 1 / (1 + [x > 0] · a/(b + x − 1) · ((α + T)/(α + tₓ))^(r + x)) (Fader, Hardie and Lee 2005).
    func probabilityAlive(_ model: BetaGeometricModel) throws -> [String: Double] {
        let text = try String(contentsOf: export.appendingPathComponent("appointments.csv"), encoding: .utf8)
        let end = Self.days(Substring(Self.cut))
        var visitDays: [String: Set<Int>] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields[3] == "completed" else { continue }
            let day = Self.days(fields[1].prefix(10))
            if day <= end { visitDays[String(fields[0]), default: []].insert(day) }
        }
        return visitDays.mapValues { days in
            let (first, last) = (Double(days.min()!), Double(days.max()!))
            let x = Double(days.count - 1), recency = last - first, age = Double(end) - first
            guard x > 0 else { return 1 }
            let (r, alpha, a, b) = (model.r, model.alpha, model.a, model.b)
            return 1 / (1 + a / (b + x - 1) * Foundation.pow((alpha + age) / (alpha + recency), r + x))
        }
    }

    @Test func pAliveRulesSelectThePatientsTheModelSaysAreLikelyGone() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp(segments: [("gone", "p_alive < 0.3"), ("valuable", "clv_365d in top 10%"),
                             ("coming", "expected_visits_365d >= 1 and p_alive >= 0.3")])
        let trained = try StrataBinary.run(["train", "lifetime", export.path, "--as-of", Self.cut], in: project)
        #expect(trained.status == 0, "\(trained.standardError)")
        let modelURL = project.appendingPathComponent("models/lifetime-\(Self.cut).json")
        let model = try ModelFile<LifetimeParameters>.read(from: modelURL, kind: LifetimeModel.kind)
        #expect(model.training["horizon_days"] == "365" && model.parameters.timeUnit == .days && model.parameters.spend != nil)

        let result = try refresh(["--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONDecoder().decode(RefreshSummary.self, from: Data(result.standardOutput.utf8))
        let members = Dictionary(uniqueKeysWithValues: summary.segments.map { ($0.name, $0.members) })

        let alive = try probabilityAlive(model.parameters.visits)
        let expected = Set(alive.filter { $0.value < 0.3 }.keys)
        #expect(!expected.isEmpty && expected.count < alive.count / 2, "\(expected.count) of \(alive.count)")
        #expect(try entered("gone") == expected)
        #expect(members["gone"] == expected.count)
        // Every patient with a completed visit has a CLV; the top 10% is ⌈n/10⌉ of them (no ties at the top).
        #expect(members["valuable"] == (alive.count + 9) / 10)
        #expect((members["coming"] ?? 0) > 0)
        // The run records the lifetime model as one of its models: the same models change nothing, a new
        // lifetime model file makes a new run.
        let again = try refresh()
        #expect(again.standardOutput.contains("nothing changed"), "\(again.standardOutput)")
        let retrained = try StrataBinary.run(["train", "lifetime", export.path, "--as-of", Self.cut,
                                              "--model-out", "models/lifetime-2026-01-01.json"], in: project)
        #expect(retrained.status == 0, "\(retrained.standardError)")
        let third = try refresh(["--json"])
        let newRun = try JSONDecoder().decode(RefreshSummary.self, from: Data(third.standardOutput.utf8))
        #expect(!newRun.unchanged && newRun.run == summary.run + 1)
    }

    @Test func fieldsTheModelDoesNotGiveAreClearErrors() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp(segments: [("gone", "p_alive < 0.3")])
        // No lifetime model yet.
        let none = try refresh()
        #expect(none.status == 1)
        #expect(none.standardError.contains("segment 'gone': rule: column 1: no field 'p_alive': it comes from a lifetime model, and models/ has none (run `strata train lifetime`)"),
                "\(none.standardError)")

        let trained = try StrataBinary.run(["train", "lifetime", export.path, "--as-of", Self.cut, "--horizon-days", "180"], in: project)
        #expect(trained.status == 0, "\(trained.standardError)")
        try write(segments: [("soon", "expected_visits_365d > 1")])
        let horizon = try refresh()
        #expect(horizon.status == 1)
        #expect(horizon.standardError.contains("no field 'expected_visits_365d': the lifetime model models/lifetime-\(Self.cut).json predicts over 180 days (training.horizon_days), so its fields are p_alive, expected_visits_180d, clv_180d"),
                "\(horizon.standardError)")

        // A newer model without a spend model: no CLV, and the error names the model.
        let file = project.appendingPathComponent("models/lifetime-\(Self.cut).json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        var parameters = try #require(json["parameters"] as? [String: Any])
        parameters["spend"] = nil
        json["parameters"] = parameters
        try JSONSerialization.data(withJSONObject: json).write(to: project.appendingPathComponent("models/lifetime-2026-01-01.json"))
        try write(segments: [("valuable", "clv_180d in top 10%"), ("soon", "expected_visits_180d > 1")])
        let spendless = try refresh()
        #expect(spendless.status == 1)
        #expect(spendless.standardError.contains("no field 'clv_180d': the lifetime model models/lifetime-2026-01-01.json has no spend model"),
                "\(spendless.standardError)")
        try write(segments: [("soon", "expected_visits_180d > 1")])
        let fine = try refresh()
        #expect(fine.status == 0, "\(fine.standardError)")
    }
}
