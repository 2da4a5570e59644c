import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataProject
import StrataSegments
import Testing

@Suite("strata.yml template")
struct ProjectTemplateTests {
    /// Every example segment `strata init` writes parses, binds to the fields a refresh provides, and the
    /// ones about visits select someone on a generated clinic.
    @Test func everyExampleSegmentEvaluates() throws {
        let configuration = try ProjectConfiguration.parse(ProjectTemplate.text)
        let catalog = try SegmentCatalog(configuration: configuration.segments)
        #expect(catalog.definitions.count == ProjectTemplate.exampleSegments.count && catalog.definitions.count == 14)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-template-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let settings = try GeneratorConfiguration(personCount: 400, seed: 9, kind: .multiSpecialty, to: "2025-12-31")
        _ = try ClinicGenerator(settings).write(export: root.appendingPathComponent("e"), truth: root.appendingPathComponent("t"))
        let export = try ExportReader.read(root.appendingPathComponent("e")).export
        let asOf = try Day(iso: "2025-12-31")
        let plan = try FeaturePipeline.plan(export, asOf: asOf, spec: configuration.features)
        var frame = try SegmentFrame.build(export: export, asOf: asOf, schema: FeatureSchema(columns: plan))
        frame.set("churn_score", .number(Array(repeating: nil, count: frame.patientCount)))
        frame.set("cluster", .text(Array(repeating: nil, count: frame.patientCount)))
        let sizes = Dictionary(uniqueKeysWithValues: try catalog.evaluate(frame).map { ($0.definition.name, $0.rows.count) })
        for name in ["inactive-12-months", "regulars-cross-sell", "mammogram-due", "immunization-due", "diabetes-follow-up-due",
                     "diabetic-eye-exam-due", "flu-shot-this-season", "braces-campaign"] {
            #expect(sizes[name]! > 0, "\(name) selects nobody")
        }
        #expect(sizes["churn-risk"] == 0 && sizes["lapsed-cluster"] == 0)  // no models: missing, never true
    }
}

@Suite("strata.yml template: the contact policy example")
struct ProjectTemplateContactPolicyTests {
    /// The template's commented `contact_policy:` example, uncommented, parses to the settings it spells out,
    /// and its priority names the template's marketing segments (what a refresh checks).
    @Test func theCommentedExampleParsesWhenUncommented() throws {
        let lines = ProjectTemplate.text.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "# contact_policy:"))
        var end = start + 1
        while end < lines.count, lines[end].hasPrefix("#   ") { end += 1 }
        #expect(end - start == 7)  // the section line and its six settings
        var uncommented = lines
        for index in start..<end { uncommented[index] = String(lines[index].dropFirst(2)) }
        let configuration = try ProjectConfiguration.parse(uncommented.joined(separator: "\n"))
        #expect(configuration.contactPolicy == ContactPolicySettings(
            enabled: true, priority: ["invisalign-leads", "braces-campaign"],
            marketingCap: .init(perRun: 1, perWindow: 2, windowDays: 30), careCap: nil,
            quietDays: .init(afterVisit: 3, afterNoShow: 0, afterMessage: 7), careCampaigns: ["appointment_reminder"]))
        // As written, commented out, the defaults apply.
        #expect(try ProjectConfiguration.parse(ProjectTemplate.text).contactPolicy == ContactPolicySettings())
        let catalog = try SegmentCatalog(configuration: configuration.segments)
        let marketing = Set(catalog.definitions.filter { $0.purpose == .marketing }.map(\.name))
        #expect(configuration.contactPolicy.priority.allSatisfy(marketing.contains))
    }
}
