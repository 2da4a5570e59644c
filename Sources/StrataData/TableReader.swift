import Foundation
import StrataLinearAlgebra
import Synchronization

/// Where one canonical column's values come from in a source CSV file.
public struct ColumnSource: Sendable {
    /// The canonical column filled.
    public var canonical: CanonicalColumn
    /// The source file's column (header name); nil when the column is a constant or left absent.
    public var sourceColumn: String?
    /// A value used for every row when there is no source column.
    public var constant: String?
    /// Source values replaced before checking (e.g. `"Yes" -> "no_show"`); values not listed pass unchanged.
    public var valueMap: [String: String]
    /// The layout of dates/timestamps; nil means ISO-8601 (see ``ByteParsing``).
    public var layout: DateLayout?
    /// Whether the source column must be in the header although its fields may be empty (a declared extra
    /// column, see ``ExtraColumn``).
    public var isRequiredInHeader = false
    /// A birth date worked out from an age (then `sourceColumn` is the age column).
    public var age: AgeSource?
    /// Values taken from a joined file by a key of this file (then `sourceColumn` is nil).
    var joined: JoinedColumn?

    public init(_ canonical: CanonicalColumn, sourceColumn: String?, constant: String? = nil,
                valueMap: [String: String] = [:], layout: DateLayout? = nil) {
        self.canonical = canonical
        self.sourceColumn = sourceColumn
        self.constant = constant
        self.valueMap = valueMap
        self.layout = layout
    }

    /// How precise the column's timestamps are: a date layout without a time of day gives whole days.
    public var precision: TimestampPrecision {
        if let layout, !layout.hasTime { return .day }
        return .second
    }
}

/// A birth date from an age in years: at the date in `referenceColumn` (read with the column's layout, or as
/// `YYYY-MM-DD`), or at the export date when there is none.
public struct AgeSource: Sendable, Equatable {
    public var ageColumn: String
    public var referenceColumn: String?

    public init(ageColumn: String, referenceColumn: String? = nil) {
        self.ageColumn = ageColumn
        self.referenceColumn = referenceColumn
    }

    /// Days from the birth date to the day an age of `years` was taken: the middle of the days that age
    /// allows for a whole number (42 means 42 to 43 years, so 42.5 years), the age itself for a fraction.
    static func daysBefore(years: Double) -> Int32 {
        let exact = years.rounded(.down) == years ? years + 0.5 : years
        return Int32((exact * 365.2425).rounded())
    }
}

/// One column's values from a joined file, by key.
struct JoinedColumn: Sendable {
    /// The key column in the table's own file.
    var keyColumn: String
    var file: String
    var keys: ByteStringTable
    /// Bytes of the value for each key code.
    var values: [[UInt8]]
}

/// How to read one canonical table from one CSV file.
public struct TableSource: Sendable {
    public var table: CanonicalTable
    public var url: URL
    /// The file name used in messages.
    public var displayName: String
    public var columns: [ColumnSource]
    /// Whether source columns that feed no canonical column are an error (canonical exports) or ignored (mappings).
    public var rejectsUnknownColumns: Bool
    /// Whether a repeated identifier is skipped silently, keeping the first row (a patients table taken
    /// from an appointments file has one row per visit).
    public var keepsFirstOfDuplicates: Bool
    /// Canonical text columns (``CanonicalColumnKind/text``) whose values the caller will not use: they are
    /// checked (a required one must not be empty) but not stored, and come out empty in the export.
    public var unusedTextColumns: Set<String>
    /// Whether the rows are kept. A table the caller does not need is still read and checked (bad rows,
    /// duplicate ids, unknown patients, warnings), so the verdict on an export does not depend on the
    /// command; its converted batches are then dropped instead of appended to columns nobody reads.
    public var keepsRows = true
    /// Keep only the rows this filter accepts (all when nil); the others are read and checked, then dropped.
    public var rowFilter: RowFilter?

    public init(table: CanonicalTable, url: URL, displayName: String, columns: [ColumnSource],
                rejectsUnknownColumns: Bool, keepsFirstOfDuplicates: Bool = false, unusedTextColumns: Set<String> = []) {
        self.table = table
        self.url = url
        self.displayName = displayName
        self.columns = columns
        self.rejectsUnknownColumns = rejectsUnknownColumns
        self.keepsFirstOfDuplicates = keepsFirstOfDuplicates
        self.unusedTextColumns = unusedTextColumns
    }

    /// The canonical table read as is: every canonical column from the column of the same name.
    public static func canonical(_ table: CanonicalTable, in folder: URL) -> TableSource {
        TableSource(table: table, url: folder.appendingPathComponent(table.fileName), displayName: table.fileName,
                    columns: table.columns.map { ColumnSource($0, sourceColumn: $0.name) }, rejectsUnknownColumns: true)
    }
}

