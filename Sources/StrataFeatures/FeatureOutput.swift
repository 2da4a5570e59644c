import Dispatch
import Foundation
import StrataData
import StrataLinearAlgebra
import Synchronization

/// Writes a feature table as a folder: `features.csv` (header, `patient_id` first), `features.npy` (the
/// matrix only), `schema.json`, `patient_ids.csv`, and optionally `labels.csv`.
///
/// Strata never deletes what it did not write. A new folder appears complete or not at all: everything is
/// written into a temporary folder beside it and renamed into place. An existing folder must be empty unless
/// `replacing` is true; then only the files named in ``fileNames`` are replaced in it, each by a rename from
/// a temporary folder inside it, and every other entry is left alone. On any error the temporary folder is
/// removed and an existing folder keeps what it held.
public enum FeatureOutput {
    /// Extra per-patient columns written to `labels.csv` (e.g. `churn_180d`), in row order.
    public typealias LabelColumns = [(name: String, values: [Double])]

    /// Every file a feature folder can hold; the only entries `write(_:labels:to:replacing:)` replaces.
    public static let fileNames = ["features.csv", "features.npy", "schema.json", "patient_ids.csv", "labels.csv"]

    /// Writes `table` (and `labels`) to `folder`.
    ///
    /// - Parameters:
    ///   - replacing: whether an existing, non-empty `folder` may be written into. Even then only the files in
    ///     ``fileNames`` are replaced (a `labels.csv` left from an earlier call is removed when `labels` is
    ///     empty, so the folder never pairs new features with old labels); nothing else in it is touched.
    /// - Throws: ``FeatureOutputError`` when `folder` is not empty and `replacing` is false, is not a folder,
    ///   or any file cannot be written.
    public static func write(_ table: FeatureTable, labels: LabelColumns = [], to folder: URL,
                             replacing: Bool = false, workers: Int = Parallel.processorCount) throws {
        guard table.patientIDs.count == table.matrix.rows, table.schema.columns.count == table.matrix.columns,
              labels.allSatisfy({ $0.values.count == table.matrix.rows }) else {
            throw FeatureOutputError(path: folder.path, reason: "\(table.patientIDs.count) patient ids, \(table.schema.columns.count) schema columns and labels of \(labels.map(\.values.count)) rows for a \(table.matrix.rows)x\(table.matrix.columns) matrix")
        }
        let fileManager = FileManager.default
        let existing = try existingEntries(of: folder)
        if let existing, !existing.isEmpty, !replacing {
            let shown = existing.sorted().prefix(3).joined(separator: ", ")
            throw FeatureOutputError(path: folder.path, reason: "the folder is not empty (\(existing.count) entries: \(shown)\(existing.count > 3 ? ", ..." : "")); choose a new or empty folder, or replace only the feature files in it", parameter: "replacing")
        }
        // A new folder is staged beside it and renamed whole; an existing one gets a staging folder inside
        // it, so each file's rename stays on one file system and nothing else in it is touched.
        let temporary = existing == nil
            ? folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).tmp")
            : folder.appendingPathComponent(".strata-features.\(UUID().uuidString).tmp")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
        } catch {
            throw FeatureOutputError(path: folder.path, reason: "cannot create a folder in \(temporary.deletingLastPathComponent().path): \(error.localizedDescription)")
        }
        do {
            // The .npy file is written on another thread while the CSV text is made: both are mostly
            // copies into the page cache, and formatting leaves a core free while each block is written.
            let matrix = table.matrix
            let npyURL = temporary.appendingPathComponent("features.npy")
            let npyResult = ResultBox()
            let npyDone = DispatchGroup()
            DispatchQueue.global().async(group: npyDone) {
                let result = Result { try MatrixFile.write(matrix, to: npyURL) }
                npyResult.result.withLock { $0 = result }
            }
            let ids = table.patientIDs.map(csvField)
            let csvResult = Result {
                try writeCSV(header: ["patient_id"] + table.schema.names, ids: ids, matrix: table.matrix,
                             to: temporary.appendingPathComponent("features.csv"), workers: workers)
            }
            npyDone.wait()
            try csvResult.get()
            try npyResult.result.withLock { $0 }?.get()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .throw
            try encoder.encode(table.schema).write(to: temporary.appendingPathComponent("schema.json"))
            try Data((["patient_id"] + ids).joined(separator: "\n").appending("\n").utf8)
                .write(to: temporary.appendingPathComponent("patient_ids.csv"))
            if !labels.isEmpty {
                let matrix = Matrix(rows: table.patientIDs.count, columns: labels.count,
                                    elements: (0..<table.patientIDs.count).flatMap { row in labels.map { $0.values[row] } })
                try writeCSV(header: ["patient_id"] + labels.map(\.name), ids: ids, matrix: matrix,
                             to: temporary.appendingPathComponent("labels.csv"), workers: workers)
            }
            if existing == nil {
                try fileManager.moveItem(at: temporary, to: folder)
            } else {
                try replaceFiles(in: folder, from: temporary)
            }
        } catch {
            try? fileManager.removeItem(at: temporary)
            if let error = error as? FeatureOutputError { throw error }
            throw FeatureOutputError(path: folder.path, reason: String(describing: error))
        }
    }

    /// The names in `folder`, or nil when there is no such path.
    private static func existingEntries(of folder: URL) throws -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else {
            throw FeatureOutputError(path: folder.path, reason: "exists and is not a folder")
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw FeatureOutputError(path: folder.path, reason: "cannot list the folder: \(error.localizedDescription)")
        }
    }

    /// Renames each file staged in `staging` over its namesake in `folder`, removes a `labels.csv` that was
    /// not staged, then removes `staging`. Only names in ``fileNames`` are ever replaced or removed.
    private static func replaceFiles(in folder: URL, from staging: URL) throws {
        let fileManager = FileManager.default
        let staged = Set(try fileManager.contentsOfDirectory(atPath: staging.path))
        for name in fileNames {
            let target = folder.appendingPathComponent(name)
            if staged.contains(name) {
                // rename(2) replaces a file atomically; a folder of that name is not ours to replace.
                guard rename(staging.appendingPathComponent(name).path, target.path) == 0 else {
                    throw FeatureOutputError(path: target.path, reason: "cannot replace: \(String(cString: strerror(errno)))")
                }
            } else if let attributes = try? fileManager.attributesOfItem(atPath: target.path),
                      attributes[.type] as? FileAttributeType == .typeRegular {
                try fileManager.removeItem(at: target)
            }
        }
        try fileManager.removeItem(at: staging)
    }

    /// A CSV with a header, an id column, then the matrix; rows formatted in parallel.
    static func writeCSV(header: [String], ids: [String], matrix: Matrix<Double>, to url: URL, workers: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FeatureOutputError(path: url.path, reason: "cannot create file")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data((header.map(csvField).joined(separator: ",") + "\n").utf8))
        let width = matrix.columns
        let blockRows = 65_536
        var start = 0
        while start < matrix.rows {
            let end = min(start + blockRows, matrix.rows)
            let base = start
            let parts = Parallel.map(rangesOf: end - start, workers: workers) { range in
                var bytes: [UInt8] = []
                bytes.reserveCapacity(range.count * (width * 8 + 16))
                var cache = NumberTextCache()
                for offset in range {
                    let row = base + offset
                    bytes.append(contentsOf: ids[row].utf8)
                    for column in 0..<width {
                        bytes.append(UInt8(ascii: ","))
                        cache.append(matrix.elements[row * width + column], to: &bytes)
                    }
                    bytes.append(UInt8(ascii: "\n"))
                }
                return bytes
            }
            for part in parts { try handle.write(contentsOf: part) }
            start = end
        }
    }

    static func csvField(_ text: String) -> String {
        // Plain printable ASCII (nearly every id) needs no quotes; anything else takes the Character check.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\"") }) {
            return text
        }
        return text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

