import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataProject

/// `strata validate [PATH]`: reads an export, checks every table and the records against each other, prints a
/// summary. Exit status 0 only when clean.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an export and print a summary (tables, rows, patients, date range, cross-record checks, problems).",
        discussion: """
            Exits 0 only when the export is clean; 1 when it has problems: reading stopped at one (printed with \
            its file:line:column), bad rows were skipped, or a cross-record check whose policy is fail found \
            records (listed under checks, the first five with their file:line). The checks' policies are the \
            checks: section of strata.yml; --strict makes every check fail. Warnings (negative amounts, a file \
            without a line end after its last record) are listed after the problems and do not change the exit \
            status.
            """
    )

    @OptionGroup var export: ExportOptions

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() throws {
        let loaded = try export.source.read(failingOnChecks: false)
        let summary = ExportSummary(loaded.result, checks: loaded.checks)
        if json {
            try printJSON(ValidationReport(summary))
        } else {
            print(summary.description(naming: FlagNames.flag))
        }
        if !summary.isClean { throw ExitCode(1) }
    }
}

/// Options shared by commands that read an export.
struct ExportOptions: ParsableArguments {
    @Argument(help: "The export folder (default: the newest export under exports.path in strata.yml, as for refresh).")
    var path: String?

    @Option(help: "The export layout: canonical, synthea, fhir or mapped (detected when omitted).")
    var format: ExportFormat?

    @Option(help: "The project file (default: ./strata.yml when present).")
    var config: String?

    @Option(help: "Skip and report up to N bad rows instead of stopping at the first.")
    var maxBadRows: Int = 0

    @Flag(help: "Make every cross-record check fail (whatever the checks: section of strata.yml says).")
    var strict = false

    func validate() throws {
        guard maxBadRows >= 0 else { throw ValidationError("--max-bad-rows must be >= 0, got \(maxBadRows)") }
    }

    /// Where the export comes from, as the library takes it.
    var source: ExportSource {
        ExportSource(path: path, format: format, configurationFile: config, maxBadRows: maxBadRows, strict: strict)
    }

    /// Reads the export (see ``ExportSource/read(tables:unusedTextColumns:failingOnChecks:)``) and prints its
    /// warnings.
    func read(tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? = nil,
              unusedTextColumns: ((ProjectConfiguration) -> [CanonicalTable: Set<String>])? = nil,
              extraColumns: [CanonicalTable: [ExtraColumn]] = [:]) throws -> ExportSource.Loaded {
        let loaded = try source.read(tables: tables, unusedTextColumns: unusedTextColumns, extraColumns: extraColumns)
        printWarnings(loaded.warnings)
        return loaded
    }
}
