import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// Patient attributes end to end on a small generated clinic whose patients.csv carries insurance,
/// neighbourhood and chronic_condition: the feature columns against an independent reading of the file, rule
/// fields, a churn model that reads them, and the errors a declared column can give.
@Suite("patient attributes", .serialized)
struct AttributeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-attributes-\(UUID().uuidString)")

    static let declaration = """
        attributes:
          insurance: {type: category, max_categories: 3}
          neighbourhood: {type: category}
          chronic_condition: {type: flag}
          area_code: {type: number, column: postal_code}

        """

    /// A project declaring the attributes, with one generated export holding them.
    func project() throws -> (project: URL, export: URL, configuration: URL) {
        let project = root.appendingPathComponent("project"), export = project.appendingPathComponent("exports/2025-06-30")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        let configuration = project.appendingPathComponent("strata.yml")
        try Data(Self.declaration.utf8).write(to: configuration)
        var settings = try GeneratorConfiguration(personCount: 600, seed: 11, kind: .primaryCare, from: "2023-01-01", to: "2025-06-30")
        settings.writesAttributes = true
        _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
        return (project, export, configuration)
    }

    /// patients.csv read by splitting lines at commas (the generator writes no quotes): column -> values by row.
    func plainColumns(_ export: URL) throws -> [String: [String]] {
        let lines = try String(contentsOf: export.appendingPathComponent("patients.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var columns: [String: [String]] = [:]
        for (index, name) in lines[0].enumerated() { columns[name] = lines.dropFirst().map { $0[index] } }
        return columns
    }

    @Test func generatedAttributesBecomeOneHotFlagAndNumberColumns() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, export, configuration) = try project()
        let loaded = try ExportSource(path: export.path, configurationFile: configuration.path).read()
        let plain = try plainColumns(export)
        let insurance = try #require(plain["insurance"]), chronic = try #require(plain["chronic_condition"])
        let postal = try #require(plain["postal_code"])
        #expect(Set(insurance).isSubset(of: ["private", "medicaid", "medicare", "uninsured"]))
        #expect(Set(chronic) == ["yes", "no"])

        var spec = loaded.configuration.features
        spec.standardize = false
        let table = try FeaturePipeline.fit(loaded.export, asOf: try Day(iso: "2025-06-30"), spec: spec)
        let names = table.schema.names
        // insurance: the three most common plans (each held by 11 or more patients here), then other.
        var counts: [String: Int] = [:]
        for value in insurance { counts[value, default: 0] += 1 }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map(\.key)
        #expect(counts.values.allSatisfy { $0 >= 11 })
        let insuranceColumns = names.filter { $0.hasPrefix("attribute.insurance.") }
        #expect(insuranceColumns == top.map { "attribute.insurance.\($0)" } + (counts.count > 3 ? ["attribute.insurance.other"] : []))
        let neighbourhoods = Set(try #require(plain["neighbourhood"]))
        #expect(Set(names.filter { $0.hasPrefix("attribute.neighbourhood.") }) == Set(neighbourhoods.map { "attribute.neighbourhood.\($0)" }))

        func column(_ name: String) throws -> [Double] {
            let index = try #require(names.firstIndex(of: name))
            return (0..<table.matrix.rows).map { table.matrix[$0, index] }
        }
        // Rows are patients in file order: every value against the file's text.
        for level in top {
            #expect(try column("attribute.insurance.\(level)") == insurance.map { $0 == level ? 1 : 0 })
        }
        if counts.count > 3 {
            #expect(try column("attribute.insurance.other") == insurance.map { top.contains($0) ? 0 : 1 })
        }
        #expect(try column("attribute.chronic_condition") == chronic.map { $0 == "yes" ? 1 : 0 })
        #expect(try column("attribute.area_code") == postal.map { Double($0)! })
        #expect(table.schema.columns.first { $0.name == "attribute.insurance.\(top[0])" }?.label == "insurance: \(top[0])")

        // Scoring recomputes the same columns from the schema alone.
        let applied = try FeaturePipeline.apply(table.schema, to: loaded.export, asOf: try Day(iso: "2025-06-30"))
        #expect(applied.matrix.elements == table.matrix.elements)
    }

    @Test func rulesSelectOnAttributesTypedAsDeclared() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, export, configuration) = try project()
        let loaded = try ExportSource(path: export.path, configurationFile: configuration.path).read()
        let plain = try plainColumns(export)
        let frame = try SegmentFrame.build(export: loaded.export, asOf: try Day(iso: "2025-06-30"), schema: nil)
        let insurance = try #require(plain["insurance"]), chronic = try #require(plain["chronic_condition"])
        let postal = try #require(plain["postal_code"])

        let medicaid = try SegmentRule("insurance = 'medicaid'").bind(to: frame).members(of: frame)
        #expect(medicaid == insurance.indices.filter { insurance[$0] == "medicaid" })
        #expect(!medicaid.isEmpty)
        let chronicNearby = try SegmentRule("chronic_condition and area_code <= 10005").bind(to: frame).members(of: frame)
        #expect(chronicNearby == chronic.indices.filter { chronic[$0] == "yes" && Int(postal[$0])! <= 10005 })
        #expect(!chronicNearby.isEmpty)

        // Typed like any other field: a text attribute is not a number, a number is not text.
        #expect(throws: RuleError.self) { _ = try SegmentRule("insurance > 3").bind(to: frame) }
        #expect(throws: RuleError.self) { _ = try SegmentRule("area_code = 'x'").bind(to: frame) }
    }

    @Test func aChurnModelReadsTheAttributes() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, export, configuration) = try project()
        let source = ExportSource(path: export.path, configurationFile: configuration.path)
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: root.appendingPathComponent("churn.json")),
                                          on: try source.read())
        let attributeColumns = trained.summary.features.indices.filter { trained.summary.features[$0].hasPrefix("attribute.") }
        #expect(attributeColumns.count >= 6)
        #expect(attributeColumns.contains { trained.summary.coefficients[$0] != 0 })
        let model = try ModelFile<LogisticParameters>.read(from: trained.modelFile, kind: LogisticParameters.kind)
        #expect(model.featureSchema.columns.contains { $0.name == "attribute.chronic_condition" && $0.family == "attributes" })

        // Scoring with the project's declaration reads the same columns.
        let scores = root.appendingPathComponent("scores.csv")
        _ = try ScoringRun.run(ScoringRun.Configuration(modelFile: trained.modelFile, output: scores), from: source)
        #expect(FileManager.default.fileExists(atPath: scores.path))
    }

    @Test func aDeclaredColumnMustBeInTheFileAndHoldItsKind() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, export, _) = try project()
        let generated = GeneratorConfiguration.attributeColumns.map { ExtraColumn($0.name, $0.type == "flag" ? .flag : .text) }
        let missing = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(export, extraColumns: [.patients: generated + [ExtraColumn("plan", column: "plan", .text)]])
        }
        #expect(missing?.kind == .missingRequiredColumn && missing?.found == "plan")

        // A flag column with a value that is neither yes nor no: the error names its place.
        let patients = export.appendingPathComponent("patients.csv")
        var text = try String(contentsOf: patients, encoding: .utf8)
        let secondLine = try #require(text.split(separator: "\n").dropFirst().first)
        text = text.replacingOccurrences(of: secondLine + "\n", with: secondLine.dropLast(secondLine.hasSuffix("yes") ? 3 : 2) + "maybe\n")
        try Data(text.utf8).write(to: patients)
        let bad = #expect(throws: IngestError.self) {
            _ = try ExportReader.read(export, extraColumns: [.patients: generated])
        }
        #expect(bad?.kind == .unknownValue && bad?.found == "maybe" && bad?.line == 2)
        #expect(bad?.column == secondLine.count - (secondLine.hasSuffix("yes") ? 3 : 2) + 1)

        // An undeclared extra column of a canonical file stays an error.
        let undeclared = #expect(throws: IngestError.self) { _ = try ExportReader.read(export) }
        #expect(undeclared?.kind == .unknownColumn && undeclared?.found == "insurance")
    }
}

