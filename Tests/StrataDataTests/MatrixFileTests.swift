import Foundation
import StrataData
import StrataLinearAlgebra
import Testing

/// `.npy` files written by numpy (`Fixtures/npy/make_npy.py`) and CSV matrices.
@Suite("MatrixFile")
struct MatrixFileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/npy")
    static let expected: [[Double]] = [[1.5, -2.0, 3.25], [4.0, 5.5, -6.125]]

    @Test(arguments: ["f4_2x3.npy", "f8_2x3.npy", "f8_2x3_fortran.npy", "f8_2x3_bigendian.npy"])
    func readsNumpyMatrices(_ name: String) throws {
        let url = Self.fixtures.appendingPathComponent(name)
        #expect(try MatrixFile.read(url, as: Double.self).matrix == Matrix(Self.expected))
        #expect(try MatrixFile.read(url, as: Float.self).matrix == Matrix(Self.expected.map { $0.map(Float.init) }))
    }

    @Test func readsIntegerAndBoolVectors() throws {
        #expect(try MatrixFile.readVector(Self.fixtures.appendingPathComponent("i8_vector.npy")) == [3, 0, -7, 12])
        #expect(try MatrixFile.readVector(Self.fixtures.appendingPathComponent("bool_vector.npy")) == [1, 0, 1])
    }

    @Test func rejectsThreeDimensionsAndNaN() throws {
        #expect(throws: MatrixFileError.notAMatrix(path: Self.fixtures.appendingPathComponent("f8_3d.npy").path, shape: [2, 2, 2])) {
            try MatrixFile.read(Self.fixtures.appendingPathComponent("f8_3d.npy"), as: Double.self)
        }
        #expect(throws: MatrixFileError.notFinite(path: Self.fixtures.appendingPathComponent("f8_nan.npy").path, row: 0, column: 1)) {
            try MatrixFile.read(Self.fixtures.appendingPathComponent("f8_nan.npy"), as: Double.self)
        }
    }

    @Test func roundTripsNpyAndCSV() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let matrix = Matrix<Double>([[0.1, 1e-300, -3], [2.5, 7, 1.0 / 3.0]])
        for name in ["m.npy", "m.csv"] {
            let url = directory.appendingPathComponent(name)
            try MatrixFile.write(matrix, columnNames: ["a", "b", "c"], to: url)
            let (read, names) = try MatrixFile.read(url, as: Double.self)
            #expect(read == matrix)
            #expect(names == (name.hasSuffix("csv") ? ["a", "b", "c"] : nil))
        }
        let labels = directory.appendingPathComponent("labels.npy")
        try MatrixFile.writeVector([2, 0, 1], to: labels)
        #expect(try MatrixFile.readVector(labels) == [2, 0, 1])
        // Nothing but the outputs is left behind (no temporary files).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["labels.npy", "m.csv", "m.npy"])
    }

    @Test func csvErrorsNameLineAndColumn() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.csv")
        try "x,y\n1,2\n3,abc\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: MatrixFileError.notANumber(path: url.path, line: 3, column: 3, text: "abc")) {
            try MatrixFile.read(url, as: Double.self)
        }
        try "1,2\n3\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: MatrixFileError.wrongFieldCount(path: url.path, line: 2, expected: 2, found: 1)) {
            try MatrixFile.read(url, as: Double.self)
        }
        try "".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: MatrixFileError.empty(path: url.path)) { try MatrixFile.read(url, as: Double.self) }
    }

    @Test func atomicWritesReplaceExistingFilesWithTheirPermissions() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("list.csv")
        try AtomicFile.write(Data("old\n".utf8), to: url, permissions: 0o644)
        try AtomicFile.write(Data("new\n".utf8), to: url, permissions: 0o600)
        #expect(try String(contentsOf: url, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["list.csv"])
    }

    @Test func failedWriteLeavesExistingFileUntouched() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("m.csv")
        try MatrixFile.write(Matrix<Double>([[1, 2]]), to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: MatrixFileError.self) {
            try MatrixFile.write(Matrix<Double>([[3, 4]]), columnNames: ["only-one"], to: url)
        }
        #expect(try Data(contentsOf: url) == before)
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-matrixfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
