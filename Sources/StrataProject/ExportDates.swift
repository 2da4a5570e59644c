import StrataData

/// The days an export covers: from its first dated record to its last, over every table.
///
/// A refresh's default as-of date is the last day, and an explicit one must fall inside the range. Every
/// dated column counts, consents included, so that an opt-out recorded on the export's last day is never
/// outrun by the as-of choice: appointments (the visit time of completed, missed and cancelled ones, and
/// the booking time of all, but not the future visit time of a booking), communications (sent, opened,
/// clicked, responded), consents, conditions (onset), leads and patients (created). Birth dates are not
/// events and do not count.
///
/// The as-of dates a refresh accepts run from the first day to ``quietDays`` after the last: an export taken
/// on a given day often ends with a few quiet days (a holiday, a closed clinic) that hold no record, and
/// naming that day must work. Dates further out, or before the first record, would only make every member
/// leave every segment, so they are refused.
///
/// This is deliberately separate from `ChurnTraining.lastEventDay`, which `train` and `score` keep as it is
/// so that the models they fit and the scores they write do not move.
public struct ExportDates: Sendable, Equatable {
    public var first: Day
    public var last: Day

    /// The range, or nil when the export has no dated record at all.
    public init?(_ export: ClinicExport) {
        var earliest = Int64.max, latest = Int64.min
        func see(_ time: Int64) {
            guard time != ClinicExport.missingTimestamp else { return }
            earliest = Swift.min(earliest, time)
            latest = Swift.max(latest, time)
        }
        let appointments = export.appointments
        for row in 0..<appointments.count {
            if appointments.status[row] != .booked { see(appointments.scheduledAt[row]) }
            see(appointments.bookedAt[row])
        }
        let communications = export.communications
        for column in [communications.sentAt, communications.openedAt, communications.clickedAt, communications.respondedAt] {
            column.forEach(see)
        }
        export.consents.recordedAt.forEach(see)
        export.leads.createdAt.forEach(see)
        export.patients.createdAt.forEach(see)
        for day in export.conditions.onsetDate where day != ClinicExport.missingDate {
            see(Day(daysSince1970: day).startTimestamp)
        }
        guard latest != .min else { return nil }
        first = Day(containing: earliest)
        last = Day(containing: latest)
    }

    /// How many days after the last record an as-of date may be.
    public static let quietDays = 31

    /// The latest as-of date accepted: ``quietDays`` after the last day.
    public var latestAsOf: Day { last + Self.quietDays }

    /// Whether `day` is an as-of date this export supports: from the first day to ``latestAsOf``.
    public func accepts(_ day: Day) -> Bool { first <= day && day <= latestAsOf }
}
