import Foundation
import Testing
@testable import StrataGenerator
import StrataData

/// The `realistic` behaviour against the ranges `docs/export-format.md` documents ("Realistic behaviour",
/// "Measures"), each measure computed from the export alone, for every clinic kind at 5,000 people.
@Suite("realistic behaviour")
struct RealismTests {
    /// The documented ranges (`docs/export-format.md`; `Benchmarks/bench_clinic_realism.py` holds the same).
    struct Ranges {
        let noShowRate: ClosedRange<Double>
        let medianLeadDays: ClosedRange<Double>
        let yearlyAttrition: ClosedRange<Double>
    }

    static let ranges: [ClinicKind: Ranges] = [
        .primaryCare: Ranges(noShowRate: 0.15...0.25, medianLeadDays: 5...30, yearlyAttrition: 0.25...0.50),
        .multiSpecialty: Ranges(noShowRate: 0.13...0.25, medianLeadDays: 5...30, yearlyAttrition: 0.25...0.50),
        .orthodontic: Ranges(noShowRate: 0.08...0.16, medianLeadDays: 10...35, yearlyAttrition: 0.20...0.45),
        .aesthetic: Ranges(noShowRate: 0.07...0.15, medianLeadDays: 7...30, yearlyAttrition: 0.20...0.50),
    ]

    static let exports: [ClinicKind: GeneratedExport] = {
        var exports: [ClinicKind: GeneratedExport] = [:]
        for kind in ClinicKind.allCases {
            let export = try! GeneratedExport.make(persons: 5_000, seed: 23, kind: kind, workers: 2, chunkSize: 1_024,
                                                   behaviour: .realistic)
            export.remove()  // read into memory already
            exports[kind] = export
        }
        return exports
    }()

    @Test(arguments: ClinicKind.allCases)
    func measuresFallInTheDocumentedRanges(kind: ClinicKind) throws {
        let measures = RealismMeasures(Self.exports[kind]!, cut: GeneratorConfiguration.defaultCut)
        let ranges = try #require(Self.ranges[kind])
        #expect(ranges.noShowRate.contains(measures.noShowRate), "\(kind): no-show rate \(measures.noShowRate)")
        #expect(ranges.medianLeadDays.contains(measures.medianLeadDays), "\(kind): median lead \(measures.medianLeadDays) days")
        #expect(ranges.yearlyAttrition.contains(measures.yearlyAttrition), "\(kind): attrition \(measures.yearlyAttrition)")
    }

