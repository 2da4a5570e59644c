import Foundation
import StrataData
import StrataFeatures
import Testing

/// `FeatureOutput.write` into a folder that already exists: refused when it holds anything unless replacing,
/// and even then only the feature files change (issue 16, row 1: `strata features --out PROJECT` used to
/// delete the project's config, store and exports).
@Suite("Feature output into an existing folder")
struct FeatureOutputFolderTests {
    private func table() throws -> (FeatureTable, ClinicExport) {
        let export = try FeatureFixtures.handExport()
        return (try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf), export)
    }

    /// A folder holding what a project holds: a config, a store and an export.
    private func projectLikeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-project-\(UUID().uuidString)")
        let exports = folder.appendingPathComponent("exports/2024-03-01")
        try FileManager.default.createDirectory(at: exports, withIntermediateDirectories: true)
        try Data("segments: []\n".utf8).write(to: folder.appendingPathComponent("strata.yml"))
        try Data("not really sqlite".utf8).write(to: folder.appendingPathComponent("strata.sqlite"))
        try Data("patient_id\nP1\n".utf8).write(to: exports.appendingPathComponent("patients.csv"))
        return folder
    }

    private func contents(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test func aFolderWithOtherFilesIsRefusedAndLeftAlone() throws {
        let (table, _) = try table()
        let folder = try projectLikeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try contents(folder)
        #expect {
            try FeatureOutput.write(table, to: folder)
        } throws: { error in
            let text = String(describing: error)
            // The library names its parameter; the command line says `--force` (IngestCLITests).
            return text.contains("not empty") && text.contains("strata.yml") && text.contains("(replacing)")
        }
        #expect(try contents(folder) == before)
        #expect(try String(contentsOf: folder.appendingPathComponent("strata.yml"), encoding: .utf8) == "segments: []\n")
    }

    @Test func replacingTouchesOnlyTheFeatureFiles() throws {
        let (table, export) = try table()
        let folder = try projectLikeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let labels: FeatureOutput.LabelColumns = [("churn_60d", Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 60))]
        try FeatureOutput.write(table, labels: labels, to: folder, replacing: true)
        #expect(try contents(folder) == ["exports", "features.csv", "features.npy", "labels.csv", "patient_ids.csv",
                                         "schema.json", "strata.sqlite", "strata.yml"])
        #expect(try String(contentsOf: folder.appendingPathComponent("strata.sqlite"), encoding: .utf8) == "not really sqlite")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("exports/2024-03-01/patients.csv").path))
        // Written again without labels: the old labels.csv goes (it would pair old labels with new features),
        // everything that is not a feature file stays.
        try FeatureOutput.write(table, to: folder, replacing: true)
        #expect(try contents(folder) == ["exports", "features.csv", "features.npy", "patient_ids.csv",
                                         "schema.json", "strata.sqlite", "strata.yml"])
    }

    @Test func anEmptyFolderIsWrittenInto() throws {
        let (table, _) = try table()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-empty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FeatureOutput.write(table, to: folder)
        #expect(try contents(folder) == ["features.csv", "features.npy", "patient_ids.csv", "schema.json"])
    }

    @Test func aFolderNamedLikeAFeatureFileIsNotReplaced() throws {
        let (table, _) = try table()
        let folder = try projectLikeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let impostor = folder.appendingPathComponent("labels.csv")
        try FileManager.default.createDirectory(at: impostor, withIntermediateDirectories: true)
        try FeatureOutput.write(table, to: folder, replacing: true)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: impostor.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try contents(folder).filter { $0.hasPrefix(".") }.isEmpty)
    }
}