/// A table as read: one builder per canonical column, by name, plus the identifier index for tables with one.
struct ReadTable: Sendable {
    var columns: [String: ColumnBuilder]
    var identifiers: ByteStringTable
    var rowCount: Int
    /// The physical line each kept row starts on (empty when the rows are not kept): where cross-record checks
    /// point (see ``ExportChecks``).
    var lines = LineIndex()
    /// The rows the source's ``TableSource/rowFilter`` left out (nil without a filter).
    var leftOut: LeftOutRows?

    func column(_ name: String) -> ColumnBuilder? { columns[name] }
}

/// Reads canonical tables from CSV files: checks the header, converts fields from bytes, checks ids and
/// patient references, splits each batch across cores.
struct TableReader {
    let policy: IngestPolicy
    var badRows = BadRowReport()
    /// Values kept but doubtful (negative amounts, a last record without a line end), over the tables read.
    var warnings = WarningReport()
    /// Bytes per batch window.
    let chunkSize: Int
    /// Batches with fewer records than this are converted as one range.
    let parallelThreshold: Int

    /// Tests shrink `chunkSize` and `parallelThreshold` to run many batches and ranges on small files.
    init(policy: IngestPolicy, chunkSize: Int = 16 << 20, parallelThreshold: Int = 8192) {
        self.policy = policy
        self.chunkSize = chunkSize
        self.parallelThreshold = parallelThreshold
    }

    /// Reads `source`; event tables resolve `patient_id` through `patients`.
    ///
    /// Batches are converted in record ranges on all cores; the ranges of one batch are appended to the
    /// table (bad rows noted, identifiers checked) while the next batch is converted, as one more task beside
    /// its ranges, so no core waits for the appending. The appending runs in file order, so the rows, the
    /// bad-row report and the first error reported are those of a sequential read.
    mutating func read(_ source: TableSource, patients: PatientIdentifiers?) throws(IngestError) -> ReadTable {
        let reader = try CSVReader(url: source.url, file: source.displayName, chunkSize: chunkSize)
        let plans = try Self.plan(source, header: reader.header)
        let table = Mutex(TableAccumulator(source: source, plans: plans, policy: policy, badRows: badRows, warnings: warnings))
        var reserved = false
        let policy = self.policy
        let expectedFields = reader.header.count
        var pending: [Part] = []
        var spare: [Part] = []
        while true {
            let next: CSVBatch?
            do { next = try reader.nextBatch() } catch {
                // Problems in the rows before come first.
                if let failure = table.withLock({ $0.append(pending); return $0.failure }) { throw failure }
                throw error
            }
            guard let batch = next else { break }
            if !reserved && source.keepsRows && source.rowFilter == nil, let first = batch.recordStarts.first, let last = batch.recordEnds.last {
                // Columns sized once from the first batch's bytes per record: no regrowing (copies and fresh
                // pages) while appending. A generous estimate costs address space only, never touched pages.
                reserved = true
                let bytesPerRecord = max(Double(last - first) / Double(batch.count), 1)
                let estimate = batch.count + Int(Double(reader.remainingBytes) / bytesPerRecord * 1.1) + 1024
                table.withLock { $0.reserve(estimate) }
            }
            // Several ranges per core, so the appending task shares the cores evenly with them, and a core
            // slowed by other processes does not hold up the batch for long.
            let ranges = batch.count >= parallelThreshold ? min(2 * Parallel.processorCount, batch.count) : 1
            let previous = pending
            pending = []
            // Parts appended in the previous step, whose buffers this step's ranges reuse: each range takes
            // one out of the pool, so it holds the only reference to the buffers.
            let recycled = Mutex(spare.map { Optional($0) })
            spare = []
            let tasks = Parallel.map(rangesOf: ranges + 1, workers: ranges + 1) { task -> Part? in
                if task.lowerBound == 0 {
                    table.withLock { $0.append(previous) }
                    return nil
                }
                let records = Parallel.partition(batch.count, into: ranges)[task.lowerBound - 1]
                return Self.convert(batch, records: records, plans: plans, expectedFields: expectedFields,
                                    patients: patients, stopAtFirstError: policy.maxBadRows == 0,
                                    recycled: recycled.withLock { $0.indices.contains(task.lowerBound - 1) ? $0[task.lowerBound - 1].take() : nil })
            }
            spare = previous
            pending = tasks.compactMap { $0 }
            if let failure = table.withLock({ $0.failure }) { throw failure }
        }
        let result = table.withLock { accumulator -> Result<(ReadTable, BadRowReport, WarningReport), IngestError> in
            accumulator.append(pending)
            if let failure = accumulator.failure { return .failure(failure) }
            var columns: [String: ColumnBuilder] = [:]
            for (plan, builder) in zip(plans, accumulator.builders) where builder.kind != .unused {
                columns[plan.source.canonical.name] = builder
            }
            return .success((ReadTable(columns: columns, identifiers: accumulator.identifiers, rowCount: accumulator.rowCount,
                                       lines: accumulator.lines, leftOut: source.rowFilter == nil ? nil : accumulator.leftOut),
                             accumulator.badRows, accumulator.warnings))
        }
        let (read, report, warned) = try result.get()
        badRows = report
        warnings = warned
        // A mapping may read one file for two tables: its missing line end is one warning.
        if let warning = reader.finalLineEndWarning(), !warnings.examples.contains(warning) { warnings.record(warning) }
        return read
    }