    @Test func realisticIsTheDefaultAndEitherIsRecorded() throws {
        let configuration = try GeneratorConfiguration(personCount: 10, seed: 1)
        #expect(configuration.behaviour == .realistic)
        #expect(configuration.commandLineArguments.suffix(2) == ["--behaviour", "realistic"])
        var idealized = configuration
        idealized.behaviour = .idealized
        // Recorded too: replaying the arguments under the realistic default must make the idealized export again.
        #expect(idealized.commandLineArguments.suffix(2) == ["--behaviour", "idealized"])
        #expect(throws: GeneratorError.invalidOption(name: "behaviour", value: "real", expected: "one of idealized, realistic")) {
            try Behaviour.named("real")
        }
        #expect(throws: GeneratorError.self) { try LifeEventRates(movingAway: 1, newInsurer: 0, badExperience: 0) }
    }

    @Test func lifeEventRatesParseAndAreRecorded() throws {
        let rates = try LifeEventRates.parse("bad_experience=0.1, moving_away=0.05,new_insurer=0")
        #expect(rates == (try LifeEventRates(movingAway: 0.05, newInsurer: 0, badExperience: 0.1)))
        #expect(rates.argument == "moving_away=0.05,new_insurer=0.0,bad_experience=0.1")
        #expect(try LifeEventRates.parse(rates.argument) == rates)
        let expected = "moving_away=P,new_insurer=P,bad_experience=P, each P a yearly probability from 0 to below 1"
        for text in ["", "moving_away=0.05,new_insurer=0.03", "moving_away=0.05,new_insurer=0.03,bad_experience=1",
                     "moving_away=0.05,new_insurer=0.03,bad_experience=-0.1", "moving_away=0.05,new_insurer=0.03,bad_experience=x",
                     "moving_away=0.05,new_insurer=0.03,bad_experience=0.02,moving_away=0.05",
                     "moving_away=0.05,new_insurer=0.03,divorce=0.02", "moving_away=0.05,new_insurer=0.03,bad_experience",
                     "moving_away=0.05,new_insurer=0.03,bad_experience=nan"] {
            #expect(throws: GeneratorError.invalidOption(name: "lifeEvents", value: text, expected: expected)) {
                try LifeEventRates.parse(text)
            }
        }
        // Rates other than the defaults are replayable arguments.
        var configuration = try GeneratorConfiguration(personCount: 10, seed: 1, kind: .multiSpecialty)
        #expect(!configuration.commandLineArguments.contains("--life-events"))
        configuration.lifeEvents = rates
        #expect(configuration.commandLineArguments.suffix(4)
                == ["--behaviour", "realistic", "--life-events", "moving_away=0.05,new_insurer=0.0,bad_experience=0.1"])
        let export = try GeneratedExport.make(persons: 50, seed: 5, kind: .multiSpecialty, behaviour: .realistic, lifeEvents: rates)
        defer { export.remove() }
        let settings = String(decoding: export.truthFiles[ClinicGenerator.settingsFileName]!, as: UTF8.self)
        #expect(settings.contains("\"--life-events\", \"moving_away=0.05,new_insurer=0.0,bad_experience=0.1\""))
        #expect(settings.contains("\"life_events_per_year\": {\"moving_away\": 0.05, \"new_insurer\": 0.0, \"bad_experience\": 0.1}"))
        // Asking for the defaults changes nothing; other rates change the history.
        let own = try GeneratedExport.make(persons: 300, seed: 5, kind: .aesthetic, behaviour: .realistic)
        let same = try GeneratedExport.make(persons: 300, seed: 5, kind: .aesthetic, behaviour: .realistic,
                                            lifeEvents: try LifeEventRates.parse("moving_away=0.05,new_insurer=0.03,bad_experience=0.02"))
        let other = try GeneratedExport.make(persons: 300, seed: 5, kind: .aesthetic, behaviour: .realistic, lifeEvents: rates)
        defer { own.remove(); same.remove(); other.remove() }
        #expect(own.files == same.files)
        #expect(own.truthFiles == same.truthFiles)
        #expect(own.files["appointments.csv"] != other.files["appointments.csv"])
    }

    @Test func workerCountDoesNotChangeTheBytes() throws {
        let one = try GeneratedExport.make(persons: 400, seed: 5, kind: .multiSpecialty, workers: 1, chunkSize: 400, behaviour: .realistic)
        let three = try GeneratedExport.make(persons: 400, seed: 5, kind: .multiSpecialty, workers: 3, chunkSize: 37, behaviour: .realistic)
        defer { one.remove(); three.remove() }
        #expect(one.files == three.files)
        #expect(one.truthFiles == three.truthFiles)
        let idealized = try GeneratedExport.make(persons: 400, seed: 5, kind: .multiSpecialty, behaviour: .idealized)
        defer { idealized.remove() }
        #expect(idealized.files["appointments.csv"] != one.files["appointments.csv"])
        let settings = String(decoding: one.truthFiles[ClinicGenerator.settingsFileName]!, as: UTF8.self)
        #expect(settings.contains("\"--behaviour\", \"realistic\""))
        #expect(settings.contains("\"life_events_per_year\": {\"moving_away\": 0.05, \"new_insurer\": 0.03, \"bad_experience\": 0.02}"))
        #expect(try JSONSerialization.jsonObject(with: one.truthFiles[ClinicGenerator.settingsFileName]!) is [String: Any])
    }

    /// Deaths: nothing is recorded after one (day granularity), and the count by age band follows the Gompertz
    /// hazard the generator draws from (within 3 Poisson standard deviations, 3·√expected, of the expected
    /// count, where at least 20 deaths are expected), whose values sit near the SSA table's.
    @Test func deathsAreAgeAppropriateAndFinal() throws {
        let export = Self.exports[.primaryCare]!
        let patients = export.table(.patients)
        var deceased: [String: String] = [:]
        var expected = [0.0, 0.0, 0.0], observed = [0, 0, 0]
        let start = CivilTime.parseDate(GeneratorConfiguration.defaultStart)!, cut = CivilTime.parseDate(GeneratorConfiguration.defaultCut)!
        for row in patients.rows {
            let id = row[patients.column("patient_id")]
            let birth = CivilTime.parseDate(row[patients.column("birth_date")])!
            let entry = max(start, CivilTime.parseDate(String(row[patients.column("created_at")].prefix(10)))!)
            let death = row[patients.column("deceased_at")]
            let exit = death.isEmpty ? cut : CivilTime.parseDate(death)!
            if !death.isEmpty { deceased[id] = death }
            let sex = CanonicalValues.sex.firstIndex(of: row[patients.column("sex")])!
            // Exposure in yearly steps, each at its age band.
            var day = entry
            while day < exit {
                let step = min(365, exit - day)
                let age = Double(day + step / 2 - birth) / 365.25
                expected[Self.band(age)] += Mortality.hazard(age: age, sex: sex) * Double(step) / 365.25
                day += step
            }
            if !death.isEmpty { observed[Self.band(Double(exit - birth) / 365.25)] += 1 }
        }
        #expect(observed.reduce(0, +) > 50, "deaths: \(observed)")
        for band in 0..<3 where expected[band] >= 20 {
            #expect(abs(Double(observed[band]) - expected[band]) <= 3 * expected[band].squareRoot(),
                    "band \(band): \(observed[band]) deaths, \(expected[band]) expected")
        }
        // The curve itself against the SSA 2020 period table: q(70) male 0.026, female 0.017; q(85) 0.109, 0.083
        // (docs/export-format.md, "Deaths", has the fit against the table).
        #expect((0.02...0.035).contains(Mortality.hazard(age: 70, sex: 1)))
        #expect((0.013...0.022).contains(Mortality.hazard(age: 70, sex: 0)))
        #expect((0.08...0.14).contains(Mortality.hazard(age: 85, sex: 1)))
        #expect((0.06...0.1).contains(Mortality.hazard(age: 85, sex: 0)))

        // Nothing after a death: no booking, visit, message or consent later than the day of death; an
        // appointment booked before and due after it ends cancelled.
        let appointments = export.table(.appointments)
        for row in appointments.rows {
            guard let death = deceased[row[appointments.column("patient_id")]] else { continue }
            #expect(String(row[appointments.column("booked_at")].prefix(10)) <= death)
            let status = row[appointments.column("status")]
            if String(row[appointments.column("scheduled_at")].prefix(10)) > death {
                #expect(status == "cancelled" || status == "booked", "\(row)")
            }
        }
        let communications = export.table(.communications)
        for row in communications.rows {
            guard let death = deceased[row[communications.column("patient_id")]] else { continue }
            for name in ["sent_at", "opened_at", "clicked_at", "responded_at"] where !row[communications.column(name)].isEmpty {
                #expect(String(row[communications.column(name)].prefix(10)) <= death, "\(row)")
            }
        }
        let consents = export.table(.consents)
        for row in consents.rows {
            guard let death = deceased[row[consents.column("patient_id")]] else { continue }
            #expect(String(row[consents.column("recorded_at")].prefix(10)) <= death)
        }
        // The ground truth of a patient dead by the as-of date is certain churn.
        let truth = export.truth
        let asOf = CivilTime.dateString(days: cut - GeneratorConfiguration.defaultAsOfOffsetDays)
        for row in truth.rows {
            guard let death = deceased[row[truth.column("patient_id")]], death <= asOf,
                  !row[truth.column("churn_probability")].isEmpty else { continue }
            #expect(row[truth.column("churn_probability")] == "1.000000")
        }
    }

    /// Age bands: under 40, 40–64, 65 and over.
    static func band(_ age: Double) -> Int { age < 40 ? 0 : age < 65 ? 1 : 2 }

    /// Life events make some patients leave whatever their history, so the generator's own probability cannot
    /// be near-perfect: its AUC on the export's labels stays well below the idealized clinic's.
    @Test func truthIsCalibratedOnTheExportLabels() throws {
        let export = Self.exports[.primaryCare]!
        let asOf = CivilTime.dateString(days: CivilTime.parseDate(GeneratorConfiguration.defaultCut)! - GeneratorConfiguration.defaultAsOfOffsetDays)
        let horizonEnd = date(asOf, plusDays: GeneratorConfiguration.defaultHorizonDays)
        let appointments = export.table(.appointments)
        var completedInHorizon = Set<String>()
        for row in appointments.rows where row[appointments.column("status")] == "completed" {
            let day = String(row[appointments.column("scheduled_at")].prefix(10))
            if day > asOf && day <= horizonEnd { completedInHorizon.insert(row[appointments.column("patient_id")]) }
        }
        let truth = export.truth
        var probabilitySum = 0.0, churned = 0, count = 0
        for row in truth.rows where !row[truth.column("churn_probability")].isEmpty {
            probabilitySum += Double(row[truth.column("churn_probability")])!
            if !completedInHorizon.contains(row[truth.column("patient_id")]) { churned += 1 }
            count += 1
        }
        // Mean probability against the observed churn share: binomial standard error below 0.007 at
        // this size; 0.03 allows for the Monte Carlo's own noise.
        #expect(abs(probabilitySum / Double(count) - Double(churned) / Double(count)) < 0.03,
                "mean probability \(probabilitySum / Double(count)), churned \(Double(churned) / Double(count))")
    }
}

