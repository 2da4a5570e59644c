import StrataData

/// Outcomes after the as-of date, for training. Features look at or before T; labels only after it.
public enum Labels {
    /// Churn as of day T: 1 when patient `i` has **no** completed appointment in (T, T + horizon], i.e. on
    /// days T + 1 ... T + horizon (``Day/Window``); 0 otherwise. One value per patient, in patient-index order.
    ///
    /// A patient who died by the end of the window has no churn label: death is not a patient leaving the
    /// clinic. Such patients get a value here like everyone else, and training leaves them out
    /// (``isLeftOutOfChurn(_:_:asOf:horizonDays:)``).
    public static func churn(_ export: ClinicExport, asOf day: Day, horizonDays: Int) -> [Double] {
        precondition(horizonDays > 0, "horizonDays must be positive")
        let window = day.window(days: horizonDays)
        let start = window.startTimestamp, end = window.endTimestamp
        var returned = [Bool](repeating: false, count: export.patients.count)
        let appointments = export.appointments
        for row in 0..<appointments.count where appointments.status[row] == .completed {
            let scheduled = appointments.scheduledAt[row]
            if scheduled >= start && scheduled < end { returned[Int(appointments.patient[row])] = true }
        }
        return returned.map { $0 ? 0 : 1 }
    }

    /// Whether patient `row` is left out of churn training and labels as of day T: dead on or before T +
    /// horizon (`deceased_at`, Synthea's `DEATHDATE`, FHIR's `Patient.deceased[x]`).
    public static func isLeftOutOfChurn(_ export: ClinicExport, _ row: Int, asOf day: Day, horizonDays: Int) -> Bool {
        export.patients.isDeceased(row, on: (day + horizonDays).daysSince1970)
    }

    /// Conversion labels for the leads created at or before day T.
    ///
    /// A lead converts (1) when it is linked to a patient whose first completed appointment at or after the
    /// lead's creation is within `windowDays` days of it (`scheduled_at - created_at <= windowDays · 86400`);
    /// otherwise 0. The label looks up to `windowDays` past T: train on leads created at or before
    /// `T - windowDays` to see only outcomes known by T.
    /// - Returns: the lead rows (indices into `export.leads`) and their labels.
    public static func conversion(_ export: ClinicExport, asOf day: Day, windowDays: Int) -> (leadRows: [Int], labels: [Double]) {
        precondition(windowDays > 0, "windowDays must be positive")
        let cutoff = day.endTimestamp
        let window = Int64(windowDays) * CivilDate.secondsPerDay
        let leads = export.leads
        let firstVisits = firstCompletedVisits(export)
        var rows: [Int] = [], labels: [Double] = []
        for row in 0..<leads.count where leads.createdAt[row] < cutoff {
            rows.append(row)
            labels.append(firstVisits[row].map { $0 - leads.createdAt[row] <= window } == true ? 1 : 0)
        }
        return (rows, labels)
    }

    /// The leads still open at the end of day T, whom a conversion score is for: created at or before T, not
    /// converted by T (no completed visit of their patient since the lead), and with their window still
    /// running (`created_at + windowDays` days reaches past T).
    public static func openLeads(_ export: ClinicExport, asOf day: Day, windowDays: Int) -> [Int] {
        precondition(windowDays > 0, "windowDays must be positive")
        let cutoff = day.endTimestamp
        let window = Int64(windowDays) * CivilDate.secondsPerDay
        let leads = export.leads
        let firstVisits = firstCompletedVisits(export)
        return (0..<leads.count).filter { row in
            let created = leads.createdAt[row]
            return created < cutoff && created + window >= cutoff && (firstVisits[row].map { $0 >= cutoff } ?? true)
        }
    }

    /// Per lead row: when its patient first completed an appointment at or after the lead's creation, or nil
    /// (no patient, or no such visit). Looks at the whole export; callers apply their own cut-off.
    static func firstCompletedVisits(_ export: ClinicExport) -> [Int64?] {
        let groups = PatientGroups(export.appointments.patient, patientCount: export.patients.count)
        let appointments = export.appointments, leads = export.leads
        return (0..<leads.count).map { row in
            let patient = Int(leads.patient[row])
            guard patient >= 0 else { return nil }
            let created = leads.createdAt[row]
            var first = Int64.max
            for position in groups.range(of: patient) {
                let appointment = Int(groups.rows[position])
                let scheduled = appointments.scheduledAt[appointment]
                if appointments.status[appointment] == .completed && scheduled >= created { first = min(first, scheduled) }
            }
            return first == .max ? nil : first
        }
    }
}
