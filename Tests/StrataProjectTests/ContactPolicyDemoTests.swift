import Foundation
import StrataData
import StrataFeatures
import StrataProject
import StrataSegments
import Testing

/// The demo's second refresh under the default contact policy: every patient on at most one marketing list,
/// and the summary (table and `--json` value) shows what was held back, by reason.
@Suite("contact policy on the demo", .serialized)
struct ContactPolicyDemoTests {
    @Test func theSecondRefreshListsEachPatientAtMostOnceForMarketing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-policy-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let summary = try DemoRun.run(DemoRun.Configuration(directory: directory, patients: 1_000, user: "test"))
        let configuration = try ProjectConfiguration.load(from: directory.appendingPathComponent("strata.yml"))
        let catalog = try SegmentCatalog(configuration: configuration.segments)
        let marketing = Set(catalog.definitions.filter { $0.purpose == .marketing }.map(\.name))

        let folder = URL(fileURLWithPath: summary.listsFolder)
        var marketingLists: [String: Int] = [:]
        var listed = 0
        for list in summary.lists {
            // `<segment>-<channel>.csv`
            let channel = try #require(["email", "sms", "phone", "whatsapp"].first { list.file.hasSuffix("-\($0).csv") })
            let name = String(list.file.dropLast("-\(channel).csv".count))
            guard marketing.contains(name) else { continue }
            let ids = try String(contentsOf: folder.appendingPathComponent(list.file), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { String($0.prefix { $0 != "," }) }
            #expect(ids.count == list.rows)
            for id in ids { marketingLists[id, default: 0] += 1 }
            listed += ids.count
        }
        #expect(listed > 50)
        #expect(marketingLists.values.allSatisfy { $0 == 1 }, "\(marketingLists.filter { $0.value > 1 }.prefix(5))")

        // Held back by reason: the policy did work here (patients in several marketing segments, several channels).
        let held = summary.segments.map(\.heldBack)
        #expect(held.reduce(0) { $0 + $1.priority } > 0)
        #expect(held.reduce(0) { $0 + $1.channelRouting } > 0)
        #expect(summary.table.contains("held back (contacts), by reason:\n  "))
        let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        #expect(json.contains("\"held_back\"") && json.contains("\"channel_routing\""))
        #expect(try JSONDecoder().decode(RefreshSummary.self, from: Data(json.utf8)) == summary)
    }
}
