import Dispatch
import Foundation
import StrataData
import StrataRandom

/// Writes a synthetic clinic: an export folder with the canonical tables and, apart from it, the ground
/// truth. Entry point of the module.
///
/// Persons are simulated in chunks on `workers` threads; each person draws only from their own streams, and
/// chunks are written in index order, so the bytes do not depend on the worker count. Memory stays bounded
/// by one batch of chunks (a few tens of MB), whatever the number of patients.
public struct ClinicGenerator: Sendable {
    public let configuration: GeneratorConfiguration

    /// Persons per chunk (tests use small chunks to exercise many of them).
    let chunkSize: Int
    /// Whether the ground truth's `best_achievable_churn_probability` is computed (tests turn it off to check
    /// that it leaves the export unchanged; the column is then empty).
    var computesBestAchievable = true
    /// Chunks simulated per worker before a batch is handed to the writer.
    static let chunksPerWorkerInBatch = 2

    public init(_ configuration: GeneratorConfiguration) {
        self.init(configuration, chunkSize: 2_048)
    }

    init(_ configuration: GeneratorConfiguration, chunkSize: Int) {
        precondition(chunkSize >= 1, "chunkSize \(chunkSize)")
        self.configuration = configuration
        self.chunkSize = chunkSize
    }

    /// The file names in the export folder, in `CanonicalTable.allCases` order.
    public static var exportFileNames: [String] { CanonicalTable.allCases.map(\.fileName) }
    public static let truthFileName = "ground_truth.csv"
    public static let settingsFileName = "generator.json"

    /// Generates into `export` and `truth` (created; replaced only when `replacing` is true).
    ///
    /// Both folders are written under temporary names beside their destinations and renamed into place at
    /// the end; on any error nothing is left behind and existing folders are untouched.
    ///
    /// - Returns: rows and bytes per file.
    /// - Complexity: O(persons · events per person) time; memory O(workers · chunkSize).
    @discardableResult
    public func write(export: URL, truth: URL, replacing: Bool = false) throws(GeneratorError) -> GenerationSummary {
        let export = export.standardizedFileURL, truth = truth.standardizedFileURL
        try checkDestinations(export: export, truth: truth, replacing: replacing)
        let fileManager = FileManager.default
        let stagedExport = Self.stagingURL(for: export), stagedTruth = Self.stagingURL(for: truth)
        do {
            for folder in [stagedExport, stagedTruth] {
                try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let summary = try writeFiles(export: stagedExport, truth: stagedTruth)
            for (staged, destination) in [(stagedExport, export), (stagedTruth, truth)] {
                if fileManager.fileExists(atPath: destination.path) { try fileManager.removeItem(at: destination) }
                try fileManager.moveItem(at: staged, to: destination)
            }
            return summary
        } catch {
            try? fileManager.removeItem(at: stagedExport)
            try? fileManager.removeItem(at: stagedTruth)
            if let error = error as? GeneratorError { throw error }
            throw .writeFailed(path: export.path, reason: String(describing: error))
        }
    }

    private static func stagingURL(for destination: URL) -> URL {
        destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
    }

    private func checkDestinations(export: URL, truth: URL, replacing: Bool) throws(GeneratorError) {
        let exportPath = export.path, truthPath = truth.path
        if exportPath == truthPath || truthPath.hasPrefix(exportPath + "/") || exportPath.hasPrefix(truthPath + "/") {
            throw .conflictingOutputs(export: exportPath, truth: truthPath)
        }
        for path in [exportPath, truthPath] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else { throw .writeFailed(path: path, reason: "it exists and is not a folder") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            if !contents.isEmpty && !replacing { throw .outputNotEmpty(path: path) }
        }
    }

    private func writeFiles(export: URL, truth: URL) throws -> GenerationSummary {
        let exportNames = Self.exportFileNames
        let urls = exportNames.map { export.appendingPathComponent($0) } + [truth.appendingPathComponent(Self.truthFileName)]
        var headers = CanonicalTable.allCases.map(\.headerNames) + [GroundTruth.header]
        if configuration.writesAttributes { headers[CanonicalTable.patients.index] += GeneratorConfiguration.attributeColumns.map(\.name) }
        var handles: [FileHandle] = []
        defer { for handle in handles { try? handle.close() } }
        var rows = Array(repeating: 0, count: urls.count)
        var bytes = Array(repeating: 0, count: urls.count)
        for (url, header) in zip(urls, headers) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw GeneratorError.writeFailed(path: url.path, reason: "cannot create the file")
            }
            let handle = try FileHandle(forWritingTo: url)
            handles.append(handle)
            var line = RowBuffer(capacity: 256)
            line.appendHeader(header)
            try handle.write(contentsOf: line.bytes)
            bytes[handles.count - 1] += line.count
        }

