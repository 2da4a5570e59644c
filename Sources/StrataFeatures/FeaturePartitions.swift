import Foundation
import StrataData
import StrataLinearAlgebra

/// Writes a feature table as CSV partitions another engine (Apache Spark) reads directly:
/// `part-00000.csv` ... `part-<N-1>.csv`, each with the same header (`patient_id`, the columns, then any label
/// columns), rows in order and split into `N` nearly equal runs; `schema.json` (the fitted ``FeatureSchema``, as
/// `strata features` writes it, so it can be applied again); and `partitions.json` (``FeaturePartitionManifest``:
/// the columns in order, the labels, the rows per file and the schema's fingerprint).
///
/// Values are the matrix the models are fitted on (transforms, fill values and standardization applied), in
/// Swift's shortest text that reads back to the same `Double`, so a reader fits on exactly Strata's numbers. A
/// label that is `NaN` (a row a fit leaves out) is written as an empty field, which Spark reads as null.
///
/// The folder appears whole or not at all, as ``FeatureOutput``: staged in a temporary folder and renamed. An
/// existing folder must be empty unless `replacing`; then only `part-*.csv`, `schema.json` and
/// `partitions.json` are replaced or removed, and nothing else in it is touched.
public enum FeaturePartitions {
    /// The manifest's file name.
    public static let manifestName = "partitions.json"
    /// The fitted schema's file name.
    public static let schemaName = "schema.json"
    /// The most partitions one write makes.
    public static let maximumPartitions = 100_000

    /// The file name of partition `index` (`part-00000.csv`, ...).
    public static func partitionName(_ index: Int) -> String {
        let digits = String(index)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".csv"
    }

    /// Whether `name` is a partition file this writer may replace or remove.
    static func isPartitionName(_ name: String) -> Bool {
        name.hasPrefix("part-") && name.hasSuffix(".csv") && name.dropFirst(5).dropLast(4).allSatisfy(\.isNumber)
    }

    /// What a partitioned folder holds beside the table: how the matrix was made and the label columns.
    public struct Description: Sendable {
        /// `features` (the project's features) or `discovery` (the matrix `strata discover` clusters).
        public var matrix: String
        /// The as-of date of the features.
        public var asOf: Day
        /// Label columns written after the features, in row order; `NaN` for rows a fit leaves out.
        public var labels: FeatureOutput.LabelColumns
        /// Per-column weight already folded into the schema's scale (discovery's equal family weights); 1 when absent.
        public var weights: [Double]?
        /// The fingerprint of the export the features came from.
        public var exportFingerprint: String?

        public init(matrix: String, asOf: Day, labels: FeatureOutput.LabelColumns = [], weights: [Double]? = nil,
                    exportFingerprint: String? = nil) {
            self.matrix = matrix
            self.asOf = asOf
            self.labels = labels
            self.weights = weights
            self.exportFingerprint = exportFingerprint
        }
    }

