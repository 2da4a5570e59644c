import GRDB
import GRDBSQLite
import StrataLinearAlgebra

/// Enters membership rows in bulk: many rows to one `INSERT` statement, bound through SQLite's C API from one
/// buffer of bytes.
///
/// The first refresh of a new store enters every member of every segment: 2.1 million rows for 1,000,000
/// people. One GRDB `execute(arguments:)` a row spent as much time boxing the arguments and opening and
/// closing the statement's cursors on the table and its four b-trees as SQLite spent inserting (16 s for
/// those 2.1 million rows in the month benchmark). A statement of 64 rows opens its cursors once for 64
/// rows, and binding pointers into one buffer (`SQLITE_STATIC`) copies each id and reason once. Measured
/// on the same rows and schema in Python's sqlite3: 10.1 s a row at a time, 5.9 s 64 rows at a time.
struct MembershipInserter {
    /// Rows in one statement: 4 parameters a row, far below SQLite's 32,766 (and 999 before 3.32).
    static let rowsPerStatement = 64

    private let db: Database
    private let full: Statement
    /// `nil` until a remainder shorter than ``rowsPerStatement`` needs it; remade when its length changes.
    private var partial: (rows: Int, statement: Statement)?

    init(_ db: Database) throws {
        self.db = db
        full = try db.makeStatement(sql: Self.sql(rows: Self.rowsPerStatement))
    }

    private static func sql(rows: Int) -> String {
        "INSERT INTO membership (segment, patientID, enteredRun, enteredReason, exitedRun, exitedReason) VALUES "
            + Array(repeating: "(?, ?, ?, ?, NULL, NULL)", count: rows).joined(separator: ", ")
    }

    /// Inserts, in order, an open row in `segment` entered at `run` for each of `rows`.
    mutating func enter(segment: String, rows: EnteringRows, run: Int64) throws {
        let segmentBytes = Array(segment.utf8)
        for part in rows.parts {
            var start = 0
            while start < part.spans.count {
                let end = min(start + Self.rowsPerStatement, part.spans.count)
                let statement = try statement(rows: end - start)
                try segmentBytes.withUnsafeBufferPointer { segmentBuffer in
                    try part.bytes.withUnsafeBufferPointer { buffer in
                        try execute(statement, segment: segmentBuffer, bytes: buffer, spans: part.spans[start..<end], run: run)
                    }
                }
                start = end
            }
        }
    }

    private mutating func statement(rows: Int) throws -> Statement {
        if rows == Self.rowsPerStatement { return full }
        if let partial, partial.rows == rows { return partial.statement }
        let statement = try db.makeStatement(sql: Self.sql(rows: rows))
        partial = (rows, statement)
        return statement
    }

    /// Binds every row's four values (the texts by pointer: `bytes` outlives the step), steps once, and
    /// clears the bindings so that no pointer outlives this call.
    private func execute(
        _ statement: Statement, segment: UnsafeBufferPointer<UInt8>, bytes: UnsafeBufferPointer<UInt8>,
        spans: ArraySlice<(patient: Range<Int>, reason: Range<Int>)>, run: Int64
    ) throws {
        let handle = statement.sqliteStatement
        defer { reset(handle) }
        var code = SQLITE_OK
        func text(_ index: Int32, _ base: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            guard code == SQLITE_OK else { return }
            code = bindText(handle, index, UnsafeBufferPointer(rebasing: base[range]))
        }
        var parameter: Int32 = 1
        for span in spans {
            text(parameter, segment, 0..<segment.count)
            text(parameter + 1, bytes, span.patient)
            if code == SQLITE_OK { code = sqlite3_bind_int64(handle, parameter + 2, run) }
            text(parameter + 3, bytes, span.reason)
            parameter += 4
        }
        try step(statement, code)
    }
}

/// A segment's entering rows as the store's thread binds and hashes them, prepared on other threads: each row's
/// fields as the run fingerprint encodes them (``Fingerprint/Fields/encode(_:into:)``: "entered", the segment,
/// the patient's id, the reason), the id and the reason bound to the `INSERT` straight from those bytes.
///
/// For a new store's first run at 1M the store's thread spent 2 of its 8 s copying ids and reasons into
/// buffers and encoding the fingerprint's 8 million fields while the other core waited.
struct EnteringRows: Sendable {
    /// Rows in insertion order, in consecutive parts (one per thread that encoded them).
    struct Part: Sendable {
        var bytes: [UInt8] = []
        /// Where each row's id and reason are in `bytes`.
        var spans: [(patient: Range<Int>, reason: Range<Int>)] = []

        /// Encodes `field` and returns where its own bytes are.
        mutating func append(field: String) -> Range<Int> {
            var field = field
            return field.withUTF8 { utf8 in
                Fingerprint.Fields.encode(UnsafeRawBufferPointer(utf8), into: &bytes)
                return bytes.count - utf8.count..<bytes.count
            }
        }
    }

    var parts: [Part]
    /// The rows' fields for the fingerprint in the byte order of the ids, when that is not their insertion order
    /// (Swift's `<`; the two differ only for ids beyond ASCII); nil when the parts are in that order.
    var reordered: [UInt8]?

    var count: Int { parts.reduce(0) { $0 + $1.spans.count } }

    /// The fingerprint's fields of every row, in the byte order of the ids.
    func withFingerprintFields(_ body: (UnsafeRawBufferPointer) -> Void) {
        if let reordered { return reordered.withUnsafeBytes(body) }
        for part in parts { part.bytes.withUnsafeBytes(body) }
    }
}

