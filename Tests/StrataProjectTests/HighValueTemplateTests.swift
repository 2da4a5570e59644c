import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataProject
import StrataSegments
import Testing

@Suite("strata.yml template: high-value is a rank")
struct HighValueTemplateTests {
    /// The template's high-value segment is the clinic's own top tenth by spend: on a generated clinic it
    /// selects the patients whose total_amount is at least the ⌈n/10⌉-th largest of the n patients with one,
    /// sorted here from the frame's values.
    @Test func highValueIsTheTopTenthBySpend() throws {
        let example = try #require(ProjectTemplate.exampleSegments.first { $0.name == "high-value" })
        #expect(example.rule == "total_amount in top 10%")
        let configuration = try ProjectConfiguration.parse(ProjectTemplate.text)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-high-value-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let settings = try GeneratorConfiguration(personCount: 300, seed: 4, kind: .aesthetic, to: "2025-12-31")
        _ = try ClinicGenerator(settings).write(export: root.appendingPathComponent("e"), truth: root.appendingPathComponent("t"))
        let export = try ExportReader.read(root.appendingPathComponent("e")).export
        let asOf = try Day(iso: "2025-12-31")
        let plan = try FeaturePipeline.plan(export, asOf: asOf, spec: configuration.features)
        let frame = try SegmentFrame.build(export: export, asOf: asOf, schema: FeatureSchema(columns: plan))
        guard case let .number(amounts)? = frame.columns["total_amount"] else {
            Issue.record("no total_amount field")
            return
        }
        let present = amounts.compactMap { $0 }.sorted(by: >)
        let threshold = present[(present.count + 9) / 10 - 1]
        let expected = amounts.indices.filter { (amounts[$0] ?? -.infinity) >= threshold }
        let members = try SegmentRule(example.rule).bind(to: frame).members(of: frame)
        #expect(!members.isEmpty && members == expected)
        #expect(members.count >= (present.count + 9) / 10 && members.count < present.count / 2)
    }
}
