import Foundation
import StrataData
import StrataGenerator
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// The `cluster` sub-group of a campaign report, through the workflow on a small generated clinic: the start
/// records each audience member's cluster as the run assigned it (checked against the run's `cluster = '<name>'`
/// segments, not against the campaign code), the report's cluster rows equal counts made from those segments
/// and the raw appointments, small cells are suppressed, and without a cluster model the sub-group is
/// unavailable (or, when asked for, the start is refused).
@Suite("campaign sub-groups by cluster", .serialized)
struct CampaignClusterTests {
    static let start = "2025-06-30", later = "2025-09-30"
    static let clusterModel = "clusters-2025-06-30.json"
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-campaign-clusters-\(UUID().uuidString)")
    var project: URL { root.appendingPathComponent("project") }
    func export(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    static let campaigns = """
        contact_policy: {enabled: false}
        campaigns:
          - name: by-cluster
            segment: seen
            channel: email
            holdout: 0.4
            outcome: {event: visit, within_days: 60}
            subgroups: [cluster]
          - name: plain
            segment: seen
            channel: email
            holdout: 0.5
            outcome: {event: visit, within_days: 60}
          - name: small-holdout
            segment: seen
            channel: email
            holdout: 0.03
            outcome: {event: visit, within_days: 60}

        """

    /// The project's strata.yml: a segment of everyone seen, one `cluster = '<name>'` segment per cluster
    /// name, and the two campaigns.
    func configure(clusters: [String]) throws {
        var yaml = """
            exports: {path: exports, format: canonical}
            segments:
              - name: seen
                rule: completed_visits >= 1
                purpose: marketing
                channels: [email]

            """
        for (index, name) in clusters.enumerated() {
            let quote = name.contains("'") ? "\"" : "'"
            yaml += """
                  - name: cluster-\(index)
                    rule: cluster = \(quote)\(name)\(quote)
                    purpose: care
                    channels: [email]

                """
        }
        try (yaml + Self.campaigns).write(to: project.appendingPathComponent("strata.yml"), atomically: true, encoding: .utf8)
    }

    /// A project with one clinic cut at two dates (the later extends the earlier). 2,500 people: the campaign
    /// split is keyed by a random project secret, so which cluster rows reach 11 in every cell varies from run to
    /// run, and "some row is shown" needs enough returns in the 60-day window. With 1,500 people the idealized
    /// clinic had 194 of its 1,137 seen patients back in the window, the realistic one only 123 of 1,087 (measured
    /// from the exports), and some runs showed no row; 2,500 realistic people bring back 209 of 1,797, about as many
    /// as 1,500 idealized ones did.
    func makeProject() throws {
        try ProjectFolder.create(at: project)
        for cut in [Self.start, Self.later] {
            let settings = try GeneratorConfiguration(personCount: 2_500, seed: 21, kind: .multiSpecialty, to: cut)
            _ = try ClinicGenerator(settings).write(export: export(cut), truth: root.appendingPathComponent("truth-\(cut)"))
        }
        try configure(clusters: [])
    }

    func refresh() throws {
        _ = try RefreshRun.run(.init(project: project, export: export(Self.start), asOf: try Day(iso: Self.start), user: "tester"))
    }

    func start(_ name: String) throws -> CampaignStartSummary {
        try CampaignStart.run(.init(project: project, name: name, export: export(Self.start), user: "tester"))
    }

    func report(_ name: String) throws -> CampaignReportSummary {
        try CampaignReport.run(.init(project: project, name: name, export: export(Self.later), user: "tester"))
    }

    /// Patients with a completed appointment scheduled on a day in [first, last], read straight from the CSV.
    func visited(from first: String, to last: String) throws -> Set<String> {
        try RawExportFacts.completedVisitors(export(Self.later)) { first <= $0 && $0 <= last }
    }

    /// Checks each cluster row of `summary` against the six counts made from `clusterOf` (the run's cluster
    /// segments) and `returned` (the raw appointments): suppressed exactly when a count is below 11, else
    /// the counts shown. Returns how many rows were shown and suppressed.
    func check(_ summary: CampaignReportSummary, groups: CampaignGroups, clusterOf: [String: String],
               returned: Set<String>) -> (shown: Int, suppressed: Int) {
        var counted = (shown: 0, suppressed: 0)
        for row in summary.subgroups where row.column == "cluster" {
            let treated = groups.treatment.filter { clusterOf[$0] == row.value }
            let held = groups.holdout.filter { clusterOf[$0] == row.value }
            let (x1, x0) = (treated.filter(returned.contains).count, held.filter(returned.contains).count)
            let cells = [treated.count, x1, treated.count - x1, held.count, x0, held.count - x0]
            #expect(row.suppressed == cells.contains { $0 < 11 }, "\(summary.campaign) \(row.value): \(cells)")
            if let result = row.result {
                counted.shown += 1
                let shown: [Int] = [result.treatment, result.treatmentOutcomes, result.holdout, result.holdoutOutcomes]
                #expect(shown == [treated.count, x1, held.count, x0])
            } else {
                counted.suppressed += 1
                #expect(row.suppressed)
            }
        }
        return counted
    }

    @Test func theClusterRowsEqualCountsFromTheRunsClusterSegments() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try makeProject()
        // A cluster model fitted on the first cut, in the models folder where refresh finds it.
        let source = ExportSource(path: export(Self.start).path, configurationFile: project.appendingPathComponent("strata.yml").path)
        let modelURL = project.appendingPathComponent("models/\(Self.clusterModel)")
        _ = try DiscoveryRun.run(.init(asOf: try Day(iso: Self.start), clusterCounts: 3...3, silhouetteSampleSize: 600, stability: nil,
                                       modelFile: modelURL), on: try source.read())
        let names = ProjectModels.names(of: try ModelFile<KMeansParameters>.read(from: modelURL, kind: KMeansParameters.kind))
        try configure(clusters: names)
        try refresh()

        let started = try start("by-cluster")
        #expect(started.clusterModel == Self.clusterModel && started.clustersUnavailable == nil)
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        let groups = try store.campaignGroups("by-cluster")
        // Each patient's cluster as the run's segments saw it.
        var clusterOf: [String: String] = [:]
        for (index, name) in names.enumerated() {
            for patient in try store.members(of: "cluster-\(index)") { clusterOf[patient] = name }
        }
        let audience = groups.treatment + groups.holdout
        guard case let .recorded(model, recorded)? = groups.clusters else {
            Issue.record("no clusters recorded: \(String(describing: groups.clusters))")
            return
        }
        #expect(model == Self.clusterModel)
        #expect(Set(recorded.keys) == Set(audience))
        #expect(audience.allSatisfy { recorded[$0] == clusterOf[$0] })

        // After the window (2025-07-01 to 2025-08-29): each cluster's six counts from the segments and the raw
        // appointments; a cell below 11 suppresses the row.
        let returned = try visited(from: "2025-07-01", to: "2025-08-29")
        let summary = try report("by-cluster")
        #expect(summary.complete && summary.unavailableSubgroups.isEmpty)
        #expect(summary.subgroups.allSatisfy { $0.column == "cluster" }, "cluster is the campaign's only sub-group")
        #expect(Set(summary.subgroups.map(\.value)) == Set(audience.compactMap { clusterOf[$0] }))
        #expect(check(summary, groups: groups, clusterOf: clusterOf, returned: returned).shown > 0, "no cluster row large enough to show")

        // Campaigns that did not ask for it report by cluster too; a small holdout's cells are suppressed.
        #expect(try start("plain").clusterModel == Self.clusterModel)
        let plain = try report("plain")
        #expect(!plain.subgroups.isEmpty && plain.subgroups.allSatisfy { $0.column == "cluster" } && plain.unavailableSubgroups.isEmpty)
        _ = check(plain, groups: try store.campaignGroups("plain"), clusterOf: clusterOf, returned: returned)
        #expect(try start("small-holdout").clusterModel == Self.clusterModel)
        let small = try report("small-holdout")
        #expect(check(small, groups: try store.campaignGroups("small-holdout"), clusterOf: clusterOf, returned: returned).suppressed > 0)
        #expect(small.table.contains("suppressed (a cell below 11)"))
        #expect(try AuditVerification.check(store: store, listsFolder: project.appendingPathComponent("lists")).problems == [])
    }

