import Foundation
import StrataData
import StrataModels
import StrataProject
import Testing

/// Summaries from an export's completed visits, worked out by hand.
@Suite("Lifetime summaries from exports")
struct LifetimeSummariesTests {
    static func timestamp(_ month: Int, _ day: Int, hour: Int = 10) -> Int64 {
        Day(year: 2025, month: month, day: day)!.startTimestamp + Int64(hour) * 3600
    }

    /// A: completed Jan 1 twice (100 + 20), Jan 11 (50), a no-show Jan 21, Jan 31 (30), Feb 5 (after the
    /// as-of day); B: only a cancellation; C: completed Jan 21 without an amount. Rows out of order on purpose.
    static let export = ClinicExport(
        patients: Patients(ids: PatientIdentifiers(["A", "B", "C"])),
        appointments: Appointments(
            patient: [0, 2, 0, 0, 1, 0, 0, 0],
            scheduledAt: [timestamp(1, 11), timestamp(1, 21), timestamp(1, 1, hour: 15), timestamp(1, 21), timestamp(1, 5),
                          timestamp(2, 5), timestamp(1, 1), timestamp(1, 31, hour: 23)],
            status: [.completed, .completed, .completed, .noShow, .cancelled, .completed, .completed, .completed],
            amount: [50, .nan, 20, 70, 10, 90, 100, 30]))

    @Test func daysSummaryCountsVisitDaysAndAveragesRepeatSpend() throws {
        let result = try LifetimeSummaries.summary(Self.export, asOf: Day(year: 2025, month: 1, day: 31)!, unit: .days)
        // B has no completed visit, so only A and C.
        #expect(result.patientRows == [0, 2])
        #expect(result.hasAmounts)
        // A: visit days Jan 1, Jan 11, Jan 31 → x = 2, tₓ = 30, T = 30; repeat spend (50 + 30)/2 = 40 (Jan 1's 120 is the first).
        // C: one visit day Jan 21 → x = 0, tₓ = 0, T = 10, spend 0.
        #expect(result.summary.frequency == [2, 0])
        #expect(result.summary.recency == [30, 0])
        #expect(result.summary.age == [30, 10])
        #expect(result.summary.monetaryValue == [40, 0])
    }

    @Test func weeksAreDaysOverSeven() throws {
        let result = try LifetimeSummaries.summary(Self.export, asOf: Day(year: 2025, month: 1, day: 31)!, unit: .weeks)
        #expect(result.summary.recency == [30.0 / 7, 0])
        #expect(result.summary.age == [30.0 / 7, 10.0 / 7])
    }

    @Test func holdoutCountsVisitDaysAfterCalibration() throws {
        let (calibration, holdout) = try LifetimeSummaries.calibrationAndHoldout(
            Self.export, calibrationEnd: Day(year: 2025, month: 1, day: 31)!, holdoutEnd: Day(year: 2025, month: 2, day: 28)!, unit: .days)
        #expect(calibration.patientRows == [0, 2])
        #expect(holdout == [1, 0])
        #expect(throws: LifetimeSummaries.HoldoutPeriodError.self) {
            try LifetimeSummaries.calibrationAndHoldout(Self.export, calibrationEnd: Day(year: 2025, month: 1, day: 31)!,
                                                        holdoutEnd: Day(year: 2025, month: 1, day: 31)!, unit: .days)
        }
    }

    @Test func anEarlierAsOfLeavesOutLaterVisits() throws {
        let result = try LifetimeSummaries.summary(Self.export, asOf: Day(year: 2025, month: 1, day: 10)!, unit: .days)
        // Only A's Jan 1 visits (one day) by Jan 10: x = 0, T = 9.
        #expect(result.patientRows == [0])
        #expect(result.summary.frequency == [0] && result.summary.age == [9])
    }
}
