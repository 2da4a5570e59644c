import Foundation
import StrataData
import StrataFeatures
@testable import StrataGenerator
import StrataModels
@testable import StrataProject
import Testing

/// The generator's population shift (issue 13 item 6): drift flagged where the shift moved the population and
/// nowhere else, and a retrain where the shifted export makes the new model win.
@Suite("population shift", .serialized)
struct PopulationShiftTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-shift-\(UUID().uuidString)")

    func generate(_ name: String, shift: PopulationShift?, kind: ClinicKind = .orthodontic, people: Int = 3_000,
                  to cut: String = "2025-12-31") throws -> URL {
        var settings = try GeneratorConfiguration(personCount: people, seed: 21, kind: kind, from: "2023-01-01", to: cut)
        settings.shift = shift
        let folder = root.appendingPathComponent(name)
        _ = try ClinicGenerator(settings).write(export: folder, truth: root.appendingPathComponent("\(name)-truth"))
        return folder
    }

    /// The same clinic with and without the default shift from 2024-01-01, seen at the end of 2025: a churn
    /// model's drift reference taken on the unshifted clinic, measured on the shifted one as of the same day,
    /// so that only the shift can move an input. The shift moves the age of the newcomers through the channel
    /// (a quarter or so of the patients on file); nothing it leaves alone moves.
    @Test func psiFlagsTheShiftedAgeAndNoOtherInput() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let plainFolder = try generate("plain", shift: nil), shiftedFolder = try generate("shifted", shift: try PopulationShift(from: "2024-01-01"))
        let plain = try ExportSource(path: plainFolder.path).read().export
        let shifted = try ExportSource(path: shiftedFolder.path).read().export
        let asOf = try Day(iso: "2025-12-31")
        let model = try ChurnTraining.train(plain, ChurnTraining.Configuration(scoringDate: asOf, horizonDays: 180, spec: .default,
                                                                               regression: LogisticRegression(), folds: 2, seed: 0)).fit
        let reference = try Drift.churnReference(plain, schema: model.schema, model: model.model, asOf: asOf)
        let rows = ChurnTraining.patientsOnFile(shifted, asOf: asOf)
        let x = Validation.selectRows(try FeaturePipeline.apply(model.schema, to: shifted, asOf: asOf).matrix, rows)
        let measured = Drift.measure(reference, x: x, scores: try model.model.probabilities(x))
        let age = try #require(measured.inputs.first { $0.name == "age_years" })
        #expect(age.psi > 0.25 && age.band == .act, "age_years: PSI \(age.psi)")
        for entry in measured.inputs where entry.name != "age_years" {
            #expect(entry.psi < 0.1, "\(entry.name): PSI \(entry.psi)")
        }

        // Whoever arrived before the shift has the same row; some who arrived after have another birth date.
        func patients(_ folder: URL) throws -> [String: Substring] {
            let lines = try String(contentsOf: folder.appendingPathComponent("patients.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            return Dictionary(uniqueKeysWithValues: lines.map { (String($0.prefix { $0 != "," }), $0) })
        }
        let before = try patients(plainFolder), after = try patients(shiftedFolder)
        #expect(before.keys.sorted() == after.keys.sorted())
        var changed = 0
        for (id, line) in before {
            let createdAt = line.split(separator: ",", omittingEmptySubsequences: false)[5]
            if createdAt < "2024-01-01" {
                #expect(after[id] == line, "\(id)")
            } else if after[id] != line {
                changed += 1
            }
        }
        #expect(changed > before.count / 10)
    }

    @Test func theShiftOptionIsParsedAndCheckedAsTheGeneratorsOtherOptions() throws {
        #expect(try PopulationShift.parse("younger-arrivals:2024-07-01") == PopulationShift(from: "2024-07-01"))
        #expect(throws: GeneratorError.invalidOption(name: "shift", value: "older:2024-07-01",
                                                     expected: "KIND:YYYY-MM-DD with KIND one of younger-arrivals")) {
            try PopulationShift.parse("older:2024-07-01")
        }
        #expect(throws: GeneratorError.invalidOption(name: "shift", value: "1.5", expected: "a share of arrivals above 0 and at most 1")) {
            try PopulationShift(from: "2024-07-01", share: 1.5)
        }
        // p = 0.1 with the odds times 4: 0.4 / (0.9 + 0.4) = 0.3077.
        #expect(abs(PopulationShift.scaled(0.1, oddsBy: 4) - 0.4 / 1.3) < 1e-15)
        var settings = try GeneratorConfiguration(personCount: 10, seed: 1)
        settings.shift = try PopulationShift.parse("younger-arrivals:2024-07-01")
        // The shift comes after the core options, and the behaviour (realistic, the default, is recorded) last.
        #expect(settings.commandLineArguments.suffix(4) == ["--shift", "younger-arrivals:2024-07-01", "--behaviour", "realistic"])
    }

    /// A project of one clinic seen at the end of 2024 and in mid-2026, a churn champion trained on the first
    /// export, and `strata retrain` on the second: the churn target's comparison.
    func retrain(shift: PopulationShift?, name: String) throws -> RetrainSummary.Target {
        let project = root.appendingPathComponent(name)
        try ProjectFolder.create(at: project)
        for cut in ["2024-12-31", "2026-06-30"] {
            var settings = try GeneratorConfiguration(personCount: 3_000, seed: 21, kind: .orthodontic, from: "2023-01-01", to: cut)
            settings.shift = shift
            _ = try ClinicGenerator(settings).write(export: project.appendingPathComponent("exports/\(cut)"),
                                                    truth: root.appendingPathComponent("\(name)-truth-\(cut)"))
        }
        let configurationFile = project.appendingPathComponent("strata.yml").path
        let before = ExportSource(path: project.appendingPathComponent("exports/2024-12-31").path, configurationFile: configurationFile)
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: project.appendingPathComponent("models/churn-2024.json")),
                                on: try before.read())
        let result = try RetrainRun.run(RetrainRun.Configuration(project: project, user: "test"))
        return try #require(result.targets.first { $0.target == "churn" })
    }

    /// The shift from 2025-01-01, after the champion's labels (through 2024-12-31) and before everything the
    /// challenger saw: T = 2026-06-30, E = T − 180 = 2026-01-01, the challenger's holdout fit has features as
    /// of 2025-07-05 and labels through E. A strong shift (every newcomer through the channel, 20 times the
    /// odds of leaving) makes the champion's scores stale: the challenger wins, and by more than in the same
    /// retrain of the unshifted clinic, where only more data separates them. (The default shift moves the age
    /// clearly, above, but hardly stales the champion: most of the extra leaving shows in the recency features
    /// the champion already reads before the window starts.)
    @Test func aRetrainAfterTheShiftPromotesTheNewModel() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let shifted = try retrain(shift: try PopulationShift(from: "2025-01-01", share: 1, churnOddsFactor: 20), name: "shifted")
        let plain = try retrain(shift: nil, name: "plain")
        #expect(shifted.decision == .promoted, "\(shifted.reason)")
        let shiftedChampion = try #require(shifted.championMetrics), shiftedChallenger = try #require(shifted.challenger)
        let plainChampion = try #require(plain.championMetrics), plainChallenger = try #require(plain.challenger)
        // How much higher the champion's log loss on the window is than the challenger's (measured: 5% shifted,
        // 2% unshifted, at seed 21).
        let shiftedGap = shiftedChampion.logLoss / shiftedChallenger.logLoss - 1
        let plainGap = plainChampion.logLoss / plainChallenger.logLoss - 1
        #expect(shiftedGap > plainGap && shiftedChampion.logLoss > plainChampion.logLoss,
                "shifted: \(shiftedChampion) against \(shiftedChallenger); unshifted: \(plainChampion) against \(plainChallenger)")
    }
}