/// The three measures of `docs/export-format.md` ("Measures"), from the export alone, over the year before
/// the cut W = (cut − 365 days, cut]:
/// - no-show rate: among appointments scheduled in W with status `completed` or `no_show`, the share `no_show`;
/// - median booking lead time: the median of scheduled_at − booked_at, in days, over appointments scheduled in W;
/// - yearly attrition: among patients with a completed appointment in the year before W, the share with no
///   completed appointment in W and none `booked` at the cut.
struct RealismMeasures {
    let noShowRate: Double
    let medianLeadDays: Double
    let yearlyAttrition: Double

    init(_ export: GeneratedExport, cut: String) {
        let cutDay = CivilTime.parseDate(cut)!
        let windowStart = CivilTime.dateString(days: cutDay - 365), previousStart = CivilTime.dateString(days: cutDay - 730)
        let appointments = export.table(.appointments)
        let idColumn = appointments.column("patient_id"), statusColumn = appointments.column("status")
        let scheduledColumn = appointments.column("scheduled_at"), bookedColumn = appointments.column("booked_at")
        var noShows = 0, attended = 0
        var leads: [Double] = []
        var seenBefore = Set<String>(), seenInWindow = Set<String>(), bookedAtCut = Set<String>()
        for row in appointments.rows {
            let status = row[statusColumn], scheduled = row[scheduledColumn]
            let day = String(scheduled.prefix(10))
            if status == "booked" { bookedAtCut.insert(row[idColumn]) }
            if day > windowStart && day <= cut {
                if status == "no_show" { noShows += 1 }
                if status == "no_show" || status == "completed" { attended += 1 }
                leads.append(Double(Self.instant(scheduled) - Self.instant(row[bookedColumn])) / 86_400)
                if status == "completed" { seenInWindow.insert(row[idColumn]) }
            } else if day > previousStart && day <= windowStart && status == "completed" {
                seenBefore.insert(row[idColumn])
            }
        }
        noShowRate = Double(noShows) / Double(max(1, attended))
        leads.sort()
        medianLeadDays = leads.isEmpty ? 0 : leads.count % 2 == 1 ? leads[leads.count / 2]
            : (leads[leads.count / 2 - 1] + leads[leads.count / 2]) / 2
        let lost = seenBefore.filter { !seenInWindow.contains($0) && !bookedAtCut.contains($0) }
        yearlyAttrition = Double(lost.count) / Double(max(1, seenBefore.count))
    }

    /// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
    static func instant(_ text: String) -> Int64 {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64 { range.reduce(0) { $0 * 10 + Int64(bytes[$1] - 48) } }
        let day = Int64(CivilTime.parseDate(String(text.prefix(10)))!)
        return day * 86_400 + number(11..<13) * 3_600 + number(14..<16) * 60 + number(17..<19)
    }
}
