import Foundation
import Testing
@testable import StrataGenerator

@Suite("generator options and output folders")
struct ConfigurationTests {
    @Test func badOptionsAreRejectedWithTheOffendingValue() {
        let cases: [(() throws(GeneratorError) -> GeneratorConfiguration, GeneratorError)] = [
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 0, seed: 1) },
             .invalidOption(name: "personCount", value: "0", expected: "an integer from 1 to 50000000")),
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 5, seed: 1, from: "2024-01-01", to: "2023-12-31") },
             .invalidOption(name: "to", value: "2023-12-31", expected: "a date on or after the first day 2024-01-01")),
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 5, seed: 1, from: "2024-02-30") },
             .invalidOption(name: "from", value: "2024-02-30", expected: "a date YYYY-MM-DD between 1900 and 9000")),
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 5, seed: 1, asOf: "2026-01-01") },
             .invalidOption(name: "asOf", value: "2026-01-01", expected: "a date from the first day 2021-01-01 to the cut 2025-12-31")),
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 5, seed: 1, horizonDays: 0) },
             .invalidOption(name: "horizonDays", value: "0", expected: "an integer from 1 to 3650")),
            ({ () throws(GeneratorError) in try GeneratorConfiguration(personCount: 5, seed: 1, workers: 0) },
             .invalidOption(name: "workers", value: "0", expected: "an integer of at least 1")),
        ]
        for (make, expected) in cases {
            #expect(throws: expected) { try make() }
        }
    }

    /// `--truth-paths` sets the truth's Monte Carlo paths: validated, recorded in generator.json's arguments
    /// when not the default, and changing only the truth's probabilities, never the export.
    @Test func truthPathsChangeTheTruthOnlyAndAreRecorded() throws {
        var configuration = try GeneratorConfiguration(personCount: 300, seed: 3, kind: .primaryCare, workers: 2)
        #expect(throws: GeneratorError.invalidOption(name: "truthPaths", value: "0", expected: "an integer from 1 to 4096")) {
            try configuration.setTruthPaths(0)
        }
        #expect(!configuration.commandLineArguments.contains("--truth-paths"))
        let base = GeneratedExport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        func generate(_ name: String, _ settings: GeneratorConfiguration) throws -> GeneratedExport {
            try ClinicGenerator(settings).write(export: base.appendingPathComponent(name),
                                                truth: base.appendingPathComponent(name + "-truth"))
            return try GeneratedExport(folder: base.appendingPathComponent(name), truthFolder: base.appendingPathComponent(name + "-truth"))
        }
        let standard = try generate("standard", configuration)
        try configuration.setTruthPaths(64)
        #expect(configuration.commandLineArguments.suffix(2) == ["--truth-paths", "64"])
        let more = try generate("more", configuration)
        #expect(standard.files == more.files)
        let (a, b) = (standard.truth, more.truth)
        #expect(a.values("latent_type") == b.values("latent_type"))
        #expect(a.values("churn_probability") != b.values("churn_probability"))
        #expect(a.values("best_achievable_churn_probability") != b.values("best_achievable_churn_probability"))
        let recorded = String(decoding: more.truthFiles["generator.json"]!, as: UTF8.self)
        #expect(recorded.contains("\"--truth-paths\", \"64\"") && recorded.contains("Monte Carlo, 64 importance-weighted paths"))
    }

    @Test func unknownKindIsRejectedWithTheKnownOnes() {
        #expect(throws: GeneratorError.invalidOption(name: "kind", value: "dental",
                                                     expected: "one of orthodontic, aesthetic, primary-care, multi-specialty")) {
            try GeneratorConfiguration.kind(named: "dental")
        }
        // The library names the parameter; the command line names its flag.
        let error = GeneratorError.invalidOption(name: "kind", value: "dental", expected: "one of x")
        #expect(error.description == "kind dental: expected one of x")
        #expect(error.description(naming: { "--" + $0 }) == "--kind dental: expected one of x")
    }

    @Test func asOfDefaultsTo180DaysBeforeTheCut() throws {
        let configuration = try GeneratorConfiguration(personCount: 1, seed: 1, to: "2025-12-31")
        #expect(CivilTime.dateString(days: configuration.asOfDay) == "2025-07-04")
        let short = try GeneratorConfiguration(personCount: 1, seed: 1, from: "2025-11-01", to: "2025-12-31")
        #expect(CivilTime.dateString(days: short.asOfDay) == "2025-11-01")
    }

    @Test func refusesANonEmptyFolderAndWritesNothing() throws {
        let base = GeneratedExport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let export = base.appendingPathComponent("clinic"), truth = base.appendingPathComponent("clinic-truth")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: export.appendingPathComponent("notes.txt"))
        let generator = ClinicGenerator(try GeneratorConfiguration(personCount: 20, seed: 3))
        #expect(throws: GeneratorError.outputNotEmpty(path: export.path)) {
            try generator.write(export: export, truth: truth)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: export.path) == ["notes.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted() == ["clinic"])

        // With replacing, the folder becomes exactly the export.
        try generator.write(export: export, truth: truth, replacing: true)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: export.path)) == Set(ClinicGenerator.exportFileNames))
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted() == ["clinic", "clinic-truth"])
    }

    @Test func truthMustLiveApartFromTheExport() throws {
        let base = GeneratedExport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let export = base.appendingPathComponent("clinic")
        let generator = ClinicGenerator(try GeneratorConfiguration(personCount: 5, seed: 3))
        for truth in [export, export.appendingPathComponent("truth")] {
            #expect(throws: GeneratorError.conflictingOutputs(export: export.path, truth: truth.path)) {
                try generator.write(export: export, truth: truth)
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).isEmpty)
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let base = GeneratedExport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        // The truth's parent is a file, so creating its staging folder fails after the export's was created.
        try Data("not a folder".utf8).write(to: base.appendingPathComponent("blocker"))
        let generator = ClinicGenerator(try GeneratorConfiguration(personCount: 5, seed: 3))
        #expect(throws: GeneratorError.self) {
            try generator.write(export: base.appendingPathComponent("clinic"),
                                truth: base.appendingPathComponent("blocker/truth"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path) == ["blocker"])
    }
}
