import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataGenerator
import StrataRandom
@testable import StrataModels
import StrataProject
import StrataSegments
import Testing

/// Deceased patients (`deceased_at` set on some patients of a generated export by the test) are left out of
/// churn training, never scored and never listed.
@Suite("deceased patients through training, scoring and refresh", .serialized)
struct DeceasedWorkflowTests {
    static let cut = "2025-12-31"

    struct Clinic {
        let root: URL
        let project: URL
        let export: URL
        /// Patient id -> day of death (`YYYY-MM-DD`).
        let deceased: [String: String]

        init(persons: Int, seed: UInt64) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-deceased-\(UUID().uuidString)")
            project = root.appendingPathComponent("project")
            export = project.appendingPathComponent("exports/\(DeceasedWorkflowTests.cut)")
            try ProjectFolder.create(at: project)
            let settings = try GeneratorConfiguration(personCount: persons, seed: seed, kind: .multiSpecialty, to: DeceasedWorkflowTests.cut)
            _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
            // One patient in fifteen died on a day from 2023-06-01 to 2025-11-30 (before the export's last days).
            let file = export.appendingPathComponent("patients.csv")
            var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            var rng = SplitMix64(seed: seed)
            let first = try Day(iso: "2023-06-01"), last = try Day(iso: "2025-11-30")
            var deceased: [String: String] = [:]
            // The generator may write the column already (its own deaths): the test's deaths replace them.
            var header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if !header.contains("deceased_at") { header.append("deceased_at") }
            let column = header.firstIndex(of: "deceased_at")!
            lines[0] = header.joined(separator: ",")
            for index in lines.indices.dropFirst() {
                var cells = lines[index].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                while cells.count < header.count { cells.append("") }
                cells[column] = ""
                if Int.random(in: 0..<15, using: &rng) == 0 {
                    let day = first + Int.random(in: 0...(last - first), using: &rng)
                    deceased[cells[0]] = day.description
                    cells[column] = day.description
                }
                lines[index] = cells.joined(separator: ",")
            }
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            self.deceased = deceased
        }

