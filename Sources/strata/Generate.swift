import ArgumentParser
import Foundation
import StrataGenerator

/// `strata generate`: writes a synthetic clinic export and, apart from it, its ground truth.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic clinic export (canonical format) and its ground truth.",
        discussion: """
        The same options give byte-identical files on any number of cores. --to only cuts: an export with an \
        earlier --to is a later one restricted to what was known by then. See docs/export-format.md.
        """
    )

    @Option(help: "People the clinic records: patients plus inquirers who never convert.")
    var patients: Int

    @Option(help: "Seed of every random choice.")
    var seed: UInt64

    @Option(help: "The export folder to create.")
    var out: String

    @Option(help: "Clinic kind.")
    var kind: ClinicKind = .orthodontic

    @Option(help: "First simulated day, YYYY-MM-DD.")
    var from: String = GeneratorConfiguration.defaultStart

    @Option(help: "The export's cut date, YYYY-MM-DD: it holds what was known by the end of this day (UTC).")
    var to: String = GeneratorConfiguration.defaultCut

    @Option(name: .customLong("as-of"), help: "Date the ground truth refers to (default: --to minus 180 days).")
    var asOf: String?

    @Option(name: .customLong("horizon-days"), help: "Churn horizon of the ground truth, in days.")
    var horizonDays: Int = GeneratorConfiguration.defaultHorizonDays

    @Option(name: .customLong("truth-out"), help: "Folder for the ground truth (default: <out>-truth).")
    var truthOut: String?

    @Option(help: "Worker threads (does not change the output; default: all cores).")
    var workers: Int?

    @Flag(help: "Replace the output folders if they exist and are not empty.")
    var force = false

    @Flag(help: "Add attribute columns to patients.csv (insurance, neighbourhood, chronic_condition); a project reads them when strata.yml declares them under attributes.")
    var attributes = false

    @Option(help: "Shift the population from a date, KIND:YYYY-MM-DD (younger-arrivals: a new channel bringing younger patients who churn more); see docs/export-format.md.")
    var shift: String?

    @Option(help: "The process: idealized (churn nearly written in the history) or realistic (life events, deaths, calibrated no-shows, lead times and seasons); see docs/export-format.md.")
    var behaviour: Behaviour = .default

    @Option(name: .customLong("life-events"), help: "Yearly probabilities of the unobserved reasons to leave (realistic behaviour): moving_away=P,new_insurer=P,bad_experience=P (default: moving_away=0.05,new_insurer=0.03,bad_experience=0.02; see docs/export-format.md).")
    var lifeEvents: String?

    @Option(name: .customLong("truth-paths"), help: "Monte Carlo paths per patient behind the ground truth's probabilities (more: slower, closer to exact).")
    var truthPaths: Int = GeneratorConfiguration.defaultTruthPaths

    func validate() throws {
        do {
            _ = try makeConfiguration()
        } catch {
            throw ValidationError(error.description(naming: FlagNames.flag))
        }
    }

    private func makeConfiguration() throws(GeneratorError) -> GeneratorConfiguration {
        var configuration = try GeneratorConfiguration(personCount: patients, seed: seed, kind: kind,
                                                       from: from, to: to, asOf: asOf, horizonDays: horizonDays,
                                                       workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        configuration.writesAttributes = attributes
        configuration.shift = try shift.map(PopulationShift.parse)
        configuration.behaviour = behaviour
        if let lifeEvents { configuration.lifeEvents = try LifeEventRates.parse(lifeEvents) }
        try configuration.setTruthPaths(truthPaths)
        return configuration
    }

    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let configuration = try makeConfiguration()
        let exportURL = URL(fileURLWithPath: out)
        let truthURL = URL(fileURLWithPath: truthOut ?? (exportURL.standardizedFileURL.path + "-truth"))
        let shown = progress.start(json: false)
        defer { shown.stop() }
        let summary = try shown.stage("generating \(Self.grouped(configuration.personCount).trimmingCharacters(in: .whitespaces)) people") {
            try ClinicGenerator(configuration).write(export: exportURL, truth: truthURL, replacing: force)
        }
        let nameWidth = summary.files.map(\.name.count).max() ?? 0
        for file in summary.files {
            let folder = file.name == ClinicGenerator.truthFileName ? truthURL.path : exportURL.path
            let name = file.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            print("\(name)  \(Self.grouped(file.rows)) rows  \(Self.megabytes(file.bytes)) MB  \(folder)")
        }
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result.count < 11 ? String(repeating: " ", count: 11 - result.count) + result : result
    }

    /// Bytes as megabytes with one decimal.
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes * 10 + 524_288) / 1_048_576
        let text = "\(tenths / 10).\(tenths % 10)"
        return text.count < 7 ? String(repeating: " ", count: 7 - text.count) + text : text
    }
}

extension Behaviour: ExpressibleByArgument {}
