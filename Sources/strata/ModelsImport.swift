import ArgumentParser
import Foundation
import StrataProject

extension Models {
    /// `strata models import MODEL --features DIR`: an MLlib model fitted on Strata's partitioned features.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn an Apache Spark MLlib model (k-means centers, logistic coefficients) into a Strata model file.",
            discussion: """
                MODEL is the JSON Scripts/spark-roundtrip.py writes after fitting (format strata-mllib-model, see \
                docs/scaling.md); DIR the partitioned features it was fitted on (strata features --partitions). Its \
                columns, their order and the schema fingerprint must match DIR/partitions.json. The model file gets \
                DIR/schema.json and is written to --out, or to the project's models folder, where it is registered \
                (a candidate, or the champion when its target has none: strata models promote makes it one).
                """)

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The MLlib model JSON.") var model: String
        @Option(help: "The partitioned features folder the model was fitted on.") var features: String
        @Option(help: "The model file to write (default: <target>-<as-of>-mllib.json in the project's models folder).")
        var out: String?
        @Flag(help: "Print the result as one JSON object.") var json = false

        func run() throws {
            let summary = try ModelImport.run(ModelImport.Configuration(
                model: URL(fileURLWithPath: model), features: URL(fileURLWithPath: features, isDirectory: true),
                output: out.map { URL(fileURLWithPath: $0) }, project: options.directory))
            if json { try printJSON(summary) } else { print(summary.line) }
        }
    }
}
