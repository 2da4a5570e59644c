import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures

enum FeatureFixtures {
    static let hand = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("hand")
    /// 2024-03-01: the day after 29 February in a leap year.
    static let asOf = Day(year: 2024, month: 3, day: 1)!

    static func handExport() throws -> ClinicExport { try ExportReader.read(hand).export }
}

/// Raw values (before fill and transforms) of the hand-written export in `Fixtures/hand`, as of 2024-03-01,
/// against values worked out by hand in the comments. Exact comparisons unless a tolerance is stated.
@Suite("Feature values by hand")
struct FeatureValueTests {
    let export: ClinicExport
    let definitions: [FeatureDefinition] = [
        .daysSinceLastVisit, .visits(windowDays: 90), .visits(windowDays: 365), .visits(windowDays: 730),
        .totalAmount, .meanAmount, .tenureDays, .ageYears, .sex(.unknown),
        .meanVisitInterval, .visitIntervalSpread, .overdueRatio,
        .noShowRate(priorWeight: 2, priorRate: 0.1), .cancellationRate(priorWeight: 2, priorRate: 0.1),
        .meanBookingLeadDays,
        .serviceCount(level: "cleaning", named: ["cleaning"]), .serviceCount(level: nil, named: ["cleaning"]),
        .openRate(.email, priorWeight: 2, priorRate: 0.3), .clickRate(.email, priorWeight: 2, priorRate: 0.1),
        .responseRate(.sms, priorWeight: 2, priorRate: 0.05),
        .daysSinceLastContact, .hasUpcomingAppointment, .daysUntilNextAppointment,
        .condition(codes: ["E11"]), .condition(codes: ["I10"]),
        .leadSource(level: "web_form", named: ["web_form"]), .leadInterest(level: nil, named: ["whitening"]),
        .missingIndicator(of: 0),
    ]
    let values: Matrix<Double>

    init() throws {
        export = try FeatureFixtures.handExport()
        values = FeatureExtractor.rawValues(export, asOf: FeatureFixtures.asOf, definitions: definitions, workers: 2)
    }

    /// Patient `id`'s values by definition position.
    func row(_ id: String) -> [Double] { Array(values.row(export.patients.ids.index(of: id)!)) }

    /// Compares with NaN meaning "missing" and a relative tolerance of 1e-12 for computed fractions.
    func expectRow(_ id: String, _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        let actual = row(id)
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            let same = (a.isNaN && e.isNaN) || abs(a - e) <= 1e-12 * max(1, abs(e))
            #expect(same, "\(id) \(definitions[index]): \(a) != \(e)", sourceLocation: sourceLocation)
        }
    }

    @Test func regularVisitorBornOnALeapDay() {
        // P1: completed visits 2023-03-01, 2023-09-01, 2024-02-29 (100, 120.50, 300); a cancellation on
        // 2024-01-15; a booked appointment on 2024-06-01 (booked 2024-02-20, so upcoming as of T).
        expectRow("P1", [
            1,                    // 2024-02-29 -> 2024-03-01
            1,                    // only 2024-02-29 is within 90 days
            2,                    // 2023-03-01 is 366 days before T (29 Feb 2024 in between): outside 365
            3,
            520.5, 173.5,         // 100 + 120.5 + 300; / 3
            1521,                 // 2020-01-01 -> 2024-03-01: 366 + 365 + 365 + 365 + 31 + 29
            44,                   // born 1980-02-29: the 2024 birthday (29 Feb) has passed
            0,
            182.5, 1.5,           // gaps 184 (Mar 1 -> Sep 1) and 181 (Sep 1 -> Feb 29): mean 182.5, sd 1.5
            1 / 182.5,            // overdue: 1 day since / 182.5 usual
            0.2 / 6, 1.2 / 6,     // 4 outcomes (3 completed, 1 cancelled): (0 + 2·0.1)/(4 + 2), (1 + 0.2)/6
            12.5,                 // lead times 28, 7, 10, 5 days
            2, 1,                 // cleaning twice, whitening once (other)
            (1 + 0.6) / 4,        // email: 2 sent, 1 opened -> (1 + 2·0.3)/(2 + 2)
            (1 + 0.2) / 4,        // 1 clicked
            0.1 / 2,              // no SMS: the prior 0.05
            29,                   // last message 2024-02-01
            1, 92,                // 2024-06-01 is 31 + 30 + 31 days after T
            1, 0,                 // E11 since 2019
            0, 0,                 // no lead
            0,                    // days_since_last_visit present
        ])
    }

    @Test func noVisitsBeforeTheDate() {
        // P2: no appointment before T (one on 2024-03-10, booked 2024-03-05: after T, so not upcoming);
        // an SMS on 2024-02-28 answered on 2024-03-02 (after T: not counted); lead L1 from web_form.
        expectRow("P2", [
            .nan, 0, 0, 0, 0, .nan,
            91,                   // 2023-12-01 -> 2024-03-01: 31 + 31 + 29
            33, 0,
            .nan, .nan, .nan,
            0.1, 0.1,             // no outcomes: the prior
            .nan,
            0, 0,
            0.3, 0.1,             // no email: the priors
            (0 + 0.1) / 3,        // 1 SMS, its response after T
            2,
            0, .nan,
            0, 0,
            1, 0,                 // latest lead: web_form / whitening (named, so not "other")
            1,                    // days_since_last_visit missing
        ])
    }

    @Test func onlyNoShows() {
        // P3: two no-shows, no visit; diabetes with onset 2024-03-02 (after T: not flagged); lead L3
        // (referral / cleaning, created 2022).
        expectRow("P3", [
            .nan, 0, 0, 0, 0, .nan,
            781,                  // 2022-01-10 -> 2024-03-01: 365 + 365 + 31 + 20
            24,                   // born 2000-03-01: birthday on T counts
            0,
            .nan, .nan, .nan,
            2.2 / 4, 0.2 / 4,     // (2 + 0.2)/(2 + 2), (0 + 0.2)/4
            23.5,                 // lead times 31 and 16 days
            0, 0,
            0.3, 0.1, 0.05,
            .nan,
            0, .nan,
            0, 0,
            0, 1,                 // interest "cleaning" is not named: other
            1,
        ])
    }

    @Test func bornAndCreatedAfterTheDate() {
        // P4: born 2024-03-05 and created 2024-03-02, both after T: age and tenure are missing.
        let values = row("P4")
        #expect(values[6].isNaN && values[7].isNaN)
        #expect(values[8] == 1)  // sex unknown
    }

    @Test func eventsExactlyOnTheDate() {
        // P5: a visit at 23:59:59 on T counts (days since 0); the one at 00:00:00 the next day does not, nor
        // is it upcoming (booked at that same instant, after T). Created 2015-05-05T12:00:00+02:00.
        expectRow("P5", [
            0, 1, 1, 1, 80, 80,
            3223,                 // 2015-05-05 -> 2024-03-01
            54, 0,
            .nan, .nan, .nan,
            0.2 / 3, 0.2 / 3,
            57599.0 / 86400,      // booked 08:00:00, scheduled 23:59:59 on T
            1, 0,
            0.3, 0.1, 0.05,
            .nan,
            0, .nan,
            0, 1,                 // I10 with unknown onset counts
            0, 0,
            0,
        ])
    }
}
