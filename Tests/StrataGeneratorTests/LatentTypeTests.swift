import Foundation
import Testing
@testable import StrataGenerator
import StrataData

/// The latent types must differ in the ways `docs/export-format.md` claims, seen through the export.
/// One export of 3,000 people (debug build: a few seconds) serves every test here. It is `idealized` on purpose:
/// the contrasts between types ("Latent types") and "a stopped patient churns surely" are claims about that
/// process; `realistic` adds clinic-wide no-shows, wide visit intervals and dormant patients who come back
/// on top of every type, so it dilutes the contrasts and a stopped patient may return. The truth's
/// calibration is checked on both processes.
@Suite("latent types and ground truth")
struct LatentTypeTests {
    struct PatientFacts {
        var type: LatentType
        var completed = 0
        var noShows = 0
        var cancelled = 0
        var amountCents = 0
        var lastCompleted: String?
    }

    static let fixture: (export: GeneratedExport, facts: [String: PatientFacts]) = {
        let export = try! GeneratedExport.make(persons: 3_000, seed: 2024, kind: .primaryCare, workers: 2, chunkSize: 512,
                                               behaviour: .idealized)
        // Its files are read into memory: the folder can go at once (a static fixture has no scope to end).
        export.remove()
        let truth = export.truth
        var facts: [String: PatientFacts] = [:]
        for row in truth.rows where !row[truth.column("patient_id")].isEmpty {
            facts[row[truth.column("patient_id")]] = PatientFacts(type: LatentType(rawValue: row[truth.column("latent_type")])!)
        }
        let appointments = export.table(.appointments)
        for row in appointments.rows {
            let id = row[appointments.column("patient_id")]
            switch row[appointments.column("status")] {
            case "completed":
                facts[id]!.completed += 1
                facts[id]!.lastCompleted = row[appointments.column("scheduled_at")]
                let amount = row[appointments.column("amount")].split(separator: ".")
                facts[id]!.amountCents += Int(amount[0])! * 100 + Int(amount[1])!
            case "no_show": facts[id]!.noShows += 1
            case "cancelled": facts[id]!.cancelled += 1
            default: break
            }
        }
        return (export, facts)
    }()

    /// The same clinic under the `realistic` process, read into memory likewise.
    static let realistic: GeneratedExport = {
        let export = try! GeneratedExport.make(persons: 3_000, seed: 2024, kind: .primaryCare, workers: 2, chunkSize: 512,
                                               behaviour: .realistic)
        export.remove()
        return export
    }()

    static func patients(of type: LatentType) -> [PatientFacts] { fixture.facts.values.filter { $0.type == type } }

    static func noShowRate(_ type: LatentType) -> Double {
        let group = patients(of: type)
        let noShows = group.reduce(0) { $0 + $1.noShows }
        let resolved = group.reduce(0) { $0 + $1.noShows + $1.completed + $1.cancelled }
        return Double(noShows) / Double(resolved)
    }

    static func mean(_ type: LatentType, _ value: (PatientFacts) -> Double) -> Double {
        let group = patients(of: type)
        return group.reduce(0) { $0 + value($1) } / Double(group.count)
    }

    @Test func everyTypeOccurs() {
        let truthTypes = Set(Self.fixture.export.truth.values("latent_type"))
        #expect(truthTypes == Set(LatentType.allCases.map(\.rawValue)))
    }

    @Test func noShowProneMissAtLeastThreeTimesAsOftenAsRegulars() {
        #expect(Self.noShowRate(.noShowProne) >= 3 * Self.noShowRate(.regular))
    }

    @Test func newPatientsComeFarLessOftenThanRegulars() {
        let new = Self.mean(.new) { Double($0.completed) }, regular = Self.mean(.regular) { Double($0.completed) }
        #expect(new < 0.5 * regular, "new \(new) regular \(regular)")
    }

    @Test func lapsedPatientsHaveLongerRecency() {
        // Days from the last completed visit to the cut, among patients with one.
        let cut = CivilTime.parseDate(GeneratorConfiguration.defaultCut)!
        func recency(_ facts: PatientFacts) -> Double? {
            facts.lastCompleted.map { Double(cut - CivilTime.parseDate(String($0.prefix(10)))!) }
        }
        let lapsed = Self.patients(of: .lapsed).compactMap(recency), regular = Self.patients(of: .regular).compactMap(recency)
        let lapsedMean = lapsed.reduce(0, +) / Double(lapsed.count), regularMean = regular.reduce(0, +) / Double(regular.count)
        #expect(lapsedMean > 1.5 * regularMean, "lapsed \(lapsedMean) regular \(regularMean)")
    }

    @Test func highValuePatientsSpendMoreThanRegulars() {
        let high = Self.mean(.highValue) { Double($0.amountCents) }, regular = Self.mean(.regular) { Double($0.amountCents) }
        #expect(high > 1.3 * regular, "high_value \(high) regular \(regular)")
    }

