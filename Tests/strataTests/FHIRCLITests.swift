import Foundation
import Testing

/// Exports made by other tools through the built binary: the FHIR bulk sample (detected, validated, turned
/// into features, refreshed) and an older Synthea release.
@Suite("strata on FHIR bulk and older Synthea exports")
struct FHIRCLITests {
    static let sample = IngestCLITests.tests.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/fhir-bulk-ndjson-13").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sample)))
    func validateFeaturesAndRefreshRunOnTheSample() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fhir-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let validate = try StrataBinary.run(["validate", Self.sample])
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardOutput.contains("format: fhir\n"))
        #expect(validate.standardOutput.contains("patients: 13\n"))
        #expect(validate.standardOutput.contains("  appointments    1215 rows\n"))

        let out = folder.appendingPathComponent("features")
        let features = try StrataBinary.run(["features", Self.sample, "--format", "fhir", "--as-of", "2020-01-01", "--out", out.path])
        #expect(features.status == 0, "\(features.standardError)")
        let rows = try String(contentsOf: out.appendingPathComponent("features.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 14)  // header + 13 patients
        #expect(rows.dropFirst().allSatisfy { !$0.contains("nan") })

        let project = folder.appendingPathComponent("project")
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let refresh = try StrataBinary.run(["refresh", "--project", project.path, Self.sample])
        #expect(refresh.status == 0, "\(refresh.standardError)")
    }

    @Test func olderSyntheaReleaseValidatesAndGivesFeatures() throws {
        let older = IngestCLITests.tests.appendingPathComponent("StrataDataTests/Fixtures/synthea-2017").path
        let validate = try StrataBinary.run(["validate", older])
        #expect(validate.status == 0, "\(validate.standardError)")
        #expect(validate.standardOutput.contains("format: synthea\n"))
        #expect(validate.standardOutput.contains("patients: 3\n"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("strata-synthea-2017-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let features = try StrataBinary.run(["features", older, "--as-of", "2017-03-01", "--out", out.path])
        #expect(features.status == 0, "\(features.standardError)")
        let ids = try String(contentsOf: out.appendingPathComponent("patient_ids.csv"), encoding: .utf8).split(separator: "\n")
        #expect(ids.count == 4)  // header + 3 patients, the one without encounters included
        let rows = try String(contentsOf: out.appendingPathComponent("features.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 4)
        #expect(rows.dropFirst().allSatisfy { !$0.contains("nan") })
    }
}