    // MARK: Planning

    /// A column source resolved against a file's header.
    struct ColumnPlan: Sendable {
        var source: ColumnSource
        /// Field index in the file, or nil for a constant / absent column.
        var fieldIndex: Int?
        var constant: [UInt8]?
        var mapKeys: ByteStringTable?
        var mapValues: [[UInt8]]
        var storage: ColumnBuilder.Kind
        /// For fixed categories: the allowed values' bytes, in code order.
        var levels: [[UInt8]]
        /// For a joined column: the field holding the key.
        var keyFieldIndex: Int? = nil
        /// For an age: the field holding the day it was taken (nil: the export date, added after reading).
        var referenceFieldIndex: Int? = nil
    }

    static func plan(_ source: TableSource, header: [String]) throws(IngestError) -> [ColumnPlan] {
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if positions[name] != nil {
                throw IngestError(.duplicateColumn, file: source.displayName, line: 1, column: column(of: index, in: header),
                                  found: name, expected: "each column name once in the header")
            }
            positions[name] = index
        }
        let used = Set(source.columns.compactMap(\.sourceColumn))
        if source.rejectsUnknownColumns, let index = header.firstIndex(where: { !used.contains($0) }) {
            throw IngestError(.unknownColumn, file: source.displayName, line: 1, column: column(of: index, in: header),
                              found: header[index],
                              expected: "one of \(source.columns.compactMap(\.sourceColumn).joined(separator: ", "))")
        }
        var plans: [ColumnPlan] = []
        for column in source.columns {
            var fieldIndex: Int?
            if let name = column.sourceColumn {
                fieldIndex = positions[name]
                if fieldIndex == nil && (!column.canonical.isOptional || column.isRequiredInHeader) && column.constant == nil {
                    throw IngestError(.missingRequiredColumn, file: source.displayName, line: 1, found: name,
                                      expected: "a column \"\(name)\" in the header (\(header.joined(separator: ",")))")
                }
            }
            var keyFieldIndex: Int?
            if let joined = column.joined {
                keyFieldIndex = positions[joined.keyColumn]
                if keyFieldIndex == nil {
                    throw IngestError(.missingRequiredColumn, file: source.displayName, line: 1, found: joined.keyColumn,
                                      expected: "the key \"\(joined.keyColumn)\" joining \(joined.file), in the header (\(header.joined(separator: ",")))")
                }
            }
            var referenceFieldIndex: Int?
            if let age = column.age {
                if fieldIndex == nil {
                    throw IngestError(.missingRequiredColumn, file: source.displayName, line: 1, found: age.ageColumn,
                                      expected: "a column \"\(age.ageColumn)\" of ages in the header (\(header.joined(separator: ",")))")
                }
                if let reference = age.referenceColumn {
                    referenceFieldIndex = positions[reference]
                    if referenceFieldIndex == nil {
                        throw IngestError(.missingRequiredColumn, file: source.displayName, line: 1, found: reference,
                                          expected: "a column \"\(reference)\" (the ages' age_at) in the header (\(header.joined(separator: ",")))")
                    }
                }
            }
            var mapKeys: ByteStringTable?
            var mapValues: [[UInt8]] = []
            if !column.valueMap.isEmpty {
                var keys = ByteStringTable()
                for (key, value) in column.valueMap.sorted(by: { $0.key < $1.key }) {
                    keys.insert(key)
                    mapValues.append(Array(value.utf8))
                }
                mapKeys = keys
            }
            let storage: ColumnBuilder.Kind
            var levels: [[UInt8]] = []
            switch column.canonical.kind {
            case .identifier: storage = .text
            case .patientReference: storage = .patient
            case .date: storage = .day
            case .timestamp: storage = .timestamp
            case .decimal: storage = .number
            case .category(let values):
                storage = .level
                levels = values.map { Array($0.utf8) }
            case .text:
                if source.unusedTextColumns.contains(column.canonical.name) && source.rowFilter?.column != column.canonical.name {
                    storage = .unused
                } else {
                    storage = rawTextColumns.contains(column.canonical.name) ? .text : .dictionary
                }
            }
            plans.append(ColumnPlan(source: column, fieldIndex: fieldIndex, constant: column.constant.map { Array($0.utf8) },
                                    mapKeys: mapKeys, mapValues: mapValues, storage: storage, levels: levels,
                                    keyFieldIndex: keyFieldIndex, referenceFieldIndex: referenceFieldIndex))
        }
        return plans
    }

    /// Text columns kept as raw text rather than dictionary-encoded: nearly unique per row.
    static let rawTextColumns: Set<String> = ["first_name", "email", "phone"]

    private static func column(of fieldIndex: Int, in header: [String]) -> Int {
        header.prefix(fieldIndex).reduce(1) { $0 + $1.count + 1 }
    }

    // MARK: Converting

    /// The rows converted from one record range of a batch.
    struct Part: Sendable {
        var builders: [ColumnBuilder]
        var lines: [Int]
        var rowCount: Int
        var errors: [IngestError]
        /// Rows with a negative amount, and the first few of them (in file order) as warnings.
        var negativeAmounts = 0
        var negativeAmountExamples: [IngestWarning] = []

        mutating func keep(_ keep: [Bool]) {
            for index in builders.indices { builders[index] = builders[index].filtered(keeping: keep) }
            lines = zip(lines, keep).filter(\.1).map(\.0)
            rowCount = keep.lazy.filter { $0 }.count
        }
    }

    /// Converts `records` of `batch`; `recycled` is an appended part whose buffers are reused (emptied).
    static func convert(_ batch: CSVBatch, records: Range<Int>, plans: [ColumnPlan], expectedFields: Int,
                        patients: PatientIdentifiers?, stopAtFirstError: Bool, recycled: consuming Part? = nil) -> Part {
        var builders: [ColumnBuilder]
        var lines: [Int]
        if var part = recycled.take() {
            // Moved out, so the buffers are referenced only here and are emptied in place.
            builders = part.builders
            lines = part.lines
            part.builders = []
            part.lines = []
            for index in builders.indices { builders[index].removeAll() }
            lines.removeAll(keepingCapacity: true)
        } else {
            builders = plans.map { ColumnBuilder(plan: $0) }
            lines = []
        }
        for index in builders.indices { builders[index].reserve(records.count) }
        lines.reserveCapacity(records.count)
        // Plain per-column facts, so the hot loop never copies a plan.
        let fieldIndices = plans.map { $0.fieldIndex ?? -1 }
        let isPlain = plans.map { $0.fieldIndex != nil && $0.constant == nil && $0.source.age == nil }
        // A value map's keys and values, for the plain columns that have one.
        let mapKeys = plans.map(\.mapKeys)
        let mapValues = plans.map(\.mapValues)
        var splitter = CSVFieldSplitter(capacity: expectedFields + 1)
        var errors: [IngestError] = []
        var rowCount = 0
        let bytes = batch.bytes.span
        recordLoop: for record in records {
            let fieldCount: Int
            do { fieldCount = try splitter.split(batch, bytes, record: record) } catch {
                errors.append(error)
                if stopAtFirstError { break recordLoop }
                continue
            }
            guard fieldCount == expectedFields else {
                errors.append(batch.fieldCountError(record: record, found: fieldCount, expected: expectedFields))
                if stopAtFirstError { break recordLoop }
                continue
            }
            for index in 0..<fieldIndices.count {
                var failure: String?
                var failedText = ""
                var ageKind: IngestError.Kind?
                let plainField = fieldIndices[index]
                if isPlain[index] && !splitter.escaped[plainField] {
                    // The fast path: convert straight from the batch's bytes.
                    let start = splitter.starts[plainField], end = splitter.ends[plainField]
                    if let keys = mapKeys[index], let code = keys.code(of: bytes, start, end) {
                        // A mapped value (`DNA` -> `no_show`): converted from the map's bytes, nothing copied.
                        let mapped = mapValues[index][Int(code)]
                        failure = builders[index].append(mapped.span, 0, mapped.count, patients: patients)
                        if failure != nil { failedText = String(decoding: mapped, as: UTF8.self) }
                    } else {
                        failure = builders[index].append(bytes, start, end, patients: patients)
                        if failure != nil { failedText = String(decoding: batch.bytes[start..<end], as: UTF8.self) }
                    }
                } else {
                    func field(_ fieldIndex: Int) -> [UInt8] {
                        splitter.escaped[fieldIndex] ? splitter.unescaped(batch, fieldIndex)
                            : Array(batch.bytes[splitter.starts[fieldIndex]..<splitter.ends[fieldIndex]])
                    }
                    var value: [UInt8] = []
                    if let fieldIndex = plans[index].fieldIndex {
                        value = field(fieldIndex)
                    } else if let joined = plans[index].source.joined, let keyField = plans[index].keyFieldIndex {
                        // A row without a match in the joined file reads as empty.
                        let key = field(keyField)
                        if let code = joined.keys.code(of: key.span, 0, key.count) { value = joined.values[Int(code)] }
                    }
                    if value.isEmpty, let constant = plans[index].constant { value = constant }
                    if let keys = plans[index].mapKeys, let code = keys.code(of: value.span, 0, value.count) {
                        value = plans[index].mapValues[Int(code)]
                    }
                    if plans[index].source.age != nil {
                        ageKind = .notANumber
                        let reference = plans[index].referenceFieldIndex.map(field)
                        failure = builders[index].appendAge(value, takenOn: reference)
                        if failure != nil {
                            failedText = String(decoding: value, as: UTF8.self)
                            if let reference, failure == ColumnBuilder.ageReferenceExpectation(builders[index].layout) {
                                failedText = String(decoding: reference, as: UTF8.self)
                                ageKind = .badDate
                            }
                        }
                    } else {
                        failure = builders[index].append(value.span, 0, value.count, patients: patients)
                        if failure != nil { failedText = String(decoding: value, as: UTF8.self) }
                    }
                }
                if let expected = failure {
                    let fieldIndex = plans[index].fieldIndex
                    let position = fieldIndex.map { splitter.starts[$0] } ?? batch.recordStarts[record]
                    let kind = failedText.isEmpty ? .emptyRequiredField : ageKind ?? builders[index].failureKind(false)
                    var error = batch.error(kind, record: record, position: position, found: failedText, expected: expected)
                    if fieldIndex.map({ splitter.quoted[$0] }) == true {
                        error.column -= 1  // point at the opening quote
                    }
                    errors.append(error)
                    for rollback in 0..<index { builders[rollback].truncate(to: rowCount) }
                    if stopAtFirstError { break recordLoop }
                    continue recordLoop
                }
            }
            lines.append(batch.recordLines[record])
            rowCount += 1
        }
        var part = Part(builders: builders, lines: lines, rowCount: rowCount, errors: errors)
        noteNegativeAmounts(&part, batch, records: records, plans: plans, splitter: &splitter)
        return part
    }

    /// Counts the part's rows with a negative decimal (refunds exist, so they are kept and warned about) and
    /// finds the first few in the batch for their place. A pass over the part's numbers after converting,
    /// so the per-field loop does no extra work; the records are split again only when there are some.
    private static func noteNegativeAmounts(_ part: inout Part, _ batch: CSVBatch, records: Range<Int>,
                                            plans: [ColumnPlan], splitter: inout CSVFieldSplitter) {
        for index in part.builders.indices where part.builders[index].kind == .number {
            var negativeRows: [Int] = []
            var count = 0
            for (row, value) in part.builders[index].numbers.enumerated() where value < 0 {
                count += 1
                if negativeRows.count < WarningReport.exampleLimit { negativeRows.append(row) }
            }
            guard count > 0 else { continue }
            part.negativeAmounts += count
            for row in negativeRows {
                // Kept rows keep their order, and lines grow with records: a binary search finds the record.
                var low = records.lowerBound, high = records.upperBound
                while low < high {
                    let middle = (low + high) / 2
                    if batch.recordLines[middle] < part.lines[row] { low = middle + 1 } else { high = middle }
                }
                let record = low
                var position = batch.recordStarts[record]
                var found = String(part.builders[index].numbers[row])
                if let field = plans[index].fieldIndex, (try? splitter.split(batch, record: record)) != nil {
                    position = splitter.starts[field] - (splitter.quoted[field] ? 1 : 0)
                    found = splitter.text(batch, field: field)
                }
                let (line, column) = batch.place(record: record, position: position)
                part.negativeAmountExamples.append(IngestWarning(.negativeAmount, file: batch.file, line: line,
                                                                 column: column, found: found))
            }
        }
    }
}

