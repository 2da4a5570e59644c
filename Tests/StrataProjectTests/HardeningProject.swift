import Foundation
import StrataData
import StrataProject
import StrataSegments

/// A small project for the hardening tests: one export (`exports/2024-06-30`) of three patients, whose last
/// visit is on 2024-06-29, and one segment of everyone, for marketing by e-mail and SMS.
///
/// Everyone opted in to both channels in 2021; P1 opted out of marketing e-mail on 2024-06-30 at 10:00, the
/// export's last day, and that record is the only one on that day.
struct HardeningProject {
    static let patients = [
        "P1,Ann,1980-01-01,female,,2020-01-01T00:00:00Z,ann@example.com,+15550001,email,web",
        "P2,Bob,1980-01-01,male,,2020-01-01T00:00:00Z,bob@example.com,+15550002,sms,web",
        "P3,Cy,1990-01-01,female,,2020-01-01T00:00:00Z,cy@example.com,+15550003,email,web",
    ]
    static let appointments = [
        "P1,2024-06-29T09:00:00Z,2024-06-01T10:00:00Z,completed,cleaning,Dr A,90.00",
        "P2,2024-05-10T09:00:00Z,2024-05-01T10:00:00Z,completed,cleaning,Dr A,90.00",
        "P3,2024-04-01T09:00:00Z,2024-03-01T10:00:00Z,completed,cleaning,Dr A,90.00",
    ]
    static let consents = ["P1", "P2", "P3"].flatMap { patient in
        ["email", "sms"].map { "\(patient),\($0),marketing,opt_in,2021-01-01T00:00:00Z" }
    } + ["P1,email,marketing,opt_out,2024-06-30T10:00:00Z"]

    let directory: URL

    init(patients: [String] = Self.patients, appointments: [String] = Self.appointments,
         consents: [String] = Self.consents, outputs: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hardening-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("exports"), withIntermediateDirectories: true)
        let written = try writeExport(["patients.csv": patients, "appointments.csv": appointments, "consents.csv": consents])
        try FileManager.default.moveItem(at: written, to: export)
        try """
            exports:
              path: exports
            \(outputs)
            segments:
              - name: everyone
                rule: age >= 0
                purpose: marketing
                channels: [email, sms]
            # These tests are about consent and publishing: every consented channel is listed (issue 22's
            # policy is tested in ContactPolicy*Tests).
            contact_policy: {enabled: false}

            """.write(to: directory.appendingPathComponent("strata.yml"), atomically: true, encoding: .utf8)
    }

    var export: URL { directory.appendingPathComponent("exports/2024-06-30") }
    var lists: URL { directory.appendingPathComponent("lists") }
    var store: URL { directory.appendingPathComponent("strata.sqlite") }

    func open() throws -> Project { try Project(directory: directory) }

    /// The first column of every row of a list of the latest run.
    func listedPatients(_ file: String, run: String = "latest") throws -> [String] {
        let text = try String(contentsOf: lists.appendingPathComponent(run).appendingPathComponent(file), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
    }

    /// Names in `lists/` and below that are temporaries: staging folders, files set aside, `.tmp` files.
    func temporaries() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter {
            let name = ($0 as NSString).lastPathComponent
            return name.hasSuffix(".staging") || name.hasSuffix(".tmp") || name.hasSuffix(".old") || name.hasPrefix(".latest.")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Writes a small canonical export: `files` maps a file name to its lines, without the header, which leaves
/// out the optional `deceased_at` column the rows do not carry (the same
/// helper as the segment tests' `writeExport`; test targets cannot share code).
func writeExport(_ files: [String: [String]]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-project-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for table in CanonicalTable.allCases where table.isRequired || files[table.fileName] != nil {
        let lines = [table.columns.map(\.name).filter { $0 != "deceased_at" }.joined(separator: ",")] + (files[table.fileName] ?? [])
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(table.fileName), atomically: true, encoding: .utf8)
    }
    return folder
}
