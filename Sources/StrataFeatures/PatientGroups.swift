import StrataData

/// The rows of an event table grouped by patient (compressed sparse rows): the rows of patient `p` are
/// `rows[offsets[p]..<offsets[p + 1]]`, in table order.
///
/// - Complexity: O(events + patients) time (a counting sort), no per-row allocation.
struct PatientGroups: Sendable {
    let offsets: [Int]
    let rows: [Int32]

    /// Groups `patientOfRow` (patient index per row; negative rows, e.g. leads without a patient, are left out).
    init(_ patientOfRow: [Int32], patientCount: Int) {
        var counts = [Int](repeating: 0, count: patientCount + 1)
        for patient in patientOfRow where patient >= 0 { counts[Int(patient) + 1] += 1 }
        for index in 0..<patientCount { counts[index + 1] += counts[index] }
        offsets = counts
        var next = counts
        var rows = [Int32](repeating: 0, count: counts[patientCount])
        for (row, patient) in patientOfRow.enumerated() where patient >= 0 {
            rows[next[Int(patient)]] = Int32(row)
            next[Int(patient)] += 1
        }
        self.rows = rows
    }

    /// The range of `rows` holding patient `patient`'s events.
    @inline(__always)
    func range(of patient: Int) -> Range<Int> { offsets[patient]..<offsets[patient + 1] }
}
