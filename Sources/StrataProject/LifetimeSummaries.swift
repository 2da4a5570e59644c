import Foundation
import StrataData
import StrataModels

/// Repeat-visit summaries from an export's completed visits, for the lifetime models (as lifetimes'
/// `summary_data_from_transaction_data` and `calibration_and_holdout_data`).
///
/// Visits on one day count once (their amounts add up). For each patient with a completed visit on or before
/// the as-of day: frequency = visit days − 1; recency = last visit day − first; T = as-of day − first visit day,
/// in days or weeks (days / 7, fractional); monetary value = the mean of the repeat visit days' amounts (0
/// without repeat visits; absent amounts count as 0).
public enum LifetimeSummaries {
    /// A summary with the export's patient row of each summary row.
    public struct Summary: Sendable {
        public var summary: LifetimeSummary
        /// The export's patient index of each row (patients without a completed visit by then are left out).
        public var patientRows: [Int]
        /// Whether any completed visit had an amount; without, `summary` has no monetary column.
        public var hasAmounts: Bool
    }

    /// The summary as of `asOf` (visits on or before that day).
    public static func summary(_ export: ClinicExport, asOf: Day, unit: LifetimeTimeUnit) throws -> Summary {
        let days = visitDays(export, through: asOf)
        var frequency: [Double] = [], recency: [Double] = [], age: [Double] = [], monetary: [Double] = []
        var rows: [Int] = []
        let end = Double(asOf.daysSince1970)
        for patient in 0..<export.patients.count {
            let visits = days.of(patient)
            guard let first = visits.first else { continue }
            rows.append(patient)
            frequency.append(Double(visits.count - 1))
            recency.append(Double(visits.last!.day - first.day) / unit.days)
            age.append((end - Double(first.day)) / unit.days)
            monetary.append(visits.count > 1 ? visits.dropFirst().reduce(0) { $0 + $1.amount } / Double(visits.count - 1) : 0)
        }
        let summary = try LifetimeSummary(frequency: frequency, recency: recency, age: age,
                                          monetaryValue: days.hasAmounts ? monetary : nil)
        return Summary(summary: summary, patientRows: rows, hasAmounts: days.hasAmounts)
    }

    /// The calibration summary as of `calibrationEnd` and, for the same patients, the visit days in
    /// (`calibrationEnd`, `holdoutEnd`].
    public static func calibrationAndHoldout(_ export: ClinicExport, calibrationEnd: Day, holdoutEnd: Day,
                                             unit: LifetimeTimeUnit) throws -> (calibration: Summary, holdoutVisits: [Double]) {
        guard holdoutEnd > calibrationEnd else {
            throw HoldoutPeriodError(calibrationEnd: calibrationEnd, holdoutEnd: holdoutEnd)
        }
        let calibration = try summary(export, asOf: calibrationEnd, unit: unit)
        let all = visitDays(export, through: holdoutEnd)
        let holdout = calibration.patientRows.map { patient in
            Double(all.of(patient).filter { $0.day > calibrationEnd.daysSince1970 }.count)
        }
        return (calibration, holdout)
    }

    /// A holdout period that does not come after the calibration period.
    public struct HoldoutPeriodError: Error, Equatable, ParameterNaming {
        public var calibrationEnd: Day
        public var holdoutEnd: Day

        public func description(naming name: (String) -> String) -> String {
            "\(name("holdoutEnd")) is \(holdoutEnd.description); expected a day after \(name("calibrationEnd")) (\(calibrationEnd.description))"
        }
    }

    /// Each patient's distinct completed visit days through `last`, sorted, with the day's total amount.
    struct VisitDays {
        var offsets: [Int]
        var visits: [(day: Int32, amount: Double)]
        var hasAmounts: Bool

        func of(_ patient: Int) -> ArraySlice<(day: Int32, amount: Double)> { visits[offsets[patient]..<offsets[patient + 1]] }
    }

    static func visitDays(_ export: ClinicExport, through last: Day) -> VisitDays {
        let appointments = export.appointments
        let end = last.endTimestamp
        // Bucket the completed visits by patient (a counting sort), then sort and merge each patient's days.
        var counts = [Int](repeating: 0, count: export.patients.count + 1)
        for row in 0..<appointments.count where appointments.status[row] == .completed && appointments.scheduledAt[row] < end {
            counts[Int(appointments.patient[row]) + 1] += 1
        }
        for index in 1..<counts.count { counts[index] += counts[index - 1] }
        var fill = counts
        var raw = [(day: Int32, amount: Double)](repeating: (0, 0), count: counts.last!)
        var hasAmounts = false
        for row in 0..<appointments.count where appointments.status[row] == .completed && appointments.scheduledAt[row] < end {
            let patient = Int(appointments.patient[row])
            let amount = appointments.amount[row]
            if !amount.isNaN { hasAmounts = true }
            raw[fill[patient]] = (Day(containing: appointments.scheduledAt[row]).daysSince1970, amount.isNaN ? 0 : amount)
            fill[patient] += 1
        }
        var offsets = [0], visits: [(day: Int32, amount: Double)] = []
        visits.reserveCapacity(raw.count)
        for patient in 0..<export.patients.count {
            let own = raw[counts[patient]..<counts[patient + 1]].sorted { $0.day < $1.day }
            for visit in own {
                if let previous = visits.last, visits.count > offsets[patient], previous.day == visit.day {
                    visits[visits.count - 1].amount += visit.amount
                } else {
                    visits.append(visit)
                }
            }
            offsets.append(visits.count)
        }
        return VisitDays(offsets: offsets, visits: visits, hasAmounts: hasAmounts)
    }
}
