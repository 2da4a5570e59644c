import CStrataZlib
import Foundation

/// The export cache's file format: one file per entry.
///
/// ```
/// "STRATAXC"  magic, 8 bytes
/// UInt32      format version (ExportCache.formatVersion)
/// string      the key text (ExportCache.Key.text): the export's fingerprint and the read options
/// ...         the payload: the read's format, warnings and every table's columns, in the order below
/// UInt64      trailer: the byte count of everything above
/// UInt32      trailer: CRC-32 (zlib) of everything above
/// "XCEND\0\0\0" trailer magic, 8 bytes
/// ```
///
/// Integers are little-endian; an array is its element count (UInt64) then its elements' bytes, written and
/// read straight from and into array storage (no per-row parsing); a string is its UTF-8 byte count (UInt64)
/// then its bytes. A reader checks the trailer first, every count against the bytes left, the key against
/// the one it wants, and the CRC over everything it read before it returns anything: a truncated, corrupted
/// or foreign file is an ``ExportCacheFormatError``, never a half-read export.
enum ExportCacheFormat {
    static let magic = Array("STRATAXC".utf8)
    static let trailerMagic: [UInt8] = Array("XCEND".utf8) + [0, 0, 0]
    static let trailerSize = 8 + 4 + 8

    /// Writes `result` (a read without skipped rows or left-out rows) under `key` through `file`.
    static func write(_ result: ExportReadResult, key: String, to file: UnbufferedFileWriter) throws {
        var writer = CacheFileWriter(file: file)
        try writer.bytes(magic)
        try writer.integer(ExportCache.formatVersion)
        try writer.string(key)
        try writer.string(result.format.rawValue)
        try writer.warnings(result.warnings)
        try writer.export(result.export)
        // The CRC and byte count cover what was buffered too.
        try writer.flush()
        let length = UInt64(writer.written)
        let crc = writer.crc
        try writer.integer(length)
        try writer.integer(crc)
        try writer.bytes(trailerMagic)
        try writer.flush()
    }

    /// Reads the entry at `url`, which must have been written under `key`.
    static func read(_ url: URL, key: String) throws(ExportCacheFormatError) -> ExportReadResult {
        var reader = try CacheFileReader(url: url)
        guard try reader.bytes(magic.count) == magic else { throw .notACacheFile }
        let version: UInt32 = try reader.integer()
        guard version == ExportCache.formatVersion else { throw .version(found: version, expected: ExportCache.formatVersion) }
        guard try reader.string() == key else { throw .otherKey }
        guard let format = ExportFormat(rawValue: try reader.string()) else { throw .badValue("format") }
        let warnings = try reader.warnings()
        let export = try reader.export()
        try reader.finish()
        return ExportReadResult(export: export, format: format, badRows: BadRowReport(), warnings: warnings)
    }
}

/// Why an export cache file cannot be used.
enum ExportCacheFormatError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case truncated
    case notACacheFile
    case version(found: UInt32, expected: UInt32)
    case otherKey
    case checksum(found: UInt32, expected: UInt32)
    case badValue(String)

    var description: String {
        switch self {
        case .unreadable(let reason): "unreadable (\(reason))"
        case .truncated: "truncated"
        case .notACacheFile: "not an export cache file"
        case let .version(found, expected): "of format version \(found), expected \(expected)"
        case .otherKey: "written for another export or other read options"
        case let .checksum(found, expected): String(format: "corrupted (CRC-32 %08x, expected %08x)", found, expected)
        case .badValue(let what): "inconsistent (\(what))"
        }
    }
}

// MARK: - Raw bytes in and out of array storage (the only pointer code of the cache)

/// Writes through a 1 MiB buffer, keeping the CRC-32 of everything written.
private struct CacheFileWriter {
    let file: UnbufferedFileWriter
    var buffer: [UInt8] = []
    private(set) var written = 0
    private(set) var crc: UInt32 = 0

