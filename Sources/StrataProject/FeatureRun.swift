import Foundation
import StrataData
import StrataFeatures

/// One feature vector per patient as of a date (`strata features`): fitted from the project's feature spec,
/// or a fitted schema applied again; optionally the churn label; written as one folder, whole or not at all.
public enum FeatureRun {
    public struct Configuration: Sendable {
        /// The as-of date T: events at or before the end of that day count.
        public var asOf: Day
        /// The output folder.
        public var output: URL
        /// A fitted `schema.json` to apply instead of fitting one.
        public var schema: URL?
        /// Also write the churn label over `labels.churn_horizon_days` after T.
        public var labels: Bool
        /// Write into a folder that is not empty, replacing only the feature files.
        public var replacing: Bool

        public init(asOf: Day, output: URL, schema: URL? = nil, labels: Bool = false, replacing: Bool = false) {
            self.asOf = asOf
            self.output = output
            self.schema = schema
            self.labels = labels
            self.replacing = replacing
        }

        /// The tables to keep when reading the export: what the spec needs, or all for a fitted schema.
        public var tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? {
            schema == nil ? { $0.features.tablesNeeded } : nil
        }

        /// The text columns not to store: those the spec does not read, or those no feature reads.
        public var unusedTextColumns: (ProjectConfiguration) -> [CanonicalTable: Set<String>] {
            let fitting = schema == nil
            return { fitting ? $0.features.unusedTextColumns : FeatureSpec.neverReadTextColumns }
        }
    }

    /// Computes the features of `source`'s export and writes the folder.
    /// - Parameter lap: called after the features are computed and after they are written (for timings).
    /// - Returns: the table written (patients × features).
    public static func run(_ configuration: Configuration, on source: ExportSource.Loaded,
                           lap: (String) -> Void = { _ in }) throws -> FeatureTable {
        let export = source.export
        let table: FeatureTable
        if let schema = configuration.schema {
            let fitted = try JSONDecoder().decode(FeatureSchema.self, from: try Data(contentsOf: schema))
            table = try FeaturePipeline.apply(fitted, to: export, asOf: configuration.asOf)
        } else {
            table = try FeaturePipeline.fit(export, asOf: configuration.asOf, spec: source.configuration.features)
        }
        lap("features")
        var labelColumns: FeatureOutput.LabelColumns = []
        if configuration.labels {
            let horizon = source.configuration.labels.churnHorizonDays
            labelColumns.append(("churn_\(horizon)d", Labels.churn(export, asOf: configuration.asOf, horizonDays: horizon)))
        }
        try FeatureOutput.write(table, labels: labelColumns, to: configuration.output, replacing: configuration.replacing)
        lap("write")
        return table
    }
}