extension EnteringRows {
    /// The rows of the members of `evaluation` at `indices` (insertion order), their reasons worked out and
    /// their fields encoded on every core: the first run of a new store enters a million in one segment.
    init(_ evaluation: SegmentEvaluation, at indices: [Int]) {
        let prefix = ["entered", evaluation.name].reduce(into: [UInt8]()) { prefix, field in
            var field = field
            field.withUTF8 { Fingerprint.Fields.encode(UnsafeRawBufferPointer($0), into: &prefix) }
        }
        let workers = indices.count < 8192 ? 1 : Parallel.processorCount
        parts = Parallel.map(rangesOf: indices.count, workers: workers) { range in
            var part = Part()
            part.spans.reserveCapacity(range.count)
            for index in indices[range] {
                part.bytes.append(contentsOf: prefix)
                let patient = part.append(field: evaluation.patientIDs[index])
                part.spans.append((patient, part.append(field: evaluation.reason(index))))
            }
            return part
        }
        let ids = evaluation.patientIDs
        let inByteOrder = indices.indices.dropFirst().allSatisfy { MembershipChanges.compare(ids[indices[$0 - 1]], ids[indices[$0]]) < 0 }
        guard !inByteOrder else { return }
        let rows = parts.flatMap { part in part.spans.map { (part.bytes, $0) } }
        var reordered: [UInt8] = []
        for row in MembershipChanges.byteOrder(indices.map { ids[$0] }) {
            let (bytes, span) = rows[row]
            reordered.append(contentsOf: prefix)
            bytes.withUnsafeBytes { bytes in
                Fingerprint.Fields.encode(UnsafeRawBufferPointer(rebasing: bytes[span.patient]), into: &reordered)
                Fingerprint.Fields.encode(UnsafeRawBufferPointer(rebasing: bytes[span.reason]), into: &reordered)
            }
        }
        self.reordered = reordered
    }
}

/// Closes open membership rows, one prepared `UPDATE` bound through SQLite's C API (80,000 a month at 1M).
struct MembershipCloser {
    private let statement: Statement

    init(_ db: Database) throws {
        statement = try db.makeStatement(sql: """
            UPDATE membership SET exitedRun = ?1, exitedReason = ?2 WHERE segment = ?3 AND patientID = ?4 AND exitedRun IS NULL
            """)
    }

    /// Closes the open row of each of `patients` in `segment` at `run`, with its reason.
    func leave(segment: String, patients: [String], reasons: [String], run: Int64) throws {
        precondition(patients.count == reasons.count)
        let handle = statement.sqliteStatement
        var segment = segment
        try segment.withUTF8 { segmentBytes in
            for (patient, reason) in zip(patients, reasons) {
                var (patient, reason) = (patient, reason)
                try patient.withUTF8 { patientBytes in
                    try reason.withUTF8 { reasonBytes in
                        defer { reset(handle) }
                        var code = sqlite3_bind_int64(handle, 1, run)
                        for (index, text) in [(Int32(2), reasonBytes), (3, segmentBytes), (4, patientBytes)] where code == SQLITE_OK {
                            code = bindText(handle, index, text)
                        }
                        try step(statement, code)
                    }
                }
            }
        }
    }
}

/// Binds `text` (UTF-8, not copied: it must outlive the step) to parameter `index`.
private func bindText(_ handle: OpaquePointer, _ index: Int32, _ text: UnsafeBufferPointer<UInt8>) -> Int32 {
    // A zero-length text still needs a non-null pointer, or SQLite binds NULL.
    let pointer = text.baseAddress.map(UnsafeRawPointer.init) ?? UnsafeRawPointer(bitPattern: 1)!
    return sqlite3_bind_text(handle, index, pointer.assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
}

/// Resets a statement and clears its bindings, so that no bound pointer outlives the call that bound it.
private func reset(_ handle: OpaquePointer) {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
}

/// Steps a statement that returns no rows once its bindings succeeded (`code`), or throws SQLite's error.
private func step(_ statement: Statement, _ code: Int32) throws {
    var code = code
    if code == SQLITE_OK {
        code = sqlite3_step(statement.sqliteStatement)
        if code == SQLITE_DONE { return }
    }
    throw sqliteError(statement, code)
}

/// SQLite's result `code` for `statement`, with the connection's message, as GRDB throws it.
private func sqliteError(_ statement: Statement, _ code: Int32) -> DatabaseError {
    DatabaseError(resultCode: ResultCode(rawValue: code),
                  message: String(cString: sqlite3_errmsg(sqlite3_db_handle(statement.sqliteStatement))), sql: statement.sql)
}

extension Statement {
    /// Steps the statement with one integer argument and gives each row's handle to `body`, which reads the
    /// columns it needs with `sqlite3_column_*` (valid until the next step): no `Row` and no `String` a
    /// value, for the run fingerprint's two million rows.
    func forEachRawRow(binding argument: Int64, _ body: (OpaquePointer) throws -> Void) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        defer { reset(handle) }
        var code = sqlite3_bind_int64(handle, 1, argument)
        while code == SQLITE_OK || code == SQLITE_ROW {
            code = sqlite3_step(handle)
            if code == SQLITE_ROW { try body(handle) }
        }
        guard code == SQLITE_DONE else { throw sqliteError(self, code) }
    }
}

/// The bytes of text column `index` of the current row (empty for NULL).
func columnBytes(_ row: OpaquePointer, _ index: Int32) -> UnsafeRawBufferPointer {
    let text = sqlite3_column_text(row, index)
    return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(row, index)))
}
