import Foundation
import Testing

/// Issue 18: one path resolution. An export folder on the command line is relative to the current directory
/// for `refresh` as for every other command, and a missing one is reported, not a raw Foundation error.
@Suite("command-line paths")
struct PathResolutionCLITests {
    @Test func refreshTakesTheExportFromTheCurrentDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try StrataBinary.run(["init", "--project", "p"], in: root).status == 0)
        let generated = try StrataBinary.run(["generate", "--patients", "200", "--seed", "3", "--kind", "primary-care",
                                              "--to", "2025-06-30", "--out", "p/exports/2025-06-30", "--truth-out", "truth"], in: root)
        #expect(generated.status == 0, "\(generated.standardError)")

        let refreshed = try StrataBinary.run(["refresh", "--project", "p", "p/exports/2025-06-30"], in: root)
        #expect(refreshed.status == 0, "\(refreshed.standardError)")
        #expect(refreshed.standardOutput.hasPrefix("run 1: 2025-06-30 as of 2025-06-30"))

        // The same path from inside the project is not there: said once, with the path, as `error: ...`.
        let missing = try StrataBinary.run(["refresh", "--project", ".", "p/exports/2025-06-30"], in: root.appendingPathComponent("p"))
        #expect(missing.status == 1)
        #expect(missing.standardError.hasPrefix("error: ") && missing.standardError.contains("p/exports/2025-06-30: no export found"))
        #expect(!missing.standardError.contains("Error Domain") && !missing.standardError.contains("CocoaError"))
    }
}