/// The values of one column while reading, in the storage its kind needs.
struct ColumnBuilder: Sendable {
    enum Kind: Sendable {
        case day, timestamp, number, level, dictionary, text, patient
        /// Checked (not empty when required), not stored.
        case unused
    }

    let kind: Kind
    let isOptional: Bool
    /// Date layout; nil for ISO-8601.
    let layout: DateLayout?
    /// For fixed categories: the allowed values' bytes, in code order.
    let levelBytes: [[UInt8]]
    var days: [Int32] = []
    var seconds: [Int64] = []
    var numbers: [Double] = []
    /// Fixed-category codes (index into the allowed values); 255 when absent.
    var levels: [UInt8] = []
    /// Dictionary codes or patient indices; -1 when absent.
    var codes: [Int32] = []
    var dictionary = ByteStringTable()
    var text = TextColumn()

    init(plan: TableReader.ColumnPlan) {
        kind = plan.storage
        isOptional = plan.source.canonical.isOptional
        layout = plan.source.layout
        levelBytes = plan.levels
    }

    var count: Int {
        switch kind {
        case .day: days.count
        case .timestamp: seconds.count
        case .number: numbers.count
        case .level: levels.count
        case .dictionary, .patient: codes.count
        case .text: text.count
        case .unused: unusedCount
        }
    }

