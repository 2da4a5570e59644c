/// The places of one table's rows while an adapter (Synthea, FHIR) reads them, one row at a time, from one
/// or more files; recorded in ``RowOrigins`` once reading is done.
///
/// ``RowOrigins`` keeps one file per table. A table whose rows all came from one file (Synthea's
/// `patients.csv` and `encounters.csv`, a bulk export's single `Patient` or `Encounter` file) is recorded
/// with every row's line; a table read from several files (Synthea's conditions, procedures, medications and
/// immunizations all become `conditions`) is not, and its rows are named by table and row number.
struct AdapterRowPlaces {
    /// The files rows came from, in reading order, each once.
    private(set) var files: [String] = []
    private var lines = LineIndex()

    /// Notes the place of the row just appended to the table.
    mutating func append(file: String, line: Int) {
        if files.last != file && !files.contains(file) { files.append(file) }
        lines.append(line)
    }

    /// Records the places as `table`'s origin when every row came from one file.
    func record(_ table: CanonicalTable, in origins: inout RowOrigins) {
        guard files.count == 1, let file = files.first else { return }
        origins.record(table, file: file, lines: lines)
    }
}
