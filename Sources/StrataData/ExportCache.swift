import Foundation

/// A cache of read exports, so that the commands that follow a refresh (report, campaign report, retrain)
/// load the columns the refresh already parsed instead of parsing the CSVs again.
///
/// An entry holds what ``ExportReader/read(_:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:)``
/// returns for the whole export (every table, every column, no row filter), before the cross-record checks;
/// callers run the checks on it as on a fresh read, so check policies and `strict` need no place in the key.
/// What a caller keeps (tables, text columns, row filters) is cut from the loaded entry as the reader would
/// have cut it while reading.
///
/// - Key: the export folder's fingerprint (``Key``) and every read option that changes the result: the
///   format as configured, the mapping, the declared extra columns, and the cache's format version.
/// - Integrity: a CRC-32 over the whole file, checked as it is read, the key and version in the header,
///   every count checked against the file's size (``ExportCacheFormat``). A file that fails is deleted and
///   the export read from its CSVs (and the entry written again), with a warning; it is never used.
/// - Only reads with no skipped rows are stored (so the maximum of bad rows does not change an entry).
/// - Size: the newest ``keptEntries`` entries are kept; writing one removes the older ones.
/// - Files are owner-only (`0600`, folder `0700`): they hold patient data, as the store does.
public struct ExportCache: Sendable {
    /// Bumped whenever the file layout or what is stored changes: older entries are then rebuilt.
    public static let formatVersion: UInt32 = 1
    static let fileExtension = "exportcache"

    /// The folder of the entries (a project's `cache/exports`).
    public var directory: URL
    /// How many entries to keep (the newest by modification time).
    public var keptEntries: Int
    /// An entry loaded ahead of the read that wants it (``preload(_:)``), which that read then uses instead of
    /// loading the file again.
    public var preloaded: Preloaded?

    public init(directory: URL, keptEntries: Int = 2) {
        self.directory = directory
        self.keptEntries = keptEntries
    }

    /// An entry as ``preload(_:)`` found it (loaded, missing or not usable), handed over once: the read that
    /// takes it holds the only reference, so what it cuts away is freed as without a preload.
    public final class Preloaded: @unchecked Sendable {
        let key: Key
        private var loaded: Loaded?
        private let lock = NSLock()

        init(key: Key, loaded: Loaded) {
            self.key = key
            self.loaded = loaded
        }

        /// The entry when it is for `key` and not taken yet; nil otherwise.
        func take(for key: Key) -> Loaded? {
            guard key == self.key else { return nil }
            return lock.withLock {
                defer { loaded = nil }
                return loaded
            }
        }
    }

    /// Loads the entry for `key` now, for a read with the same key later (set ``preloaded`` to the result): a
    /// command that knows the export's fingerprint (a report: the run recorded it) can load the entry while it
    /// is still looking for the export's folder. Only loads: a missing or unusable entry is dealt with by the
    /// read, as without a preload.
    public func preload(_ key: Key) -> Preloaded { Preloaded(key: key, loaded: load(key)) }

    /// What an entry is for: one export folder (by its fingerprint) read with given options.
    public struct Key: Sendable, Equatable {
        /// The text stored in the entry's header and compared on load: every part that changes the result.
        public let text: String
        let exportFingerprint: String

        /// - Parameters:
        ///   - exportFingerprint: the folder's fingerprint (SHA-256 over its files, `Fingerprint.of(folder:)`).
        ///   - format: the format as configured (nil: detected from the files).
        ///   - mapping: the `mapping` section, for the mapped format.
        ///   - extraColumns: the declared extra columns.
        public init(exportFingerprint: String, format: ExportFormat?, mapping: ExportMapping?,
                    extraColumns: [CanonicalTable: [ExtraColumn]]) {
            self.exportFingerprint = exportFingerprint
            var lines = ["export \(exportFingerprint)", "format \(format?.rawValue ?? "detected")"]
            if let mapping {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let json = (try? encoder.encode(mapping)).map { String(decoding: $0, as: UTF8.self) } ?? String(describing: mapping)
                lines.append("mapping \(json)")
            }
            for table in CanonicalTable.allCases {
                for extra in extraColumns[table] ?? [] {
                    lines.append("extra \(table.rawValue) \(extra.key) \(extra.column) \(extra.kind.rawValue) \(extra.isRequired)")
                }
            }
            text = lines.joined(separator: "\n")
        }