    /// Rows of an `.unused` column.
    var unusedCount = 0

    mutating func reserve(_ capacity: Int) {
        switch kind {
        case .day: days.reserveCapacity(capacity)
        case .timestamp: seconds.reserveCapacity(capacity)
        case .number: numbers.reserveCapacity(capacity)
        case .level: levels.reserveCapacity(capacity)
        case .dictionary, .patient: codes.reserveCapacity(capacity)
        case .text: text.offsets.reserveCapacity(capacity + 1)
        case .unused: break
        }
    }

    /// Empties the column, keeping its buffers (a part's builders are reused from batch to batch, so their
    /// pages are touched once, not once per batch).
    mutating func removeAll() {
        days.removeAll(keepingCapacity: true)
        seconds.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
        levels.removeAll(keepingCapacity: true)
        codes.removeAll(keepingCapacity: true)
        dictionary = ByteStringTable()
        text.removeAll()
        unusedCount = 0
    }

    /// Converts and appends one field.
    /// - Returns: nil on success, else what was expected.
    @inline(__always)
    mutating func append(_ bytes: Span<UInt8>, _ start: Int, _ end: Int, patients: PatientIdentifiers?) -> String? {
        let isEmpty = start == end
        if isEmpty && !isOptional { return "a value (the column is required)" }
        switch kind {
        case .day:
            if isEmpty { days.append(ClinicExport.missingDate); return nil }
            let value = layout == nil ? ByteParsing.isoDate(bytes, start, end) : layout!.date(bytes, start, end)
            guard let value else { return "a date like \(layout?.description ?? "2024-02-29 (YYYY-MM-DD)")" }
            guard CanonicalDateRange.contains(day: value) else { return CanonicalDateRange.dateExpectation }
            days.append(value)
        case .timestamp:
            if isEmpty { seconds.append(ClinicExport.missingTimestamp); return nil }
            let value = layout == nil ? ByteParsing.isoTimestamp(bytes, start, end) : layout!.timestamp(bytes, start, end)
            guard let value else {
                return "a date and time like \(layout?.description ?? "2024-02-29T14:30:00Z (ISO-8601 with Z or an offset)")"
            }
            guard CanonicalDateRange.contains(timestamp: value) else { return CanonicalDateRange.timestampExpectation }
            seconds.append(value)
        case .number:
            if isEmpty { numbers.append(.nan); return nil }
            guard let value = ByteParsing.decimal(bytes, start, end) else { return ByteParsing.decimalExpectation(bytes, start, end) }
            numbers.append(value)
        case .level:
            if isEmpty { levels.append(255); return nil }
            for code in levelBytes.indices where levelBytes[code].count == end - start {
                var equal = true
                for k in 0..<(end - start) where levelBytes[code][k] != bytes[start + k] { equal = false; break }
                if equal { levels.append(UInt8(code)); return nil }
            }
            return "one of " + levelBytes.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ", ")
        case .dictionary:
            codes.append(isEmpty ? -1 : dictionary.insert(bytes, start, end).code)
        case .text:
            text.append(bytes, start, end)
        case .unused:
            unusedCount += 1
        case .patient:
            if isEmpty { codes.append(-1); return nil }
            // Exports are usually grouped by patient, often in the order of patients.csv: a run of rows
            // repeats the previous id, and the next run is often the next patient.
            if let last = codes.last, last >= 0, let table = patients?.table {
                if table.matches(Int(last), bytes, start, end) {
                    codes.append(last)
                    return nil
                }
                if Int(last) + 1 < table.count && table.matches(Int(last) + 1, bytes, start, end) {
                    codes.append(last + 1)
                    return nil
                }
            }
            guard let index = patients?.index(of: bytes, start, end) else { return "a patient_id listed in patients.csv" }
            codes.append(index)
        }
        return nil
    }

    /// Appends the birth date of someone `age` years old (decimal text) on the day `takenOn` (a date in the
    /// column's layout, or `YYYY-MM-DD`); without `takenOn`, the birth date relative to day 0, which the
    /// export reader moves to the export date once every table is read.
    /// - Returns: nil on success, else what was expected.
    mutating func appendAge(_ age: [UInt8], takenOn reference: [UInt8]?) -> String? {
        guard !age.isEmpty else { return "an age in years (the column is required)" }
        guard let years = ByteParsing.decimal(age.span, 0, age.count), years >= 0, years < 200 else {
            return "an age in years such as 42 or 42.5 (0 or more)"
        }
        var day: Int32 = 0
        if let reference {
            let parsed = layout == nil ? ByteParsing.isoDate(reference.span, 0, reference.count)
                : layout!.date(reference.span, 0, reference.count)
            guard let parsed else { return Self.ageReferenceExpectation(layout) }
            day = parsed
        }
        let birth = day - AgeSource.daysBefore(years: years)
        if reference != nil && !CanonicalDateRange.contains(day: birth) {
            return "an age giving a birth date from \(CanonicalDateRange.firstYear)-01-01 to \(CanonicalDateRange.lastYear)-12-31"
        }
        days.append(birth)
        return nil
    }

    static func ageReferenceExpectation(_ layout: DateLayout?) -> String {
        "a date like \(layout?.description ?? "2024-02-29 (YYYY-MM-DD)") in the age_at column"
    }

    func failureKind(_ isEmpty: Bool) -> IngestError.Kind {
        if isEmpty { return .emptyRequiredField }
        switch kind {
        case .day: return .badDate
        case .timestamp: return .badTimestamp
        case .number: return .notANumber
        case .level: return .unknownValue
        case .patient: return .unknownPatient
        case .dictionary, .text, .unused: return .unknownValue
        }
    }

    mutating func truncate(to rows: Int) {
        switch kind {
        case .day: days.removeSubrange(rows...)
        case .timestamp: seconds.removeSubrange(rows...)
        case .number: numbers.removeSubrange(rows...)
        case .level: levels.removeSubrange(rows...)
        case .patient: codes.removeSubrange(rows...)
        case .dictionary: codes.removeSubrange(rows...)
        case .text: text.truncate(to: rows)
        case .unused: unusedCount = rows
        }
    }

    func filtered(keeping keep: [Bool]) -> ColumnBuilder {
        var result = self
        switch kind {
        case .day: result.days = zip(days, keep).filter(\.1).map(\.0)
        case .timestamp: result.seconds = zip(seconds, keep).filter(\.1).map(\.0)
        case .number: result.numbers = zip(numbers, keep).filter(\.1).map(\.0)
        case .level: result.levels = zip(levels, keep).filter(\.1).map(\.0)
        case .dictionary, .patient: result.codes = zip(codes, keep).filter(\.1).map(\.0)
        case .text: result.text = text.filtered(keeping: keep)
        case .unused: result.unusedCount = keep.lazy.filter { $0 }.count
        }
        return result
    }

    /// Appends another part's rows; dictionary codes are renumbered into this column's dictionary.
    mutating func append(contentsOf other: ColumnBuilder) {
        switch kind {
        case .day: days.append(contentsOf: other.days)
        case .timestamp: seconds.append(contentsOf: other.seconds)
        case .number: numbers.append(contentsOf: other.numbers)
        case .level: levels.append(contentsOf: other.levels)
        case .patient: codes.append(contentsOf: other.codes)
        case .text: text.append(contentsOf: other.text)
        case .unused: unusedCount += other.unusedCount
        case .dictionary:
            if dictionary.count == 0 && codes.isEmpty {
                // The first part's codes need no renumbering; appended (not assigned) to keep the reservation.
                dictionary = other.dictionary
                codes.append(contentsOf: other.codes)
                return
            }
            var renumber = [Int32](repeating: -1, count: other.dictionary.count)
            for code in 0..<other.dictionary.count {
                let bytes = Array(other.dictionary.bytes(of: code))
                renumber[code] = dictionary.insert(bytes.span, 0, bytes.count).code
            }
            codes.reserveCapacity(codes.count + other.codes.count)
            for code in other.codes { codes.append(code < 0 ? -1 : renumber[Int(code)]) }
        }
    }

    // MARK: Typed results

    var categoryColumn: CategoryColumn { CategoryColumn(codes: codes, levels: dictionary.strings) }

    func enumValues<E: RawRepresentable>(_: E.Type) -> [E] where E.RawValue == UInt8 {
        levels.map { E(rawValue: $0)! }
    }

    func optionalEnumValues<E: RawRepresentable>(_: E.Type) -> [E?] where E.RawValue == UInt8 {
        levels.map { $0 == 255 ? nil : E(rawValue: $0) }
    }
}

