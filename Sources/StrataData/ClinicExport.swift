/// One clinic export in memory: columnar tables of the canonical format (see `CanonicalFormat.swift`).
///
/// Conventions, for every table:
/// - Rows of event tables refer to patients by **patient index** (`Int32`, a row of ``patients``), never by
///   id string; ``PatientIdentifiers`` turns indices back into ids.
/// - Timestamps are `Int64` seconds since 1970-01-01T00:00:00Z; dates are `Int32` days since 1970-01-01
///   (see ``CivilDate``). Absent values are ``ClinicExport/missingTimestamp`` / ``ClinicExport/missingDate``.
/// - Amounts are `Double`; absent amounts are NaN.
/// - Fixed categories are small enums (`AppointmentStatus`, `Channel`, ...); open ones are
///   ``CategoryColumn``s.
///
/// Tables hold rows in file order. A table's columns all have the same count.
public struct ClinicExport: Sendable {
    public static let missingTimestamp = Int64.min
    public static let missingDate = Int32.min

    public var patients: Patients
    public var appointments: Appointments
    public var communications: Communications
    public var consents: Consents
    public var conditions: Conditions
    public var leads: Leads
    /// The tables that were present in the source (optional tables and tables a mapping leaves out may be absent).
    public var presentTables: Set<CanonicalTable>
    /// Where each row was read from (file and line), for messages about rows; empty for an export built in code.
    public var origins = RowOrigins()

    public init(patients: Patients, appointments: Appointments = .init(), communications: Communications = .init(),
                consents: Consents = .init(), conditions: Conditions = .init(), leads: Leads = .init(),
                presentTables: Set<CanonicalTable> = Set(CanonicalTable.allCases)) {
        self.patients = patients
        self.appointments = appointments
        self.communications = communications
        self.consents = consents
        self.conditions = conditions
        self.leads = leads
        self.presentTables = presentTables
    }

    /// Row counts by table.
    public var rowCounts: [CanonicalTable: Int] {
        [.patients: patients.count, .appointments: appointments.count, .communications: communications.count,
         .consents: consents.count, .conditions: conditions.count, .leads: leads.count]
    }
}

/// Patient id strings, numbered by patient index. Lookups go from bytes or strings to indices in O(1).
public struct PatientIdentifiers: Sendable {
    var table: ByteStringTable

    public init() { table = ByteStringTable() }

    public init(_ ids: [String]) {
        table = ByteStringTable(minimumCapacity: ids.count)
        for id in ids { table.insert(id) }
    }

    init(table: ByteStringTable) { self.table = table }

    public var count: Int { table.count }

    /// The id of patient index `index`.
    public subscript(index: Int) -> String { table[index] }

    /// All ids in index order.
    public var all: [String] { table.strings }

    /// The index of a patient id, or nil.
    public func index(of id: String) -> Int? { table.code(of: id).map(Int.init) }

    func index(of bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int32? { table.code(of: bytes, start, end) }
}

public enum Sex: UInt8, Sendable, CaseIterable {
    case female, male, other, unknown
    public var name: String { CanonicalValues.sex[Int(rawValue)] }
}

public enum Channel: UInt8, Sendable, CaseIterable {
    case email, sms, phone, whatsapp
    public var name: String { CanonicalValues.channels[Int(rawValue)] }
}

public enum AppointmentStatus: UInt8, Sendable, CaseIterable {
    case completed, noShow, cancelled, booked
    public var name: String { CanonicalValues.appointmentStatus[Int(rawValue)] }
}

public enum ConsentPurpose: UInt8, Sendable, CaseIterable {
    case marketing, care
    public var name: String { CanonicalValues.consentPurpose[Int(rawValue)] }
}

public enum ConsentStatus: UInt8, Sendable, CaseIterable {
    case optIn, optOut
    public var name: String { CanonicalValues.consentStatus[Int(rawValue)] }
}

/// `patients.csv`: one row per patient; row `i` is patient index `i`.
///
/// Each table's `filtered(keeping:)` (`ClinicExport+Filter.swift`) lists every column: a new column goes there too.
public struct Patients: Sendable {
    /// Whether `birthDate` was worked out from an age in years (a mapped `age`, see ``ColumnMapping/age``)
    /// rather than read: such a date is the middle of the year of days the age allows, so ages computed from
    /// it are right to within half a year.
    public var birthDateIsApproximate = false
    public var ids: PatientIdentifiers
    public var birthDate: [Int32]
    public var sex: [Sex]
    public var createdAt: [Int64]
    public var firstName: TextColumn
    public var postalCode: CategoryColumn
    public var email: TextColumn
    public var phone: TextColumn
    /// nil when the patient states no preference.
    public var preferredChannel: [Channel?]
    public var source: CategoryColumn
    /// Declared extra columns (``ExtraColumn``) by key: attributes, given outcomes.
    public var extra: [String: ExtraValues]
    /// The day the patient died (`deceased_at`, Synthea's `DEATHDATE`, FHIR's `Patient.deceased[x]`);
    /// ``ClinicExport/missingDate`` for a patient not known to have died.
    public var deceasedAt: [Int32]

