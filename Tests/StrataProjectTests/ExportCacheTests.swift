import Foundation
@testable import StrataData
import StrataFeatures
import StrataGenerator
@testable import StrataProject
import StrataSegments
import Testing

/// The export cache (issue 17, read once): an entry gives back exactly what the CSV reader gives, whole or cut
/// as a caller asks; a changed export or read option misses it; a corrupt or foreign entry is detected, deleted
/// and rebuilt, never used; and the project's commands do use it (a doctored entry shows through).
@Suite("export cache", .serialized)
struct ExportCacheTests {
    /// A generated clinic of 300 people in a project, one negative amount added so the read has a warning.
    struct Clinic {
        let root: URL
        let project: URL
        let export: URL

        init(persons: Int = 300, seed: UInt64 = 17) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-exportcache-\(UUID().uuidString)")
            project = root.appendingPathComponent("project")
            export = project.appendingPathComponent("exports/2025-12-31")
            try ProjectFolder.create(at: project)
            let settings = try GeneratorConfiguration(personCount: persons, seed: seed, kind: .multiSpecialty, to: "2025-12-31")
            _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
            try ExportCacheTests.editFirstAmount(in: export, to: "-12.50")
        }

        var cache: ExportCache { ExportCache(directory: project.appendingPathComponent("cache/exports")) }

        func key(format: ExportFormat? = nil, extraColumns: [CanonicalTable: [ExtraColumn]] = [:]) throws -> ExportCache.Key {
            ExportCache.Key(exportFingerprint: try Fingerprint.of(folder: export), format: format, mapping: nil, extraColumns: extraColumns)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// Sets the amount of the first appointment with one (the last field of its line).
    static func editFirstAmount(in export: URL, to amount: String) throws {
        let file = export.appendingPathComponent("appointments.csv")
        var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let column = try #require(header.firstIndex(of: "amount"))
        let row = try #require(lines.indices.dropFirst().first { index in
            let cells = lines[index].split(separator: ",", omittingEmptySubsequences: false)
            return cells.count == header.count && !cells[column].isEmpty
        })
        var cells = lines[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[column] = amount
        lines[row] = cells.joined(separator: ",")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    }

    // MARK: Comparing reads column by column

    static func rows(_ column: TextColumn) -> [String?] { (0..<column.count).map { column[$0] } }
    static func rows(_ column: CategoryColumn) -> [String?] { column.codes.indices.map { column[$0] } }
    static func rows(_ extra: [String: ExtraValues]) -> [String: [String?]] { extra.mapValues { values in (0..<values.count).map(values.text) } }

