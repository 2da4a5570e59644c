/// Which rows of a table a caller keeps: those whose text column ``column`` holds one of ``values`` (a
/// campaign report needs its own campaign's messages, not the eighteen million others).
///
/// Filtering changes what is kept, never what is checked: every row is still read and converted, so a bad
/// value, an unknown patient or a wrong field count anywhere in the file fails the read as before. Rows left
/// out are counted, with their latest date, in ``LeftOutRows``.
public struct RowFilter: Sendable, Equatable {
    /// A canonical text column of the table (`campaign` of communications).
    public var column: String
    /// The values kept; a row whose field is empty or holds another value is left out.
    public var values: Set<String>

    public init(column: String, values: Set<String>) {
        self.column = column
        self.values = values
    }
}

/// What a ``RowFilter`` left out of a table: how many rows, and the latest of their timestamps (every
/// timestamp column), so that a caller can still tell how far the whole export reaches.
public struct LeftOutRows: Sendable, Equatable {
    public var count = 0
    /// Seconds since the epoch; ``ClinicExport/missingTimestamp`` when no left-out row has a timestamp.
    public var latestTimestamp = ClinicExport.missingTimestamp

    public init(count: Int = 0, latestTimestamp: Int64 = ClinicExport.missingTimestamp) {
        self.count = count
        self.latestTimestamp = latestTimestamp
    }
}