    /// Without a cluster model the run has no clusters: a campaign asking for the sub-group is refused at the
    /// start (nothing recorded, no list), one that does not is started and reports it unavailable, with why.
    @Test func withoutAClusterModelTheSubgroupIsUnavailable() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try makeProject()
        try refresh()
        let error = #expect(throws: CampaignRunError.self) { _ = try start("by-cluster") }
        guard case let .clustersUnavailable(campaign, reason)? = error else {
            Issue.record("expected clustersUnavailable, got \(String(describing: error))")
            return
        }
        #expect(campaign == "by-cluster" && reason.contains("run 1 applied no cluster model"))
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        #expect(try store.campaigns().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("lists/campaigns/by-cluster").path))

        let started = try start("plain")
        #expect(started.clusterModel == nil && started.clustersUnavailable?.contains("applied no cluster model") == true)
        let summary = try report("plain")
        #expect(summary.subgroups.isEmpty)
        #expect(summary.unavailableSubgroups.map(\.column) == ["cluster"])
        #expect(summary.unavailableSubgroups.first?.reason.contains("run 1 applied no cluster model") == true)
        #expect(summary.table.contains("cluster: not available: no clusters were recorded at the start"))
        #expect(try AuditVerification.check(store: store, listsFolder: project.appendingPathComponent("lists")).problems == [])
    }

    /// The run's cluster model removed before the start: the clusters can no longer be given as the run gave them.
    @Test func aClusterModelGoneSinceTheRunIsUnavailable() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try makeProject()
        let source = ExportSource(path: export(Self.start).path, configurationFile: project.appendingPathComponent("strata.yml").path)
        let modelURL = project.appendingPathComponent("models/\(Self.clusterModel)")
        _ = try DiscoveryRun.run(.init(asOf: try Day(iso: Self.start), clusterCounts: 2...2, silhouetteSampleSize: 300, stability: nil,
                                       modelFile: modelURL), on: try source.read())
        try refresh()
        try FileManager.default.removeItem(at: modelURL)
        let started = try start("plain")
        #expect(started.clustersUnavailable == "run 1 applied \(Self.clusterModel), which is no longer in models/ as it was")
    }
}