    @Test func leadOnlyPeopleNeverBecomePatients() {
        let truth = Self.fixture.export.truth
        let leadOnly = truth.rows.filter { $0[truth.column("latent_type")] == "lead_only" }
        #expect(!leadOnly.isEmpty)
        #expect(leadOnly.allSatisfy { $0[truth.column("patient_id")].isEmpty && !$0[truth.column("lead_id")].isEmpty })
        // Unconverted leads are the lead-only people, plus the few who convert after the cut.
        let leads = Self.fixture.export.table(.leads)
        let unconverted = Set(leads.rows.filter { $0[leads.column("patient_id")].isEmpty }.map { $0[leads.column("lead_id")] })
        let leadOnlyIDs = Set(leadOnly.map { $0[truth.column("lead_id")] })
        #expect(leadOnlyIDs.isSubset(of: unconverted))
        #expect(unconverted.subtracting(leadOnlyIDs).count * 20 < unconverted.count)
        // And no completed appointment belongs to anyone without a patient record.
        #expect(Self.patients(of: .leadOnly).isEmpty)
    }

    @Test func probabilitiesAreProbabilitiesAndStoppedPatientsChurnSurely() {
        let truth = Self.fixture.export.truth
        for row in truth.rows {
            for name in ["churn_probability", "conversion_probability"] {
                let text = row[truth.column(name)]
                if let p = Double(text) { #expect((0...1).contains(p)) } else { #expect(text.isEmpty) }
            }
            if row[truth.column("returning_at_as_of")] == "false" { #expect(row[truth.column("churn_probability")] == "1.000000") }
        }
    }

    /// `realistic`: a patient who has left for good or died by the as-of date churns surely; a dormant one
    /// (also `returning_at_as_of` false) may come back, so only the deaths, which the export shows, are checked.
    @Test func realisticProbabilitiesAreProbabilitiesAndTheDeadChurnSurely() {
        let truth = Self.realistic.truth, patients = Self.realistic.table(.patients)
        let asOf = date(GeneratorConfiguration.defaultCut, plusDays: -GeneratorConfiguration.defaultAsOfOffsetDays)
        var deadByAsOf = Set<String>()
        for row in patients.rows where !row[patients.column("deceased_at")].isEmpty && row[patients.column("deceased_at")] <= asOf {
            deadByAsOf.insert(row[patients.column("patient_id")])
        }
        #expect(!deadByAsOf.isEmpty)
        for row in truth.rows {
            for name in ["churn_probability", "conversion_probability"] {
                let text = row[truth.column(name)]
                if let p = Double(text) { #expect((0...1).contains(p)) } else { #expect(text.isEmpty) }
            }
            let id = row[truth.column("patient_id")]
            if deadByAsOf.contains(id) && !row[truth.column("churn_probability")].isEmpty {
                #expect(row[truth.column("churn_probability")] == "1.000000", "\(id)")
                #expect(row[truth.column("returning_at_as_of")] == "false", "\(id)")
            }
        }
    }

    /// The churn probability is calibrated against the labels the export itself shows: among patients
    /// created by the as-of date T, the mean probability matches the share with no completed appointment in
    /// (T, T + 180 days]. With ~2,000 patients the standard error of that share is about 0.011; tolerance
    /// 0.04. The same holds within the lower and upper halves of the probabilities (tolerance 0.05).
    @Test(arguments: [Behaviour.idealized, .realistic])
    func churnProbabilityIsCalibratedOnTheExportsOwnLabels(behaviour: Behaviour) throws {
        let export = behaviour == .idealized ? Self.fixture.export : Self.realistic
        let asOf = date(GeneratorConfiguration.defaultCut, plusDays: -GeneratorConfiguration.defaultAsOfOffsetDays)
        let horizonEnd = date(asOf, plusDays: GeneratorConfiguration.defaultHorizonDays)
        let appointments = export.table(.appointments)
        var completedInWindow = Set<String>()
        for row in appointments.rows where row[appointments.column("status")] == "completed" {
            let day = String(row[appointments.column("scheduled_at")].prefix(10))
            if day > asOf && day <= horizonEnd { completedInWindow.insert(row[appointments.column("patient_id")]) }
        }
        let truth = export.truth
        var pairs: [(probability: Double, churned: Double)] = []
        for row in truth.rows {
            guard let probability = Double(row[truth.column("churn_probability")]) else { continue }
            let id = row[truth.column("patient_id")]
            pairs.append((probability, completedInWindow.contains(id) ? 0 : 1))
        }
        #expect(pairs.count > 1_500)
        func gap(_ group: ArraySlice<(probability: Double, churned: Double)>) -> Double {
            let predicted = group.reduce(0) { $0 + $1.probability } / Double(group.count)
            let observed = group.reduce(0) { $0 + $1.churned } / Double(group.count)
            return abs(predicted - observed)
        }
        #expect(gap(pairs[...]) < 0.04)
        let sorted = pairs.sorted { $0.probability < $1.probability }
        #expect(gap(sorted[..<(sorted.count / 2)]) < 0.05)
        #expect(gap(sorted[(sorted.count / 2)...]) < 0.05)
    }
}
