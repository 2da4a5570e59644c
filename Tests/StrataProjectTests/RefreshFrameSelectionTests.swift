import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataProject
import StrataSegments
import Testing

/// A refresh builds its segment frame only for the fields its rules read (`SegmentCatalog.frameSelection`):
/// on a generated clinic, that frame gives every segment the same members, reasons and exit reasons as the
/// whole frame, and a misspelt field the same error.
@Suite("refresh: the frame built for the rules")
struct RefreshFrameSelectionTests {
    /// The template's segments, and rules that reach the rest: a condition onset, a missing indicator, a call
    /// inside a call, text attributes and a score of a lifetime model.
    static let extraSegments = """
          - {name: diabetic-since, rule: "condition_onset('diabetes') >= as_of - 10y", purpose: care, channels: [email]}
          - {name: no-spend, rule: "mean_amount.missing = 1 and first_visit is missing", purpose: marketing, channels: [email]}
          - {name: flu-regulars, rule: "percentile(visits_for(['flu_shot'])) >= 60", purpose: care, channels: [sms]}
          - {name: searched, rule: "lead_channel = 'google_search' or postal_code = '10003' or p_alive < 0.2", purpose: marketing, channels: [email]}

        """

    @Test func theSelectedFrameGivesTheWholeFramesMembersAndReasons() throws {
        var text = ProjectTemplate.text.replacingOccurrences(of: "\nsegments:\n", with: "\nsegments:\n" + Self.extraSegments)
        text = text.replacingOccurrences(of: "\nfeatures:\n", with: "\nfeatures:\n  columns: {mean_amount: {indicator: true}}\n")
        let configuration = try ProjectConfiguration.parse(text)
        let catalog = try SegmentCatalog(configuration: configuration.segments)
        #expect(catalog.definitions.count == 18)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-frame-selection-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let settings = try GeneratorConfiguration(personCount: 500, seed: 12, kind: .multiSpecialty, to: "2025-12-31")
        _ = try ClinicGenerator(settings).write(export: root.appendingPathComponent("e"), truth: root.appendingPathComponent("t"))
        let export = try ExportReader.read(root.appendingPathComponent("e")).export
        let asOf = try Day(iso: "2025-12-31")
        let schema = FeatureSchema(columns: try FeaturePipeline.plan(export, asOf: asOf, spec: configuration.features))
        #expect(schema.columns.contains { $0.name == "mean_amount.missing" })
        let n = export.patients.count
        let churn: [Double] = (0..<n).map { $0 % 9 == 0 ? .nan : Double($0 % 10) / 10 }
        let alive: [Double] = (0..<n).map { $0 % 7 == 0 ? .nan : Double($0 % 13) / 13 }
        let scores = ["churn_score": churn, "p_alive": alive]
        let clusters = (0..<n).map { ["lapsed", "loyal", "new"][$0 % 3] }

        let whole = try SegmentFrame.build(export: export, asOf: asOf, schema: schema, scores: scores, clusters: clusters)
        let selection = catalog.frameSelection
        let selected = try SegmentFrame.build(export: export, asOf: asOf, schema: schema, scores: scores, clusters: clusters,
                                              selection: selection)
        #expect(selection.visitHistory && selection.conditionOnsets)
        let read = try #require(selection.fields)
        #expect(read.isSuperset(of: ["mean_amount.missing", "lead_channel", "postal_code", "total_amount", "cluster"]))
        // Built: the fields read, and the scores; every other field of the whole frame is named as unbuilt.
        #expect(Set(selected.columns.keys) == Set(whole.columns.keys).intersection(read.union(scores.keys)))
        #expect(selected.unbuiltFields == Set(whole.columns.keys).subtracting(selected.columns.keys))
        #expect(selected.unbuiltFields.isSuperset(of: ["visits_90d", "mean_amount", "tenure_days", "lead_source"]))
        for name in selected.columns.keys { #expect(selected.columns[name] == whole.columns[name], "\(name)") }
        #expect(selected.visits == whole.visits && selected.onsets == whole.onsets)

        let onWhole = try expectSameSegments(catalog, whole: whole, selected: selected)
        #expect(onWhole.contains { $0.definition.name == "no-spend" && !$0.rows.isEmpty })
        #expect(onWhole.contains { $0.definition.name == "diabetic-since" && !$0.rows.isEmpty })

        // The template's segments alone read `conditions` but call no `condition_onset`: no onsets are built.
        let template = try SegmentCatalog(configuration: ProjectConfiguration.parse(ProjectTemplate.text).segments)
        #expect(template.frameSelection.visitHistory && !template.frameSelection.conditionOnsets)
        let forTemplate = try SegmentFrame.build(export: export, asOf: asOf, schema: schema, scores: scores, clusters: clusters,
                                                 selection: template.frameSelection)
        #expect(forTemplate.onsets == ConditionOnsets() && forTemplate.columns["conditions"] == whole.columns["conditions"])
        let onTemplate = try expectSameSegments(template, whole: whole, selected: forTemplate)
        #expect(onTemplate.contains { $0.definition.name == "diabetes-follow-up-due" && !$0.rows.isEmpty })

        // A misspelt field that the selected frame did not build is suggested as on the whole frame.
        for rule in ["visits_90 > 1", "lead_sourc = 'x'"] {
            let errors = [whole, selected].map { (frame: SegmentFrame) -> String in
                do { _ = try SegmentRule(rule).bind(to: frame); return "bound" } catch { return String(describing: error) }
            }
            #expect(errors[0] == errors[1] && errors[0].contains("did you mean"), "\(errors)")
        }
    }

    /// Expects `catalog`'s segments to have the same members, reasons and exit reasons (of 50 non-members each)
    /// on both frames; returns them as on `whole`.
    func expectSameSegments(_ catalog: SegmentCatalog, whole: SegmentFrame, selected: SegmentFrame) throws -> [SegmentMembers] {
        let onWhole = try catalog.evaluate(whole), onSelected = try catalog.evaluate(selected)
        for (a, b) in zip(onWhole, onSelected) {
            let name = a.definition.name
            #expect(a.rows == b.rows, "\(name)")
            #expect(a.rows.map { a.reason(row: $0, in: whole) } == b.rows.map { b.reason(row: $0, in: selected) }, "\(name)")
            let others = (0..<whole.patientCount).filter { !a.rows.contains($0) }.prefix(50)
            #expect(others.map { catalog.exitReason(a, row: $0, in: whole) } == others.map { catalog.exitReason(b, row: $0, in: selected) },
                    "\(name)")
        }
        return onWhole
    }
}
