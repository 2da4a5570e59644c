import Foundation
import Testing

/// Runs Python's sqlite3 on the store at `storePath`: `code` sees the connection as `db` and `argument` as
/// `sys.argv[2]`, and is committed after. Returns what it printed. Tests use it to reach a store the way
/// another program would, outside GRDB.
func pythonSQLite(_ code: String, on storePath: String, argument: String = "") throws -> String {
    let python = Process()
    let output = Pipe()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", "-c", "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n\(code)\ndb.commit()",
                        storePath, argument]
    python.standardOutput = output
    try python.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    python.waitUntilExit()
    #expect(python.terminationStatus == 0, "\(code)")
    return String(decoding: printed, as: UTF8.self)
}
