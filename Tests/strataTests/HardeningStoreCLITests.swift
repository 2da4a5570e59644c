import Foundation
import StrataSegments
import Testing

/// Issue 16 through the built binary: file modes under umask 022, two refreshes at once, kill -9 at each
/// step of a refresh, missing runs, a tampered audit log and removed lists.
@Suite("strata refresh hardening end to end", .serialized)
struct HardeningStoreCLITests {
    let project: URL

    init() throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hardening-cli-\(UUID().uuidString)")
        let export = project.appendingPathComponent("exports/2024-06-30")
        try FileManager.default.createDirectory(at: export, withIntermediateDirectories: true)
        let files = [
            "patients.csv": ["patient_id,first_name,birth_date,sex,postal_code,created_at,email,phone,preferred_channel,source"]
                + (1...40).map { String(format: "P%02d,Name%02d,1980-01-01,female,,2020-01-01T00:00:00Z,p%02d@example.com,+15550%03d,email,web", $0, $0, $0, $0) },
            "appointments.csv": ["patient_id,scheduled_at,booked_at,status,service,provider,amount"]
                + (1...40).map { String(format: "P%02d,2024-06-%02dT09:00:00Z,2024-05-01T10:00:00Z,completed,cleaning,Dr A,90.00", $0, $0 % 29 + 1) },
            "communications.csv": ["patient_id,sent_at,channel,campaign,opened_at,clicked_at,responded_at"],
            "consents.csv": ["patient_id,channel,purpose,status,recorded_at"]
                + (1...40).map { String(format: "P%02d,email,marketing,opt_in,2021-01-01T00:00:00Z", $0) },
        ]
        for (name, lines) in files {
            try (lines.joined(separator: "\n") + "\n").write(to: export.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try """
            exports:
              path: exports
            segments:
              - name: everyone
                rule: age >= 0
                purpose: marketing
                channels: [email]
              - name: recent
                rule: last_visit >= as_of - 10d
                purpose: marketing
                channels: [email]

            """.write(to: project.appendingPathComponent("strata.yml"), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: project) }

    var lists: URL { project.appendingPathComponent("lists") }
    var store: URL { project.appendingPathComponent("strata.sqlite") }

    /// `strata <arguments>` under umask 022, with `environment` added; started, not waited for. With
    /// `errorFile`, standard error goes to that file instead of a pipe, so a test can watch it.
    func start(_ arguments: [String], environment: [String: String] = [:], errorFile: URL? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let redirect = errorFile.map { " 2>'\($0.path)'" } ?? ""
        process.arguments = ["-c", "umask 022; exec \"$0\" \"$@\"\(redirect)", StrataBinary.url.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return (process, output, error)
    }

    /// Waits for a started process and reads what it printed (fine for the short outputs here).
    func finish(_ started: (Process, Pipe, Pipe)) -> StrataBinary.Result {
        let (process, output, error) = started
        let out = output.fileHandleForReading.readDataToEndOfFile(), err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return StrataBinary.Result(status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self),
                                   standardError: String(decoding: err, as: UTF8.self))
    }

    func strata(_ arguments: [String]) throws -> StrataBinary.Result { finish(try start(arguments + ["--project", project.path])) }

    /// A refresh stopped at a debug build's test pause: kill it there, or remove `marker` to let it go on.
    struct PausedRefresh {
        let started: (Process, Pipe, Pipe)
        let marker: URL
    }

    /// Starts a refresh that stops at `point` and returns once it is there.
    func refreshPaused(at point: String, _ arguments: [String] = []) throws -> PausedRefresh {
        let marker = project.appendingPathComponent("paused-\(UUID().uuidString)")
        let started = try start(["refresh", "--project", project.path] + arguments,
                                environment: ["STRATA_TEST_PAUSE_AT": point, "STRATA_TEST_PAUSE_MARKER": marker.path])
        while !FileManager.default.fileExists(atPath: marker.path) {
            #expect(started.0.isRunning, "the refresh ended before reaching \(point)")
            guard started.0.isRunning else { break }
            usleep(20_000)
        }
        return PausedRefresh(started: started, marker: marker)
    }

    func kill9(_ paused: PausedRefresh) {
        kill(paused.started.0.processIdentifier, SIGKILL)
        _ = finish(paused.started)
        try? FileManager.default.removeItem(at: paused.marker)
    }

    func mode(_ url: URL) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! Int
    }

