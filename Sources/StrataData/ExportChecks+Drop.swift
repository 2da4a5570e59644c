/// The rows the `drop` policies remove, gathered over every check and removed together: a dropped patient
/// takes every row of theirs in every table with them, and the remaining rows are renumbered to the remaining
/// patients, so no row refers to a patient that is gone.
struct Drops {
    private(set) var patients: [Bool]
    private(set) var rows: [CanonicalTable: [Bool]] = [:]
    /// The check that first marked each patient or row, to count rows per check.
    private var patientCause: [Int: ExportCheck] = [:]
    private var rowCause: [TableRow: ExportCheck] = [:]

    init(export: ClinicExport) {
        patients = [Bool](repeating: false, count: export.patients.count)
        for (table, count) in export.rowCounts where table != .patients {
            rows[table] = [Bool](repeating: false, count: count)
        }
    }

    var isEmpty: Bool { patientCause.isEmpty && rowCause.isEmpty }

    /// Marks a finding of `check` for dropping: a patients row drops the patient.
    mutating func mark(_ check: ExportCheck, _ found: TableRow) {
        if found.table == .patients {
            guard !patients[found.row] else { return }
            patients[found.row] = true
            patientCause[found.row] = check
        } else {
            guard rows[found.table]?[found.row] == false else { return }
            rows[found.table]![found.row] = true
            rowCause[found] = check
        }
    }

    /// Removes the marked patients and rows from `export`.
    /// - Returns: rows removed per check, over every table; a dropped patient's rows count for the check that
    ///   dropped the patient (a row marked by another check first counts there).
    mutating func apply(to export: inout ClinicExport) -> [ExportCheck: Int] {
        guard !isEmpty else { return [:] }
        var removed: [ExportCheck: Int] = [:]
        for check in patientCause.values { removed[check, default: 0] += 1 }
        for check in rowCause.values { removed[check, default: 0] += 1 }
        // Rows of dropped patients go too (the patient column is -1 only for unconverted leads).
        func keep(_ table: CanonicalTable, _ patientColumn: [Int32]) -> [Bool]? {
            var drop = rows[table] ?? []
            var changed = drop.contains(true)
            for (row, patient) in patientColumn.enumerated() where patient >= 0 && patients[Int(patient)] && !drop[row] {
                drop[row] = true
                changed = true
                removed[patientCause[Int(patient)]!, default: 0] += 1
            }
            return changed ? drop.map { !$0 } : nil
        }
        var newIndex = [Int32](repeating: -1, count: patients.count)
        var next: Int32 = 0
        for (patient, isDropped) in patients.enumerated() where !isDropped {
            newIndex[patient] = next
            next += 1
        }
        let droppedPatients = !patientCause.isEmpty

        if let keep = keep(.appointments, export.appointments.patient) {
            export.appointments = export.appointments.filtered(keeping: keep)
            export.origins.filter(.appointments, keeping: keep)
        }
        if let keep = keep(.communications, export.communications.patient) {
            export.communications = export.communications.filtered(keeping: keep)
            export.origins.filter(.communications, keeping: keep)
        }
        if let keep = keep(.consents, export.consents.patient) {
            export.consents = export.consents.filtered(keeping: keep)
            export.origins.filter(.consents, keeping: keep)
        }
        if let keep = keep(.conditions, export.conditions.patient) {
            export.conditions = export.conditions.filtered(keeping: keep)
            export.origins.filter(.conditions, keeping: keep)
        }
        if let keep = keep(.leads, export.leads.patient) {
            export.leads = export.leads.filtered(keeping: keep)
            export.origins.filter(.leads, keeping: keep)
        }
        if droppedPatients {
            let keep = patients.map { !$0 }
            export.patients = export.patients.filtered(keeping: keep)
            export.origins.filter(.patients, keeping: keep)
            func renumber(_ column: inout [Int32]) {
                for index in column.indices where column[index] >= 0 { column[index] = newIndex[Int(column[index])] }
            }
            renumber(&export.appointments.patient)
            renumber(&export.communications.patient)
            renumber(&export.consents.patient)
            renumber(&export.conditions.patient)
            renumber(&export.leads.patient)
        }
        return removed
    }
}
