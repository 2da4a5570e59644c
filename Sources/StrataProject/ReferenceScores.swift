import Foundation
import StrataData
import StrataModels

/// Reference probabilities from a CSV (an id column plus a probability column, e.g. a generator's ground
/// truth), compared with a model's on the same rows.
public enum ReferenceScores {
    /// Where the reference probabilities are: a CSV file and its probability column (nil: the target's
    /// default, `churn_probability` or `conversion_probability`).
    public struct Source: Sendable {
        public var file: URL
        public var column: String?

        public init(file: URL, column: String? = nil) {
            self.file = file
            self.column = column
        }
    }

    /// Why a reference file cannot be compared.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The ROC AUC of the reference column on the rows with `ids` (in `idColumn`) and `targets`. The file is
    /// read with the project's CSV reader (quoted fields, CRLF); rows without a value are skipped.
    public static func auc(_ source: Source, idColumn: String, defaultColumn: String, ids: [String],
                           targets: [Double]) throws -> Double {
        let file = source.file, column = source.column ?? defaultColumn
        let reader = try CSVReader(url: file)
        guard !reader.header.isEmpty else { throw Failure(description: "\(file.path): empty") }
        guard let idIndex = reader.header.firstIndex(of: idColumn), let valueIndex = reader.header.firstIndex(of: column) else {
            throw Failure(description: "\(file.path): expected columns \(idColumn) and \(column), found \(reader.header.joined(separator: ","))")
        }
        var byID: [String: Double] = [:]
        try reader.forEachRecord { fields, line in
            guard !fields[valueIndex].isEmpty else { return }
            guard let value = Double(fields[valueIndex]) else {
                throw Failure(description: "\(file.path):\(line): \(column) is \"\(fields[valueIndex])\"; expected a number")
            }
            byID[fields[idIndex]] = value
        }
        var scores: [Double] = [], labels: [Double] = []
        for (id, target) in zip(ids, targets) {
            guard let value = byID[id] else { throw Failure(description: "\(file.path): no \(column) for \(id)") }
            scores.append(value)
            labels.append(target)
        }
        return try Metrics.rocAUC(targets: labels, scores: scores)
    }
}
