import ArgumentParser
import Foundation
import StrataData
import StrataLinearAlgebra
import StrataProject

/// The entry point: parses, runs, and reports every failure one way (see `docs/cli.md`, "Errors and exit
/// status"): `error: <message>` on standard error, then exit 1 for a failed run and 64 for a bad command line
/// (with the usage). Help and `--version` go to standard output with status 0.
@main
enum Main {
    static func main() {
        // On a CPU newer than Debian's OpenBLAS, restart once on the kernels the CPU supports (BLASCore).
        BLASCore.runOnTheKernelsThisCPUSupports()
        do {
            var command = try Strata.parseAsRoot()
            try command.run()
        } catch {
            exit(reporting: error)
        }
    }

    static func exit(reporting error: Error) -> Never {
        let code = Strata.exitCode(for: error)
        if code == .success {
            print(Strata.fullMessage(for: error))
        } else if let message = ErrorReport.message(for: error) {
            writeToStandardError(message)
        }
        Foundation.exit(code.rawValue)
    }
}

/// How a failure reads.
enum ErrorReport {
    /// `error: ...` and a line end, or nil for an exit status without a message (`ExitCode`).
    static func message(for error: Error) -> String? {
        if error is ExitCode { return nil }
        let isUsage = Strata.exitCode(for: error) == .validationFailure
        var text = isUsage ? Strata.fullMessage(for: error) : describe(error)
        if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
        guard !text.isEmpty else { return nil }
        return "error: " + text + (text.hasSuffix("\n") ? "" : "\n")
    }

    /// A library error's own description; a Foundation file error as its path and reason, never its raw form.
    static func describe(_ error: Error) -> String {
        if let cocoa = error as? CocoaError {
            let path = (cocoa.userInfo[NSFilePathErrorKey] as? String) ?? cocoa.filePath ?? (cocoa.url?.path)
            let reason = (cocoa.userInfo[NSUnderlyingErrorKey] as? Error).map { "\($0.localizedDescription)" } ?? cocoa.localizedDescription
            return path.map { "\($0): \(reason)" } ?? reason
        }
        // Library errors name parameters; where a parameter is a flag here, the message names the flag.
        if let named = error as? any ParameterNaming { return named.description(naming: FlagNames.flag) }
        return "\(error)"
    }
}
