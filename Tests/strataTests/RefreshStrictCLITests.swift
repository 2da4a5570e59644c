import Foundation
import Testing

/// `strata refresh --strict` through the binary: every cross-record check fails, the run stops with the
/// finding's place and records nothing; without the flag the project's policy (drop) lets it through.
@Suite("strata refresh --strict")
struct RefreshStrictCLITests {
    static let duplicates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataDataTests/Fixtures/checks/duplicate_appointments")

    @Test func aFindingStopsAStrictRefreshAndNothingIsWritten() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-refresh-strict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("exports"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        try FileManager.default.copyItem(at: Self.duplicates, to: project.appendingPathComponent("exports/2024-03-05"))
        try """
            exports:
              path: exports
            segments:
              - name: everyone
                rule: age >= 0
                purpose: marketing
                channels: [email, sms]

            """.write(to: project.appendingPathComponent("strata.yml"), atomically: true, encoding: .utf8)

        let strict = try StrataBinary.run(["refresh", "--project", project.path, "--strict"])
        #expect(strict.status == 1)
        #expect(strict.standardError.hasPrefix("error: appointments.csv:9: duplicate appointments: "))
        #expect(strict.standardError.contains("(check duplicate_appointments: 1 row; strict: every check fails)"))
        #expect(strict.standardOutput.isEmpty)
        let written = try FileManager.default.contentsOfDirectory(atPath: project.path).sorted()
        #expect(written == ["exports", "strata.yml"])

        let lenient = try StrataBinary.run(["refresh", "--project", project.path])
        #expect(lenient.status == 0, "\(lenient.standardError)")
        #expect(lenient.standardError.contains("(check duplicate_appointments: 1 row dropped;"))
    }
}
