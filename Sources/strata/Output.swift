import Foundation

/// Writes `text` to standard error as it is.
///
/// A message that cannot be written (standard error closed, the write interrupted) is dropped: Foundation's
/// non-throwing `FileHandle.write(_:)` traps on any write error, and a warning is never worth a crash.
func writeToStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}

/// Each warning as `warning: ...` on standard error.
func printWarnings(_ warnings: [String]) {
    for warning in warnings { writeToStandardError("warning: \(warning)\n") }
}

/// The one way a command prints `--json`: its Codable summary through `JSONEncoder`, keys sorted, one line.
/// Encoding errors are thrown, never replaced by `{}`.
func printJSON<T: Encodable>(_ value: T) throws {
    print(try jsonText(value))
}

/// `value` as the JSON text `--json` prints.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
