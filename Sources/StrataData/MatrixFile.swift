import Foundation
import StrataLinearAlgebra

/// Plain numeric matrices and vectors on disk, chosen by extension: `.npy` (NumPy) or `.csv` (numbers, with
/// an optional header row of column names). What `strata kmeans`, `strata logistic` and `strata features`
/// read and write.
public enum MatrixFile {
    /// Reads a 2-D matrix. A 1-D `.npy` array is read as one column.
    ///
    /// `.npy` data of the requested type is read straight into the matrix (no second copy); other numeric
    /// types are converted.
    /// - Returns: the matrix and, for a CSV with a header row, the column names.
    public static func read<S: BLASScalar>(_ url: URL, as _: S.Type = S.self) throws -> (matrix: Matrix<S>, columnNames: [String]?) {
        switch url.pathExtension.lowercased() {
        case "npy": return (try readNPY(url), nil)
        case "csv", "txt": return try readCSV(url)
        default: throw MatrixFileError.unknownExtension(path: url.path, found: url.pathExtension)
        }
    }

    /// Reads a vector: a 1-D `.npy` array, an `n×1` matrix, or a one-column CSV.
    public static func readVector(_ url: URL) throws -> [Double] {
        let matrix = try read(url, as: Double.self).matrix
        guard matrix.columns == 1 || matrix.rows == 1 else {
            throw MatrixFileError.notAVector(path: url.path, rows: matrix.rows, columns: matrix.columns)
        }
        return matrix.elements
    }

    /// Writes a matrix atomically (temporary file, then rename).
    /// - Parameter columnNames: a header row for CSV; ignored for `.npy`.
    public static func write<S: BLASScalar>(_ matrix: Matrix<S>, columnNames: [String]? = nil, to url: URL) throws {
        if let columnNames, columnNames.count != matrix.columns {
            throw MatrixFileError.headerMismatch(path: url.path, names: columnNames.count, columns: matrix.columns)
        }
        switch url.pathExtension.lowercased() {
        case "npy":
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data(NPY.headerBytes(descr: S.self == Float.self ? "<f4" : "<f8", shape: [matrix.rows, matrix.columns])))
                try BinaryIO.writeElements(matrix.elements, to: handle)
            }
        case "csv", "txt":
            try AtomicFile.write(to: url) { handle in
                var text = columnNames.map { $0.map(csvField).joined(separator: ",") + "\n" } ?? ""
                for i in 0..<matrix.rows {
                    text += matrix.row(i).map { "\($0)" }.joined(separator: ",") + "\n"
                    if text.utf8.count > 1 << 20 { try handle.write(contentsOf: Data(text.utf8)); text = "" }
                }
                try handle.write(contentsOf: Data(text.utf8))
            }
        default:
            throw MatrixFileError.unknownExtension(path: url.path, found: url.pathExtension)
        }
    }

    /// Writes a vector of numbers as a 1-D `.npy` array or a one-column CSV with header `name`.
    public static func writeVector<S: BLASScalar>(_ values: [S], name: String = "value", to url: URL) throws {
        if url.pathExtension.lowercased() == "npy" {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data(NPY.headerBytes(descr: S.self == Float.self ? "<f4" : "<f8", shape: [values.count])))
                try BinaryIO.writeElements(values, to: handle)
            }
        } else {
            try write(Matrix(rows: values.count, columns: 1, elements: values), columnNames: [name], to: url)
        }
    }

    /// Writes integers (labels, counts) as a 1-D `int64` `.npy` array or a one-column CSV with header `name`.
    public static func writeVector(_ values: [Int], name: String = "value", to url: URL) throws {
        switch url.pathExtension.lowercased() {
        case "npy":
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data(NPY.headerBytes(descr: "<i8", shape: [values.count])))
                try BinaryIO.writeElements(values.map { Int64($0) }, to: handle)
            }
        case "csv", "txt":
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: Data((csvField(name) + "\n" + values.map(String.init).joined(separator: "\n") + (values.isEmpty ? "" : "\n")).utf8))
            }
        default:
            throw MatrixFileError.unknownExtension(path: url.path, found: url.pathExtension)
        }
    }

    // MARK: .npy

    private static func readNPY<S: BLASScalar>(_ url: URL) throws -> Matrix<S> {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw MatrixFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        let header = try NPY.readHeader(handle, path: url.path)
        let (rows, columns): (Int, Int)
        switch header.shape.count {
        case 1: (rows, columns) = (header.shape[0], 1)
        case 2: (rows, columns) = (header.shape[0], header.shape[1])
        default: throw MatrixFileError.notAMatrix(path: url.path, shape: header.shape)
        }
        let elements: [S]
        do {
            elements = try BinaryIO.readElements(rows * columns, of: header.elementType, bigEndian: header.bigEndian, from: handle)
        } catch let error as BinaryIOError {
            throw MatrixFileError.malformed(path: url.path, reason: error.description)
        }
        try checkFinite(elements, columns: columns, path: url.path)
        if header.fortranOrder && rows > 1 && columns > 1 {
            return Matrix(rows: columns, columns: rows, elements: elements).transposed()
        }
        return Matrix(rows: rows, columns: columns, elements: elements)
    }

    // MARK: CSV

    private static func readCSV<S: BLASScalar>(_ url: URL) throws -> (matrix: Matrix<S>, columnNames: [String]?) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw MatrixFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first else { throw MatrixFileError.empty(path: url.path) }
        let firstFields = first.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let hasHeader = firstFields.contains { S($0) == nil }
        let columnNames = hasHeader ? firstFields.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } : nil
        let columns = firstFields.count
        var elements: [S] = []
        elements.reserveCapacity((lines.count - (hasHeader ? 1 : 0)) * columns)
        for (index, line) in lines.enumerated().dropFirst(hasHeader ? 1 : 0) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns else {
                throw MatrixFileError.wrongFieldCount(path: url.path, line: index + 1, expected: columns, found: fields.count)
            }
            var column = 1
            for field in fields {
                let trimmed = field.trimmingCharacters(in: .whitespaces)
                guard let value = S(trimmed) else {
                    throw MatrixFileError.notANumber(path: url.path, line: index + 1, column: column, text: trimmed)
                }
                guard value.isFinite else {
                    throw MatrixFileError.notFinite(path: url.path, row: index - (hasHeader ? 1 : 0), column: column - 1)
                }
                elements.append(value)
                column += field.utf8.count + 1
            }
        }
        let rows = elements.count / Swift.max(columns, 1)
        guard rows > 0 else { throw MatrixFileError.empty(path: url.path) }
        return (Matrix(rows: rows, columns: columns, elements: elements), columnNames)
    }

    private static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    private static func checkFinite<S: BLASScalar>(_ elements: [S], columns: Int, path: String) throws {
        if let index = BinaryIO.firstNonFiniteIndex(elements) {
            throw MatrixFileError.notFinite(path: path, row: index / Swift.max(columns, 1), column: index % Swift.max(columns, 1))
        }
    }
}