    // MARK: Row 12

    @Test func storeJournalListsAndHeadAreOwnerOnlyUnderUmask022() throws {
        defer { remove() }
        // Stopped inside the transaction, the journal files exist.
        let paused = try refreshPaused(at: "staged")
        for suffix in ["", "-wal", "-shm"] {
            #expect(try mode(URL(fileURLWithPath: store.path + suffix)) == 0o600, "strata.sqlite\(suffix)")
        }
        kill9(paused)

        #expect(try strata(["refresh"]).status == 0)
        for file in [store, URL(fileURLWithPath: store.path + ".audit-head"), URL(fileURLWithPath: store.path + ".lock"),
                     lists.appendingPathComponent("run-0001/everyone-email.csv")] {
            #expect(try mode(file) == 0o600, "\(file.lastPathComponent)")
        }
        #expect(try mode(lists) == 0o700)
        #expect(try mode(lists.appendingPathComponent("run-0001")) == 0o700)
    }

    // MARK: Row 14

    @Test func twoRefreshesOfANewProjectAtOnceBothSucceed() throws {
        defer { remove() }
        for trial in 0..<5 {
            if trial > 0 {
                for name in ["strata.sqlite", "strata.sqlite.audit-head", "lists"] {
                    try? FileManager.default.removeItem(at: project.appendingPathComponent(name))
                }
            }
            let first = try start(["refresh", "--project", project.path]), second = try start(["refresh", "--project", project.path])
            let results = [finish(first), finish(second)]
            #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.standardError))")
            #expect(results.filter { $0.standardOutput.hasPrefix("run 1: 2024-06-30") }.count == 1, "\(results.map(\.standardOutput))")
            #expect(results.filter { $0.standardOutput.contains("nothing changed") }.count == 1)
        }
    }

    @Test func aSecondRefreshWaitsForTheFirstEvenBeforeTheStoreExistsThenFindsNothingChanged() throws {
        defer { remove() }
        // The first holds the lock and has not created the store yet.
        let first = try refreshPaused(at: "locked")
        #expect(!FileManager.default.fileExists(atPath: store.path))
        let errors = project.appendingPathComponent("second.err")
        let second = try start(["refresh", "--project", project.path], errorFile: errors)
        let message = "another refresh of this project is running; waiting for it to finish (up to 600 s)"
        while !((try? String(contentsOf: errors, encoding: .utf8))?.contains(message) ?? false) {
            #expect(second.0.isRunning, "the second refresh did not wait")
            guard second.0.isRunning else { break }
            usleep(20_000)
        }
        try FileManager.default.removeItem(at: first.marker)  // let the first go on
        let results = [finish(first.started), finish(second)]
        #expect(results.map(\.status) == [0, 0])
        #expect(results[0].standardOutput.hasPrefix("run 1: 2024-06-30"))
        #expect(results[1].standardOutput.hasPrefix("run 1 (as of 2024-06-29) already covers 2024-06-30: nothing changed"))
    }

    @Test func aSecondRefreshWaitsWithAMessageAndGivesUpAfterItsTimeout() throws {
        defer { remove() }
        let holder = try refreshPaused(at: "committed")
        let waiting = try strata(["refresh", "--lock-timeout", "1"])
        #expect(waiting.status != 0)
        #expect(waiting.standardError.contains("another refresh of this project is running; waiting for it to finish (up to 1 s)"))
        #expect(waiting.standardError.contains("another refresh of this project held \(store.path).lock for more than 1 s"))
        kill9(holder)
        // The killed refresh had committed run 1 without publishing its lists: the next one rebuilds them.
        let next = try strata(["refresh"])
        #expect(next.status == 0, "\(next.standardError)")
        #expect(next.standardOutput.contains("nothing changed") && next.standardOutput.contains("written again"))
    }