        // Workers simulate batch k + 1 while one writer thread writes batch k; buffers go back to a pool.
        let chunkCount = (configuration.personCount + chunkSize - 1) / chunkSize
        let batchSize = configuration.workers * Self.chunksPerWorkerInBatch
        let pool = BufferPool(cut: configuration.cutInstant, providers: ClinicCatalog.of(configuration.kind).providers,
                              expectedPersons: chunkSize, writesAttributes: configuration.writesAttributes)
        let writer = BatchWriter(handles: handles)
        for batchStart in stride(from: 0, to: chunkCount, by: batchSize) {
            let chunks = batchStart..<min(batchStart + batchSize, chunkCount)
            let outputs = generate(chunks: chunks, pool: pool)
            try writer.waitForPreviousBatch()
            writer.write(outputs, returningTo: pool)
        }
        try writer.waitForPreviousBatch()
        for handle in handles { try handle.synchronize() }
        for file in urls.indices {
            rows[file] += writer.rows[file]
            bytes[file] += writer.bytes[file]
        }

        let settings = settingsJSON()
        try Data(settings.utf8).write(to: truth.appendingPathComponent(Self.settingsFileName))
        return GenerationSummary(
            files: zip(exportNames + [Self.truthFileName], zip(rows, bytes)).map {
                GenerationSummary.File(name: $0.0, rows: $0.1.0, bytes: $0.1.1)
            })
    }

    /// Simulates the chunks on up to `workers` threads; results in chunk order.
    private func generate(chunks: Range<Int>, pool: BufferPool) -> [ExportRows] {
        let results = OrderedResults<ExportRows>(count: chunks.count)
        let workers = min(configuration.workers, chunks.count)
        let generator = self
        if workers <= 1 {
            for (slot, chunk) in chunks.enumerated() { results.store(generator.generate(chunk: chunk, into: pool.take()), at: slot) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for slot in stride(from: worker, to: chunks.count, by: workers) {
                    results.store(generator.generate(chunk: chunks.lowerBound + slot, into: pool.take()), at: slot)
                }
            }
        }
        return results.collect()
    }

    /// The rows of one chunk of persons, formatted into `rows` (emptied first).
    func generate(chunk: Int, into rows: ExportRows) -> ExportRows {
        let persons = (chunk * chunkSize)..<min((chunk + 1) * chunkSize, configuration.personCount)
        let catalog = ClinicCatalog.of(configuration.kind)
        var rows = rows
        rows.reset()
        for person in persons { simulate(person: person, catalog: catalog, into: &rows) }
        return rows
    }

    /// One person: profile, exported rows up to the cut, and the ground-truth row.
    func simulate(person: Int, catalog: ClinicCatalog, into rows: inout ExportRows) {
        let configuration = configuration
        var rng = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(person), purpose: .history)
        var profile = PersonProfile.draw(index: person, configuration: configuration, catalog: catalog, rng: &rng)
        if let shift = configuration.shift { profile = shift.shifted(profile, seed: configuration.seed) }
        rows.beginPerson(profile)
        let cut = configuration.cutInstant
        var truth = GroundTruth.Row(latentType: profile.latentType)
        if let lead = profile.lead, lead.createdAt <= cut {
            var id = RowBuffer(capacity: 12)
            ExportRows.identifier(UInt8(ascii: "L"), person, into: &id)
            truth.leadID = id.bytes
            truth.conversionProbability = lead.conversionProbability
        }
        rows.addLead(profile, catalog: catalog)
        if let createdAt = profile.createdAt, createdAt <= cut {
            var hidden = HiddenLifeEvents.none
            if configuration.isRealistic {
                let historyStart = max(createdAt, configuration.startInstant)
                let age = (Double(historyStart) / 86_400 - Double(profile.birthDay)) / 365.25
                hidden = HiddenLifeEvents.draw(seed: configuration.seed, person: person, historyStart: historyStart,
                                               ageYears: age, sex: profile.sex, rates: configuration.lifeEvents)
            }
            rows.addPatient(profile, createdAt: createdAt, catalog: catalog,
                            deceasedDay: hidden.diesAt <= cut ? CivilTime.day(of: hidden.diesAt) : nil)
            rows.addConditions(profile, createdAt: createdAt)
            var simulation = PatientSimulation(profile: profile, createdAt: createdAt, configuration: configuration,
                                               rng: rng, hidden: hidden, sink: &rows)
            if createdAt <= configuration.asOfInstant {
                if computesBestAchievable { simulation.startObserving() }
                simulation.run(until: configuration.asOfInstant, into: &rows)
                let posterior = simulation.finishObserving(at: configuration.asOfInstant)
                var truthRNG = Xoshiro256StarStar(seed: configuration.seed, stream: UInt64(person), purpose: .groundTruth)
                truth.returningAtAsOf = simulation.isReturning
                truth.churnProbability = GroundTruth.churnProbability(
                    from: simulation, at: configuration.asOfInstant, horizonEnd: configuration.horizonInstant,
                    replicas: configuration.truthPaths, rng: &truthRNG)
                if let posterior {
                    truth.bestAchievableChurnProbability = GroundTruth.bestAchievableChurnProbability(
                        from: simulation, posterior: posterior, at: configuration.asOfInstant,
                        horizonEnd: configuration.horizonInstant, replicas: configuration.truthPaths, rng: &truthRNG)
                }
            }
            simulation.run(until: cut, into: &rows)
            if let booking = simulation.pending, booking.bookedAt <= cut {
                rows.appointment(scheduledAt: booking.scheduledAt, bookedAt: booking.bookedAt, status: .booked,
                                 service: booking.service, provider: profile.provider, amountCents: nil)
            }
            var id = RowBuffer(capacity: 12)
            ExportRows.identifier(UInt8(ascii: "P"), person, into: &id)
            truth.patientID = id.bytes
        }
        if truth.patientID != nil || truth.leadID != nil { rows.addTruth(truth) }
    }

    private var bestAchievableDescription: String {
        guard computesBestAchievable else { return "not computed" }
        return "given only the export by the as-of date: a forward filter over latent type and status from the process, "
            + "then the same importance-weighted paths per hypothesis, ceil(\(configuration.truthPaths) x weight) each, fixed seed"
    }

    /// The settings that made the data, for the truth folder (the export itself carries none).
    private func settingsJSON() -> String {
        let arguments = configuration.commandLineArguments.map { "\"\($0)\"" }.joined(separator: ", ")
        var realistic = ""
        if configuration.isRealistic {
            realistic = """
              "life_events_per_year": \(configuration.lifeEvents.json),

            """
        }
        return """
        {
          "generator": "strata generate",
          "arguments": [\(arguments)],
          "as_of": "\(CivilTime.dateString(days: configuration.asOfDay))",
          "horizon_days": \(configuration.horizonDays),
        \(realistic)  "churn_probability": "Monte Carlo, \(configuration.truthPaths) importance-weighted paths per patient, fixed seed",
          "best_achievable_churn_probability": "\(bestAchievableDescription)"
        }

        """
    }
}

