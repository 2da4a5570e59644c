import Foundation
import StrataData
@testable import StrataProject
@testable import StrataSegments
import Testing

/// Issue 16: consent against the as-of date, write failures, as-of limits, lists rebuilt, plain errors.
@Suite("Refresh hardening")
struct RefreshHardeningTests {
    // MARK: Row 2: an opt-out is never outrun by the as-of choice

    @Test func theDefaultAsOfIsTheLastDayOfAnyRecordConsentsIncluded() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        // The last visit is on 2024-06-29; the only record on 2024-06-30 is P1's opt-out at 10:00.
        let report = try Refresh.run(try project.open(), user: "test")
        #expect(report.asOf == "2024-06-30")
        #expect(try project.listedPatients("everyone-email.csv") == ["P2", "P3"])
        #expect(try project.listedPatients("everyone-sms.csv") == ["P1", "P2", "P3"])  // only e-mail was refused
    }

    @Test func anOptOutRecordedAfterAnExplicitAsOfStillKeepsThePatientOffTheLists() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        let report = try Refresh.run(try project.open(), asOf: try Day(iso: "2024-06-15"), user: "test")
        #expect(report.asOf == "2024-06-15")
        #expect(try project.listedPatients("everyone-email.csv") == ["P2", "P3"])
    }

    @Test func theLatestConsentRecordWinsWhateverTheAsOfDate() throws {
        // P2 opts out in May and back in on 2024-06-20, after the as-of date: the latest record (opt-in) holds.
        let project = try HardeningProject(consents: HardeningProject.consents + [
            "P2,email,marketing,opt_out,2024-05-01T00:00:00Z", "P2,email,marketing,opt_in,2024-06-20T00:00:00Z",
        ])
        defer { project.remove() }
        _ = try Refresh.run(try project.open(), asOf: try Day(iso: "2024-06-01"), user: "test")
        #expect(try project.listedPatients("everyone-email.csv") == ["P2", "P3"])
    }

    @Test func everyDatedTableCountsTowardsTheExportsDates() throws {
        let folder = try writeExport([
            "patients.csv": ["P1,Ann,1980-01-01,female,,2020-01-01T00:00:00Z,,,,"],
            "appointments.csv": ["P1,2024-01-10T10:00:00Z,2024-01-01T10:00:00Z,completed,cleaning,,",
                                 "P1,2024-09-10T10:00:00Z,2024-02-03T10:00:00Z,booked,cleaning,,"],  // a future visit: only booked_at counts
            "communications.csv": ["P1,2024-01-05T10:00:00Z,email,,2024-01-06T10:00:00Z,,2024-02-07T10:00:00Z"],
            "consents.csv": ["P1,email,marketing,opt_in,2019-12-31T23:00:00Z"],
            "conditions.csv": ["P1,E11.9,,2024-02-09"],
            "leads.csv": ["L1,P1,2024-02-08T10:00:00Z,web,"],
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let export = try ExportReader.read(folder, format: .canonical).export
        let dates = try #require(ExportDates(export))
        #expect(dates.first.description == "2019-12-31")  // the consent
        #expect(dates.last.description == "2024-02-09")   // the condition's onset
    }

    // MARK: Row 16: as-of dates outside the export, missing runs

    @Test(arguments: ["0001-01-01", "9999-12-31", "2019-12-31", "2024-08-01"])
    func asOfDatesOutsideTheExportAreRefused(_ asOf: String) throws {
        let project = try HardeningProject()
        defer { project.remove() }
        // Records run from 2020-01-01 (patients created) to 2024-06-30; as-of may go to 31 days after.
        #expect(throws: RefreshError.asOfOutsideExport(asOf, first: "2020-01-01", last: "2024-06-30", latest: "2024-07-31",
                                                        export: project.export.path)) {
            try Refresh.run(try project.open(), asOf: try Day(iso: asOf), user: "test")
        }
        #expect(!FileManager.default.fileExists(atPath: project.store.path))
    }

    @Test func bothEndsOfTheAcceptedRangeWork() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        #expect(try Refresh.run(try project.open(), asOf: try Day(iso: "2020-01-01"), user: "test").run.id == 1)
        #expect(try Refresh.run(try project.open(), asOf: try Day(iso: "2024-07-31"), user: "test").run.id == 2)
    }

    @Test func aMissingRunIsAnError() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        _ = try Refresh.run(try project.open(), user: "test")
        let store = try SegmentStore(path: project.store.path)
        #expect(throws: StoreError.unknownRun(999_999, latest: 1)) { try store.diff(of: "everyone", in: 999_999) }
        #expect(throws: StoreError.unknownRun(0, latest: 1)) { try store.members(of: "everyone", after: 0) }
        #expect(try store.diff(of: "everyone", in: 1).entered.count == 3)
    }

    // MARK: Row 8: write failures leave nothing behind and publish nothing

    struct DiskFull: Error {}

    /// Writes the first `successes` lists for real, then fails like a full disk.
    static func failing(after successes: Int) -> Refresh.ListFileWriter {
        let count = Counter()
        return Refresh.ListFileWriter { data, url in
            guard count.next() < successes else { throw DiskFull() }
            try AtomicFile.write(data, to: url, permissions: 0o600)
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
    }

    func refresh(_ project: HardeningProject, asOf: Day? = nil, writer: Refresh.ListFileWriter = .atomic) throws -> Refresh.Report {
        try Refresh.run(try project.open(), exportPath: nil, asOf: asOf, user: "test", lockTimeout: 5, waiting: { _ in },
                        writer: writer, progress: { _ in })
    }

    @Test func aFailedListWriteRecordsNothingAndLeavesNoTemporary() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        #expect(throws: DiskFull.self) { try refresh(project, writer: Self.failing(after: 1)) }
        #expect(try SegmentStore(path: project.store.path).runs().isEmpty)
        #expect(project.temporaries().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.lists.path).isEmpty)

        // With room again: run 1, published, and then a failing second run leaves run 1 as the latest.
        #expect(try refresh(project).run.id == 1)
        #expect(throws: DiskFull.self) { try refresh(project, asOf: try Day(iso: "2024-06-20"), writer: Self.failing(after: 0)) }
        #expect(try SegmentStore(path: project.store.path).runs().map(\.id) == [1])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: project.lists.path)) == ["run-0001", "latest"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: project.lists.appendingPathComponent("latest").path) == "run-0001")
        #expect(project.temporaries().isEmpty)
        #expect(try AuditVerification.check(store: SegmentStore(path: project.store.path), listsFolder: project.lists).isIntact)
    }

    @Test func atomicFileThrowsOnAFailingBodyAndRemovesItsTemporary() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("scores.csv")
        try AtomicFile.write(Data("old\n".utf8), to: target, permissions: 0o600)
        #expect(throws: MatrixFileError.self) {
            try AtomicFile.write(to: target, permissions: 0o600) { handle in
                try handle.write(contentsOf: Data("P1,0.9\n".utf8))
                throw DiskFull()
            }
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == "old\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["scores.csv"])
    }

    /// A real full disk: a 64 KiB tmpfs (needs root and mount; skipped where the machine does not allow it).
    @Test func aFullDiskIsAnErrorNotATrap() throws {
        guard let mount = TinyFileSystem(kibibytes: 64) else { return }
        defer { mount.unmount() }
        let target = mount.directory.appendingPathComponent("scores.csv")
        let big = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        #expect(throws: MatrixFileError.self) { try AtomicFile.write(big, to: target, permissions: 0o600) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory.path).isEmpty)

        // A refresh whose lists go to the full disk: an error, no run, no temporary with patient data.
        let patients = (0..<1500).map { String(format: "P%04d,Name%04d,1980-01-01,female,,2020-01-01T00:00:00Z,patient%04d@example.com,+1555%07d,email,web", $0, $0, $0, $0) }
        let consents = (0..<1500).map { String(format: "P%04d,email,marketing,opt_in,2021-01-01T00:00:00Z", $0) }
        let project = try HardeningProject(patients: patients, appointments: [], consents: consents,
                                           outputs: "outputs:\n  lists: \(mount.directory.path)\n  allow_outside_project: true\n")
        defer { project.remove() }
        #expect(throws: MatrixFileError.self) { try Refresh.run(try project.open(), user: "test") }
        #expect(try SegmentStore(path: project.store.path).runs().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mount.directory.path).isEmpty)
    }

    // MARK: Row 17: a run's lists removed or changed

    @Test func removedListsOfTheLatestRunAreRebuiltAndReported() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        _ = try refresh(project)
        let runFolder = project.lists.appendingPathComponent("run-0001")
        let original = try Data(contentsOf: runFolder.appendingPathComponent("everyone-email.csv"))
        try FileManager.default.removeItem(at: runFolder)
        let store = try SegmentStore(path: project.store.path)
        #expect(try AuditVerification.check(store: store, listsFolder: project.lists).problems
                == ["run 1: its lists folder \(runFolder.path) is missing"])

        let again = try refresh(project)
        #expect(again.unchanged && again.rebuiltLists)
        #expect(try Data(contentsOf: runFolder.appendingPathComponent("everyone-email.csv")) == original)
        #expect(try store.auditEntries().map(\.action) == ["refresh", "lists rebuilt"])
        #expect(try AuditVerification.check(store: store, listsFolder: project.lists).isIntact)

        // An edited list is put back too; an intact folder is left alone.
        try Data("patient_id,email,first_name,segment\nX,x@evil.example,X,everyone\n".utf8)
            .write(to: runFolder.appendingPathComponent("everyone-email.csv"))
        #expect(try refresh(project).rebuiltLists)
        #expect(try Data(contentsOf: runFolder.appendingPathComponent("everyone-email.csv")) == original)
        #expect(try !refresh(project).rebuiltLists)
    }

    // MARK: Row 21: a read-only lists folder

    @Test func aReadOnlyListsFolderGivesAPlainSentenceWithThePath() throws {
        let project = try HardeningProject()
        defer { project.remove() }
        try FileManager.default.createDirectory(at: project.lists, withIntermediateDirectories: true)
        // Root ignores permission bits, so as root the folder is a read-only mount instead.
        var mount: TinyFileSystem?
        if geteuid() == 0 {
            guard let readOnly = TinyFileSystem(kibibytes: 64, at: project.lists, readOnly: true) else { return }
            mount = readOnly
        } else {
            chmod(project.lists.path, 0o500)
        }
        defer { mount?.unmount(); chmod(project.lists.path, 0o700) }
        let reason = String(cString: strerror(geteuid() == 0 ? EROFS : EACCES))
        #expect(throws: RefreshError.cannotWrite(path: project.lists.path, reason: reason)) { try refresh(project) }
        #expect(RefreshError.cannotWrite(path: "/p/lists", reason: "Read-only file system").description
                == "/p/lists: cannot write here: Read-only file system")
        #expect(try SegmentStore(path: project.store.path).runs().isEmpty)
    }
}

/// A small tmpfs for full-disk tests, mounted when the process may (root, `mount` present); nil otherwise.
struct TinyFileSystem {
    let directory: URL
    private let created: Bool

    init?(kibibytes: Int, at directory: URL? = nil, readOnly: Bool = false) {
        let target = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("strata-tmpfs-\(UUID().uuidString)")
        let created = directory == nil
        if created { try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true) }
        let options = "size=\(kibibytes)k,mode=0700" + (readOnly ? ",ro" : "")
        guard geteuid() == 0, Self.run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", target.path]) else {
            if created { try? FileManager.default.removeItem(at: target) }
            return nil
        }
        self.directory = target
        self.created = created
    }

    func unmount() {
        _ = Self.run("/bin/umount", [directory.path])
        if created { try? FileManager.default.removeItem(at: directory) }
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
