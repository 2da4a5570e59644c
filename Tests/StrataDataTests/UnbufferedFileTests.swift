import Foundation
@testable import StrataData
import Testing

/// ``AtomicFile/writeUnbuffered(to:permissions:_:)``: the file holds exactly the bytes given, in order, whether
/// the file system takes direct I/O (the temporary directory here: ext4) or not (`/dev/shm`: tmpfs).
@Suite("UnbufferedFile")
struct UnbufferedFileTests {
    /// Pieces that straddle the 4 MiB buffer and end off a block boundary, some written from empty arrays.
    static func pieces() -> [[UInt8]] {
        let sizes = [0, 1, 4095, 4097, UnbufferedFileWriter.capacity - 3, 0, 17, UnbufferedFileWriter.capacity + 5_000, 1]
        // Bytes that differ piece to piece and repeat only every 251 within one, so a misplaced block shows.
        return sizes.enumerated().map { piece, count in
            [UInt8](unsafeUninitializedCapacity: count) { bytes, initialized in
                for i in 0..<count { bytes[i] = UInt8(truncatingIfNeeded: (i % 251) &* 7 &+ piece &* 13) }
                initialized = count
            }
        }
    }

    @Test(arguments: [FileManager.default.temporaryDirectory.path, "/dev/shm"])
    func theFileHoldsExactlyTheBytesWritten(parent: String) throws {
        guard FileManager.default.isWritableFile(atPath: parent) else { return }
        let directory = URL(fileURLWithPath: parent).appendingPathComponent("strata-unbuffered-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("entry")
        let pieces = Self.pieces()
        try AtomicFile.writeUnbuffered(to: url, permissions: 0o600) { file in
            for piece in pieces { try piece.withUnsafeBytes { try file.write($0) } }
            #expect(file.written == pieces.reduce(0) { $0 + $1.count })
        }
        #expect(try Data(contentsOf: url) == pieces.reduce(into: Data()) { $0.append(contentsOf: $1) })
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["entry"])
    }

    @Test func aFailingBodyLeavesTheOldFileAndNoTemporary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strata-unbuffered-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("entry")
        try AtomicFile.write(Data("old".utf8), to: url)
        struct Stop: Error {}
        #expect(throws: MatrixFileError.self) {
            try AtomicFile.writeUnbuffered(to: url) { file in
                try Array(repeating: UInt8(7), count: UnbufferedFileWriter.capacity + 1).withUnsafeBytes { try file.write($0) }
                throw Stop()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["entry"])
    }
}
