import StrataLinearAlgebra
import Testing
@testable import StrataModels

@Suite("Matrix.keepRows")
struct MatrixKeepRowsTests {
    @Test func keepsTheListedRowsInOrder() {
        var matrix = Matrix(rows: 5, columns: 2, elements: [0, 1, 10, 11, 20, 21, 30, 31, 40, 41])
        let copied = Validation.selectRows(matrix, [1, 3, 4])
        matrix.keepRows([1, 3, 4])
        #expect(matrix == copied)
        #expect(matrix.rows == 3 && matrix.elements == [10, 11, 30, 31, 40, 41])
        matrix.keepRows([])
        #expect(matrix.rows == 0 && matrix.columns == 2 && matrix.elements.isEmpty)
    }

    @Test func leavesASharedCopyAlone() {
        let original = Matrix(rows: 3, columns: 1, elements: [1, 2, 3])
        var kept = original
        kept.keepRows([0, 2])
        #expect(kept.elements == [1, 3])
        #expect(original.elements == [1, 2, 3])
    }
}