    /// Writes `table` as `partitions` CSV files with the schema and the manifest into `folder`.
    ///
    /// - Parameters:
    ///   - partitions: the number of files, at least 1; more files than rows gives empty files (header only).
    ///   - replacing: whether an existing, non-empty `folder` may be written into (see the type's documentation).
    /// - Returns: the manifest written.
    /// - Throws: ``FeatureOutputError`` naming `partitions` or `replacing` when refused, or the file that could
    ///   not be written.
    @discardableResult
    ///   - fingerprint: the hex digest of `schema.json`'s bytes recorded in the manifest (SHA-256 in Strata).
    public static func write(_ table: FeatureTable, description: Description, partitions: Int, to folder: URL,
                             replacing: Bool = false, fingerprint: (Data) -> String,
                             workers: Int = Parallel.processorCount) throws -> FeaturePartitionManifest {
        let rows = table.matrix.rows
        guard partitions >= 1 && partitions <= maximumPartitions else {
            throw FeatureOutputError(path: folder.path, reason: "\(partitions) partitions; expected 1 to \(maximumPartitions)",
                                     parameter: "partitions")
        }
        guard table.patientIDs.count == rows, table.schema.columns.count == table.matrix.columns,
              description.labels.allSatisfy({ $0.values.count == rows }),
              description.weights.map({ $0.count == table.matrix.columns }) ?? true else {
            throw FeatureOutputError(path: folder.path, reason: "\(table.patientIDs.count) patient ids, \(table.schema.columns.count) schema columns, \(description.weights?.count ?? 0) weights and labels of \(description.labels.map(\.values.count)) rows for a \(rows)x\(table.matrix.columns) matrix")
        }
        let fileManager = FileManager.default
        let existing = try existingEntries(of: folder)
        if let existing, !existing.isEmpty, !replacing {
            let shown = existing.sorted().prefix(3).joined(separator: ", ")
            throw FeatureOutputError(path: folder.path, reason: "the folder is not empty (\(existing.count) entries: \(shown)\(existing.count > 3 ? ", ..." : "")); choose a new or empty folder, or replace only the partition files in it", parameter: "replacing")
        }
        let temporary = existing == nil
            ? folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).\(UUID().uuidString).tmp")
            : folder.appendingPathComponent(".strata-partitions.\(UUID().uuidString).tmp")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FeatureOutputError(path: folder.path, reason: "cannot create a folder in \(temporary.deletingLastPathComponent().path): \(error.localizedDescription)")
        }
        do {
            let header = ["patient_id"] + table.schema.names + description.labels.map(\.name)
            let ids = table.patientIDs.map(FeatureOutput.csvField)
            var files: [FeaturePartitionManifest.Partition] = []
            for index in 0..<partitions {
                // Rows [index·n/N, (index+1)·n/N): sizes differ by at most one, in row order.
                let range = (index * rows / partitions)..<((index + 1) * rows / partitions)
                let name = partitionName(index)
                try writePartition(table, rows: range, header: header, ids: ids, labels: description.labels,
                                   to: temporary.appendingPathComponent(name), workers: workers)
                files.append(.init(file: name, rows: range.count))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .throw
            let schemaData = try encoder.encode(table.schema)
            try schemaData.write(to: temporary.appendingPathComponent(schemaName))
            let manifest = FeaturePartitionManifest(
                matrix: description.matrix, asOf: description.asOf.description, columns: table.schema.names,
                weights: description.weights, labels: description.labels.map(\.name), rows: rows, partitions: files,
                schemaFingerprint: fingerprint(schemaData),
                exportFingerprint: description.exportFingerprint)
            try encoder.encode(manifest).write(to: temporary.appendingPathComponent(manifestName))
            if existing == nil {
                try fileManager.moveItem(at: temporary, to: folder)
            } else {
                try replaceFiles(in: folder, from: temporary)
            }
            return manifest
        } catch {
            try? fileManager.removeItem(at: temporary)
            if let error = error as? FeatureOutputError { throw error }
            throw FeatureOutputError(path: folder.path, reason: String(describing: error))
        }
    }

    /// One partition: the header, then `rows` of ids, features and labels (NaN labels as empty fields).
    static func writePartition(_ table: FeatureTable, rows: Range<Int>, header: [String], ids: [String],
                               labels: FeatureOutput.LabelColumns, to url: URL, workers: Int) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FeatureOutputError(path: url.path, reason: "cannot create file")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: Data((header.map(FeatureOutput.csvField).joined(separator: ",") + "\n").utf8))
        let matrix = table.matrix, width = matrix.columns
        let blockRows = 65_536
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + blockRows, rows.upperBound)
            let base = start
            let parts = Parallel.map(rangesOf: end - start, workers: workers) { range in
                var bytes: [UInt8] = []
                bytes.reserveCapacity(range.count * ((width + labels.count) * 8 + 16))
                var cache = NumberTextCache()
                for offset in range {
                    let row = base + offset
                    bytes.append(contentsOf: ids[row].utf8)
                    for column in 0..<width {
                        bytes.append(UInt8(ascii: ","))
                        cache.append(matrix.elements[row * width + column], to: &bytes)
                    }
                    for label in labels {
                        bytes.append(UInt8(ascii: ","))
                        let value = label.values[row]
                        if !value.isNaN { cache.append(value, to: &bytes) }
                    }
                    bytes.append(UInt8(ascii: "\n"))
                }
                return bytes
            }
            for part in parts { try handle.write(contentsOf: part) }
            start = end
        }
    }

    /// The names in `folder`, or nil when there is no such path.
    private static func existingEntries(of folder: URL) throws -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw FeatureOutputError(path: folder.path, reason: "exists and is not a folder") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw FeatureOutputError(path: folder.path, reason: "cannot list the folder: \(error.localizedDescription)")
        }
    }

    /// Renames each staged file over its namesake in `folder`, removes partition files not staged (an earlier
    /// write with more partitions), then removes `staging`. Only this writer's names are replaced or removed.
    private static func replaceFiles(in folder: URL, from staging: URL) throws {
        let fileManager = FileManager.default
        let staged = Set(try fileManager.contentsOfDirectory(atPath: staging.path))
        let present = try fileManager.contentsOfDirectory(atPath: folder.path)
        for name in present where isPartitionName(name) && !staged.contains(name) {
            let target = folder.appendingPathComponent(name)
            if let attributes = try? fileManager.attributesOfItem(atPath: target.path),
               attributes[.type] as? FileAttributeType == .typeRegular {
                try fileManager.removeItem(at: target)
            }
        }
        for name in staged.sorted() {
            let target = folder.appendingPathComponent(name)
            guard rename(staging.appendingPathComponent(name).path, target.path) == 0 else {
                throw FeatureOutputError(path: target.path, reason: "cannot replace: \(String(cString: strerror(errno)))")
            }
        }
        try fileManager.removeItem(at: staging)
    }
}