        var configurationFile: URL { project.appendingPathComponent("strata.yml") }
    }

    /// Raw `patients.csv` rows as (id, created day, deceased day or "").
    static func rawPatients(_ export: URL) throws -> [(id: String, created: String, deceased: String)] {
        let lines = try String(contentsOf: export.appendingPathComponent("patients.csv"), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let id = header.firstIndex(of: "patient_id")!, created = header.firstIndex(of: "created_at")!
        let deceased = header.firstIndex(of: "deceased_at")!
        return lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (cells[id], String(cells[created].prefix(10)), cells[deceased])
        }
    }

    @Test func churnTrainingRowsLeaveTheDeadOut() throws {
        let clinic = try Clinic(persons: 1_200, seed: 41)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let source = ExportSource(path: clinic.export.path, configurationFile: clinic.configurationFile.path)
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: clinic.root.appendingPathComponent("churn.json")),
                                          on: try source.read())
        let horizon = try #require(trained.summary.horizonDays)
        let featureDay = try Day(iso: trained.summary.asOf)
        let windowEnd = (featureDay + horizon).description
        // The population from the raw rows: created by the feature day, not dead by the end of the label window.
        let raw = try Self.rawPatients(clinic.export)
        let onFile = raw.filter { $0.created <= featureDay.description }
        let expected = Set(onFile.filter { $0.deceased.isEmpty || $0.deceased > windowEnd }.map(\.id))
        #expect(onFile.count - expected.count >= 10, "the test needs dead patients in the population it would otherwise train on")
        #expect(trained.summary.rows == expected.count)

        let loaded = try source.read()
        let rows = try ChurnTraining.labeledRows(loaded.export, asOf: featureDay, horizonDays: horizon, spec: loaded.configuration.features).rows
        let ids = Set(rows.map { loaded.export.patients.ids[$0] })
        #expect(ids == expected)
        #expect(ids.isDisjoint(with: clinic.deceased.filter { $0.value <= windowEnd }.keys))
    }

    /// Training builds the drift reference from the fit's own rows with the dead of the label window put back,
    /// not by computing the features again: the rows, the reference and the model file are what computing
    /// them gives, to the bit.
    @Test func driftReferenceFromTheFitsRowsEqualsTheRecomputedOne() throws {
        let clinic = try Clinic(persons: 1_200, seed: 43)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let source = ExportSource(path: clinic.export.path, configurationFile: clinic.configurationFile.path)
        let loaded = try source.read()
        let export = loaded.export
        let scoringDay = try #require(ChurnTraining.lastEventDay(export))
        var handed: (x: Matrix<Double>, asOf: Day)?
        let trained = try ChurnTraining.train(export, ChurnTraining.Configuration(
            scoringDate: scoringDay, horizonDays: 180, spec: loaded.configuration.features, regression: LogisticRegression(),
            folds: 3, seed: 0)) { x, _, asOf in handed = (x, asOf) }
        let (x, asOf) = try #require(handed)
        #expect(asOf == trained.featuresAsOf)
        let onFile = ChurnTraining.patientsOnFile(export, asOf: asOf)
        #expect(onFile.count - trained.fit.rows >= 10, "the test needs dead patients among those on file")
        let recomputed = try FeaturePipeline.apply(trained.fit.schema, to: export, asOf: asOf, rows: onFile).matrix
        #expect(x.rows == onFile.count && x.columns == recomputed.columns)
        #expect(x.elements.map(\.bitPattern) == recomputed.elements.map(\.bitPattern))
        #expect(try trained.fit.model.probabilities(x).map(\.bitPattern)
                == trained.fit.model.probabilities(recomputed).map(\.bitPattern))

        let modelFile = clinic.root.appendingPathComponent("churn.json")
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, scoringDay: scoringDay, horizonDays: 180,
                                                          modelFile: modelFile), on: loaded)
        let written = try ModelFile<LogisticParameters>.read(from: modelFile, kind: LogisticParameters.kind)
        let expected = try Drift.churnReference(export, schema: written.featureSchema, model: written.parameters.model, asOf: asOf)
        let drift = try #require(written.drift)
        #expect(drift == expected)
        #expect(drift.rows == onFile.count)
        #expect(drift.inputs.flatMap(\.edges).map(\.bitPattern) == expected.inputs.flatMap(\.edges).map(\.bitPattern))
        #expect(drift.score?.edges.map(\.bitPattern) == expected.score?.edges.map(\.bitPattern))
    }

    @Test func noDeceasedPatientIsScoredOrListed() throws {
        let clinic = try Clinic(persons: 1_200, seed: 42)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let source = ExportSource(path: clinic.export.path, configurationFile: clinic.configurationFile.path)
        let models = clinic.project.appendingPathComponent("models")
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: models.appendingPathComponent("churn-\(Self.cut).json")),
                                          on: try source.read())
        let scores = clinic.root.appendingPathComponent("scores.csv")
        let scored = try ScoringRun.run(ScoringRun.Configuration(modelFile: trained.modelFile, output: scores), from: source)
        let scoredIDs = try String(contentsOf: scores, encoding: .utf8).split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(scoredIDs.count == scored.rows && scored.rows > 500)
        // Every death is before the scoring day, so no dead patient is scored.
        #expect(Set(scoredIDs).isDisjoint(with: clinic.deceased.keys))

        let summary = try RefreshRun.run(RefreshRun.Configuration(project: clinic.project, export: clinic.export, user: "test"))
        let folder = URL(fileURLWithPath: summary.listsFolder)
        var listed = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".csv") {
            let ids = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { String($0.prefix { $0 != "," }) }
            listed += ids.count
            #expect(Set(ids).isDisjoint(with: clinic.deceased.keys), "\(file) lists a deceased patient")
        }
        #expect(listed > 100)
        #expect(summary.segments.reduce(0) { $0 + $1.heldBack.deceased } > 0)
        // The store keeps the same suppression report as the summary.
        let store = try SegmentStore(path: clinic.project.appendingPathComponent("strata.sqlite").path)
        let held = try store.heldBack(run: summary.run)
        for segment in summary.segments { #expect(held[segment.name] == segment.heldBack, "\(segment.name)") }
    }
}
