import StrataLinearAlgebra
import Testing
@testable import StrataModels

/// Putting left-out rows back among the kept ones (churn training's rows on file): the inverse of
/// `keepRows`, for any places of the inserted rows.
@Suite("Matrix.insertRows")
struct MatrixInsertRowsTests {
    /// Row `i` of the whole matrix is `[10·i, 10·i + 1]`.
    static func whole(_ rows: Int) -> Matrix<Double> {
        Matrix(rows: rows, columns: 2, elements: (0..<rows).flatMap { [Double(10 * $0), Double(10 * $0 + 1)] })
    }

    @Test(arguments: [[Int](), [0], [5], [2], [0, 1], [0, 5], [1, 3, 4], [0, 1, 2, 3, 4, 5]])
    func putsTheRowsBackInPatientOrder(inserted: [Int]) {
        let all = Self.whole(6)
        let kept = (0..<6).filter { !inserted.contains($0) }
        var matrix = all
        matrix.keepRows(kept)
        matrix.insertRows(Validation.selectRows(all, inserted), at: inserted, among: kept)
        #expect(matrix == all)
    }

    @Test func leavesASharedCopyAlone() {
        let all = Self.whole(4)
        var matrix = all
        matrix.keepRows([0, 2, 3])
        let shared = matrix
        matrix.insertRows(Validation.selectRows(all, [1]), at: [1], among: [0, 2, 3])
        #expect(matrix == all)
        #expect(shared.rows == 3 && shared.elements == [0, 1, 20, 21, 30, 31])
    }
}