    // MARK: Row 8: kill -9 at each step

    @Test(arguments: ["staged", "committed", "published", "linked"])
    func aRefreshKilledAtAnyStepPublishesNoListWithoutItsRun(_ point: String) throws {
        defer { remove() }
        #expect(try strata(["refresh", "--as-of", "2024-06-20"]).status == 0)
        let paused = try refreshPaused(at: point)
        kill9(paused)

        let runs = try SegmentStore(path: store.path).runs().map(\.id)
        #expect(runs == (point == "staged" ? [1] : [1, 2]))
        // Every run folder belongs to a committed run; latest points at one.
        let published = try FileManager.default.contentsOfDirectory(atPath: lists.path).filter { $0.hasPrefix("run-") }
        #expect(published.allSatisfy { runs.map { String(format: "run-%04lld", $0) }.contains($0) }, "\(published)")
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: lists.appendingPathComponent("latest").path)
        #expect(runs.map { String(format: "run-%04lld", $0) }.contains(latest))

        // The next refresh removes what the killed one left and leaves every run with its lists.
        let next = try strata(["refresh"])
        #expect(next.status == 0, "\(next.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: lists.path)
        #expect(names.filter { $0.hasPrefix(".") }.isEmpty, "\(names)")
        #expect(Set(names) == Set(["latest"] + (try SegmentStore(path: store.path).runs()).map { String(format: "run-%04lld", $0.id) }))
        let verify = try strata(["audit", "verify"])
        #expect(verify.status == 0, "\(verify.standardError)")
    }

    // MARK: Row 16

    @Test func asOfOutsideTheExportAndMissingRunsAreErrors() throws {
        defer { remove() }
        for asOf in ["0001-01-01", "9999-12-31"] {
            let refused = try strata(["refresh", "--as-of", asOf])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("--as-of \(asOf) is outside the export"))
        }
        #expect(try strata(["refresh"]).status == 0)
        let diff = try strata(["segments", "diff", "everyone", "--run", "999999"])
        #expect(diff.status != 0)
        #expect(diff.standardError.contains("no run 999999 in the store (runs are numbered 1 to 1)"))
    }

    // MARK: Rows 9 and 17

    @Test func aRemovedAuditEntryAndHeadFileFailVerification() throws {
        defer { remove() }
        #expect(try strata(["refresh", "--as-of", "2024-06-20"]).status == 0)
        #expect(try strata(["refresh"]).status == 0)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM audit WHERE sequence = 2"); db.commit()
            """, store.path]
        try python.run()
        python.waitUntilExit()
        try FileManager.default.removeItem(atPath: store.path + ".audit-head")
        let verify = try strata(["audit", "verify"])
        #expect(verify.status == 1)
        #expect(verify.standardError.contains("the audit head file \(store.path).audit-head is missing"))
        #expect(verify.standardError.contains("the store has 2 runs but the audit log records 1 refreshes"))
        #expect(!verify.standardOutput.contains("intact"))
    }

    @Test func removedListsOfTheNewestRunAreReportedThenRebuilt() throws {
        defer { remove() }
        #expect(try strata(["refresh"]).status == 0)
        try FileManager.default.removeItem(at: lists.appendingPathComponent("run-0001"))
        let verify = try strata(["audit", "verify"])
        #expect(verify.status == 1)
        #expect(verify.standardError == "run 1: its lists folder \(lists.path)/run-0001 is missing\n")
        let again = try strata(["refresh"])
        #expect(again.status == 0)
        #expect(again.standardOutput.contains("its lists were missing or changed and were written again in \(lists.path)/run-0001"))
        #expect(FileManager.default.fileExists(atPath: lists.appendingPathComponent("latest/everyone-email.csv").path))
        #expect(try strata(["audit", "verify"]).standardOutput.hasPrefix("audit log intact: 2 entries"))
    }
}
