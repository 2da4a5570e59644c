import Foundation
import Testing

/// Issue 16 rows 3, 13, 15 and 20 through the built binary: every command that reads an export gives the
/// verdict `validate` gives, never a trap, and warnings that name their place.
@Suite("Hardened ingest end to end (issue 16)")
struct HardeningDataCLITests {
    static let valid = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataDataTests/Fixtures/valid")
    static let appointmentsHeader = "patient_id,scheduled_at,booked_at,status,service,provider,amount\n"
    static let appointment = "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,"

    /// A project folder (from `strata init`) holding `exports/e`: the valid fixture with `replacing` written over it.
    private func project(replacing files: [String: String]) throws -> (project: URL, export: URL) {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-hardening-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        #expect(try StrataBinary.run(["init", "--project", project.path]).status == 0)
        let export = project.appendingPathComponent("exports/e")
        try FileManager.default.createDirectory(at: export.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.valid, to: export)
        try? FileManager.default.removeItem(at: export.appendingPathComponent("README.md"))
        for (name, text) in files { try Data(text.utf8).write(to: export.appendingPathComponent(name)) }
        return (project, export)
    }

    /// `validate`, `features` and `refresh` on the same export.
    private func everyReader(_ project: URL, _ export: URL) throws -> [String: StrataBinary.Result] {
        let out = project.appendingPathComponent("features-out")
        return [
            "validate": try StrataBinary.run(["validate", export.path]),
            "features": try StrataBinary.run(["features", export.path, "--as-of", "2024-03-01", "--out", out.path]),
            "refresh": try StrataBinary.run(["refresh", "--project", project.path, export.path, "--as-of", "2024-03-01"]),
        ]
    }

    @Test func wideAndLoneCRFilesAreErrorsForEveryCommandNotTraps() throws {
        let extra = (1...143).map { "extra_\($0)" }
        let wide = String(Self.appointmentsHeader.dropLast()) + "," + extra.joined(separator: ",") + "\n"
            + Self.appointment + "100.00," + extra.map { _ in "x" }.joined(separator: ",") + "\n"
        let loneCR = "patient_id,channel,purpose,status,recorded_at\r" + String(repeating: "P1,email,marketing,opt_in,2020-01-01T09:00:00Z\r", count: 30)
        for (file, text, message) in [
            ("appointments.csv", wide, "appointments.csv:1:66: unknown column: found \"extra_1\""),
            ("consents.csv", loneCR, "consents.csv:1:46: lone carriage return"),
        ] {
            let (project, export) = try project(replacing: [file: text])
            defer { try? FileManager.default.removeItem(at: project) }
            for (command, result) in try everyReader(project, export) {
                // Exit 1 with the message: a trap would end the process by a signal, with nothing on stderr.
                #expect(result.status == 1, "\(command): \(result.standardError)")
                #expect(result.standardError.contains(message), "\(command): \(result.standardError)")
            }
            #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("features-out").path))
        }
    }

    @Test func anInvalidTableFeaturesDoesNotUseFailsFeaturesAsItFailsValidate() throws {
        let consents = "patient_id,channel,purpose,status,recorded_at\nP1,fax,marketing,opt_in,2020-01-01T09:00:00Z\n"
        let (project, export) = try project(replacing: ["consents.csv": consents])
        defer { try? FileManager.default.removeItem(at: project) }
        let results = try everyReader(project, export)
        let message = "consents.csv:2:4: unknown value: found \"fax\", expected one of email, sms, phone, whatsapp"
        #expect(results["validate"]?.standardError == "error: \(message)\n")
        #expect(results["features"]?.standardError == "error: \(message)\n")
        for (command, result) in results {
            #expect(result.status == 1, "\(command)")
            #expect(result.standardError.contains(message), "\(command): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("features-out").path))
    }

    @Test func aFileCutInsideARecordFailsEveryCommand() throws {
        let cut = Self.appointmentsHeader + Self.appointment + "100.00\n" + "P2,2023-05-01T10:00:00Z,2023-02-01T10:"
        let (project, export) = try project(replacing: ["appointments.csv": cut])
        defer { try? FileManager.default.removeItem(at: project) }
        for (command, result) in try everyReader(project, export) {
            #expect(result.status == 1, "\(command)")
            #expect(result.standardError.contains("appointments.csv:3:39: file ends inside a record"), "\(command): \(result.standardError)")
        }
        let skipping = try StrataBinary.run(["validate", export.path, "--max-bad-rows", "10"])
        #expect(skipping.status == 1)
        #expect(skipping.standardError.contains("file ends inside a record"))
    }

    @Test func warningsAreListedByValidateAndPrintedByFeatures() throws {
        let text = Self.appointmentsHeader + Self.appointment + "-95.00\n" + Self.appointment + "1"
        let (project, export) = try project(replacing: ["appointments.csv": text])
        defer { try? FileManager.default.removeItem(at: project) }
        let validate = try StrataBinary.run(["validate", export.path])
        #expect(validate.status == 0)
        #expect(validate.standardOutput.hasSuffix("""
            problems: none
            warnings: 1 row with a negative amount, 1 file without a line end after the last record (kept as read); first:
              appointments.csv:2:70: negative amount: found "-95.00", kept as read (a refund or correction; amounts charged are expected to be 0 or more)
              appointments.csv:3:70: no line end after the last record: found "1", kept as read (a file cut short inside its last value looks the same: check that this value is whole)

            """))
        let features = try StrataBinary.run(["features", export.path, "--as-of", "2024-03-01",
                                             "--out", project.appendingPathComponent("features-out").path])
        #expect(features.status == 0, "\(features.standardError)")
        #expect(features.standardError == """
            warning: appointments.csv:2:70: negative amount: found "-95.00", kept as read (a refund or correction; amounts charged are expected to be 0 or more)
            warning: appointments.csv:3:70: no line end after the last record: found "1", kept as read (a file cut short inside its last value looks the same: check that this value is whole)

            """)
        // refresh reads the export itself and prints the same warnings, before its own.
        let refresh = try StrataBinary.run(["refresh", "--project", project.path, export.path, "--as-of", "2024-03-01"])
        #expect(refresh.status == 0, "\(refresh.standardError)")
        #expect(refresh.standardError.hasPrefix("""
            warning: appointments.csv:2:70: negative amount: found "-95.00", kept as read (a refund or correction; amounts charged are expected to be 0 or more)
            warning: appointments.csv:3:70: no line end after the last record: found "1", kept as read (a file cut short inside its last value looks the same: check that this value is whole)

            """))
    }

    @Test func datesBeforeNineteenHundredAndExponentAmountsFailValidate() throws {
        let patients = try String(contentsOf: Self.valid.appendingPathComponent("patients.csv"), encoding: .utf8)
        for (file, text, message) in [
            ("patients.csv", patients + "P9,Zed,0000-01-01,male,,2020-01-01T09:00:00Z,,,,\n",
             "error: patients.csv:5:8: bad date: found \"0000-01-01\", expected a date from 1900-01-01 to 2199-12-31\n"),
            ("appointments.csv", Self.appointmentsHeader + Self.appointment + "1e+5\n",
             "error: appointments.csv:2:70: not a number: found \"1e+5\", expected a decimal number like 120.50 without an exponent (spreadsheets write 1.2E+05 for numbers they have rounded)\n"),
        ] {
            let (project, export) = try project(replacing: [file: text])
            defer { try? FileManager.default.removeItem(at: project) }
            let result = try StrataBinary.run(["validate", export.path])
            #expect(result.status == 1)
            #expect(result.standardError == message)
        }
    }
}
