import Dispatch
import Foundation
import StrataData
import StrataLinearAlgebra
import Synchronization

/// Writes a feature table as a folder: `features.csv` (header, `patient_id` first), `features.npy` (the
/// matrix only), `schema.json`, `patient_ids.csv`, and optionally `labels.csv`.
///
/// The folder appears complete or not at all: everything is written into a temporary folder beside it and
/// renamed into place; on any error the temporary folder is removed and an existing folder is left as it was.
public enum FeatureOutput {
    /// Extra per-patient columns written to `labels.csv` (e.g. `churn_180d`), in row order.
    public typealias LabelColumns = [(name: String, values: [Double])]

    public static func write(_ table: FeatureTable, labels: LabelColumns = [], to folder: URL,
                             workers: Int = Parallel.processorCount) throws {
        guard table.patientIDs.count == table.matrix.rows, table.schema.columns.count == table.matrix.columns,
              labels.allSatisfy({ $0.values.count == table.matrix.rows }) else {
            throw FeatureOutputError(path: folder.path, reason: "\(table.patientIDs.count) patient ids, \(table.schema.columns.count) schema columns and labels of \(labels.map(\.values.count)) rows for a \(table.matrix.rows)x\(table.matrix.columns) matrix")
        }
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o700])
        } catch {
            throw FeatureOutputError(path: folder.path, reason: "cannot create a folder in \(parent.path): \(error.localizedDescription)")
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
            try replace(folder, with: temporary)
        } catch {
            try? fileManager.removeItem(at: temporary)
            if let error = error as? FeatureOutputError { throw error }
            throw FeatureOutputError(path: folder.path, reason: String(describing: error))
        }
    }

    /// Moves `temporary` to `folder`; an existing `folder` is moved aside first and deleted only after.
    private static func replace(_ folder: URL, with temporary: URL) throws {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
            try fileManager.moveItem(at: temporary, to: folder)
            return
        }
        guard isDirectory.boolValue else {
            throw FeatureOutputError(path: folder.path, reason: "exists and is not a folder")
        }
        let aside = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).old")
        try fileManager.moveItem(at: folder, to: aside)
        do { try fileManager.moveItem(at: temporary, to: folder) } catch {
            try? fileManager.moveItem(at: aside, to: folder)
            throw error
        }
        try? fileManager.removeItem(at: aside)
    }

    /// A CSV with a header, an id column, then the matrix; rows formatted in parallel.
    static func writeCSV(header: [String], ids: [String], matrix: Matrix<Double>, to url: URL, workers: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FeatureOutputError(path: url.path, reason: "cannot create file")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        handle.write(Data((header.map(csvField).joined(separator: ",") + "\n").utf8))
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
public struct FeatureOutputError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot write features: \(reason)" }
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