/// A table being assembled from converted parts, in file order: bad rows noted under the policy, identifiers
/// checked for duplicates, columns appended.
struct TableAccumulator: Sendable {
    let source: TableSource
    let plans: [TableReader.ColumnPlan]
    let policy: IngestPolicy
    let identifierColumn: Int?
    /// The column the source's row filter reads (nil: no filter, or the file lacks the column, so no row is kept).
    let filterColumn: Int?
    var builders: [ColumnBuilder]
    var identifiers = ByteStringTable(minimumCapacity: 1024)
    var rowCount = 0
    /// The line of each kept row (when the rows are kept).
    var lines = LineIndex()
    /// Rows the row filter left out.
    var leftOut = LeftOutRows()
    var badRows: BadRowReport
    var warnings: WarningReport
    /// The error that stops reading, once there is one; later parts are then ignored.
    var failure: IngestError?

    init(source: TableSource, plans: [TableReader.ColumnPlan], policy: IngestPolicy, badRows: BadRowReport,
         warnings: WarningReport) {
        self.source = source
        self.plans = plans
        self.policy = policy
        self.badRows = badRows
        self.warnings = warnings
        identifierColumn = plans.firstIndex { $0.source.canonical.kind == .identifier }
        filterColumn = source.rowFilter.flatMap { filter in
            plans.firstIndex { $0.source.canonical.name == filter.column && $0.fieldIndex != nil }
        }
        builders = plans.map { ColumnBuilder(plan: $0) }
    }

