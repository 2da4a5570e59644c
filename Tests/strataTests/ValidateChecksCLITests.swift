import Foundation
import StrataData
import Testing

/// Issue 14, item 5 through the binary: `strata validate` lists the cross-record checks' findings (no more
/// "problems: none" for a booking after its visit), `--json` decodes into `ValidationReport`, `--strict` fails
/// every check, and the other commands follow the `checks:` policies of `strata.yml`.
@Suite("strata validate: cross-record checks")
struct ValidateChecksCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataDataTests/Fixtures/checks")
    static let bookedLate = fixtures.appendingPathComponent("booked_after_scheduled").path
    static let finding = "appointments.csv:6: booked after scheduled: found booked_at 2024-01-16T08:00:00Z, scheduled_at 2024-01-15T10:00:00Z, expected a booking on or before the day of the visit"

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-checks-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aBookingAfterItsVisitIsAProblemNow() throws {
        let result = try StrataBinary.run(["validate", Self.bookedLate])
        #expect(result.status == 1)
        #expect(!result.standardOutput.contains("problems: none"))
        #expect(result.standardOutput.contains("""
            checks:
              booked_after_scheduled  1 row, error, fail
                \(Self.finding)

            """))
        #expect(result.standardOutput.hasSuffix("problems: failed checks (listed under checks): booked_after_scheduled (1 row)\n"))
    }

    @Test func jsonIsTheValidationReport() throws {
        let result = try StrataBinary.run(["validate", Self.bookedLate, "--json"])
        #expect(result.status == 1)
        let report = try JSONDecoder().decode(ValidationReport.self, from: Data(result.standardOutput.utf8))
        #expect(!report.clean && report.format == .canonical && report.patients == 3)
        #expect(report.checks.map(\.name) == ExportCheck.allCases.map(\.rawValue))
        let booked = try #require(report.checks.first)
        #expect(booked.failed && booked.count == 1 && booked.severity == .error && booked.policy == .fail)
        #expect(booked.examples.map(\.message) == [Self.finding])
        #expect(booked.examples.map(\.file) == ["appointments.csv"] && booked.examples.map(\.line) == [6] && booked.examples.map(\.row) == [4])
        #expect(report.checks.first { $0.name == "events_after_export" }?.notRun != nil)
        // The valid export is clean, in JSON too.
        let valid = try StrataBinary.run(["validate", Self.fixtures.deletingLastPathComponent().appendingPathComponent("valid").path, "--json"])
        #expect(valid.status == 0)
        #expect(try JSONDecoder().decode(ValidationReport.self, from: Data(valid.standardOutput.utf8)).clean)
    }

    @Test func strictFailsOnWhatIsDroppedByDefault() throws {
        let duplicates = Self.fixtures.appendingPathComponent("duplicate_appointments").path
        let lenient = try StrataBinary.run(["validate", duplicates])
        #expect(lenient.status == 0)
        #expect(lenient.standardOutput.contains("duplicate_appointments  1 row, warning, drop (1 row dropped)"))
        #expect(lenient.standardOutput.contains("  appointments    5 rows\n"))
        let strict = try StrataBinary.run(["validate", duplicates, "--strict"])
        #expect(strict.status == 1)
        #expect(strict.standardOutput.contains("checks (strict: every check fails):"))
    }

    @Test func otherCommandsStopAtAFailingCheckOrFollowTheProjectsPolicy() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("features")
        let failed = try StrataBinary.run(["features", Self.bookedLate, "--as-of", "2024-03-01", "--out", out.path])
        #expect(failed.status == 1)
        #expect(failed.standardError == "error: \(Self.finding) (check booked_after_scheduled: 1 row; policy fail: set checks.booked_after_scheduled to drop or keep in strata.yml to go on without them)\n")
        #expect(!FileManager.default.fileExists(atPath: out.path))

        let config = folder.appendingPathComponent("strata.yml")
        try "checks:\n  booked_after_scheduled: drop\n".write(to: config, atomically: true, encoding: .utf8)
        let dropped = try StrataBinary.run(["features", Self.bookedLate, "--as-of", "2024-03-01", "--out", out.path, "--config", config.path])
        #expect(dropped.status == 0, "\(dropped.standardError)")
        #expect(dropped.standardError == "warning: \(Self.finding) (check booked_after_scheduled: 1 row dropped; `strata validate` lists them)\n")
        let validate = try StrataBinary.run(["validate", Self.bookedLate, "--config", config.path])
        #expect(validate.status == 0)
        #expect(validate.standardOutput.hasSuffix("problems: none\n"))

        try "checks:\n  booked_after_scheduled: ignore\n".write(to: config, atomically: true, encoding: .utf8)
        let bad = try StrataBinary.run(["validate", Self.bookedLate, "--config", config.path])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("checks.booked_after_scheduled") && bad.standardError.contains("expected fail, drop or keep"))
    }
}
