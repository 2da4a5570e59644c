import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataProject

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
        let summary = ExportSummary(try export.source.read().result)
        print(summary.description(naming: FlagNames.flag))
        if !summary.isClean { throw ExitCode(1) }
    }
}

/// Options shared by commands that read an export.
struct ExportOptions: ParsableArguments {
    @Argument(help: "The export folder (default: exports.path in strata.yml).")
    var path: String?

    @Option(help: "The export layout: canonical, synthea, fhir or mapped (detected when omitted).")
    var format: ExportFormat?

    @Option(help: "The project file (default: ./strata.yml when present).")
    var config: String?

    @Option(help: "Skip and report up to N bad rows instead of stopping at the first.")
    var maxBadRows: Int = 0

    func validate() throws {
        guard maxBadRows >= 0 else { throw ValidationError("--max-bad-rows must be >= 0, got \(maxBadRows)") }
    }

    /// Where the export comes from, as the library takes it.
    var source: ExportSource {
        ExportSource(path: path, format: format, configurationFile: config, maxBadRows: maxBadRows)
    }

    /// Reads the export (see ``ExportSource/read(tables:unusedTextColumns:)``) and prints its warnings.
    func read(tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? = nil,
              unusedTextColumns: ((ProjectConfiguration) -> [CanonicalTable: Set<String>])? = nil) throws -> ExportSource.Loaded {
        let loaded = try source.read(tables: tables, unusedTextColumns: unusedTextColumns)
        printWarnings(loaded.result.warnings.messages)
        return loaded
    }
}
