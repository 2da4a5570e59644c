import StrataData
import StrataFeatures
import StrataSegments
import Testing

@Suite("Segment definitions")
struct SegmentCatalogTests {
    @Test func exclusionsRemoveMatchesOfTheExcludedRule() throws {
        var frame = SegmentFrame(patientCount: 5, asOf: Day(daysSince1970: 0))
        frame.set("lead_interest", .text(["braces", "invisalign", "braces", nil, "whitening"]))
        frame.set("asked_about", .list([["invisalign"], [], [], ["braces"], []]))
        let catalog = try SegmentCatalog([
            SegmentDefinition(name: "invisalign-leads", rule: "lead_interest = 'invisalign' or asked_about contains 'invisalign'", purpose: .marketing),
            SegmentDefinition(name: "braces-campaign", rule: "lead_interest = 'braces' or asked_about contains 'braces'",
                              purpose: .marketing, channels: ["email"], exclude: ["invisalign-leads"]),
        ])
        let segments = try catalog.evaluate(frame)
        #expect(segments.map(\.rows) == [[0, 1], [2, 3]])  // patient 0 asked about Invisalign: never braces
        #expect(catalog.exitReason(segments[1], row: 0, in: frame) == "excluded by segment 'invisalign-leads'")
        #expect(catalog.exitReason(segments[1], row: 4, in: frame)
                == "rule no longer holds: lead_interest=whitening, asked_about=[]")
    }

    @Test(arguments: [
        (SegmentDefinition(name: "Lapsed Patients", rule: "age > 1", purpose: .care), "segment 'Lapsed Patients': the name must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit (it names list files)"),
        (SegmentDefinition(name: "../etc", rule: "age > 1", purpose: .care), "segment '../etc': the name must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit (it names list files)"),
        (SegmentDefinition(name: "a", rule: "age > 1", purpose: .care, channels: ["fax"]), "segment 'a': unknown channel 'fax' (expected one of: email, sms, phone, whatsapp)"),
        (SegmentDefinition(name: "a", rule: "age > 1", purpose: .care, exclude: ["b"]), "segment 'a': excludes 'b', which is not a defined segment"),
        (SegmentDefinition(name: "a", rule: "age >", purpose: .care), "segment 'a': rule: column 6: expected a value (a field, number, text, date or duration), found end of rule\n  age >\n       ^"),
    ])
    func badDefinitionsAreRejected(_ definition: SegmentDefinition, _ message: String) {
        #expect(throws: SegmentDefinitionError.self) { try SegmentCatalog([definition]) }
        do { _ = try SegmentCatalog([definition]) } catch { #expect(error.description == message) }
    }

    @Test func duplicateNamesAndConfigurationErrors() throws {
        let twice = [SegmentDefinition(name: "a", rule: "age > 1", purpose: .care), SegmentDefinition(name: "a", rule: "age > 2", purpose: .care)]
        #expect(throws: SegmentDefinitionError(segment: "a", message: "defined twice")) { try SegmentCatalog(twice) }

        let yaml = try ProjectConfiguration.parse("""
            segments:
              - name: lapsed
                rule: last_visit < as_of - 6m
                purpose: marketing
                channels: [email]
            """)
        let catalog = try SegmentCatalog(configuration: yaml.segments)
        #expect(catalog.definitions == [SegmentDefinition(name: "lapsed", rule: "last_visit < as_of - 6m", purpose: .marketing, channels: ["email"])])

        let badPurpose = try ProjectConfiguration.parse("segments:\n  - {name: x, rule: age > 1, purpose: sales}")
        #expect(throws: SegmentDefinitionError(segment: "x", message: "purpose 'sales' is not 'care' or 'marketing'")) {
            try SegmentCatalog(configuration: badPurpose.segments)
        }
        let unknownKey = try ProjectConfiguration.parse("segments:\n  - {name: x, rule: age > 1, purpose: care, chanels: [sms]}")
        #expect(throws: SegmentDefinitionError(segment: "x", message: "unknown key 'chanels' (expected one of: name, description, rule, purpose, channels, exclude, channels_mode)")) {
            try SegmentCatalog(configuration: unknownKey.segments)
        }
        #expect(try SegmentCatalog(configuration: nil).definitions.isEmpty)
    }

    @Test func unknownFieldsAreReportedWhenEvaluating() throws {
        let catalog = try SegmentCatalog([SegmentDefinition(name: "a", rule: "agee > 1", purpose: .care)])
        var frame = SegmentFrame(patientCount: 1, asOf: Day(daysSince1970: 0))
        frame.set("age", .number([3]))
        #expect(throws: SegmentDefinitionError.self) { try catalog.evaluate(frame) }
    }
}
