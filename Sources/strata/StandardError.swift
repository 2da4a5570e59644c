import Foundation

/// Writes `text` to standard error as it is.
///
/// A message that cannot be written (standard error closed, the write interrupted) is dropped: Foundation's
/// non-throwing `FileHandle.write(_:)` traps on any write error, and a warning is never worth a crash.
func writeToStandardError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}