    mutating func reserve(_ rows: Int) {
        for index in builders.indices { builders[index].reserve(rows) }
    }

    /// Appends parts in order; stops at the first error the policy does not allow.
    mutating func append(_ parts: [TableReader.Part]) {
        for part in parts where failure == nil {
            do { try append(part) } catch { failure = error }
        }
    }

    private mutating func append(_ part: TableReader.Part) throws(IngestError) {
        var part = part
        for error in part.errors {
            try note(error)
        }
        if let identifierColumn {
            var keep = [Bool](repeating: true, count: part.rowCount)
            var dropped = 0
            for row in 0..<part.rowCount {
                let text = part.builders[identifierColumn].text
                let (bytes, start, end) = (text.storage, text.offsets[row], text.offsets[row + 1])
                let (_, inserted) = identifiers.insert(bytes.span, start, end)
                if !inserted {
                    keep[row] = false
                    dropped += 1
                    if source.keepsFirstOfDuplicates { continue }
                    try note(IngestError(.duplicateIdentifier, file: source.displayName, line: part.lines[row],
                                         column: 1, found: String(decoding: bytes[start..<end], as: UTF8.self),
                                         expected: "each \(plans[identifierColumn].source.canonical.name) once"))
                }
            }
            if dropped > 0 { part.keep(keep) }
        }
        if let filter = source.rowFilter { self.filter(&part, by: filter) }
        if source.keepsRows {
            for index in builders.indices { builders[index].append(contentsOf: part.builders[index]) }
            for line in part.lines { lines.append(line) }
        }
        rowCount += part.rowCount
        warnings.record(.negativeAmount, count: part.negativeAmounts, examples: part.negativeAmountExamples)
    }

