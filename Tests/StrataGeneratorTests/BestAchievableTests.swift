import Foundation
import Testing
@testable import StrataGenerator
import StrataData
import StrataRandom

/// The ground truth's `best_achievable_churn_probability`: P(churn | what the export shows by the as-of date),
/// from the generator's filter over latent type and status (``ExportPosterior``).
@Suite("best-achievable churn probability")
struct BestAchievableTests {
    static let persons = 3_000

    /// One realistic primary-care clinic (the default cut, as-of 180 days before it, horizon 180 days, so the
    /// export shows every label) with its labels, read once for the suite.
    static let clinic: (export: GeneratedExport, rows: [Row]) = {
        let export = try! GeneratedExport.make(persons: persons, seed: 31, kind: .primaryCare, workers: 2, chunkSize: 256,
                                               behaviour: .realistic)
        export.remove()
        return (export, rows(of: export))
    }()

    struct Row {
        let best: Double
        let latent: Double
        let churned: Bool
        /// Days from the last completed visit to the as-of date (the whole history when there is none).
        let recencyDays: Double
        let diedByAsOf: Bool
        let diedInHorizon: Bool
    }

    static let asOf = CivilTime.dateString(days: CivilTime.parseDate(GeneratorConfiguration.defaultCut)!
                                           - GeneratorConfiguration.defaultAsOfOffsetDays)

    /// Every patient with truth probabilities, with the label the export shows.
    static func rows(of export: GeneratedExport) -> [Row] {
        let asOfDay = CivilTime.parseDate(asOf)!
        let horizonEnd = CivilTime.dateString(days: asOfDay + GeneratorConfiguration.defaultHorizonDays)
        let appointments = export.table(.appointments)
        let idColumn = appointments.column("patient_id"), statusColumn = appointments.column("status")
        let scheduledColumn = appointments.column("scheduled_at")
        var completedInHorizon = Set<String>()
        var lastCompleted: [String: Int] = [:]
        for row in appointments.rows where row[statusColumn] == "completed" {
            let day = String(row[scheduledColumn].prefix(10))
            if day > asOf && day <= horizonEnd { completedInHorizon.insert(row[idColumn]) }
            if day <= asOf { lastCompleted[row[idColumn], default: 0] = max(lastCompleted[row[idColumn], default: 0], CivilTime.parseDate(day)!) }
        }
        let patients = export.table(.patients)
        var deceased: [String: String] = [:]
        for row in patients.rows where !row[patients.column("deceased_at")].isEmpty {
            deceased[row[patients.column("patient_id")]] = row[patients.column("deceased_at")]
        }
        let firstDay = CivilTime.parseDate(GeneratorConfiguration.defaultStart)! - PersonProfile.establishedWindowDays
        let truth = export.truth
        return truth.rows.compactMap { row in
            let id = row[truth.column("patient_id")]
            guard let latent = Double(row[truth.column("churn_probability")]) else { return nil }
            let best = Double(row[truth.column("best_achievable_churn_probability")])!
            let death = deceased[id]
            return Row(best: best, latent: latent, churned: !completedInHorizon.contains(id),
                       recencyDays: Double(asOfDay - (lastCompleted[id] ?? firstDay)),
                       diedByAsOf: death.map { $0 <= asOf } ?? false,
                       diedInHorizon: death.map { $0 > asOf && $0 <= horizonEnd } ?? false)
        }
    }