        /// The entry's file name: the export fingerprint's start and a CRC of the whole key.
        var fileName: String {
            String(format: "%@-%08x.%@", String(exportFingerprint.prefix(16)), CacheChecksum.of(Array(text.utf8)), ExportCache.fileExtension)
        }
    }

    /// How a read went.
    public enum Outcome: Sendable, Equatable {
        /// Loaded from the cache.
        case hit
        /// Read from the CSVs and stored.
        case stored
        /// Read from the CSVs, not stored (why).
        case notStored(String)
    }

    /// A read through the cache: the result as ``ExportReader`` returns it, how it was obtained, and
    /// warnings about the cache itself (an entry found corrupt, an entry that could not be written).
    public struct Read: Sendable {
        public var result: ExportReadResult
        public var outcome: Outcome
        public var warnings: [String]
        /// A whole read not stored yet (`storingLater`), for ``ExportCache/store(_:)`` once the caller has
        /// succeeded: a command that fails (a check that fails the export) writes nothing.
        public var pending: (result: ExportReadResult, key: Key)?

        public init(result: ExportReadResult, outcome: Outcome, warnings: [String]) {
            self.result = result
            self.outcome = outcome
            self.warnings = warnings
        }
    }

    /// Stores `read`'s pending whole read, if any; returns warnings about the cache (an entry that could not
    /// be written), which never fail the command.
    public func store(_ read: inout Read) -> [String] {
        guard let (result, key) = read.pending else { return [] }
        read.pending = nil
        do {
            try store(result, key: key)
            read.outcome = .stored
            return []
        } catch {
            read.outcome = .notStored(AtomicFile.plainReason(error))
            return ["export cache: could not write \(url(for: key).path): \(AtomicFile.plainReason(error))"]
        }
    }

    /// The entry's file for `key`.
    public func url(for key: Key) -> URL { directory.appendingPathComponent(key.fileName) }

    /// Reads the export at `folder` as ``ExportReader/read(_:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:)``
    /// does with the same arguments, from the cache when it holds a valid entry for `key`; else from the
    /// CSVs (the whole export, stored for the next command when it has no skipped rows).
    ///
    /// `key` must have been made from `folder`'s fingerprint, `format`, `mapping` and `extraColumns`.
    /// - Parameter storingLater: a whole read is not stored now but left in ``Read/pending`` for
    ///   ``store(_:)``, which the caller calls once it has succeeded.
    /// - Throws: what the reader throws; the cache's own problems are warnings, never errors.
    public func read(_ folder: URL, key: Key, format: ExportFormat?, mapping: ExportMapping?, policy: IngestPolicy = .strict,
                     tables: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                     unusedTextColumns: [CanonicalTable: Set<String>] = [:],
                     extraColumns: [CanonicalTable: [ExtraColumn]] = [:], checkingOthers: Bool = true,
                     keepingRows: [CanonicalTable: RowFilter] = [:], storingLater: Bool = false) throws(IngestError) -> Read {
        let request = View(tables: tables, unusedTextColumns: unusedTextColumns, keepingRows: keepingRows)
        var warnings: [String] = []
        switch preloaded?.take(for: key) ?? load(key) {
        case .loaded(let full):
            if let result = request.cut(full, folder: folder) { return Read(result: result, outcome: .hit, warnings: []) }
            let result = try ExportReader.read(folder, format: format, mapping: mapping, policy: policy, tables: tables,
                                               unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                               checkingOthers: checkingOthers, keepingRows: keepingRows)
            return Read(result: result, outcome: .notStored("this read cannot be cut from the whole export"), warnings: [])
        case .invalid(let reason):
            warnings.append("export cache: \(url(for: key).path) is \(reason): deleted, the export is read from its files and cached again")
            try? FileManager.default.removeItem(at: url(for: key))
        case .missing:
            break
        }
        return try readFiles(folder, key: { key }, format: format, mapping: mapping, policy: policy, request: request,
                             extraColumns: extraColumns, checkingOthers: checkingOthers, storingLater: storingLater, warnings: warnings)
    }