    init(file: UnbufferedFileWriter) {
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    mutating func bytes(_ bytes: some Collection<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try raw(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// `elements`' bytes straight from their storage.
    private mutating func raw<T: BitwiseCopyable>(_ elements: [T]) throws {
        try elements.withUnsafeBytes { bytes in
            crc = CacheChecksum.update(crc, bytes)
            try file.write(bytes)
        }
        written += elements.count * MemoryLayout<T>.stride
    }

    mutating func integer<T: FixedWidthInteger>(_ value: T) throws {
        try bytes(withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    mutating func array<T: BitwiseCopyable>(_ elements: [T]) throws {
        try integer(UInt64(elements.count))
        if elements.count * MemoryLayout<T>.stride < 4096 {
            try bytes(elements.withUnsafeBytes { Array($0) })
        } else {
            try flush()
            try raw(elements)
        }
    }

    mutating func string(_ text: String) throws {
        try integer(UInt64(text.utf8.count))
        try bytes(text.utf8)
    }
}

/// Reads a cache file front to back with `read(2)` straight into array storage, keeping the CRC-32 of
/// everything read; every count is checked against the bytes left before anything is allocated.
private struct CacheFileReader {
    private let descriptor: Int32
    private let body: Int
    private var position = 0
    private var crc: UInt32 = 0
    private let expectedCRC: UInt32
    private let owner: FileDescriptorOwner

    init(url: URL) throws(ExportCacheFormatError) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        owner = FileDescriptorOwner(descriptor: descriptor)
        self.descriptor = descriptor
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        let size = Int(status.st_size)
        guard size >= ExportCacheFormat.magic.count + ExportCacheFormat.trailerSize else { throw .truncated }
        var trailer = [UInt8](repeating: 0, count: ExportCacheFormat.trailerSize)
        let got = trailer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, off_t(size - ExportCacheFormat.trailerSize)) }
        guard got == ExportCacheFormat.trailerSize else { throw .truncated }
        guard Array(trailer[12...]) == ExportCacheFormat.trailerMagic else { throw .truncated }
        let length = trailer.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length == UInt64(size - ExportCacheFormat.trailerSize) else { throw .truncated }
        body = Int(length)
        expectedCRC = trailer.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
    }

    /// `count` elements' bytes, read into fresh array storage.
    private mutating func raw<T: BitwiseCopyable>(_ count: Int, as _: T.Type = T.self) throws(ExportCacheFormatError) -> [T] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard count >= 0, !overflow, byteCount <= body - position else { throw .truncated }
        let descriptor = descriptor
        var failure: ExportCacheFormatError?
        let elements = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let bytes = UnsafeMutableRawBufferPointer(buffer)
            var done = 0
            while done < byteCount {
                let n = read(descriptor, bytes.baseAddress! + done, byteCount - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    failure = n == 0 ? .truncated : .unreadable(String(cString: strerror(errno)))
                    break
                }
                done += n
            }
            // Unread bytes are zero rather than garbage; the read fails below anyway.
            if done < byteCount { bytes.baseAddress!.advanced(by: done).initializeMemory(as: UInt8.self, repeating: 0, count: byteCount - done) }
            initialized = count
        }
        if let failure { throw failure }
        elements.withUnsafeBytes { crc = CacheChecksum.update(crc, $0) }
        position += byteCount
        return elements
    }

    mutating func bytes(_ count: Int) throws(ExportCacheFormatError) -> [UInt8] { try raw(count) }

    mutating func integer<T: FixedWidthInteger & BitwiseCopyable>(_: T.Type = T.self) throws(ExportCacheFormatError) -> T {
        T(littleEndian: try raw(1, as: T.self)[0])
    }

    /// A count of things stored after it, each at least a byte: never more than the bytes left.
    mutating func count() throws(ExportCacheFormatError) -> Int {
        let value: UInt64 = try integer()
        guard value <= UInt64(body - position) else { throw .truncated }
        return Int(value)
    }

    /// A non-negative number that counts nothing stored (a row count, a warning count).
    mutating func number() throws(ExportCacheFormatError) -> Int {
        let value: UInt64 = try integer()
        guard value <= UInt64(Int32.max) * 64 else { throw .badValue("number \(value)") }
        return Int(value)
    }

    /// One flag per canonical table.
    mutating func tableFlags() throws(ExportCacheFormatError) -> Set<CanonicalTable> {
        var tables = Set<CanonicalTable>()
        for table in CanonicalTable.allCases {
            if try integer(UInt8.self) == 1 { tables.insert(table) }
        }
        return tables
    }

    mutating func array<T: BitwiseCopyable>(_: T.Type = T.self) throws(ExportCacheFormatError) -> [T] {
        try raw(try count())
    }

    mutating func string() throws(ExportCacheFormatError) -> String {
        String(decoding: try raw(try count(), as: UInt8.self), as: UTF8.self)
    }

