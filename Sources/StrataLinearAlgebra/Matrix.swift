/// A dense, row-major matrix: rows are samples, columns are features.
///
/// Storage is one contiguous array of `rows * columns` elements; element `(i, j)` is at `i * columns + j`.
/// Value semantics with copy-on-write, like `Array`.
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable, Codable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements in row-major order. Mutate in place; the count must stay `rows * columns`.
    public var elements: [Scalar] {
        didSet { precondition(elements.count == rows * columns, "Matrix element count changed") }
    }

    /// A matrix filled with one value.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over row-major `elements`; `elements.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(elements.count == rows * columns,
                     "Matrix of \(rows)x\(columns) needs \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from equally long rows. An empty array gives a 0x0 matrix.
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "Rows must all have \(columns) elements")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// The identity matrix of size `n`.
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n { result.elements[i * n + i] = 1 }
        return result
    }

    /// Element `(row, column)`.
    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `i` as a slice of the storage, without copying.
    @inlinable
    public func row(_ i: Int) -> ArraySlice<Scalar> {
        elements[(i * columns)..<((i + 1) * columns)]
    }

    /// Rows `range` as a matrix view sharing this matrix's storage.
    public func rows(_ range: Range<Int>) -> MatrixRows<Scalar> {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "Row range \(range) outside 0..<\(rows)")
        return MatrixRows(rows: range.count, columns: columns,
                          contiguousElements: elements[(range.lowerBound * columns)..<(range.upperBound * columns)])
    }

    /// The transpose, as a new matrix.
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { result.elements[j * rows + i] = elements[i * columns + j] }
        }
        return result
    }

    /// Column `j`, copied.
    public func column(_ j: Int) -> [Scalar] {
        (0..<rows).map { elements[$0 * columns + j] }
    }

    /// Keeps only the rows `indices` (strictly increasing), in order, moving each down in place: no second
    /// matrix is allocated when the storage is not shared, so selecting most rows of a large matrix does
    /// not hold two copies at once. The storage keeps its capacity.
    ///
    /// - Complexity: O(`indices.count · columns`).
    public mutating func keepRows(_ indices: [Int]) {
        precondition(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "keepRows needs strictly increasing rows")
        precondition(indices.first.map { $0 >= 0 } ?? true && indices.last.map { $0 < rows } ?? true,
                     "keepRows: a row is outside 0..<\(rows)")
        let width = columns
        var storage = elements
        // Dropping this matrix's reference leaves `storage` unique, so the moves below do not copy it.
        self = Matrix(rows: 0, columns: width)
        storage.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            // Rows only move down (kept ≤ row), so copying forward never reads an element already overwritten.
            for (kept, row) in indices.enumerated() where kept != row {
                let target = base + kept * width, source = base + row * width
                for j in 0..<width { target[j] = source[j] }
            }
        }
        storage.removeLast(storage.count - indices.count * width)
        self = Matrix(rows: indices.count, columns: width, elements: storage)
    }
}

extension Matrix {
    /// Calls `body` on contiguous ranges of rows, up to `workers` at once, each with those rows' elements
    /// (row-major, `columns` a row, the range's first row first) to change in place: no second copy of the
    /// matrix. A call must touch only the elements it is given.
    public mutating func updateRows(workers: Int = Parallel.processorCount,
                                    _ body: @Sendable (_ rows: Range<Int>, _ elements: UnsafeMutableBufferPointer<Scalar>) -> Void) {
        let (rowCount, width) = (rows, columns)
        var storage = elements
        // Dropping this matrix's reference leaves `storage` unique, so writing through it does not copy it.
        self = Matrix(rows: 0, columns: width)
        storage.withUnsafeMutableBufferPointer { buffer in
            let base = RowsStart(pointer: buffer.baseAddress)
            Parallel.forEach(rangesOf: rowCount, workers: workers) { range in
                body(range, UnsafeMutableBufferPointer(start: base.pointer.map { $0 + range.lowerBound * width }, count: range.count * width))
            }
        }
        self = Matrix(rows: rowCount, columns: width, elements: storage)
    }
}

/// The start of a matrix's storage, shared by tasks that each write their own rows.
private struct RowsStart<Scalar>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Scalar>?
}

extension Matrix: DenseMatrix {
    public var contiguousElements: ArraySlice<Scalar> { elements[...] }
}

/// A run of consecutive rows of a ``Matrix``, sharing its storage (no copy).
public struct MatrixRows<Scalar: BLASScalar>: DenseMatrix {
    public let rows: Int
    public let columns: Int
    public let contiguousElements: ArraySlice<Scalar>

    /// Copies the rows into a matrix of their own.
    public func copy() -> Matrix<Scalar> {
        Matrix(rows: rows, columns: columns, elements: Array(contiguousElements))
    }
}

/// Anything the BLAS wrappers can read as a row-major matrix with leading dimension `columns`.
public protocol DenseMatrix<Scalar>: Sendable {
    associatedtype Scalar: BLASScalar
    var rows: Int { get }
    var columns: Int { get }
    /// The `rows * columns` elements, row-major and contiguous.
    var contiguousElements: ArraySlice<Scalar> { get }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var lines = ["Matrix<\(Scalar.self)> \(rows)x\(columns)"]
        for i in 0..<Swift.min(rows, 8) {
            lines.append("  " + row(i).prefix(8).map { "\($0)" }.joined(separator: " ") + (columns > 8 ? " ..." : ""))
        }
        if rows > 8 { lines.append("  ...") }
        return lines.joined(separator: "\n")
    }
}