    /// Keeps the part's rows that `filter` accepts; counts the others and notes their latest timestamp.
    private mutating func filter(_ part: inout TableReader.Part, by filter: RowFilter) {
        var keep = [Bool](repeating: false, count: part.rowCount)
        if let filterColumn {
            let column = part.builders[filterColumn]
            switch column.kind {
            case .dictionary:
                // The part's own dictionary: the kept values' codes in it, if they occur at all.
                let accepted = Set(filter.values.compactMap { column.dictionary.code(of: $0) })
                for row in 0..<part.rowCount { keep[row] = accepted.contains(column.codes[row]) }
            default:
                let text = column.text
                for row in 0..<part.rowCount where text.offsets[row] < text.offsets[row + 1] {
                    keep[row] = filter.values.contains(String(decoding: text.storage[text.offsets[row]..<text.offsets[row + 1]], as: UTF8.self))
                }
            }
        }
        var leftOutRows = 0
        for builder in part.builders where builder.kind == .timestamp {
            for row in 0..<part.rowCount where !keep[row] { leftOut.latestTimestamp = max(leftOut.latestTimestamp, builder.seconds[row]) }
        }
        for row in 0..<part.rowCount where !keep[row] { leftOutRows += 1 }
        leftOut.count += leftOutRows
        if leftOutRows > 0 { part.keep(keep) }
    }

    /// Counts a bad row; throws when the policy allows no more, or when the problem is the file's.
    private mutating func note(_ error: IngestError) throws(IngestError) {
        if policy.maxBadRows == 0 || error.isFileLevel { throw error }
        badRows.record(error)
        if badRows.count > policy.maxBadRows {
            throw IngestError(.tooManyBadRows, file: error.file, line: error.line, column: error.column,
                              found: "\(badRows.count) bad rows; this one: \(error.kind.rawValue): \(error.found)",
                              expected: "at most \(policy.maxBadRows)", parameter: "maxBadRows")
        }
    }
}