    /// Whether the cache may hold an entry for `folder`'s files as they are now: it has an entry written no
    /// earlier than the newest of them last changed. False (certainly no entry of these files, unless they were
    /// copied with older times kept) lets a caller read the files while it hashes them (``readFiles(_:key:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:storingLater:)``)
    /// instead of hashing them first to look the entry up; either way the read is the same.
    public func mayHold(_ folder: URL) -> Bool {
        func modified(_ url: URL) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        }
        guard let newestEntry = entries().first.flatMap(modified) else { return false }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let files = names.filter { !$0.hasPrefix(".") }.compactMap { modified(folder.appendingPathComponent($0)) }
        guard let newestFile = files.max() else { return true }
        return newestEntry >= newestFile
    }

    /// ``read(_:key:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:storingLater:)``
    /// for a folder the cache does not hold (``mayHold(_:)`` false), with the key asked for only after the files are
    /// read: the caller works it out meanwhile (the folder's fingerprint, hashed on another thread). The read is
    /// the one the cache would make on a miss, stored (or left pending) under that key; nothing is stored when
    /// `key` returns nil (the caller could not hash the folder, and throws that error itself).
    public func readFiles(_ folder: URL, key: () -> Key?, format: ExportFormat?, mapping: ExportMapping?,
                          policy: IngestPolicy = .strict, tables: Set<CanonicalTable> = Set(CanonicalTable.allCases),
                          unusedTextColumns: [CanonicalTable: Set<String>] = [:],
                          extraColumns: [CanonicalTable: [ExtraColumn]] = [:], checkingOthers: Bool = true,
                          keepingRows: [CanonicalTable: RowFilter] = [:], storingLater: Bool = false) throws(IngestError) -> Read {
        let request = View(tables: tables, unusedTextColumns: unusedTextColumns, keepingRows: keepingRows)
        return try readFiles(folder, key: key, format: format, mapping: mapping, policy: policy, request: request,
                             extraColumns: extraColumns, checkingOthers: checkingOthers, storingLater: storingLater, warnings: [])
    }

    /// The miss path: the whole export read from its files, stored under `key()` (or left pending), and `request`
    /// cut from it.
    private func readFiles(_ folder: URL, key makeKey: () -> Key?, format: ExportFormat?, mapping: ExportMapping?,
                           policy: IngestPolicy, request: View, extraColumns: [CanonicalTable: [ExtraColumn]],
                           checkingOthers: Bool, storingLater: Bool, warnings: [String]) throws(IngestError) -> Read {
        let (tables, unusedTextColumns, keepingRows) = (request.tables, request.unusedTextColumns, request.keepingRows)
        var warnings = warnings
        let full: ExportReadResult
        do {
            full = try ExportReader.read(folder, format: format, mapping: mapping, policy: policy, extraColumns: extraColumns)
        } catch {
            // A caller that does not check every table may succeed where the whole read fails; one that checks
            // every table fails the same way.
            if checkingOthers { throw error }
            let result = try ExportReader.read(folder, format: format, mapping: mapping, policy: policy, tables: tables,
                                               unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                               checkingOthers: checkingOthers, keepingRows: keepingRows)
            return Read(result: result, outcome: .notStored("the whole export does not read: \(error)"), warnings: warnings)
        }
        var outcome = Outcome.stored
        var pending: (result: ExportReadResult, key: Key)?
        if full.badRows.count > 0 {
            outcome = .notStored("\(full.badRows.count) rows were skipped")
        } else if let key = makeKey() {
            if storingLater {
                outcome = .notStored("not stored yet")
                pending = (full, key)
            } else {
                do {
                    try store(full, key: key)
                } catch {
                    outcome = .notStored(AtomicFile.plainReason(error))
                    warnings.append("export cache: could not write \(url(for: key).path): \(AtomicFile.plainReason(error))")
                }
            }
        } else {
            outcome = .notStored("the export's fingerprint could not be worked out")
        }
        if let result = request.cut(full, folder: folder) {
            var read = Read(result: result, outcome: outcome, warnings: warnings)
            read.pending = pending
            return read
        }
        let result = try ExportReader.read(folder, format: format, mapping: mapping, policy: policy, tables: tables,
                                           unusedTextColumns: unusedTextColumns, extraColumns: extraColumns,
                                           checkingOthers: checkingOthers, keepingRows: keepingRows)
        return Read(result: result, outcome: .notStored("this read cannot be cut from the whole export"), warnings: warnings)
    }

    /// What loading an entry found.
    enum Loaded: Sendable {
        case missing
        case loaded(ExportReadResult)
        /// Present but not usable: why.
        case invalid(String)
    }

    func load(_ key: Key) -> Loaded {
        let url = url(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        do {
            return .loaded(try ExportCacheFormat.read(url, key: key.text))
        } catch {
            // Removed meanwhile by another command keeping the newest entries: simply not there.
            guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
            return .invalid(error.description)
        }
    }

    /// Writes `result` (a whole read without skipped rows) as the entry for `key`, atomically and owner-only,
    /// then removes all but the newest ``keptEntries`` entries.
    public func store(_ result: ExportReadResult, key: Key) throws {
        precondition(result.badRows.count == 0 && result.leftOut.isEmpty, "only whole reads without skipped rows are cached")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // Around the page cache: the entry is read by a later command, if at all, and copying 0.9 GB at a million
        // patients into fresh cache pages cost 3 s of CPU beside the month's other steps.
        try AtomicFile.writeUnbuffered(to: url(for: key), permissions: 0o600) { file in
            try ExportCacheFormat.write(result, key: key.text, to: file)
        }
        prune(keeping: url(for: key))
    }

    /// The entries, newest first.
    public func entries() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let urls = names.filter { $0.hasSuffix("." + Self.fileExtension) && !$0.hasPrefix(".") }.map { directory.appendingPathComponent($0) }
        func modified(_ url: URL) -> Date {
            ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date) ?? .distantPast
        }
        return urls.map { ($0, modified($0)) }.sorted { ($0.1, $0.0.path) > ($1.1, $1.0.path) }.map(\.0)
    }

    /// Removes every entry but `kept` and the newest others, up to ``keptEntries`` in all.
    func prune(keeping kept: URL) {
        let others = entries().filter { $0.standardizedFileURL != kept.standardizedFileURL }
        for url in others.dropFirst(max(keptEntries - 1, 0)) { try? FileManager.default.removeItem(at: url) }
    }

    /// Removes every entry (and what a killed write left behind); returns how many entries there were.
    @discardableResult
    public func clear() throws -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var removed = 0
        for name in names where name.hasSuffix("." + Self.fileExtension) || name.hasSuffix(".tmp") {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            if !name.hasPrefix(".") { removed += 1 }
        }
        return removed
    }
}

