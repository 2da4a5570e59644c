import Foundation
import StrataData
import StrataGenerator
@testable import StrataSegments
import Testing

/// The holdout split: its share, balance on a generated clinic, determinism, dependence on the secret; the
/// secret's file; the campaign tables in an existing store and the fingerprint that guards them.
@Suite("Campaign split")
struct CampaignSplitTests {
    static let secret = CampaignSecret(bytes: Array(0..<32))
    static let ids = (0..<100_000).map { String(format: "P%06d", $0) }

    @Test(arguments: [0.1, 0.2, 0.5])
    func holdoutShareIsWithinHalfAPointOverOneHundredThousandPatients(share: Double) {
        let split = CampaignSplit(secret: Self.secret)
        let held = Self.ids.filter { split.isHeldOut(campaign: "winback-test", patient: $0, share: share) }.count
        #expect(abs(Double(held) / Double(Self.ids.count) - share) < 0.005, "\(held) of \(Self.ids.count) at \(share)")
    }

    @Test func sameInputsSameSplitWhateverTheOrder() {
        let split = CampaignSplit(secret: Self.secret)
        let sample = Array(Self.ids.prefix(5_000))
        let forward = Set(sample.filter { split.isHeldOut(campaign: "a", patient: $0, share: 0.2) })
        let again = CampaignSplit(secret: CampaignSecret(bytes: Array(0..<32)))
        let backward = Set(sample.reversed().filter { again.isHeldOut(campaign: "a", patient: $0, share: 0.2) })
        #expect(forward == backward && !forward.isEmpty)
    }

    @Test func anotherSecretOrCampaignGivesAnotherSplit() {
        let sample = Array(Self.ids.prefix(5_000))
        let split = CampaignSplit(secret: Self.secret)
        let other = CampaignSplit(secret: CampaignSecret(bytes: Array(repeating: 7, count: 32)))
        let first = Set(sample.filter { split.isHeldOut(campaign: "a", patient: $0, share: 0.2) })
        let second = Set(sample.filter { other.isHeldOut(campaign: "a", patient: $0, share: 0.2) })
        let otherCampaign = Set(sample.filter { split.isHeldOut(campaign: "b", patient: $0, share: 0.2) })
        // Independent splits share about 0.2 · 0.2 = 4% of the patients, 200 of 5,000; the same split shares 1,000.
        #expect(first.intersection(second).count < 300)
        #expect(first.intersection(otherCampaign).count < 300)
        // The global holdout is a split of its own.
        let global = Set(sample.filter { split.isInGlobalHoldout(patient: $0, share: 0.2) })
        #expect(first.intersection(global).count < 300 && !global.isEmpty)
        #expect(sample.allSatisfy { !split.isInGlobalHoldout(patient: $0, share: 0) })
    }

    /// On a generated clinic, treatment and holdout have the same age, visits and churn probability (the
    /// generator's ground truth) up to a standardized mean difference below 0.05.
    @Test func groupsAreBalancedOnAGeneratedClinic() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-split-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let configuration = try GeneratorConfiguration(personCount: 20_000, seed: 21, kind: .primaryCare, from: "2022-01-01", to: "2024-06-30")
        _ = try ClinicGenerator(configuration).write(export: root.appendingPathComponent("export"), truth: root.appendingPathComponent("truth"))
        let export = try ExportReader.read(root.appendingPathComponent("export")).export
        let patients = export.patients
        let asOf = try Day(iso: "2024-06-30")
        var visits = [Double](repeating: 0, count: patients.count)
        for index in 0..<export.appointments.count where export.appointments.status[index] == .completed {
            visits[Int(export.appointments.patient[index])] += 1
        }
        let age = patients.birthDate.map { Double(asOf.daysSince1970 - $0) / 365.25 }
        // churn_probability per patient id, from the ground truth file (column 5).
        let truth = try String(contentsOf: root.appendingPathComponent("truth").appendingPathComponent(ClinicGenerator.truthFileName), encoding: .utf8)
        var churn = [Double?](repeating: nil, count: patients.count)
        for line in truth.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard let row = patients.ids.index(of: String(fields[0])), let value = Double(fields[4]) else { continue }
            churn[row] = value
        }
        let split = CampaignSplit(secret: Self.secret)
        let held = (0..<patients.count).map { split.isHeldOut(campaign: "balance", patient: patients.ids[$0], share: 0.5) }
        func smd(_ values: [Double?]) -> Double {
            func moments(_ group: Bool) -> (mean: Double, variance: Double) {
                let chosen = zip(values, held).compactMap { $1 == group ? $0 : nil }
                let mean = chosen.reduce(0, +) / Double(chosen.count)
                return (mean, chosen.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(chosen.count - 1))
            }
            let (a, b) = (moments(false), moments(true))
            return abs(a.mean - b.mean) / ((a.variance + b.variance) / 2).squareRoot()
        }
        #expect(churn.compactMap { $0 }.count > patients.count / 2)
        for (name, values) in [("age", age.map { Optional($0) }), ("visits", visits.map { Optional($0) }), ("churn", churn)] {
            #expect(smd(values) < 0.05, "\(name): standardized mean difference \(smd(values))")
        }
    }

    @Test func theSecretIsCreatedOnceOwnerOnlyAndIgnoredByGit() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("strata.sqlite").path
        #expect(try CampaignSecret.existing(besideStore: store) == nil)
        let created = try CampaignSecret.loadOrCreate(besideStore: store)
        let file = CampaignSecret.url(besideStore: store)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try String(contentsOf: file.deletingLastPathComponent().appendingPathComponent(".gitignore"), encoding: .utf8) == "*\n")
        let again = try CampaignSecret.loadOrCreate(besideStore: store)
        let (first, second) = (CampaignSplit(secret: created), CampaignSplit(secret: again))
        #expect(Self.ids.prefix(200).allSatisfy { first.position(campaign: "a", patient: $0) == second.position(campaign: "a", patient: $0) })
        try Data("not a key\n".utf8).write(to: file)
        #expect(throws: CampaignError.badSecret(path: file.path, reason: "expected 64 hexadecimal digits")) {
            try CampaignSecret.existing(besideStore: store)
        }
    }
}
