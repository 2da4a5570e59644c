import Foundation
import Testing

/// The export cache through the built binary: `STRATA_EXPORT_CACHE=off` stores nothing; a refresh stores one
/// owner-only entry; a report through it writes the same aggregates as one without it; a corrupted entry is
/// named in refresh's warnings, rebuilt, and the report after it is still the same.
@Suite("export cache end to end", .serialized)
struct ExportCacheCLITests {
    let project = FileManager.default.temporaryDirectory.appendingPathComponent("strata-exportcache-cli-\(UUID().uuidString)")
    var cache: URL { project.appendingPathComponent("cache/exports") }
    var export: URL { project.appendingPathComponent("exports/2025-12-31") }

    /// `strata <arguments>` with `environment` added to this process's.
    func strata(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = StrataBinary.url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errorFile = project.appendingPathComponent(".stderr-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: errorFile.path, contents: nil))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: errorFile) }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), try String(contentsOf: errorFile, encoding: .utf8))
    }

    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []).filter { $0.hasSuffix(".exportcache") }
    }

    func aggregates(_ folder: URL) throws -> [String: Data] {
        let directory = folder.appendingPathComponent("run-1/aggregates")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return files
    }

    @Test func offStoresNothingOnIsTheSameAndACorruptEntryIsRebuilt() throws {
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        #expect(try strata(["init", "--project", project.path]).status == 0)
        let generated = try strata(["generate", "--patients", "300", "--seed", "5", "--kind", "primary-care", "--to", "2025-12-31",
                                    "--out", export.path, "--truth-out", project.appendingPathComponent("truth").path])
        #expect(generated.status == 0, "\(generated.error)")

        let off = ["STRATA_EXPORT_CACHE": "off"]
        let plainRefresh = try strata(["refresh", "--project", project.path, export.path], environment: off)
        #expect(plainRefresh.status == 0, "\(plainRefresh.error)")
        #expect(entries().isEmpty)
        let plainFolder = project.appendingPathComponent("report-plain")
        #expect(try strata(["report", "--project", project.path, "--out", plainFolder.path], environment: off).status == 0)
        #expect(entries().isEmpty)

        // The same export refreshed again (the run is unchanged) with the cache on: one owner-only entry.
        #expect(try strata(["refresh", "--project", project.path, export.path]).status == 0)
        #expect(entries().count == 1)
        let entry = cache.appendingPathComponent(try #require(entries().first))
        #expect((try FileManager.default.attributesOfItem(atPath: entry.path)[.posixPermissions] as? Int) == 0o600)
        let cachedFolder = project.appendingPathComponent("report-cached")
        let cached = try strata(["report", "--project", project.path, "--out", cachedFolder.path])
        #expect(cached.status == 0, "\(cached.error)")
        let plain = try aggregates(plainFolder)
        #expect(!plain.isEmpty)
        #expect(try aggregates(cachedFolder) == plain)

        // One flipped byte: refresh names the entry, reads the CSVs, stores it again; the report after is the same.
        var bytes = [UInt8](try Data(contentsOf: entry))
        bytes[bytes.count / 3] ^= 0x20
        try Data(bytes).write(to: entry)
        let refresh = try strata(["refresh", "--project", project.path, export.path])
        #expect(refresh.status == 0, "\(refresh.error)")
        #expect(refresh.error.contains("export cache: \(entry.path) is corrupted"), "\(refresh.error)")
        #expect(try Data(contentsOf: entry) != Data(bytes))
        let rebuiltFolder = project.appendingPathComponent("report-rebuilt")
        #expect(try strata(["report", "--project", project.path, "--out", rebuiltFolder.path]).status == 0)
        #expect(try aggregates(rebuiltFolder) == plain)
    }
}