extension ExportCache {
    /// What a caller keeps of a whole read, cut as ``ExportReader`` cuts while reading.
    struct View {
        var tables: Set<CanonicalTable>
        var unusedTextColumns: [CanonicalTable: Set<String>]
        var keepingRows: [CanonicalTable: RowFilter]

        var isWhole: Bool {
            tables.union([.patients]) == Set(CanonicalTable.allCases) && unusedTextColumns.values.allSatisfy(\.isEmpty)
                && keepingRows.isEmpty
        }

        /// The read a caller asked for, from the whole one; nil when it cannot be cut from it: birth dates
        /// worked out from ages are dated by the export's last event when the folder is not named by a date,
        /// and that date depends on the tables read.
        func cut(_ full: ExportReadResult, folder: URL) -> ExportReadResult? {
            // Synthea and FHIR reads keep every table and column whatever the caller asks (as the reader does).
            guard full.format == .canonical || full.format == .mapped, !isWhole else { return full }
            if full.export.patients.birthDateIsApproximate && CivilDate.parseISODate(folder.lastPathComponent) == nil
                && tables.union([.patients]) != Set(CanonicalTable.allCases) { return nil }
            var result = full
            for table in CanonicalTable.allCases where table != .patients && !tables.contains(table) {
                result.export.emptyTable(table)
            }
            for (table, names) in unusedTextColumns where table == .patients || tables.contains(table) {
                for name in names where keepingRows[table]?.column != name { Self.blank(name, of: table, in: &result.export) }
            }
            for (table, filter) in keepingRows where table != .patients && tables.contains(table) && result.export.presentTables.contains(table) {
                guard let leftOut = Self.keepRows(of: table, filter, in: &result.export) else { return nil }
                result.leftOut[table] = leftOut
            }
            return result
        }