    /// Checks that the whole body was read and that its CRC matches the trailer's.
    func finish() throws(ExportCacheFormatError) {
        guard position == body else { throw .badValue("length: \(body - position) bytes left unread") }
        guard crc == expectedCRC else { throw .checksum(found: crc, expected: expectedCRC) }
    }
}

/// Closes a file descriptor when the reader is done with it.
private final class FileDescriptorOwner {
    let descriptor: Int32
    init(descriptor: Int32) { self.descriptor = descriptor }
    deinit { close(descriptor) }
}

/// zlib's CRC-32 (what gzip uses): a few GB/s, enough to check a cache entry as it is read.
enum CacheChecksum {
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(truncatingIfNeeded: crc32_z(uLong(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    }

    /// The CRC-32 of `bytes`.
    static func of(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { update(0, $0) } }
}

// MARK: - The export's columns

private extension CacheFileWriter {
    mutating func warnings(_ report: WarningReport) throws {
        let kinds = IngestWarning.Kind.allCases
        try integer(UInt64(kinds.count))
        for kind in kinds {
            try string(kind.rawValue)
            try integer(UInt64(report.counts[kind] ?? 0))
        }
        try integer(UInt64(report.examples.count))
        for warning in report.examples {
            try string(warning.kind.rawValue)
            try string(warning.file)
            try integer(Int64(warning.line))
            try integer(Int64(warning.column))
            try string(warning.found)
        }
    }

    mutating func export(_ export: ClinicExport) throws {
        try integer(UInt64(CanonicalTable.allCases.count))
        for table in CanonicalTable.allCases { try integer(UInt8(export.presentTables.contains(table) ? 1 : 0)) }
        let patients = export.patients
        try integer(UInt8(patients.birthDateIsApproximate ? 1 : 0))
        let ids = patients.ids.table.parts
        try array(ids.storage)
        try array(ids.offsets)
        try array(ids.hashes)
        try array(ids.slots)
        try array(patients.birthDate)
        try array(patients.sex.map(\.rawValue))
        try array(patients.createdAt)
        try text(patients.firstName)
        try category(patients.postalCode)
        try text(patients.email)
        try text(patients.phone)
        try array(patients.preferredChannel.map { $0?.rawValue ?? 255 })
        try category(patients.source)
        try extras(patients.extra)
        try array(patients.deceasedAt)

        let appointments = export.appointments
        try array(appointments.patient)
        try array(appointments.scheduledAt)
        try array(appointments.bookedAt)
        try array(appointments.status.map(\.rawValue))
        try category(appointments.service)
        try category(appointments.provider)
        try array(appointments.amount)
        try string(appointments.scheduledAtPrecision.rawValue)
        try string(appointments.bookedAtPrecision.rawValue)

        let communications = export.communications
        try array(communications.patient)
        try array(communications.sentAt)
        try array(communications.channel.map(\.rawValue))
        try category(communications.campaign)
        try array(communications.openedAt)
        try array(communications.clickedAt)
        try array(communications.respondedAt)

        let consents = export.consents
        try array(consents.patient)
        try array(consents.channel.map(\.rawValue))
        try array(consents.purpose.map(\.rawValue))
        try array(consents.status.map(\.rawValue))
        try array(consents.recordedAt)

        let conditions = export.conditions
        try array(conditions.patient)
        try category(conditions.code)
        try category(conditions.description)
        try array(conditions.onsetDate)

        let leads = export.leads
        try text(leads.ids)
        try array(leads.patient)
        try array(leads.createdAt)
        try category(leads.source)
        try category(leads.interest)
        try extras(leads.extra)

        try integer(UInt64(export.origins.tables.count))
        for table in CanonicalTable.allCases {
            guard let origin = export.origins.tables[table] else { continue }
            try string(table.rawValue)
            try string(origin.file)
            let runs = origin.lines.runs
            try array(runs.rows)
            try array(runs.lines)
            try integer(UInt64(origin.lines.count))
        }
        for table in CanonicalTable.allCases { try integer(UInt8(export.origins.identifiedTables.contains(table) ? 1 : 0)) }
    }

    mutating func text(_ column: TextColumn) throws {
        try array(column.storage)
        try array(column.offsets)
    }

    mutating func category(_ column: CategoryColumn) throws {
        try array(column.codes)
        try integer(UInt64(column.levels.count))
        for level in column.levels { try string(level) }
    }

    mutating func extras(_ values: [String: ExtraValues]) throws {
        try integer(UInt64(values.count))
        for key in values.keys.sorted() {
            try string(key)
            switch values[key]! {
            case .text(let column):
                try integer(UInt8(0))
                try category(column)
            case .number(let numbers):
                try integer(UInt8(1))
                try array(numbers)
            case .flag(let flags):
                try integer(UInt8(2))
                try array(flags.map { $0.map { $0 ? UInt8(1) : 0 } ?? 255 })
            }
        }
    }
}

private extension CacheFileReader {
    mutating func warnings() throws(ExportCacheFormatError) -> WarningReport {
        var counts: [IngestWarning.Kind: Int] = [:]
        for _ in 0..<(try count()) {
            guard let kind = IngestWarning.Kind(rawValue: try string()) else { throw .badValue("warning kind") }
            counts[kind] = try number()
        }
        var report = WarningReport()
        for _ in 0..<(try count()) {
            guard let kind = IngestWarning.Kind(rawValue: try string()) else { throw .badValue("warning kind") }
            let file = try string()
            let line = Int(try integer(Int64.self)), column = Int(try integer(Int64.self))
            report.record(IngestWarning(kind, file: file, line: line, column: column, found: try string()))
        }
        // The examples were recorded in their order above; the counts beyond them come now.
        for kind in IngestWarning.Kind.allCases {
            let beyond = (counts[kind] ?? 0) - (report.counts[kind] ?? 0)
            guard beyond >= 0 else { throw .badValue("warning counts") }
            report.record(kind, count: beyond, examples: [])
        }
        return report
    }

    mutating func enums<E: RawRepresentable>(_: E.Type, count expected: Int, _ what: String) throws(ExportCacheFormatError) -> [E] where E.RawValue == UInt8 {
        let raw: [UInt8] = try array()
        guard raw.count == expected else { throw .badValue(what) }
        var values: [E] = []
        values.reserveCapacity(raw.count)
        for value in raw {
            guard let decoded = E(rawValue: value) else { throw .badValue(what) }
            values.append(decoded)
        }
        return values
    }

    mutating func column<T: BitwiseCopyable>(_: T.Type = T.self, count expected: Int, _ what: String) throws(ExportCacheFormatError) -> [T] {
        let values: [T] = try array()
        guard values.count == expected else { throw .badValue(what) }
        return values
    }

    mutating func export() throws(ExportCacheFormatError) -> ClinicExport {
        guard try count() == CanonicalTable.allCases.count else { throw .badValue("table count") }
        let present = try tableFlags()
        let approximate = try integer(UInt8.self) == 1
        guard let table = ByteStringTable(storage: try array(), offsets: try array(), hashes: try array(), slots: try array()) else {
            throw .badValue("patient ids")
        }
        let ids = PatientIdentifiers(table: table)
        let n = ids.count
        var patients = Patients(ids: ids, birthDate: try column(count: n, "birth_date"), sex: try enums(Sex.self, count: n, "sex"),
                                createdAt: try column(count: n, "created_at"), firstName: try text(count: n, "first_name"),
                                postalCode: try category(count: n, "postal_code"), email: try text(count: n, "email"),
                                phone: try text(count: n, "phone"),
                                preferredChannel: try optionalChannels(count: n), source: try category(count: n, "source"),
                                extra: try extras(count: n), deceasedAt: try column(count: n, "deceased_at"))
        patients.birthDateIsApproximate = approximate

        let appointmentPatients: [Int32] = try array()
        let a = appointmentPatients.count
        var appointments = Appointments(patient: appointmentPatients, scheduledAt: try column(count: a, "scheduled_at"),
                                        bookedAt: try column(count: a, "booked_at"),
                                        status: try enums(AppointmentStatus.self, count: a, "status"),
                                        service: try category(count: a, "service"), provider: try category(count: a, "provider"),
                                        amount: try column(count: a, "amount"))
        guard let scheduled = TimestampPrecision(rawValue: try string()), let booked = TimestampPrecision(rawValue: try string()) else {
            throw .badValue("timestamp precision")
        }
        appointments.scheduledAtPrecision = scheduled
        appointments.bookedAtPrecision = booked

        let communicationPatients: [Int32] = try array()
        let c = communicationPatients.count
        let communications = Communications(patient: communicationPatients, sentAt: try column(count: c, "sent_at"),
                                            channel: try enums(Channel.self, count: c, "channel"),
                                            campaign: try category(count: c, "campaign"), openedAt: try column(count: c, "opened_at"),
                                            clickedAt: try column(count: c, "clicked_at"), respondedAt: try column(count: c, "responded_at"))

        let consentPatients: [Int32] = try array()
        let s = consentPatients.count
        let consents = Consents(patient: consentPatients, channel: try enums(Channel.self, count: s, "channel"),
                                purpose: try enums(ConsentPurpose.self, count: s, "purpose"),
                                status: try enums(ConsentStatus.self, count: s, "status"), recordedAt: try column(count: s, "recorded_at"))

        let conditionPatients: [Int32] = try array()
        let d = conditionPatients.count
        let conditions = Conditions(patient: conditionPatients, code: try category(count: d, "code"),
                                    description: try category(count: d, "description"), onsetDate: try column(count: d, "onset_date"))

        let leadIDs = try text(count: nil, "lead_id")
        let l = leadIDs.count
        let leads = Leads(ids: leadIDs, patient: try column(count: l, "patient_id"), createdAt: try column(count: l, "created_at"),
                          source: try category(count: l, "source"), interest: try category(count: l, "interest"),
                          extra: try extras(count: l))

        for references in [appointments.patient, communications.patient, consents.patient, conditions.patient] {
            guard references.allSatisfy({ $0 >= 0 && Int($0) < n }) else { throw .badValue("patient references") }
        }
        guard leads.patient.allSatisfy({ $0 >= -1 && Int($0) < n }) else { throw .badValue("patient references") }

        var export = ClinicExport(patients: patients, appointments: appointments, communications: communications,
                                  consents: consents, conditions: conditions, leads: leads, presentTables: present)
        let rowCounts = export.rowCounts
        for _ in 0..<(try count()) {
            guard let table = CanonicalTable(rawValue: try string()) else { throw .badValue("origin table") }
            let file = try string()
            guard let lines = LineIndex(runRows: try array(), runLines: try array(), count: try number()),
                  lines.count == rowCounts[table] else { throw .badValue("origin lines") }
            export.origins.record(table, file: file, lines: lines)
        }
        export.origins.identifiedTables = try tableFlags()
        return export
    }

    mutating func text(count expected: Int?, _ what: String) throws(ExportCacheFormatError) -> TextColumn {
        var column = TextColumn()
        column.storage = try array()
        column.offsets = try array()
        guard let last = column.offsets.last, column.offsets[0] == 0, last == column.storage.count,
              expected.map({ column.count == $0 }) ?? true,
              zip(column.offsets, column.offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw .badValue(what) }
        return column
    }

    mutating func category(count expected: Int, _ what: String) throws(ExportCacheFormatError) -> CategoryColumn {
        let codes: [Int32] = try column(count: expected, what)
        var levels: [String] = []
        for _ in 0..<(try count()) { levels.append(try string()) }
        guard codes.allSatisfy({ $0 >= -1 && Int($0) < levels.count }) else { throw .badValue(what) }
        return CategoryColumn(codes: codes, levels: levels)
    }

    mutating func optionalChannels(count expected: Int) throws(ExportCacheFormatError) -> [Channel?] {
        let raw: [UInt8] = try column(count: expected, "preferred_channel")
        var values: [Channel?] = []
        values.reserveCapacity(raw.count)
        for value in raw {
            if value == 255 { values.append(nil); continue }
            guard let channel = Channel(rawValue: value) else { throw .badValue("preferred_channel") }
            values.append(channel)
        }
        return values
    }

    mutating func extras(count expected: Int) throws(ExportCacheFormatError) -> [String: ExtraValues] {
        var result: [String: ExtraValues] = [:]
        for _ in 0..<(try count()) {
            let key = try string()
            switch try integer(UInt8.self) {
            case 0: result[key] = .text(try category(count: expected, key))
            case 1: result[key] = .number(try column(count: expected, key))
            case 2:
                let raw: [UInt8] = try column(count: expected, key)
                guard raw.allSatisfy({ $0 <= 1 || $0 == 255 }) else { throw .badValue(key) }
                result[key] = .flag(raw.map { $0 == 255 ? nil : $0 == 1 })
            default: throw .badValue(key)
            }
        }
        return result
    }
}