    /// The area under the ROC curve of `scores` for `labels` (ties count one half).
    static func auc(_ scores: [Double], _ labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, positives = 0.0, start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += rank; positives += 1 }
            start = end + 1
        }
        let negatives = Double(scores.count) - positives
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    @Test func computingTheColumnLeavesTheExportUnchanged() throws {
        for behaviour in Behaviour.allCases {
            var configuration = try GeneratorConfiguration(personCount: 600, seed: 3, kind: .multiSpecialty, workers: 2)
            configuration.behaviour = behaviour
            var without = ClinicGenerator(configuration, chunkSize: 61)
            without.computesBestAchievable = false
            let base = GeneratedExport.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: base) }
            let withFolder = base.appendingPathComponent("with"), withoutFolder = base.appendingPathComponent("without")
            try ClinicGenerator(configuration, chunkSize: 61).write(export: withFolder, truth: base.appendingPathComponent("with-truth"))
            try without.write(export: withoutFolder, truth: base.appendingPathComponent("without-truth"))
            let computed = try GeneratedExport(folder: withFolder, truthFolder: base.appendingPathComponent("with-truth"))
            let skipped = try GeneratedExport(folder: withoutFolder, truthFolder: base.appendingPathComponent("without-truth"))
            #expect(computed.files == skipped.files, "export differs in \(behaviour)")
            // The other truth columns are unchanged too; the column is filled exactly where churn_probability is.
            let truth = computed.truth, bare = skipped.truth
            let best = truth.column("best_achievable_churn_probability")
            #expect(truth.rows.map { Array($0[..<best]) } == bare.rows.map { Array($0[..<best]) })
            for row in truth.rows {
                #expect(row[best].isEmpty == row[truth.column("churn_probability")].isEmpty)
            }
            #expect(bare.rows.allSatisfy { $0[best].isEmpty })
        }
    }

    @Test func probabilitiesAreProbabilitiesAndADeathShownIsCertain() {
        let rows = Self.clinic.rows
        #expect(rows.allSatisfy { (0...1).contains($0.best) })
        let dead = rows.filter(\.diedByAsOf)
        #expect(dead.allSatisfy { $0.best == 1 }, "\(dead.filter { $0.best != 1 }.count) of \(dead.count) dead patients below 1")
    }

    /// The ordering every score on the export must respect: a score from the export (recency alone) ranks no
    /// better than the best achievable from the export, which ranks no better than the latent truth (which also
    /// knows the hidden state). Slack: both truth columns are 16-path Monte Carlo estimates whose noise lowers
    /// their AUC by about 0.005 here; 0.02 covers that and the filter's documented approximations.
    @Test func rankingSitsBetweenRecencyAndTheLatentTruth() {
        Self.expectRankingBetweenRecencyAndTheLatentTruth(
            Self.clinic.rows.filter { !$0.diedByAsOf && !$0.diedInHorizon && $0.recencyDays <= 548 })
    }

    /// AUC(recency) ≤ AUC(best-achievable) ≤ AUC(latent) + 0.02 on `rows`.
    static func expectRankingBetweenRecencyAndTheLatentTruth(_ rows: [Row]) {
        let labels = rows.map(\.churned)
        let best = auc(rows.map(\.best), labels)
        let latent = auc(rows.map(\.latent), labels)
        let recency = auc(rows.map(\.recencyDays), labels)
        #expect(best >= recency, "best-achievable \(best) below recency \(recency)")
        #expect(best <= latent + 0.02, "best-achievable \(best) above the latent truth \(latent)")
    }

    /// Calibration: the mean probability matches the churn share the export shows. The binomial standard error
    /// of the share, sqrt(Σ p(1 − p))/n, is below 0.009 at this size; four of them, plus 0.01 for the paths'
    /// noise and the filter's approximations.
    @Test func meanMatchesTheChurnShare() {
        let rows = Self.clinic.rows
        let mean = rows.reduce(0) { $0 + $1.best } / Double(rows.count)
        let share = Double(rows.filter(\.churned).count) / Double(rows.count)
        let standardError = rows.reduce(0) { $0 + $1.best * (1 - $1.best) }.squareRoot() / Double(rows.count)
        #expect(abs(mean - share) <= 4 * standardError + 0.01, "mean \(mean), churned \(share), se \(standardError)")
    }

    /// The filter is a posterior: over many patients, the mean weight it gives a type (or a status) is the share of
    /// patients who have it. Patients seen in the 18 months before the as-of date, 4,000 people (about 1,600
    /// such patients): the difference's standard error is at most sqrt(0.25 / 1,600) = 0.0125, so 0.04 is over
    /// three of them.
    @Test(arguments: Behaviour.allCases)
    func typeAndStatusWeightsMatchTheirShares(behaviour: Behaviour) throws {
        var configuration = try GeneratorConfiguration(personCount: 4_000, seed: 7, kind: .primaryCare)
        configuration.behaviour = behaviour
        let catalog = ClinicCatalog.of(configuration.kind)
        let asOf = configuration.asOfInstant
        var share: [String: Double] = [:], weight: [String: Double] = [:]
        var patients = 0.0
        for person in 0..<configuration.personCount {
            var rng = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(person), purpose: .history)
            let profile = PersonProfile.draw(index: person, configuration: configuration, catalog: catalog, rng: &rng)
            guard let createdAt = profile.createdAt, createdAt <= asOf else { continue }
            var hidden = HiddenLifeEvents.none
            if configuration.isRealistic {
                let historyStart = max(createdAt, configuration.startInstant)
                hidden = HiddenLifeEvents.draw(seed: configuration.seed, person: person, historyStart: historyStart,
                                               ageYears: (Double(historyStart) / 86_400 - Double(profile.birthDay)) / 365.25,
                                               sex: profile.sex, rates: configuration.lifeEvents)
            }
            var sink = DiscardingSink()
            var simulation = PatientSimulation(profile: profile, createdAt: createdAt, configuration: configuration, rng: rng,
                                               hidden: hidden, sink: &sink)
            simulation.startObserving()
            simulation.run(until: asOf, into: &sink)
            let observed = simulation.finishObserving(at: asOf)
            let posterior = try #require(observed)
            guard !simulation.isDeceased, let seen = simulation.lastCompletedAt, asOf - seen < 548 * 86_400 else { continue }
            patients += 1
            let status = simulation.hasLeft ? "left" : !simulation.isReturning ? "dormant"
                : simulation.pending.map { $0.bookedAt > asOf } ?? false ? "waiting" : "returning"
            share[profile.latentType.rawValue, default: 0] += 1
            share[status, default: 0] += 1
            for hypothesis in posterior.hypotheses() {
                weight[hypothesis.type.rawValue, default: 0] += hypothesis.weight
                weight[hypothesis.status == .comingBack ? "returning" : "\(hypothesis.status)", default: 0] += hypothesis.weight
            }
        }
        #expect(patients > 1_000)
        for (name, count) in share {
            #expect(abs(weight[name, default: 0] / patients - count / patients) <= 0.04,
                    "\(name): weight \(weight[name, default: 0] / patients), share \(count / patients)")
        }
    }

    @Test(arguments: Behaviour.allCases)
    func workerCountDoesNotChangeTheColumn(behaviour: Behaviour) throws {
        let one = try GeneratedExport.make(persons: 300, seed: 9, kind: .orthodontic, workers: 1, chunkSize: 300, behaviour: behaviour)
        let three = try GeneratedExport.make(persons: 300, seed: 9, kind: .orthodontic, workers: 3, chunkSize: 29, behaviour: behaviour)
        defer { one.remove(); three.remove() }
        #expect(one.truthFiles == three.truthFiles)
        #expect(one.truth.values("best_achievable_churn_probability").contains { !$0.isEmpty })
    }

    /// The idealized clinic: same ordering (its latent truth knows whether the patient stopped).
    @Test func idealizedRankingSitsBetweenRecencyAndTheLatentTruth() throws {
        let export = try GeneratedExport.make(persons: 1_500, seed: 31, kind: .orthodontic, workers: 2, chunkSize: 256,
                                              behaviour: .idealized)
        defer { export.remove() }
        Self.expectRankingBetweenRecencyAndTheLatentTruth(Self.rows(of: export).filter { $0.recencyDays <= 548 })
    }
}
