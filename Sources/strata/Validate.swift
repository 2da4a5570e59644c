import ArgumentParser
import Foundation
import StrataData
import StrataFeatures

/// `strata validate PATH`: reads an export, checks every table, prints a summary. Exit status 0 only when clean.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an export and print a summary (tables, rows, patients, date range, problems).",
        discussion: """
            Exits 0 only when the export is clean; 1 when it has problems (the first is printed with its \
            file:line:column). Warnings (negative amounts, a file without a line end after its last record) are \
            listed after the problems and do not change the exit status.
            """
    )

    @OptionGroup var export: ExportOptions

    func run() throws {
        let (result, _) = try export.read(printingWarnings: false)
        let summary = ExportSummary(result)
        print(summary.text)
        if !summary.isClean { throw ExitCode(1) }
    }
}

/// Options shared by commands that read an export.
struct ExportOptions: ParsableArguments {
    @Argument(help: "The export folder (default: exports.path in strata.yml).")
    var path: String?

    @Option(help: "The export layout: canonical, synthea or mapped (detected when omitted).")
    var format: ExportFormat?

    @Option(help: "The project file (default: ./strata.yml when present).")
    var config: String?

    @Option(help: "Skip and report up to N bad rows instead of stopping at the first.")
    var maxBadRows: Int = 0

    func validate() throws {
        guard maxBadRows >= 0 else { throw ValidationError("--max-bad-rows must be >= 0, got \(maxBadRows)") }
    }

    /// The project configuration: `--config`, else `./strata.yml` if present, else defaults.
    func configuration() throws -> ProjectConfiguration {
        if let config {
            return try reportingErrors { () throws(ConfigurationError) in try ProjectConfiguration.load(from: URL(fileURLWithPath: config)) }
        }
        let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("strata.yml")
        guard FileManager.default.fileExists(atPath: local.path) else { return ProjectConfiguration() }
        return try reportingErrors { () throws(ConfigurationError) in try ProjectConfiguration.load(from: local) }
    }

    /// Reads the export, keeping only `tables` when given (the others are still checked: every command
    /// reaches `validate`'s verdict) and without the text columns `unusedTextColumns` names; prints the
    /// problem and exits 1 on failure, and prints the warnings to standard error unless told not to.
    func read(tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? = nil,
              unusedTextColumns: ((ProjectConfiguration) -> [CanonicalTable: Set<String>])? = nil,
              printingWarnings: Bool = true) throws
        -> (ExportReadResult, ProjectConfiguration) {
        let configuration = try configuration()
        guard let folder = path ?? configuration.exports?.path else {
            throw ValidationError("give the export folder, or set exports.path in strata.yml")
        }
        let result = try reportingErrors { () throws(IngestError) in
            try ExportReader.read(URL(fileURLWithPath: folder), format: format ?? configuration.exports?.format,
                                  mapping: configuration.mapping, policy: IngestPolicy(maxBadRows: maxBadRows),
                                  tables: tables?(configuration) ?? Set(CanonicalTable.allCases),
                                  unusedTextColumns: unusedTextColumns?(configuration) ?? [:])
        }
        if printingWarnings {
            for message in result.warnings.messages { writeToStandardError("warning: \(message)\n") }
        }
        return (result, configuration)
    }
}

extension ExportFormat: ExpressibleByArgument {}

/// `--as-of` text as a ``Day``, or the validation error the commands print for it (`example` is the date the
/// message shows).
func asOfDay(_ text: String, example: String) throws(ValidationError) -> Day {
    guard let day = try? Day(iso: text) else {
        throw ValidationError("--as-of must be a date like \(example) (YYYY-MM-DD), got \"\(text)\"")
    }
    return day
}

/// Runs `body`; a user-facing error is printed to standard error as is, and the command exits with status 1.
func reportingErrors<T, E: Error>(_ body: () throws(E) -> T) throws -> T {
    do { return try body() } catch {
        writeToStandardError("error: \(error)\n")
        throw ExitCode(1)
    }
}