/// The case: on data without a single cancellation, the old fixed prior (0.1) still gave every patient
/// a cancellation rate, 0.2 / (n + 2), which follows the number of appointments and could name a cluster
/// "high cancellation rate". With the population's prior every such rate is 0.
@Suite("rates without events", .serialized)
struct RatesWithoutEventsTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-no-cancel-\(UUID().uuidString)")

    @Test func noClusterStandsOutByACancellationRateNobodyHas() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let export = root.appendingPathComponent("export")
        let settings = try GeneratorConfiguration(personCount: 600, seed: 5, kind: .primaryCare, from: "2023-01-01", to: "2025-06-30")
        _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
        // Every cancellation becomes a no-show.
        let appointments = export.appendingPathComponent("appointments.csv")
        let text = try String(contentsOf: appointments, encoding: .utf8)
        #expect(text.contains(",cancelled,"))
        try Data(text.replacingOccurrences(of: ",cancelled,", with: ",no_show,").utf8).write(to: appointments)
        let asOf = try Day(iso: "2025-06-30")

        func rates(_ yaml: String) throws -> (values: Set<Double>, discovery: DiscoverySummary) {
            let configuration = root.appendingPathComponent("strata.yml")
            try Data(yaml.utf8).write(to: configuration)
            let loaded = try ExportSource(path: export.path, configurationFile: configuration.path).read()
            let table = try FeaturePipeline.fit(loaded.export, asOf: asOf, spec: loaded.configuration.features)
            let raw = try FeatureDefinition.definitions(of: table.schema)
            let column = try #require(table.schema.names.firstIndex(of: "cancellation_rate"))
            let values = FeatureExtractor.rawValues(loaded.export, asOf: asOf, definitions: raw)
            let discovery = try DiscoveryRun.run(DiscoveryRun.Configuration(asOf: asOf, clusterCounts: 4...4, silhouetteSampleSize: 600),
                                                 on: loaded)
            return (Set((0..<values.rows).map { values[$0, column] }), discovery)
        }
        let fixed = try rates("features: {attendance: {prior: fixed}}\n")
        #expect(fixed.values.count > 1)  // the old prior: rates that differ with the number of appointments
        let population = try rates("features: {attendance: {prior: population}}\n")
        #expect(population.values == [0])
        for cluster in population.discovery.clusters {
            #expect(!cluster.name.contains("cancellation"), "\(cluster.name)")
            #expect(!cluster.distinguishingFeatures.contains { $0.name == "cancellation_rate" })
        }
    }
}
