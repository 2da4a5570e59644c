import Foundation
@testable import StrataProject
import StrataReports
import StrataSegments
import Testing

/// Reports of generated clinics (the demo's flow at 200 and 1,000 people: two exports, churn model, clusters,
/// two refreshes, the report): no figure comes from 1 to 10 patients, no suppressed cell can be recomputed
/// from the totals shown, and no patient identifier, name, email, phone or birth date appears.
@Suite("report privacy", .serialized)
struct ReportPrivacyTests {
    /// The demo flow into a temporary folder; returns the project and the report's folder.
    static func demo(patients: Int) throws -> (project: URL, report: URL) {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-report-\(UUID().uuidString)")
        _ = try DemoRun.run(DemoRun.Configuration(directory: project, patients: patients, user: "test"))
        return (project, project.appendingPathComponent("reports/run-2"))
    }

    /// `name.csv` of the report as rows of fields (header first), RFC 4180 quotes undone.
    static func csv(_ report: URL, _ name: String) throws -> [[String]]? {
        let url = report.appendingPathComponent("aggregates/\(name).csv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(character) }
            } else if character == "\"" { quoted = true
            } else if character == "," { row.append(field); field = ""
            } else if character == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(character) }
        }
        return rows
    }

    /// The columns that hold patient counts.
    static let countColumns: Set = ["n", "members", "entered", "exited", "stayed", "patients", "reachable", "records", "positives",
                                    "positives_reached"]

    static func count(_ text: String) -> Int? { Int(text) }
    static func small(_ n: Int) -> Bool { n > 0 && n < 11 }

    @Test(arguments: [200, 1000])
    func noFigureComesFromOneToTenPatients(patients: Int) throws {
        let (project, report) = try Self.demo(patients: patients)
        defer { try? FileManager.default.removeItem(at: project) }
        let names = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("aggregates").path)
            .filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }
        #expect(names.contains("segments") && names.contains("consent") && names.contains("churn_groups"))
        let html = try String(contentsOf: report.appendingPathComponent("report.html"), encoding: .utf8)
        let notebook = try String(contentsOf: report.appendingPathComponent("report.ipynb"), encoding: .utf8)
        for name in names {
            let rows = try #require(try Self.csv(report, name))
            let header = rows[0]
            for row in rows.dropFirst() {
                #expect(row.count == header.count, "\(name): ragged row \(row)")
                for (column, value) in zip(header, row) where Self.countColumns.contains(column) {
                    // Every count is empty, suppressed, zero or at least 11.
                    #expect(value.isEmpty || value == "<11" || !Self.small(Self.count(value) ?? -1), "\(name).\(column) = \(value)")
                }
            }
            // Every table the page and the notebook show is an aggregate, verbatim.
            let aggregate = Aggregate(name: name, columns: header, rows: Array(rows.dropFirst()))
            let table = HTMLWriter.table(aggregate, caption: nil)
            #expect(html.contains(String(table.dropFirst("<table>\n".count))), "\(name) differs in the page")
            #expect(notebook.contains(name), "\(name) missing from the notebook")
        }
        try checkSums(report)
    }

    /// The sums a reader could use to recompute a suppressed cell: each has none or at least two suppressed.
    func checkSums(_ report: URL) throws {
        func fields(_ row: [String], _ header: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        let segments = try #require(try Self.csv(report, "segments"))
        let history = try #require(try Self.csv(report, "segments_history"))
        for row in segments.dropFirst() {
            let h = segments[0]
            let members = fields(row, h, "members"), stayed = fields(row, h, "stayed"), entered = fields(row, h, "entered")
            let exited = fields(row, h, "exited")
            #expect([members, stayed, entered].filter { $0 == "<11" }.count != 1, "\(row): members = stayed + entered")
            let previous = history.dropFirst().first { $0[0] == "1" && $0[2] == row[0] }.map { $0[3] }
            if let previous { #expect([previous, stayed, exited].filter { $0 == "<11" }.count != 1, "\(row): previous = stayed + exited") }
            if let members = Int(members), let stayed = Int(stayed), let entered = Int(entered) { #expect(members == stayed + entered) }
        }
        for name in ["consent", "segments_reach"] {
            guard let rows = try Self.csv(report, name) else { continue }
            for row in rows.dropFirst() {
                let reachable = fields(row, rows[0], "reachable"), n = fields(row, rows[0], "n")
                // Shown together, the patients not reachable (n − reachable) must not be a small count.
                if let reachable = Int(reachable), let n = Int(n) { #expect(!Self.small(n - reachable), "\(name): \(row)") }
            }
        }
        if let bins = try Self.csv(report, "churn_histogram") {
            #expect(bins.dropFirst().filter { $0[2] == "<11" }.count != 1, "one suppressed histogram bin is the total minus the others")
        }
        if let sizes = try Self.csv(report, "clusters_sizes") {
            #expect(sizes.dropFirst().filter { $0[2] == "<11" }.count != 1, "one suppressed cluster is the total minus the others")
        }
        if let groups = try Self.csv(report, "churn_groups") {
            for row in groups.dropFirst() {
                let patients = try #require(Int(row[1])), positives = try #require(Int(row[2]))
                #expect(!Self.small(patients) && !Self.small(positives) && !Self.small(patients - positives), "churn group \(row)")
            }
        }
        if let movement = try Self.csv(report, "segments_movement") {
            for row in movement.dropFirst() { #expect(row[2] == "<11" || !Self.small(Int(row[2]) ?? -1)) }
        }
    }

    @Test func noPatientIdentifierNameEmailPhoneOrBirthDateAppears() throws {
        let (project, report) = try Self.demo(patients: 200)
        defer { try? FileManager.default.removeItem(at: project) }
        var texts: [String: String] = [:]
        let files = FileManager.default.enumerator(atPath: report.path)!.compactMap { $0 as? String }.filter { $0.contains(".") }
        for file in files { texts[file] = try String(contentsOf: report.appendingPathComponent(file), encoding: .utf8) }
        #expect(texts.keys.contains("report.html") && texts.keys.contains("report.ipynb") && texts.count > 5)
        // Dates that are the runs' and models' own (export cuts, as-of dates) are not patient data.
        let runDates: Set = ["2025-11-30", "2025-12-31"]
        var checked = 0
        for cut in ["2025-11-30", "2025-12-31"] {
            let lines = try String(contentsOf: project.appendingPathComponent("exports/\(cut)/patients.csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            let columns = ["patient_id", "first_name", "email", "phone", "birth_date"].map { header.firstIndex(of: $0)! }
            for row in lines.dropFirst() {
                for (kind, index) in zip(["id", "name", "email", "phone", "birth date"], columns) {
                    let value = row[index]
                    guard !value.isEmpty, !(kind == "birth date" && runDates.contains(value)) else { continue }
                    checked += 1
                    for (file, text) in texts {
                        // Names as whole words (a name may be part of another word); the rest as they are.
                        let found = kind == "name" ? text.range(of: "\\b\(NSRegularExpression.escapedPattern(for: value))\\b",
                                                                options: .regularExpression) != nil
                                                   : text.contains(value)
                        #expect(!found, "\(kind) \(value) found in \(file)")
                    }
                }
            }
        }
        #expect(checked > 1000)
    }
}