/// Rows and bytes written per file.
public struct GenerationSummary: Sendable, Equatable {
    public struct File: Sendable, Equatable {
        public let name: String
        public let rows: Int
        public let bytes: Int
    }

    public let files: [File]
}

/// Chunk buffers kept for reuse across batches.
private final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var spare: [ExportRows] = []
    private let cut: Int64
    private let providers: [[UInt8]]
    private let expectedPersons: Int
    private let writesAttributes: Bool

    init(cut: Int64, providers: [[UInt8]], expectedPersons: Int, writesAttributes: Bool) {
        self.cut = cut
        self.providers = providers
        self.expectedPersons = expectedPersons
        self.writesAttributes = writesAttributes
    }

    func take() -> ExportRows {
        lock.lock()
        let reused = spare.popLast()
        lock.unlock()
        return reused ?? ExportRows(cut: cut, providers: providers, expectedPersons: expectedPersons, writesAttributes: writesAttributes)
    }

    func giveBack(_ rows: [ExportRows]) {
        lock.lock()
        spare.append(contentsOf: rows)
        lock.unlock()
    }
}

/// Writes batches on one background thread, in order, one batch at a time, while the next is simulated.
private final class BatchWriter: @unchecked Sendable {
    private let handles: [FileHandle]
    private let queue = DispatchQueue(label: "strata.generate.writer")
    private let group = DispatchGroup()
    // Touched only on `queue`, and read by the caller only after `group.wait()`.
    private(set) var rows: [Int]
    private(set) var bytes: [Int]
    private var failure: Error?

    init(handles: [FileHandle]) {
        self.handles = handles
        rows = Array(repeating: 0, count: handles.count)
        bytes = Array(repeating: 0, count: handles.count)
    }

    func write(_ outputs: [ExportRows], returningTo pool: BufferPool) {
        queue.async(group: group) { [self] in
            guard failure == nil else { return }
            do {
                for output in outputs {
                    let files = output.files
                    for file in files.indices where !files[file].isEmpty {
                        try handles[file].write(contentsOf: files[file])
                        bytes[file] += files[file].count
                        rows[file] += output.rowCounts[file]
                    }
                }
            } catch {
                failure = error
            }
            pool.giveBack(outputs)
        }
    }

    /// Blocks until the batch handed over last is written; rethrows its error.
    func waitForPreviousBatch() throws {
        group.wait()
        if let failure { throw failure }
    }
}

/// One write-once slot per chunk, filled concurrently under a lock and read after all workers finish.
private final class OrderedResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ value: Value, at index: Int) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    func collect() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
