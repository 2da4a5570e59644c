import Foundation
@testable import StrataGenerator
import StrataData

/// A generated export read back for tests: each file as a header and rows of fields. The generator never
/// quotes (its texts hold no commas), so splitting on commas is exact here.
struct GeneratedExport {
    let folder: URL
    let truthFolder: URL
    let files: [String: Data]
    let truthFiles: [String: Data]

    struct Table {
        let header: [String]
        let rows: [[String]]

        func column(_ name: String) -> Int {
            guard let index = header.firstIndex(of: name) else { fatalError("no column \(name) in \(header)") }
            return index
        }

        func values(_ name: String) -> [String] {
            let index = column(name)
            return rows.map { $0[index] }
        }
    }

    /// Generates into a fresh temporary folder and reads every file back.
    static func make(persons: Int, seed: UInt64 = 7, kind: ClinicKind = .orthodontic,
                     from: String = GeneratorConfiguration.defaultStart, to: String = GeneratorConfiguration.defaultCut,
                     asOf: String? = nil, workers: Int = 2, chunkSize: Int = 97,
                     behaviour: Behaviour = .default, lifeEvents: LifeEventRates = .default) throws -> GeneratedExport {
        var configuration = try GeneratorConfiguration(personCount: persons, seed: seed, kind: kind, from: from, to: to,
                                                       asOf: asOf, workers: workers)
        configuration.behaviour = behaviour
        configuration.lifeEvents = lifeEvents
        let base = temporaryFolder()
        let folder = base.appendingPathComponent("export"), truth = base.appendingPathComponent("export-truth")
        try ClinicGenerator(configuration, chunkSize: chunkSize).write(export: folder, truth: truth)
        return try GeneratedExport(folder: folder, truthFolder: truth)
    }

    init(folder: URL, truthFolder: URL) throws {
        self.folder = folder
        self.truthFolder = truthFolder
        files = try Self.read(folder)
        truthFiles = try Self.read(truthFolder)
    }

    private static func read(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return result
    }

    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-generator-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func table(_ table: CanonicalTable) -> Table { Self.parse(files[table.fileName]!) }

    var truth: Table { Self.parse(truthFiles[ClinicGenerator.truthFileName]!) }

    static func parse(_ data: Data) -> Table {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let header = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return Table(header: header, rows: Array(rows))
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent())
    }
}

/// `YYYY-MM-DD` plus `days`, through the generator's own calendar.
func date(_ text: String, plusDays days: Int) -> String {
    CivilTime.dateString(days: CivilTime.parseDate(text)! + days)
}

/// Whether a timestamp or date string is at or before the end of `day` (`YYYY-MM-DD`); ISO strings of one
/// width order like their instants.
func isOnOrBefore(_ instant: String, _ day: String) -> Bool { String(instant.prefix(10)) <= day }