    public init(ids: PatientIdentifiers = .init(), birthDate: [Int32] = [], sex: [Sex] = [], createdAt: [Int64] = [],
                firstName: TextColumn = .init(), postalCode: CategoryColumn = .init(), email: TextColumn = .init(),
                phone: TextColumn = .init(), preferredChannel: [Channel?] = [], source: CategoryColumn = .init(),
                extra: [String: ExtraValues] = [:], deceasedAt: [Int32]? = nil) {
        self.ids = ids
        self.birthDate = birthDate
        self.sex = sex
        self.createdAt = createdAt
        self.firstName = firstName
        self.postalCode = postalCode
        self.email = email
        self.phone = phone
        self.preferredChannel = preferredChannel
        self.source = source
        self.extra = extra
        self.deceasedAt = deceasedAt ?? Array(repeating: ClinicExport.missingDate, count: ids.count)
    }

    public var count: Int { ids.count }

    /// Whether patient `index` has a death on file, whatever its date: never scored, trained on, listed or sent to.
    public func hasDeathOnFile(_ index: Int) -> Bool { deceasedAt[index] != ClinicExport.missingDate }

    /// Whether patient `index` had died on or before `day` (days since 1970-01-01).
    public func isDeceased(_ index: Int, on day: Int32) -> Bool {
        let death = deceasedAt[index]
        return death != ClinicExport.missingDate && death <= day
    }
}

/// How precise the values of a timestamp column are.
public enum TimestampPrecision: String, Sendable, Equatable {
    /// Date and time: the value is the instant.
    case second
    /// A date only (a mapped column read with a date layout such as `yyyy-MM-dd`, an older Synthea release's
    /// `DATE`): the value is 00:00 UTC of the day and means the whole day, so a booking at any time of that
    /// day is not "after" it.
    case day
}

/// `appointments.csv`.
public struct Appointments: Sendable {
    public var patient: [Int32]
    public var scheduledAt: [Int64]
    public var bookedAt: [Int64]
    public var status: [AppointmentStatus]
    public var service: CategoryColumn
    public var provider: CategoryColumn
    /// NaN when absent.
    public var amount: [Double]
    /// Whether `scheduledAt` / `bookedAt` hold instants or whole days (00:00 UTC of the day); cross-record
    /// checks compare days when either side is `.day`.
    public var scheduledAtPrecision: TimestampPrecision = .second
    public var bookedAtPrecision: TimestampPrecision = .second

    public init(patient: [Int32] = [], scheduledAt: [Int64] = [], bookedAt: [Int64] = [], status: [AppointmentStatus] = [],
                service: CategoryColumn = .init(), provider: CategoryColumn = .init(), amount: [Double] = []) {
        self.patient = patient
        self.scheduledAt = scheduledAt
        self.bookedAt = bookedAt
        self.status = status
        self.service = service
        self.provider = provider
        self.amount = amount
    }

    public var count: Int { patient.count }
}

/// `communications.csv`: messages sent, and when (if ever) they were opened, clicked, answered.
public struct Communications: Sendable {
    public var patient: [Int32]
    public var sentAt: [Int64]
    public var channel: [Channel]
    public var campaign: CategoryColumn
    public var openedAt: [Int64]
    public var clickedAt: [Int64]
    public var respondedAt: [Int64]

    public init(patient: [Int32] = [], sentAt: [Int64] = [], channel: [Channel] = [], campaign: CategoryColumn = .init(),
                openedAt: [Int64] = [], clickedAt: [Int64] = [], respondedAt: [Int64] = []) {
        self.patient = patient
        self.sentAt = sentAt
        self.channel = channel
        self.campaign = campaign
        self.openedAt = openedAt
        self.clickedAt = clickedAt
        self.respondedAt = respondedAt
    }

    public var count: Int { patient.count }
}

/// `consents.csv`: consent decisions per channel and purpose; the latest `recordedAt` wins.
public struct Consents: Sendable {
    public var patient: [Int32]
    public var channel: [Channel]
    public var purpose: [ConsentPurpose]
    public var status: [ConsentStatus]
    public var recordedAt: [Int64]

    public init(patient: [Int32] = [], channel: [Channel] = [], purpose: [ConsentPurpose] = [],
                status: [ConsentStatus] = [], recordedAt: [Int64] = []) {
        self.patient = patient
        self.channel = channel
        self.purpose = purpose
        self.status = status
        self.recordedAt = recordedAt
    }

    public var count: Int { patient.count }
}

/// `conditions.csv` (optional).
public struct Conditions: Sendable {
    public var patient: [Int32]
    public var code: CategoryColumn
    public var description: CategoryColumn
    /// ``ClinicExport/missingDate`` when unknown.
    public var onsetDate: [Int32]

    public init(patient: [Int32] = [], code: CategoryColumn = .init(), description: CategoryColumn = .init(),
                onsetDate: [Int32] = []) {
        self.patient = patient
        self.code = code
        self.description = description
        self.onsetDate = onsetDate
    }

