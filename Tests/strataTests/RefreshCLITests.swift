import Foundation
import StrataProject
import StrataSegments
import Testing

/// The weekly flow through the built binary: init, refresh, a second export a month later, refresh, diff,
/// history, lists, audit; and refreshes killed at random points.
@Suite("strata refresh end to end", .serialized)
struct RefreshCLITests {
    let project: URL

    init() throws {
        project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-refresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    }

    /// A project whose one segment is easy to recompute from the raw files: patients with a completed visit
    /// in the 30 days up to the as-of date.
    func setUp(patients: Int = 400) throws {
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let file = project.appendingPathComponent("strata.yml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml = String(yaml[..<yaml.range(of: "segments:\n")!.lowerBound]) + """
            segments:
              - name: recent
                rule: last_visit >= as_of - 30d
                purpose: marketing
                channels: [email, sms]

            """
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        for cut in ["2025-11-30", "2025-12-31"] {
            let result = try StrataBinary.run(["generate", "--patients", "\(patients)", "--seed", "5", "--kind", "primary-care",
                                               "--to", cut, "--out", exportsFolder(cut).path,
                                               "--truth-out", project.appendingPathComponent("truth-\(cut)").path])
            #expect(result.status == 0, "\(result.standardError)")
        }
    }

    func exportsFolder(_ cut: String) -> URL { project.appendingPathComponent("exports/\(cut)") }

    func refresh(_ cut: String, _ extra: [String] = []) throws -> StrataBinary.Result {
        try StrataBinary.run(["refresh", "--project", project.path, exportsFolder(cut).path, "--as-of", cut] + extra)
    }

    /// Patients with a completed appointment on a day in [asOf - 30, asOf], read straight from the CSV.
    func recentFromRawFiles(_ cut: String) throws -> Set<String> {
        let text = try String(contentsOf: exportsFolder(cut).appendingPathComponent("appointments.csv"), encoding: .utf8)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let asOf = formatter.date(from: cut)!
        let from = asOf.addingTimeInterval(-30 * 86_400)
        var members: Set<String> = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields[3] == "completed", let day = formatter.date(from: String(fields[1].prefix(10))) else { continue }
            if day >= from && day <= asOf { members.insert(String(fields[0])) }
        }
        return members
    }

    @Test func twoExportsAMonthApart() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp()

        let first = try refresh("2025-11-30")
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("run 1: 2025-11-30 as of 2025-11-30"))
        let again = try refresh("2025-11-30")
        #expect(again.standardOutput.contains("already covers 2025-11-30: nothing changed"))

        let second = try refresh("2025-12-31", ["--json"])
        #expect(second.status == 0, "\(second.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(second.standardOutput.utf8)) as! [String: Any]
        #expect(json["run"] as? Int == 2)
        let typed = try JSONDecoder().decode(RefreshSummary.self, from: Data(second.standardOutput.utf8))
        #expect(typed.run == 2 && typed.asOf == "2025-12-31" && typed.segments.map(\.name) == ["recent"] && !typed.unchanged)

        // The changes the second export implies, recomputed from the raw appointment files.
        let before = try recentFromRawFiles("2025-11-30"), after = try recentFromRawFiles("2025-12-31")
        #expect(!before.isEmpty && !after.subtracting(before).isEmpty && !before.subtracting(after).isEmpty)
        let diff = try StrataBinary.run(["segments", "diff", "recent", "--project", project.path, "--stayed"])
        #expect(diff.status == 0)
        let lines = diff.standardOutput.split(separator: "\n")
        let entered = Set(lines.filter { $0.hasPrefix("+ ") }.map { String($0.dropFirst(2).prefix { $0 != "\t" }) })
        let exited = Set(lines.filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2).prefix { $0 != "\t" }) })
        let stayed = Set(lines.filter { $0.hasPrefix("= ") }.map { String($0.dropFirst(2)) })
        #expect(entered == after.subtracting(before))
        #expect(exited == before.subtracting(after))
        #expect(stayed == before.intersection(after))
        #expect(lines.filter { $0.hasPrefix("- ") }.allSatisfy { $0.contains("rule no longer holds: last_visit=") })

        let history = try StrataBinary.run(["segments", "history", "recent", "--project", project.path])
        #expect(history.standardOutput == """
            run\tas_of\tmembers\tentered\texited
            1\t2025-11-30\t\(before.count)\t\(before.count)\t0
            2\t2025-12-31\t\(after.count)\t\(entered.count)\t\(exited.count)

            """)

        // Lists: owner-only, only the channel's columns, a subset of the segment.
        let latest = project.appendingPathComponent("lists/latest")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: latest.path) == "run-0002")
        for channel in ["email", "sms"] {
            let url = latest.appendingPathComponent("recent-\(channel).csv")
            let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
            let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            #expect(rows.first == "patient_id,\(channel == "email" ? "email" : "phone"),first_name,segment")
            #expect(Set(rows.dropFirst().map { String($0.prefix { $0 != "," }) }).isSubset(of: after))
        }

        let verify = try StrataBinary.run(["audit", "verify", "--project", project.path])
        #expect(verify.status == 0)
        #expect(verify.standardOutput.hasPrefix("audit log intact: 2 entries"))

        // A new model is a model change in the audit log, then part of the next run's inputs.
        let train = try StrataBinary.run(["train", "churn", exportsFolder("2025-12-31").path, "--config",
                                          project.appendingPathComponent("strata.yml").path, "--model-out",
                                          project.appendingPathComponent("models/churn-2025-12-31.json").path])
        #expect(train.status == 0, "\(train.standardError)")
        #expect(try refresh("2025-12-31").status == 0)
        let log = try StrataBinary.run(["audit", "--project", project.path]).standardOutput.split(separator: "\n")
        // Training into the project's models folder registers the model, the first churn model as champion
        // (two entries), before the refresh that applies it.
        #expect(log.map { $0.split(separator: "\t")[3] } == ["refresh", "refresh", "model registered", "model promoted",
                                                             "model change", "refresh"])
        #expect(log[4].contains("model:churn-2025-12-31.json"))
        #expect(try StrataBinary.run(["audit", "verify", "--project", project.path]).standardOutput.hasPrefix("audit log intact: 6 entries"))
    }

    @Test func anEditedAuditEntryIsDetected() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp(patients: 150)
        #expect(try refresh("2025-11-30").status == 0)
        #expect(try refresh("2025-12-31").status == 0)
        // Edit the first entry behind Strata's back.
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("UPDATE audit SET user = 'someone-else' WHERE sequence = 1"); db.commit()
            """, project.appendingPathComponent("strata.sqlite").path]
        try sqlite.run()
        sqlite.waitUntilExit()
        let verify = try StrataBinary.run(["audit", "verify", "--project", project.path])
        #expect(verify.status == 1)
        #expect(verify.standardError == "audit log broken at entry 1: entry 1 was changed after it was written\n")
    }

