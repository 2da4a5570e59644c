import StrataLinearAlgebra
import Testing

/// `Matrix.updateRows` hands each row to exactly one call, with its own elements, for any split.
@Suite("Matrix: rows updated in place")
struct MatrixUpdateRowsTests {
    @Test(arguments: [1, 2, 3, 7])
    func everyRowIsChangedOnceWhateverTheSplit(workers: Int) {
        let rows = 11, columns = 3
        var matrix = Matrix<Double>(rows: rows, columns: columns, elements: (0..<rows * columns).map(Double.init))
        matrix.updateRows(workers: workers) { range, elements in
            #expect(elements.count == range.count * columns)
            for (offset, row) in range.enumerated() {
                for j in 0..<columns {
                    // The element is this row's: its value is its own index in the matrix.
                    #expect(elements[offset * columns + j] == Double(row * columns + j))
                    elements[offset * columns + j] = elements[offset * columns + j] * 2 + 1
                }
            }
        }
        #expect(matrix.rows == rows && matrix.columns == columns)
        #expect(matrix.elements == (0..<rows * columns).map { Double($0) * 2 + 1 })
    }

    @Test func anEmptyMatrixStaysEmpty() {
        var matrix = Matrix<Double>(rows: 0, columns: 4)
        matrix.updateRows { _, _ in Issue.record("no rows to update") }
        #expect(matrix.rows == 0 && matrix.columns == 4 && matrix.elements.isEmpty)
    }
}