/// `partitions.json`: what a partitioned feature folder holds, for the engine that reads it and for
/// `strata models import`, which checks a model's columns against it.
public struct FeaturePartitionManifest: Codable, Sendable, Equatable {
    /// One CSV file and its row count.
    public struct Partition: Codable, Sendable, Equatable {
        public var file: String
        public var rows: Int
    }

    /// Always ``formatName``.
    public var format: String
    public var formatVersion: Int
    /// `features` or `discovery` (see ``FeaturePartitions/Description/matrix``).
    public var matrix: String
    /// The features' as-of date, `YYYY-MM-DD`.
    public var asOf: String
    /// The id column, first in every file.
    public var idColumn: String
    /// The feature columns, in file order after the id: a model's inputs in this order.
    public var columns: [String]
    /// Discovery's per-column weights, already in the values (absent for the project's features).
    public var weights: [Double]?
    /// Label columns after the features (empty where a fit leaves the row out).
    public var labels: [String]
    public var rows: Int
    public var partitions: [Partition]
    /// Hex SHA-256 of `schema.json`'s bytes: the fitted feature spec the values were computed with.
    public var schemaFingerprint: String
    public var exportFingerprint: String?
    /// How to read the values, in words (for people opening the file).
    public var values: String

    public static let formatName = "strata-feature-partitions"

    public init(matrix: String, asOf: String, columns: [String], weights: [Double]?, labels: [String], rows: Int,
                partitions: [Partition], schemaFingerprint: String, exportFingerprint: String?) {
        format = Self.formatName
        formatVersion = 1
        self.matrix = matrix
        self.asOf = asOf
        idColumn = "patient_id"
        self.columns = columns
        self.weights = weights
        self.labels = labels
        self.rows = rows
        self.partitions = partitions
        self.schemaFingerprint = schemaFingerprint
        self.exportFingerprint = exportFingerprint
        values = "the model inputs: fill values, transforms and standardization of schema.json applied"
            + (weights == nil ? "" : ", then the weights") + "; fit on the columns as they are"
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", matrix, asOf = "as_of", idColumn = "id_column", columns, weights,
             labels, rows, partitions, schemaFingerprint = "schema_fingerprint", exportFingerprint = "export_fingerprint",
             values
    }
}