/// The outcome of work done on another thread, read after waiting for it.
private final class ResultBox: Sendable {
    let result = Mutex<Result<Void, any Error>?>(nil)
}

/// Why a feature folder could not be written.
public struct FeatureOutputError: Error, Equatable, ParameterNaming {
    public let path: String
    public let reason: String
    /// The parameter that would allow what was refused (`replacing`), named after the reason.
    public var parameter: String?

    public init(path: String, reason: String, parameter: String? = nil) {
        self.path = path
        self.reason = reason
        self.parameter = parameter
    }

    public func description(naming name: (String) -> String) -> String {
        "\(path): cannot write features: \(reason)" + (parameter.map { " (\(name($0)))" } ?? "")
    }
}

/// ``NumberText`` with the text of recent non-integers remembered: feature columns repeat values (a rate at
/// its prior, log1p of small counts), and making each one's shortest form allocates a `String`.
///
/// Direct-mapped by the value's bits, so a hit gives exactly the bytes `description` gave.
struct NumberTextCache {
    private static let slotBits = 12
    /// 0 (the bits of +0.0, an integer, never looked up here) marks an empty slot.
    private var keys = [UInt64](repeating: 0, count: 1 << slotBits)
    private var texts = [[UInt8]](repeating: [], count: 1 << slotBits)

    mutating func append(_ value: Double, to bytes: inout [UInt8]) {
        if NumberText.isSmallInteger(value) {
            NumberText.append(value, to: &bytes)
            return
        }
        let bits = value.bitPattern
        let slot = Int(truncatingIfNeeded: (bits &* 0x9e37_79b9_7f4a_7c15) >> UInt64(64 - Self.slotBits))
        if keys[slot] == bits {
            bytes.append(contentsOf: texts[slot])
            return
        }
        let text = Array(value.description.utf8)
        keys[slot] = bits
        texts[slot] = text
        bytes.append(contentsOf: text)
    }
}

/// Fast decimal text for numbers: integers digit by digit, others as Swift's shortest round-trip form.
enum NumberText {
    /// Whether `value` is an integer written digit by digit (|value| < 10^15).
    static func isSmallInteger(_ value: Double) -> Bool {
        value == value.rounded(.towardZero) && abs(value) < 1e15
    }

    static func append(_ value: Double, to bytes: inout [UInt8]) {
        if isSmallInteger(value) {
            var integer = Int64(value)
            if integer == 0 {
                bytes.append(UInt8(ascii: "0"))
                return
            }
            if integer < 0 {
                bytes.append(UInt8(ascii: "-"))
                integer = -integer
            }
            var divisor: Int64 = 1
            while divisor <= integer / 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(48 + integer / divisor))
                integer %= divisor
                divisor /= 10
            }
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }
}