        /// Empties a text column as the reader leaves a column it was told is unused: every row reads as empty.
        static func blank(_ name: String, of table: CanonicalTable, in export: inout ClinicExport) {
            func blank(_ column: inout CategoryColumn) { column = CategoryColumn(codes: Array(repeating: -1, count: column.codes.count)) }
            func blank(_ column: inout TextColumn) { column = TextColumn(emptyRows: column.count) }
            switch (table, name) {
            case (.patients, "first_name"): blank(&export.patients.firstName)
            case (.patients, "postal_code"): blank(&export.patients.postalCode)
            case (.patients, "email"): blank(&export.patients.email)
            case (.patients, "phone"): blank(&export.patients.phone)
            case (.patients, "source"): blank(&export.patients.source)
            case (.appointments, "service"): blank(&export.appointments.service)
            case (.appointments, "provider"): blank(&export.appointments.provider)
            case (.communications, "campaign"): blank(&export.communications.campaign)
            case (.conditions, "code"): blank(&export.conditions.code)
            case (.conditions, "description"): blank(&export.conditions.description)
            case (.leads, "source"): blank(&export.leads.source)
            case (.leads, "interest"): blank(&export.leads.interest)
            default: break
            }
        }

        /// Keeps the rows of `table` whose `filter.column` holds one of `filter.values`; the others are counted
        /// with their latest timestamp (every timestamp column), as ``RowFilter`` says. Nil for a column the
        /// cache cannot filter by.
        static func keepRows(of table: CanonicalTable, _ filter: RowFilter, in export: inout ClinicExport) -> LeftOutRows? {
            let column: CategoryColumn
            let timestamps: [[Int64]]
            switch (table, filter.column) {
            case (.communications, "campaign"):
                column = export.communications.campaign
                let c = export.communications
                timestamps = [c.sentAt, c.openedAt, c.clickedAt, c.respondedAt]
            case (.appointments, "service"), (.appointments, "provider"):
                column = filter.column == "service" ? export.appointments.service : export.appointments.provider
                timestamps = [export.appointments.scheduledAt, export.appointments.bookedAt]
            default:
                return nil
            }
            let accepted = Set(filter.values.compactMap { column.code(of: $0) })
            let keep = column.codes.map { accepted.contains($0) }
            var leftOut = LeftOutRows()
            for row in keep.indices where !keep[row] {
                leftOut.count += 1
                for values in timestamps { leftOut.latestTimestamp = max(leftOut.latestTimestamp, values[row]) }
            }
            guard leftOut.count > 0 else { return leftOut }
            switch table {
            case .communications: export.communications = export.communications.filtered(keeping: keep)
            case .appointments: export.appointments = export.appointments.filtered(keeping: keep)
            default: return nil
            }
            export.origins.filter(table, keeping: keep)
            return leftOut
        }
    }
}
