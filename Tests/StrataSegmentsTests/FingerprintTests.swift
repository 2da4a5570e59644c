import Foundation
import Testing
@testable import StrataSegments

/// Fingerprints map files and hash them at once; the values must stay those every store and model file
/// already records (SHA-256 of the bytes, and of `<name> <hash>` lines in name order for a folder).
@Suite struct FingerprintTests {
    /// Bytes 3, 10, 17, ... (i·7 + 3 mod 256) for i below `count`: three million of them span many pages.
    static func pattern(_ count: Int) -> Data { Data((0..<count).map { UInt8(($0 * 7 + 3) % 256) }) }

    @Test func aFileIsTheSHA256OfItsBytes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x,y\n1,2\n".utf8).write(to: folder.appendingPathComponent("a.csv"))
        try Self.pattern(3_000_001).write(to: folder.appendingPathComponent("big.bin"))
        try Data().write(to: folder.appendingPathComponent("empty.csv"))
        // Expected values from Python's hashlib.sha256 (see the comment of each).
        #expect(try Fingerprint.of(file: folder.appendingPathComponent("a.csv"))  // sha256(b"x,y\n1,2\n")
                == "81bf9fa83c6f7f151bd491a98cd7d933de3965289e3ebd77c6c425f7eaa16392")
        #expect(try Fingerprint.of(file: folder.appendingPathComponent("big.bin"))  // sha256(bytes((i*7+3)%256 for i in range(3_000_001)))
                == "acf01e01c5d7617d31e73cb56eb5179713158210d351aedf747b97e0de6a84ba")
        #expect(try Fingerprint.of(file: folder.appendingPathComponent("empty.csv"))  // sha256(b"")
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // sha256(b"a.csv <hash of a.csv>\nbig.bin <hash of big.bin>\n")
        #expect(try Fingerprint.of(files: [folder.appendingPathComponent("a.csv"), folder.appendingPathComponent("big.bin")])
                == "9b1c3bf5dd51171f7f16a85cbd5da21de55a28e9df6b4f09a857956d332a04b9")
        #expect(throws: (any Error).self) { try Fingerprint.of(file: folder.appendingPathComponent("missing.csv")) }
        // Named as Foundation names a file it cannot read.
        #expect(throws: CocoaError(.fileReadNoSuchFile)) {
            do { _ = try Fingerprint.of(file: folder.appendingPathComponent("missing.csv")) } catch let error as CocoaError {
                throw CocoaError(error.code)
            }
        }
    }

    /// A file is hashed through mapped windows of 64 MiB: one past a window's end (its bytes marked around the
    /// boundaries) hashes as its bytes in memory do; a folder hashed one file after the other as at once.
    @Test func aFileLongerThanAWindowIsTheSHA256OfItsBytes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let window = 64 << 20
        var bytes = Data(count: window + 5)
        for offset in [0, 1, window - 2, window - 1, window, window + 4] { bytes[offset] = UInt8(offset % 251 + 1) }
        let file = folder.appendingPathComponent("long.bin")
        try bytes.write(to: file)
        #expect(try Fingerprint.of(file: file) == Fingerprint.of(bytes))
        try Self.pattern(1000).write(to: folder.appendingPathComponent("short.bin"))
        #expect(try Fingerprint.of(folder: folder, concurrently: false) == Fingerprint.of(folder: folder))
    }

    @Test func aFolderHashesItsVisibleFilesInNameOrder() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("nested"), withIntermediateDirectories: true)
        for (index, name) in ["patients.csv", "appointments.csv", "consents.csv", ".hidden", "b.txt"].enumerated() {
            try Data(String(repeating: "row \(index),", count: 10_000 * (index + 1)).utf8).write(to: folder.appendingPathComponent(name))
        }
        try Data("inside".utf8).write(to: folder.appendingPathComponent("nested/file.csv"))
        // The reference: each visible file read whole (not mapped), one line per file in name order.
        var summary = ""
        for name in ["appointments.csv", "b.txt", "consents.csv", "patients.csv"] {
            summary += "\(name) \(Fingerprint.of(try Data(contentsOf: folder.appendingPathComponent(name))))\n"
        }
        #expect(try Fingerprint.of(folder: folder) == Fingerprint.of(Data(summary.utf8)))
        // A changed byte changes it.
        let before = try Fingerprint.of(folder: folder)
        try Data("row 0,".utf8).write(to: folder.appendingPathComponent("b.txt"))
        #expect(try Fingerprint.of(folder: folder) != before)
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fingerprint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
