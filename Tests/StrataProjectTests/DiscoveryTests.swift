import Foundation
import StrataData
import StrataFeatures
import StrataGenerator
import StrataModels
@testable import StrataProject
import Testing

/// `strata discover`'s done-when on small generated clinics: a k that holds up, short unique names, ids that
/// survive a refit with another seed and next month's export.
@Suite("discovery", .serialized)
struct DiscoveryTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-discovery-\(UUID().uuidString)")

    /// A generated export of `people` people of `kind`, cut at `to`, read with the default configuration.
    func export(_ kind: ClinicKind, to: String, people: Int = 1500) throws -> ExportSource.Loaded {
        let folder = root.appendingPathComponent("\(kind.rawValue)-\(to)")
        let settings = try GeneratorConfiguration(personCount: people, seed: 20251231, kind: kind, from: "2022-01-01", to: to)
        _ = try ClinicGenerator(settings).write(export: folder, truth: root.appendingPathComponent("truth-\(kind.rawValue)-\(to)"))
        // An empty project file: the defaults, whatever the working directory holds.
        let projectFile = root.appendingPathComponent("strata.yml")
        try Data().write(to: projectFile)
        return try ExportSource(path: folder.path, configurationFile: projectFile.path).read(tables: { $0.features.tablesNeeded })
    }

    func discover(_ loaded: ExportSource.Loaded, asOf: String, k: ClosedRange<Int> = 2...8, choosing: Bool = true,
                  seed: UInt64 = 0, previous: URL? = nil, to file: URL? = nil) throws -> DiscoverySummary {
        try DiscoveryRun.run(DiscoveryRun.Configuration(asOf: try Day(iso: asOf), clusterCounts: k, choosing: choosing,
                                                        seed: seed, previousModel: previous, modelFile: file), on: loaded)
    }

    @Test(arguments: ClinicKind.allCases)
    func theRecommendedKHoldsUpAndNamesAreShortAndUnique(kind: ClinicKind) throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let summary = try discover(try export(kind, to: "2025-06-30"), asOf: "2025-06-30")
        #expect(summary.k >= 4, "\(kind): \(summary.reason ?? "")")
        #expect((summary.stability ?? 0) >= 0.8)
        #expect(summary.clusters.allSatisfy { $0.share >= 0.02 })
        let names = summary.clusters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.split(separator: " ").count <= 4 }, "\(names)")
        // Behavioral by default: no demographics or lead columns pull on the clusters.
        #expect(!summary.families.contains("demographics") && !summary.families.contains("leads"))
        #expect(summary.clusters.map(\.id).sorted() == Array(0..<summary.k))
    }

    @Test func idsAndNamesSurviveARefitWithAnotherSeedAndNextMonthsExport() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let november = try export(.primaryCare, to: "2025-11-30"), december = try export(.primaryCare, to: "2025-12-31")
        let first = root.appendingPathComponent("first/clusters-2025-11-30.json")
        let next = root.appendingPathComponent("next/clusters-2025-12-31.json")
        try FileManager.default.createDirectory(at: first.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: next.deletingLastPathComponent(), withIntermediateDirectories: true)
        let original = try discover(november, asOf: "2025-11-30", to: first)
        let identities = Set(original.clusters.map { "\($0.id) \($0.name)" })

        // Same export, another seed, the k found: every id and name kept, and 99% of patients.
        let refit = try discover(november, asOf: "2025-11-30", k: original.k...original.k, choosing: false, seed: 99,
                                 previous: first)
        #expect(Set(refit.clusters.map { "\($0.id) \($0.name)" }) == identities)
        let match = try #require(refit.match)
        #expect(match.keptShare >= 0.99 && match.newIDs.isEmpty && match.retiredIDs.isEmpty)

        // Next month's export, k chosen again: 94% of the patients in both exports keep their cluster, as the
        // segment rules (`cluster = '<name>'`) see it (94.8% here; 94.8-96.7% over six generator seeds, where dormant
        // patients come back at 6% a month and move with their recency; docs/kmeans.md).
        let monthLater = try discover(december, asOf: "2025-12-31", seed: 3, previous: first, to: next)
        #expect(monthLater.k == original.k, "\(monthLater.reason ?? "")")
        let before = try ProjectModels(directory: first.deletingLastPathComponent()).clusterNames(november.export, asOf: try Day(iso: "2025-11-30"))
        let after = try ProjectModels(directory: next.deletingLastPathComponent()).clusterNames(december.export, asOf: try Day(iso: "2025-12-31"))
        let beforeByPatient = Dictionary(uniqueKeysWithValues: zip(november.export.patients.ids.all, try #require(before)))
        var shared = 0, kept = 0
        for (patient, name) in zip(december.export.patients.ids.all, try #require(after)) {
            guard let earlier = beforeByPatient[patient] else { continue }
            shared += 1
            if earlier == name { kept += 1 }
        }
        #expect(shared > 1000)
        #expect(Double(kept) / Double(shared) >= 0.94, "\(kept) of \(shared) kept their cluster")
        let stored = try ModelFile<KMeansParameters>.read(from: next, kind: KMeansParameters.kind)
        #expect(stored.parameters.match == monthLater.match && stored.parameters.families == monthLater.families)
        #expect(stored.parameters.clusterIDs == monthLater.clusters.map(\.id))
    }

    @Test func aRefitKeepsThePreviousKAndStandardizationWhileTheyHoldUp() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = try export(.primaryCare, to: "2025-06-30", people: 800)
        let file = root.appendingPathComponent("clusters.json")
        let first = try discover(loaded, asOf: "2025-06-30", to: file)
        #expect(first.previousK == nil && first.previousStandardizationKept == nil)

        // The same export with another seed: nothing moved, so the previous schema is kept, and refits started
        // from the previous clusters find them again.
        let refit = try discover(loaded, asOf: "2025-06-30", seed: 7, previous: file)
        #expect(refit.previousStandardizationKept == true)
        let check = try #require(refit.previousK)
        #expect(check.k == first.k && check.kept && check.stability >= 0.8, "\(check)")
        #expect(refit.k == first.k && refit.stability == check.stability)
        #expect(refit.reason?.hasPrefix("k=\(first.k) is the previous model's k and holds up: refits started from its "
                                        + "clusters have stability \(ClusterSelection.formatted(check.stability))") == true,
                "\(refit.reason ?? "")")
        let stored = try ModelFile<KMeansParameters>.read(from: file, kind: KMeansParameters.kind)

        // The rule for keeping the standardization, column by column, in standard deviations of the previous data.
        let previous = try PreviousModel(file: stored, export: loaded.export, asOf: try Day(iso: "2025-06-30"))
        let schema = stored.featureSchema
        let j = try #require(schema.columns.firstIndex { $0.scale != nil })
        let deviation = schema.columns[j].scale! * DiscoveryFeatures.familyWeights(schema.columns)[j]
        func keeps(_ change: (inout FeatureSchema.Column) -> Void) -> Bool {
            var fresh = schema
            change(&fresh.columns[j])
            return previous.keepsStandardization(of: fresh)
        }
        #expect(keeps { _ in })
        #expect(keeps { $0.center! += 0.2 * deviation })
        #expect(!keeps { $0.center! -= 0.3 * deviation })
        #expect(keeps { $0.scale! *= 1.2 } && keeps { $0.scale! /= 1.2 })
        #expect(!keeps { $0.scale! *= 1.3 } && !keeps { $0.scale! /= 1.3 })
        #expect(!keeps { $0.name += "_renamed" } && !keeps { $0.transforms.append("clip(0,1)") })

        // Other families: other columns, so the standardization is fitted on this export.
        var narrower = loaded
        narrower.configuration.discover.families = ["recency", "frequency", "monetary"]
        let other = try discover(narrower, asOf: "2025-06-30", k: 3...3, choosing: false, previous: file)
        #expect(other.previousStandardizationKept == false && other.previousK == nil)
    }

    @Test func namesGivenInTheProjectFileWinAndSurviveARefit() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        var loaded = try export(.primaryCare, to: "2025-06-30", people: 800)
        let file = root.appendingPathComponent("clusters.json")
        let first = try discover(loaded, asOf: "2025-06-30", k: 4...4, choosing: false, to: file)
        let renamed = try #require(first.clusters.first)
        loaded.configuration.clusters = ClusterSettings(names: [renamed.id: "our best patients"])
        let refit = try discover(loaded, asOf: "2025-06-30", k: 4...4, choosing: false, seed: 5, previous: file)
        #expect(refit.clusters.first { $0.id == renamed.id }?.name == "our best patients")
        #expect(Set(refit.clusters.map(\.name)).count == 4)
    }

    /// With a lifetime model, each cluster's profile carries its patients' mean P(alive), expected visits and CLV:
    /// over the clusters, the counts add up to the patients with a completed visit by the as-of day (counted here
    /// from the raw appointments), and the size-weighted means to the model's own predictions over them.
    @Test func clusterProfilesCarryTheLifetimeModelsPredictions() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let loaded = try export(.primaryCare, to: "2025-06-30", people: 400)
        let asOf = try Day(iso: "2025-06-30")
        let lifetimeFile = root.appendingPathComponent("lifetime-2025-06-30.json")
        let clustersFile = root.appendingPathComponent("clusters.json")
        // A small primary-care clinic shows little spread in dropout in the realistic process: plain maximum
        // likelihood runs a and b off to infinity, and the fit returns the limit model (one dropout probability
        // for everyone; docs/lifetime.md), whose predictions the profiles carry like any other's.
        _ = try LifetimeRun.train(LifetimeRun.TrainingConfiguration(asOf: asOf, modelFile: lifetimeFile, horizonDays: 180),
                                  on: loaded)
        let summary = try DiscoveryRun.run(DiscoveryRun.Configuration(asOf: asOf, clusterCounts: 4...4, choosing: false,
                                                                      initCount: 1, stability: nil,
                                                                      modelFile: clustersFile, lifetimeModel: lifetimeFile),
                                           on: loaded)
        let profiles = summary.clusters.compactMap(\.lifetime)
        #expect(profiles.count == summary.k && profiles.allSatisfy { $0.horizonDays == 180 })

        let appointments = loaded.export.appointments
        let end = asOf.startTimestamp + 86_400
        let visited = Set((0..<appointments.patient.count).filter {
            appointments.status[$0] == .completed && appointments.scheduledAt[$0] < end
        }.map { appointments.patient[$0] })
        #expect(profiles.reduce(0) { $0 + $1.patients } == visited.count)

        let model = try ProjectModels.newestLifetime(in: root)!
        let predicted = try model.columns(loaded.export, asOf: asOf)
        let pAlive = predicted.first { $0.name == "p_alive" }!.values.filter { !$0.isNaN }
        let visits = predicted.first { $0.name == "expected_visits_180d" }!.values.filter { !$0.isNaN }
        #expect(pAlive.count == visited.count)
        let weighted = { (value: (ClusterLifetimeProfile) -> Double?) in
            profiles.reduce(0.0) { $0 + (value($1) ?? 0) * Double($1.patients) }
        }
        #expect(abs(weighted(\.meanPAlive) - pAlive.reduce(0, +)) <= 1e-9 * Double(pAlive.count))
        #expect(abs(weighted(\.meanExpectedVisits) - visits.reduce(0, +)) <= 1e-9 * Double(visits.count))
        #expect(abs(weighted(\.likelyGoneShare) - Double(pAlive.filter { $0 < 0.3 }.count)) < 1e-6)
        #expect(summary.lines(requested: "4").contains { $0.contains("expected visits") && $0.contains("next 180 days") })

        // Per cluster: each patient to the nearest center of the model file, in the schema's space, and the
        // mean of the model's P(alive) over those of them with a visit.
        let file = try ModelFile<KMeansParameters>.read(from: clustersFile, kind: KMeansParameters.kind)
        let x = try FeaturePipeline.apply(file.featureSchema, to: loaded.export, asOf: asOf).matrix
        let all = predicted.first { $0.name == "p_alive" }!.values
        let centers = file.parameters.centers
        var sums = [Double](repeating: 0, count: centers.count), counts = [Int](repeating: 0, count: centers.count)
        for row in 0..<x.rows where !all[row].isNaN {
            let distances = centers.map { center in (0..<x.columns).reduce(0.0) { $0 + pow(x[row, $1] - center[$1], 2) } }
            let nearest = distances.indices.min { distances[$0] < distances[$1] }!
            sums[nearest] += all[row]
            counts[nearest] += 1
        }
        // A cluster none of whose patients has a visit (those who only booked) has no mean to show.
        #expect(counts.filter { $0 > 0 }.count >= 2, "\(counts)")
        for cluster in summary.clusters {
            let count = counts[cluster.cluster]
            #expect(cluster.lifetime?.patients == count, "cluster \(cluster.cluster)")
            if count == 0 {
                #expect(cluster.lifetime?.meanPAlive == nil, "cluster \(cluster.cluster)")
            } else {
                #expect(abs((cluster.lifetime?.meanPAlive ?? .nan) - sums[cluster.cluster] / Double(count)) <= 1e-9,
                        "cluster \(cluster.cluster)")
            }
        }
    }
}