    public var count: Int { patient.count }
}

/// `leads.csv` (optional): enquiries, linked to a patient once converted.
public struct Leads: Sendable {
    public var ids: TextColumn
    /// -1 while the lead has not become a patient.
    public var patient: [Int32]
    public var createdAt: [Int64]
    public var source: CategoryColumn
    public var interest: CategoryColumn
    /// Declared extra columns (``ExtraColumn``) by key, e.g. a given conversion outcome.
    public var extra: [String: ExtraValues]

    public init(ids: TextColumn = .init(), patient: [Int32] = [], createdAt: [Int64] = [], source: CategoryColumn = .init(),
                interest: CategoryColumn = .init(), extra: [String: ExtraValues] = [:]) {
        self.ids = ids
        self.patient = patient
        self.createdAt = createdAt
        self.source = source
        self.interest = interest
        self.extra = extra
    }

    public var count: Int { patient.count }
}

/// Where the rows of each table were read from: the file (as named in messages) and the physical line each
/// row starts on. Cross-record checks name rows by it (`appointments.csv:14`).
///
/// A table an adapter did not record has no origin; its rows are then named by table and row number.
public struct RowOrigins: Sendable {
    public struct Table: Sendable {
        /// The file, as named in messages.
        public var file: String
        /// The 1-based physical line of each row.
        public var lines: LineIndex

        public init(file: String, lines: LineIndex) {
            self.file = file
            self.lines = lines
        }
    }

    public var tables: [CanonicalTable: Table] = [:]
    /// Tables whose rows carry their own identifier in the source (a FHIR Encounter's id, a Synthea
    /// encounter's `Id`): two rows with equal values there are two records, not a row written twice, so
    /// `duplicate_appointments` does not look at them.
    public var identifiedTables: Set<CanonicalTable> = []

    public init() {}

    /// Records where `table`'s rows came from.
    public mutating func record(_ table: CanonicalTable, file: String, lines: LineIndex) {
        tables[table] = Table(file: file, lines: lines)
    }

    /// Row `row` of `table` as a place: `file` and line, or the table's file name and line 0 when not recorded.
    public func place(_ table: CanonicalTable, row: Int) -> (file: String, line: Int) {
        guard let origin = tables[table], row < origin.lines.count else { return (table.fileName, 0) }
        return (origin.file, origin.lines[row])
    }

    /// Keeps the rows of `table` where `keep` is true (the rows of the table itself were filtered alike).
    mutating func filter(_ table: CanonicalTable, keeping keep: [Bool]) {
        guard var origin = tables[table], origin.lines.count == keep.count else { return }
        origin.lines = origin.lines.filtered(keeping: keep)
        tables[table] = origin
    }
}

/// The physical line of each row of a file, stored as runs of consecutive lines: a file of one-line records
/// is one run whatever its size, and each multi-line record, blank line or skipped row starts another. So
/// keeping every row's place costs memory only where a file is irregular.
public struct LineIndex: Sendable, Equatable {
    /// The first row of each run, ascending, and the line of that row.
    private var runRows: [Int] = []
    private var runLines: [Int] = []
    public private(set) var count = 0

    public init() {}

    /// How many runs are stored.
    var runCount: Int { runRows.count }

    /// The runs as stored, for the export cache (`ExportCache+Format.swift`).
    var runs: (rows: [Int], lines: [Int]) { (runRows, runLines) }

    /// An index from ``runs`` and the row count, or nil when they do not fit together.
    init?(runRows: [Int], runLines: [Int], count: Int) {
        guard runRows.count == runLines.count, count >= 0, runRows.first.map({ $0 == 0 }) ?? (count == 0),
              zip(runRows, runRows.dropFirst()).allSatisfy({ $0 < $1 }), (runRows.last ?? 0) <= count else { return nil }
        self.runRows = runRows
        self.runLines = runLines
        self.count = count
    }

    /// The index of `lines`, one per row in row order.
    public init(_ lines: [Int]) {
        for line in lines { append(line) }
    }

    /// Adds the next row, starting on `line`.
    public mutating func append(_ line: Int) {
        if let lastRow = runRows.last, let lastLine = runLines.last, lastLine + (count - lastRow) == line {
            count += 1
            return
        }
        runRows.append(count)
        runLines.append(line)
        count += 1
    }

    /// The line row `row` starts on.
    /// - Complexity: O(log runs).
    public subscript(row: Int) -> Int {
        precondition(row >= 0 && row < count, "row \(row) out of 0..<\(count)")
        var low = 0, high = runRows.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if runRows[middle] <= row { low = middle } else { high = middle }
        }
        return runLines[low] + (row - runRows[low])
    }

    /// Every row's line, in row order.
    public var lines: [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        for run in runRows.indices {
            let end = run + 1 < runRows.count ? runRows[run + 1] : count
            for row in runRows[run]..<end { result.append(runLines[run] + (row - runRows[run])) }
        }
        return result
    }

    /// The index of the rows where `keep` is true.
    func filtered(keeping keep: [Bool]) -> LineIndex {
        var result = LineIndex()
        for run in runRows.indices {
            let end = run + 1 < runRows.count ? runRows[run + 1] : count
            for row in runRows[run]..<end where keep[row] { result.append(runLines[run] + (row - runRows[run])) }
        }
        return result
    }
}