    /// Every value of every table, and where each row came from, are the same in `a` and `b`.
    static func expectSame(_ a: ExportReadResult, _ b: ExportReadResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.format == b.format, sourceLocation: sourceLocation)
        #expect(a.warnings == b.warnings, sourceLocation: sourceLocation)
        #expect(a.badRows.count == b.badRows.count, sourceLocation: sourceLocation)
        #expect(a.leftOut == b.leftOut, sourceLocation: sourceLocation)
        let x = a.export, y = b.export
        #expect(x.presentTables == y.presentTables, sourceLocation: sourceLocation)
        #expect(x.patients.ids.all == y.patients.ids.all, sourceLocation: sourceLocation)
        #expect(x.patients.birthDateIsApproximate == y.patients.birthDateIsApproximate, sourceLocation: sourceLocation)
        #expect(x.patients.birthDate == y.patients.birthDate, sourceLocation: sourceLocation)
        #expect(x.patients.sex == y.patients.sex, sourceLocation: sourceLocation)
        #expect(x.patients.createdAt == y.patients.createdAt, sourceLocation: sourceLocation)
        #expect(rows(x.patients.firstName) == rows(y.patients.firstName), sourceLocation: sourceLocation)
        #expect(rows(x.patients.postalCode) == rows(y.patients.postalCode), sourceLocation: sourceLocation)
        #expect(rows(x.patients.email) == rows(y.patients.email), sourceLocation: sourceLocation)
        #expect(rows(x.patients.phone) == rows(y.patients.phone), sourceLocation: sourceLocation)
        #expect(x.patients.preferredChannel == y.patients.preferredChannel, sourceLocation: sourceLocation)
        #expect(rows(x.patients.source) == rows(y.patients.source), sourceLocation: sourceLocation)
        #expect(rows(x.patients.extra) == rows(y.patients.extra), sourceLocation: sourceLocation)
        #expect(x.patients.deceasedAt == y.patients.deceasedAt, sourceLocation: sourceLocation)
        #expect(x.appointments.patient == y.appointments.patient, sourceLocation: sourceLocation)
        #expect(x.appointments.scheduledAt == y.appointments.scheduledAt, sourceLocation: sourceLocation)
        #expect(x.appointments.bookedAt == y.appointments.bookedAt, sourceLocation: sourceLocation)
        #expect(x.appointments.status == y.appointments.status, sourceLocation: sourceLocation)
        #expect(rows(x.appointments.service) == rows(y.appointments.service), sourceLocation: sourceLocation)
        #expect(rows(x.appointments.provider) == rows(y.appointments.provider), sourceLocation: sourceLocation)
        #expect(x.appointments.amount.map(\.bitPattern) == y.appointments.amount.map(\.bitPattern), sourceLocation: sourceLocation)
        #expect(x.appointments.scheduledAtPrecision == y.appointments.scheduledAtPrecision, sourceLocation: sourceLocation)
        #expect(x.appointments.bookedAtPrecision == y.appointments.bookedAtPrecision, sourceLocation: sourceLocation)
        #expect(x.communications.patient == y.communications.patient, sourceLocation: sourceLocation)
        #expect(x.communications.sentAt == y.communications.sentAt, sourceLocation: sourceLocation)
        #expect(x.communications.channel == y.communications.channel, sourceLocation: sourceLocation)
        #expect(rows(x.communications.campaign) == rows(y.communications.campaign), sourceLocation: sourceLocation)
        #expect(x.communications.openedAt == y.communications.openedAt, sourceLocation: sourceLocation)
        #expect(x.communications.clickedAt == y.communications.clickedAt, sourceLocation: sourceLocation)
        #expect(x.communications.respondedAt == y.communications.respondedAt, sourceLocation: sourceLocation)
        #expect(x.consents.patient == y.consents.patient, sourceLocation: sourceLocation)
        #expect(x.consents.channel == y.consents.channel, sourceLocation: sourceLocation)
        #expect(x.consents.purpose == y.consents.purpose, sourceLocation: sourceLocation)
        #expect(x.consents.status == y.consents.status, sourceLocation: sourceLocation)
        #expect(x.consents.recordedAt == y.consents.recordedAt, sourceLocation: sourceLocation)
        #expect(x.conditions.patient == y.conditions.patient, sourceLocation: sourceLocation)
        #expect(rows(x.conditions.code) == rows(y.conditions.code), sourceLocation: sourceLocation)
        #expect(rows(x.conditions.description) == rows(y.conditions.description), sourceLocation: sourceLocation)
        #expect(x.conditions.onsetDate == y.conditions.onsetDate, sourceLocation: sourceLocation)
        #expect(rows(x.leads.ids) == rows(y.leads.ids), sourceLocation: sourceLocation)
        #expect(x.leads.patient == y.leads.patient, sourceLocation: sourceLocation)
        #expect(x.leads.createdAt == y.leads.createdAt, sourceLocation: sourceLocation)
        #expect(rows(x.leads.source) == rows(y.leads.source), sourceLocation: sourceLocation)
        #expect(rows(x.leads.interest) == rows(y.leads.interest), sourceLocation: sourceLocation)
        #expect(rows(x.leads.extra) == rows(y.leads.extra), sourceLocation: sourceLocation)
        #expect(Set(x.origins.tables.keys) == Set(y.origins.tables.keys), sourceLocation: sourceLocation)
        for (table, origin) in x.origins.tables {
            #expect(origin.file == y.origins.tables[table]?.file, sourceLocation: sourceLocation)
            #expect(origin.lines.lines == y.origins.tables[table]?.lines.lines, sourceLocation: sourceLocation)
        }
        #expect(x.origins.identifiedTables == y.origins.identifiedTables, sourceLocation: sourceLocation)
    }

    // MARK: Round trips

    @Test func aWholeReadComesBackValueForValue() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let extras: [CanonicalTable: [ExtraColumn]] = [.patients: [ExtraColumn("plan", column: "source", .text),
                                                                   ExtraColumn("years", column: "postal_code", .number, required: false)]]
        let fromFiles = try ExportReader.read(clinic.export, extraColumns: extras)
        // The read the entry is checked against has what every column kind needs: rows in every table, a
        // warning, extra columns.
        #expect(fromFiles.warnings.count == 1)
        #expect(fromFiles.export.rowCounts.values.allSatisfy { $0 > 0 })
        let key = try clinic.key(extraColumns: extras)
        let first = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, extraColumns: extras)
        #expect(first.outcome == .stored)
        let second = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, extraColumns: extras)
        #expect(second.outcome == .hit)
        #expect(second.warnings.isEmpty)
        Self.expectSame(second.result, fromFiles)
        // Owner-only: the entry holds patient data.
        let attributes = try FileManager.default.attributesOfItem(atPath: clinic.cache.url(for: key).path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: clinic.cache.directory.path)
        #expect((folder[.posixPermissions] as? Int) == 0o700)
    }

    /// What report, campaign report and the commands that keep only some tables ask for, cut from the entry,
    /// equals what the reader itself reads with the same arguments.
    @Test func cutReadsEqualTheReadersOwn() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let key = try clinic.key()
        _ = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil)
        let whole = try ExportReader.read(clinic.export)
        let campaign = try #require(whole.export.communications.campaign.levels.first)
        struct Request {
            var tables: Set<CanonicalTable>
            var unused: [CanonicalTable: Set<String>]
            var checkingOthers = true
            var rows: [CanonicalTable: RowFilter] = [:]
        }
        let requests = [
            // The report's.
            Request(tables: [.patients, .appointments, .consents, .communications],
                    unused: [.patients: ["first_name", "postal_code", "email", "phone"]]),
            // The campaign report's.
            Request(tables: [.patients, .appointments, .communications],
                    unused: [.patients: ["first_name", "postal_code", "email", "phone"], .appointments: ["provider", "service"]],
                    checkingOthers: false, rows: [.communications: RowFilter(column: "campaign", values: [campaign, "no-such-campaign"])]),
            // Every table, some text left out.
            Request(tables: Set(CanonicalTable.allCases), unused: [.conditions: ["description"], .leads: ["interest"]]),
        ]
        for request in requests {
            let cached = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, tables: request.tables,
                                               unusedTextColumns: request.unused, checkingOthers: request.checkingOthers,
                                               keepingRows: request.rows)
            #expect(cached.outcome == .hit)
            let fromFiles = try ExportReader.read(clinic.export, tables: request.tables, unusedTextColumns: request.unused,
                                                  checkingOthers: request.checkingOthers, keepingRows: request.rows)
            Self.expectSame(cached.result, fromFiles)
        }
        // The filter kept some messages and left others out, so both sides of it were compared.
        let filtered = try ExportReader.read(clinic.export, keepingRows: requests[1].rows)
        #expect(filtered.export.communications.count > 0)
        #expect((filtered.leftOut[.communications]?.count ?? 0) > 0)
    }

    // MARK: Invalidation

    @Test func aChangedExportOrReadOptionMissesTheEntry() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let key = try clinic.key()
        #expect(try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil).outcome == .stored)
        // Other read options: another key, another file; the entry is not used for them.
        let extras: [CanonicalTable: [ExtraColumn]] = [.patients: [ExtraColumn("plan", column: "source", .text)]]
        for other in [try clinic.key(format: .canonical), try clinic.key(extraColumns: extras)] {
            #expect(other.text != key.text)
            #expect(clinic.cache.url(for: other) != clinic.cache.url(for: key))
            let read = try clinic.cache.read(clinic.export, key: other, format: other.text.contains("format canonical") ? .canonical : nil,
                                             mapping: nil, extraColumns: other.text.contains("extra") ? extras : [:])
            #expect(read.outcome == .stored)
        }
        // One byte of the export changed: another fingerprint, so a miss, and the new value is read.
        try Self.editFirstAmount(in: clinic.export, to: "-13.50")
        let changed = try clinic.key()
        #expect(changed.text != key.text)
        let read = try clinic.cache.read(clinic.export, key: changed, format: nil, mapping: nil)
        #expect(read.outcome == .stored)
        #expect(read.result.export.appointments.amount.contains(-13.5))
        #expect(!read.result.export.appointments.amount.contains(-12.5))
        // Four entries were written, the newest two kept: the first key's is gone.
        #expect(!FileManager.default.fileExists(atPath: clinic.cache.url(for: key).path))
        // The entry under the old key's name but holding another key is refused, not used.
        try FileManager.default.copyItem(at: clinic.cache.url(for: changed), to: clinic.cache.url(for: key))
        let refused = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil)
        #expect(refused.outcome == .stored)
        #expect(refused.warnings.count == 1)
        #expect(refused.warnings.first?.contains("another export") == true)
    }

    /// A flipped byte anywhere (key, columns, trailer) or a cut file is detected; the entry is deleted, the
    /// export read from its files (same values) and the entry written again, which the next read uses.
    @Test(arguments: ["header", "middle", "near end", "trailer", "truncated by one", "half", "empty"])
    func aCorruptEntryIsRebuiltNeverUsed(_ damage: String) throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let key = try clinic.key()
        _ = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil)
        let url = clinic.cache.url(for: key)
        var bytes = [UInt8](try Data(contentsOf: url))
        switch damage {
        case "header": bytes[20] ^= 0x01
        case "middle": bytes[bytes.count / 2] ^= 0x10
        case "near end": bytes[bytes.count - ExportCacheFormat.trailerSize - 3] ^= 0x80
        case "trailer": bytes[bytes.count - ExportCacheFormat.trailerSize + 9] ^= 0x04
        case "truncated by one": bytes.removeLast()
        case "half": bytes.removeLast(bytes.count / 2)
        default: bytes = []
        }
        try Data(bytes).write(to: url)
        if case .invalid = clinic.cache.load(key) {} else { Issue.record("the damaged entry (\(damage)) was not detected") }
        let read = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil)
        #expect(read.outcome == .stored)
        #expect(read.warnings.count == 1)
        #expect(read.warnings.first?.contains(url.path) == true)
        Self.expectSame(read.result, try ExportReader.read(clinic.export))
        #expect(try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil).outcome == .hit)
    }

    // MARK: Use

    /// Stores as the clinic's entry its read with the first patient's birth date a day later: a value only the
    /// entry can give. Returns the entry's key, what was stored and the files' birth date.
    func storeDoctoredEntry(_ clinic: Clinic) throws -> (key: ExportCache.Key, doctored: ExportReadResult, born: Int32) {
        let key = try clinic.key()
        var doctored = try ExportReader.read(clinic.export)
        let born = doctored.export.patients.birthDate[0]
        doctored.export.patients.birthDate[0] = born + 1
        try clinic.cache.store(doctored, key: key)
        return (key, doctored, born)
    }

    /// An entry whose values differ from the files (a birth date moved by a day) shows through a read: the
    /// cache is what the read returns, not a copy checked and then thrown away.
    @Test func theEntryIsWhatTheReadReturns() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let (key, _, born) = try storeDoctoredEntry(clinic)
        let read = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, tables: [.patients, .appointments])
        #expect(read.outcome == .hit)
        #expect(read.result.export.patients.birthDate[0] == born + 1)
    }

    /// A report loads the entry while it hashes the folders: the read then uses that entry (a doctored one shows
    /// through), once; a read with another key loads its own.
    @Test func aPreloadedEntryIsWhatTheReadUsesOnce() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let (key, doctored, born) = try storeDoctoredEntry(clinic)
        var cache = clinic.cache
        cache.preloaded = cache.preload(key)
        // The file goes: only the preloaded entry can give the doctored value.
        try FileManager.default.removeItem(at: cache.url(for: key))
        let read = try cache.read(clinic.export, key: key, format: nil, mapping: nil, tables: [.patients, .appointments])
        #expect(read.outcome == .hit)
        #expect(read.result.export.patients.birthDate[0] == born + 1)
        // Taken: the next read finds no entry and reads the files.
        let again = try cache.read(clinic.export, key: key, format: nil, mapping: nil, tables: [.patients, .appointments])
        #expect(again.outcome != .hit)
        #expect(again.result.export.patients.birthDate[0] == born)
        // A read with another key ignores it (the doctored entry preloaded again).
        try clinic.cache.store(doctored, key: key)
        cache.preloaded = clinic.cache.preload(key)
        let other = try clinic.key(format: .canonical)
        #expect(try cache.read(clinic.export, key: other, format: .canonical, mapping: nil).result.export.patients.birthDate[0] == born)
    }

    /// A command that may still fail after reading (the checks) stores the entry only when it has not.
    @Test func aReadStoredLaterIsStoredOnlyWhenAsked() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let key = try clinic.key()
        var read = try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, storingLater: true)
        #expect(read.pending != nil)
        #expect(clinic.cache.entries().isEmpty)
        #expect(clinic.cache.store(&read).isEmpty)
        #expect(read.outcome == .stored)
        #expect(clinic.cache.entries() == [clinic.cache.url(for: key)])
        #expect(try clinic.cache.read(clinic.export, key: key, format: nil, mapping: nil, storingLater: true).outcome == .hit)
    }

    /// A folder whose files changed after every entry cannot be in the cache: its read hashes the files beside
    /// the parse, and gives the same read and fingerprint as hashing first, stored under that fingerprint's key.
    /// Once an entry is written after the files, the cache may hold them: hashed first, then a hit. A file
    /// changed after the entry makes it a new export again.
    @Test func aNewExportIsHashedBesideItsReadWithTheSameResult() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let cache = clinic.cache
        #expect(!cache.mayHold(clinic.export))
        var (read, fingerprint) = try ExportCache.readExport(clinic.export, cache: cache, fingerprint: nil, format: nil, mapping: nil,
                                                             policy: .strict, tables: Set(CanonicalTable.allCases),
                                                             unusedTextColumns: [:], extraColumns: [:], checkingOthers: true,
                                                             keepingRows: [:], storingLater: true)
        #expect(fingerprint == (try Fingerprint.of(folder: clinic.export)))
        #expect(read.pending?.key == (try clinic.key()))
        Self.expectSame(read.result, try ExportReader.read(clinic.export))
        #expect(cache.store(&read).isEmpty)
        #expect(cache.mayHold(clinic.export))
        let again = try ExportCache.readExport(clinic.export, cache: cache, fingerprint: nil, format: nil, mapping: nil,
                                               policy: .strict, tables: Set(CanonicalTable.allCases), unusedTextColumns: [:],
                                               extraColumns: [:], checkingOthers: true, keepingRows: [:])
        #expect(again.read.outcome == .hit)
        #expect(again.fingerprint == fingerprint)
        // A later change to one file (its time moved past the entry's): not held, read and hashed anew.
        let patients = clinic.export.appendingPathComponent("patients.csv")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: patients.path)
        #expect(!cache.mayHold(clinic.export))
        let changed = try ExportCache.readExport(clinic.export, cache: cache, fingerprint: nil, format: nil, mapping: nil,
                                                 policy: .strict, tables: Set(CanonicalTable.allCases), unusedTextColumns: [:],
                                                 extraColumns: [:], checkingOthers: true, keepingRows: [:])
        #expect(changed.read.outcome == .stored)
        #expect(changed.fingerprint == fingerprint)
    }

    @Test func onlyTheNewestEntriesAreKept() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let whole = try ExportReader.read(clinic.export)
        var keys: [ExportCache.Key] = []
        for index in 0..<4 {
            let key = ExportCache.Key(exportFingerprint: String(format: "%064x", index), format: nil, mapping: nil, extraColumns: [:])
            try clinic.cache.store(whole, key: key)
            keys.append(key)
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(Set(clinic.cache.entries()) == Set(keys.suffix(2).map(clinic.cache.url(for:))))
        #expect(try clinic.cache.clear() == 2)
        #expect(clinic.cache.entries().isEmpty)
    }

    /// Refresh stores the entry; report's read is then a hit equal to its read without the cache; a refresh in
    /// a second project of the same export, through that entry, writes the same lists as the first did.
    @Test func refreshFillsItAndTheCommandsAfterItUseIt() throws {
        let clinic = try Clinic()
        defer { clinic.remove() }
        let first = try RefreshRun.run(.init(project: clinic.project, export: clinic.export, user: "tester"))
        let project = try Project(directory: clinic.project)
        #expect(project.exportCache?.entries().count == 1)

        var source = ExportSource(path: clinic.export.path, configurationFile: clinic.project.appendingPathComponent("strata.yml").path)
        let tables: (ProjectConfiguration) -> Set<CanonicalTable> = { $0.features.tablesNeeded.union([.patients, .appointments, .consents]) }
        let unused: (ProjectConfiguration) -> [CanonicalTable: Set<String>] = { _ in [.patients: ["first_name", "postal_code", "email", "phone"]] }
        let plain = try source.read(tables: tables, unusedTextColumns: unused, failingOnChecks: false)
        source.cache = project.exportCache
        let cached = try source.read(tables: tables, unusedTextColumns: unused, failingOnChecks: false)
        #expect(cached.cacheOutcome == .hit)
        Self.expectSame(cached.result, plain.result)
        #expect(cached.checks.messages == plain.checks.messages)
        _ = try ReportRun.run(.init(project: clinic.project, user: "tester"))

        let twin = clinic.root.appendingPathComponent("twin")
        try ProjectFolder.create(at: twin)
        try FileManager.default.createDirectory(at: twin.appendingPathComponent("cache"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: project.exportCacheURL, to: twin.appendingPathComponent("cache/exports"))
        let entry = try #require(project.exportCache?.entries().first)
        let twinEntry = twin.appendingPathComponent("cache/exports").appendingPathComponent(entry.lastPathComponent)
        func inode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: twinEntry.path)[.systemFileNumber] as? Int }
        let before = try inode()
        let second = try RefreshRun.run(.init(project: twin, export: clinic.export, user: "tester"))
        // A miss would have written the entry again (a new file renamed into place): the refresh loaded it.
        #expect(try inode() == before)
        #expect(first.run == second.run)
        #expect(first.segments == second.segments)
        #expect(first.warnings == second.warnings)
        let lists = clinic.project.appendingPathComponent("lists/run-0001"), twinLists = twin.appendingPathComponent("lists/run-0001")
        let names = try FileManager.default.contentsOfDirectory(atPath: lists.path).filter { $0.hasSuffix(".csv") }.sorted()
        #expect(!names.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: twinLists.path).filter { $0.hasSuffix(".csv") }.sorted() == names)
        for name in names {
            #expect(try Data(contentsOf: lists.appendingPathComponent(name)) == Data(contentsOf: twinLists.appendingPathComponent(name)), "\(name)")
        }
    }
}
