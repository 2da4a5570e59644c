import Foundation
import StrataData
import StrataFeatures
@testable import StrataProject
import Testing

/// Speed work on the mapped read and the feature output must not change a byte: the attributes benchmark's
/// layout at test size (`Golden/mapped-attributes`, see its README) gives the files the code wrote before.
@Suite("mapped export with attributes: output unchanged")
struct MappedAttributesGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/mapped-attributes")

    @Test func featuresAndSchemaAreByteIdenticalToTheRecordedOutput() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("strata-mapped-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let source = ExportSource(path: Self.golden.appendingPathComponent("2025-06-30").path,
                                  configurationFile: Self.golden.appendingPathComponent("strata.yml").path)
        let configuration = FeatureRun.Configuration(asOf: try Day(iso: "2025-06-30"), output: out)
        let loaded = try source.read(tables: configuration.tables, unusedTextColumns: configuration.unusedTextColumns)
        #expect(loaded.export.patients.count == 120 && loaded.export.appointments.count == 1198)
        let table = try FeatureRun.run(configuration, on: loaded)
        #expect(table.matrix.columns == 52)
        for file in ["features.csv", "schema.json"] {
            let written = try Data(contentsOf: out.appendingPathComponent(file))
            let expected = try Data(contentsOf: Self.golden.appendingPathComponent(file))
            #expect(written == expected, "\(file) differs from Golden/mapped-attributes/\(file)")
        }
    }
}
