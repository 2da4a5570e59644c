import Foundation
import Testing
@testable import StrataGenerator

/// The committed demo clinic (`datasets/demo-clinic`) is reproduced byte for byte by the settings its
/// README names; those settings are read from the truth folder's `generator.json`.
@Suite("committed demo dataset")
struct DemoDatasetTests {
    static let datasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets")

    @Test func regeneratingTheDemoReproducesItExactly() throws {
        let committed = try GeneratedExport(folder: Self.datasets.appendingPathComponent("demo-clinic"),
                                            truthFolder: Self.datasets.appendingPathComponent("demo-clinic-truth"))
        let settings = try JSONSerialization.jsonObject(with: committed.truthFiles[ClinicGenerator.settingsFileName]!)
        let arguments = try #require((settings as? [String: Any])?["arguments"] as? [String])
        func option(_ name: String) throws -> String { arguments[try #require(arguments.firstIndex(of: name)) + 1] }
        var configuration = try GeneratorConfiguration(
            personCount: Int(try option("--patients"))!, seed: UInt64(try option("--seed"))!,
            kind: GeneratorConfiguration.kind(named: try option("--kind")), from: try option("--from"),
            to: try option("--to"), asOf: try option("--as-of"), horizonDays: Int(try option("--horizon-days"))!,
            workers: 2)
        // generator.json records --behaviour; one made before the option existed has none and is idealized.
        configuration.behaviour = arguments.contains("--behaviour") ? try Behaviour.named(try option("--behaviour")) : .idealized
        let base = GeneratedExport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        try ClinicGenerator(configuration).write(export: base.appendingPathComponent("demo"),
                                                 truth: base.appendingPathComponent("demo-truth"))
        let regenerated = try GeneratedExport(folder: base.appendingPathComponent("demo"),
                                              truthFolder: base.appendingPathComponent("demo-truth"))
        #expect(regenerated.files.keys.sorted() == committed.files.keys.sorted())
        for (name, data) in committed.files { #expect(regenerated.files[name] == data, "\(name) differs") }
        for (name, data) in committed.truthFiles { #expect(regenerated.truthFiles[name] == data, "\(name) differs") }
    }
}