/// Why a matrix file could not be read or written. Each case names the file and, where it applies, the
/// line and column (1-based) and the offending text.
public enum MatrixFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case unknownExtension(path: String, found: String)
    case malformed(path: String, reason: String)
    case unsupportedElementType(path: String, descr: String)
    case notAMatrix(path: String, shape: [Int])
    case notAVector(path: String, rows: Int, columns: Int)
    case empty(path: String)
    case wrongFieldCount(path: String, line: Int, expected: Int, found: Int)
    case notANumber(path: String, line: Int, column: Int, text: String)
    /// NaN or infinity at a 0-based `row` and `column` of the data.
    case notFinite(path: String, row: Int, column: Int)
    case headerMismatch(path: String, names: Int, columns: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read: \(reason)"
        case let .unwritable(path, reason): "\(path): cannot write: \(reason)"
        case let .unknownExtension(path, found):
            "\(path): unknown matrix file type '.\(found)' (expected .npy or .csv)"
        case let .malformed(path, reason): "\(path): \(reason)"
        case let .unsupportedElementType(path, descr):
            "\(path): unsupported .npy element type \(descr) (expected float32, float64, integer or bool)"
        case let .notAMatrix(path, shape): "\(path): expected a 1-D or 2-D array, found shape \(shape)"
        case let .notAVector(path, rows, columns): "\(path): expected a vector (one column), found \(rows)x\(columns)"
        case let .empty(path): "\(path): no data rows"
        case let .wrongFieldCount(path, line, expected, found):
            "\(path):\(line): expected \(expected) fields, found \(found)"
        case let .notANumber(path, line, column, text): "\(path):\(line):\(column): '\(text)' is not a number"
        case let .notFinite(path, row, column):
            "\(path): value at row \(row), column \(column) is NaN or infinite (finite numbers expected)"
        case let .headerMismatch(path, names, columns):
            "\(path): \(names) column names for \(columns) columns"
        }
    }
}