    @Test func killedRefreshesLeaveNothingBroken() throws {
        defer { try? FileManager.default.removeItem(at: project) }
        try setUp(patients: 1500)
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<6 {
            let cut = attempt % 2 == 0 ? "2025-11-30" : "2025-12-31"
            let process = Process()
            process.executableURL = StrataBinary.url
            process.arguments = ["refresh", "--project", project.path, exportsFolder(cut).path, "--as-of", cut]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try checkNothingBroken()
        }
        let final = try refresh("2025-12-31")
        #expect(final.status == 0, "\(final.standardError)")
        try checkNothingBroken()
        #expect(try StrataBinary.run(["audit", "verify", "--project", project.path]).status == 0)
    }

    /// The store passes SQLite's integrity check and every list file anywhere under lists/ is complete.
    func checkNothingBroken() throws {
        let storePath = project.appendingPathComponent("strata.sqlite").path
        if FileManager.default.fileExists(atPath: storePath) {
            #expect(try SegmentStore(path: storePath).integrityCheck())
        }
        let lists = project.appendingPathComponent("lists")
        guard let walker = FileManager.default.enumerator(atPath: lists.path) else { return }
        for case let path as String in walker where path.hasSuffix(".csv") {
            let text = try String(contentsOf: lists.appendingPathComponent(path), encoding: .utf8)
            #expect(text.hasPrefix("patient_id,") && text.hasSuffix("\n"), "\(path) is incomplete")
            #expect(text.split(separator: "\n").allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 4 }, "\(path)")
        }
    }
}

@Suite("strata demo")
struct DemoCLITests {
    @Test func printsTheSegmentTableOfTheSecondRefresh() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try StrataBinary.run(["demo", "--patients", "300", "--directory", directory.path])
        #expect(result.status == 0, "\(result.standardError)")
        let output = result.standardOutput
        #expect(output.contains("run 2: 2025-12-31 as of 2025-12-31"))
        #expect(output.contains("segment") && output.contains("members  entered   exited"))
        for name in ["new-no-second-visit", "inactive-6-months", "churn-risk", "mammogram-due", "braces-campaign", "chronic-uninsured",
                     "cluster-0"] {
            #expect(output.contains(name), "\(name) missing from the table")
        }
        #expect(result.standardError.contains("[1/6]"))
        // One segment per discovered cluster; every patient is in exactly one of them.
        let patients = Int(output.split(separator: "\n").first { $0.hasPrefix("run 2:") }!.split(separator: " ").dropLast().last!)!
        let clusterMembers = output.split(separator: "\n").filter { $0.hasPrefix("cluster-") }
            .map { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1])! }
        #expect(clusterMembers.count >= 3)
        #expect(clusterMembers.reduce(0, +) == patients)
        // A second demo into the same folder replaces the first; a folder that is not a demo is refused.
        #expect(try StrataBinary.run(["demo", "--patients", "300", "--directory", directory.path]).status == 0)
        let other = directory.appendingPathComponent("not-a-demo")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        #expect(try StrataBinary.run(["demo", "--patients", "300", "--directory", other.path]).status != 0)
    }
}
