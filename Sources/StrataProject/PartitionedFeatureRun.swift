import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// `strata features --partitions N`: the matrix a model is fitted on, as CSV partitions Apache Spark reads
/// directly (see ``FeaturePartitions`` and docs/scaling.md).
///
/// Two matrices: the project's features (what `strata train churn` fits on, fitted as of the date, or a given
/// fitted schema applied), optionally with the churn label, left empty for the patients a churn fit leaves out
/// (not on file at the date, or dead within the horizon); or the matrix `strata discover` clusters (the
/// `discover.families` columns, counts and amounts `log1p`, standardized, each family weighted equally).
public enum PartitionedFeatureRun {
    /// Which matrix to write.
    public enum Matrix: String, Sendable, CaseIterable {
        /// The project's feature spec (or a fitted schema): what churn models are fitted on.
        case features
        /// What `strata discover` clusters.
        case discovery
    }

    public struct Configuration: Sendable {
        public var asOf: Day
        public var output: URL
        /// The number of CSV files.
        public var partitions: Int
        public var matrix: Matrix
        /// A fitted `schema.json` to apply instead of fitting one (for the discovery matrix: a discovery schema,
        /// e.g. the `schema.json` of an earlier discovery write, so every shard gets the same columns).
        public var schema: URL?
        /// Add the churn label over `labels.churn_horizon_days` (features only).
        public var labels: Bool
        /// Write into a non-empty folder, replacing only the partition files.
        public var replacing: Bool

        public init(asOf: Day, output: URL, partitions: Int, matrix: Matrix = .features, schema: URL? = nil,
                    labels: Bool = false, replacing: Bool = false) {
            self.asOf = asOf
            self.output = output
            self.partitions = partitions
            self.matrix = matrix
            self.schema = schema
            self.labels = labels
            self.replacing = replacing
        }

        /// The tables to read: what the spec needs, or all for a fitted schema.
        public var tables: ((ProjectConfiguration) -> Set<CanonicalTable>)? {
            FeatureRun.Configuration(asOf: asOf, output: output, schema: schema).tables
        }

        /// The text columns not to store.
        public var unusedTextColumns: (ProjectConfiguration) -> [CanonicalTable: Set<String>] {
            FeatureRun.Configuration(asOf: asOf, output: output, schema: schema).unusedTextColumns
        }

        /// Throws for settings that do not go together, naming the parameters.
        public func validate() throws(PartitionedFeatureError) {
            guard (1...FeaturePartitions.maximumPartitions).contains(partitions) else {
                throw .partitionsOutOfRange(partitions, maximum: FeaturePartitions.maximumPartitions)
            }
            if matrix == .discovery && labels { throw .discoveryWith("labels") }
        }
    }

    /// Computes the matrix of `source`'s export and writes the partitions.
    /// - Returns: the manifest written (`partitions.json`).
    public static func run(_ configuration: Configuration, on source: ExportSource.Loaded) throws -> FeaturePartitionManifest {
        try configuration.validate()
        let export = source.export, settings = source.configuration, day = configuration.asOf
        let table: FeatureTable
        var weights: [Double]?
        if let schema = configuration.schema {
            let fitted = try JSONDecoder().decode(FeatureSchema.self, from: try Data(contentsOf: schema))
            table = try FeaturePipeline.apply(fitted, to: export, asOf: day)
        } else if configuration.matrix == .discovery {
            table = try DiscoveryFeatures.table(export, asOf: day, spec: settings.features, families: settings.discover.families)
        } else {
            table = try FeaturePipeline.fit(export, asOf: day, spec: settings.features)
        }
        // Discovery's weights are folded into its schema's scales; they depend only on each column's family.
        if configuration.matrix == .discovery { weights = DiscoveryFeatures.familyWeights(table.schema.columns) }
        var labels: FeatureOutput.LabelColumns = []
        if configuration.labels {
            let horizon = settings.labels.churnHorizonDays
            labels.append(("churn_\(horizon)d", churnLabels(export, asOf: day, horizonDays: horizon)))
        }
        let description = FeaturePartitions.Description(matrix: configuration.matrix.rawValue, asOf: day, labels: labels,
                                                        weights: weights, exportFingerprint: try Fingerprint.of(folder: source.folder))
        return try FeaturePartitions.write(table, description: description, partitions: configuration.partitions,
                                           to: configuration.output, replacing: configuration.replacing,
                                           fingerprint: Fingerprint.of)
    }

    /// The churn label of every patient, `NaN` for those a churn fit as of `day` leaves out: exactly the rows
    /// and targets ``ChurnTraining`` fits on.
    static func churnLabels(_ export: ClinicExport, asOf day: Day, horizonDays: Int) -> [Double] {
        let all = Labels.churn(export, asOf: day, horizonDays: horizonDays)
        var labels = [Double](repeating: .nan, count: all.count)
        for row in ChurnTraining.patientsOnFile(export, asOf: day)
        where !Labels.isLeftOutOfChurn(export, row, asOf: day, horizonDays: horizonDays) {
            labels[row] = all[row]
        }
        return labels
    }
}

/// Partitioned feature settings that do not go together. Messages name parameters, never flags.
public enum PartitionedFeatureError: Error, Equatable, CustomStringConvertible {
    case partitionsOutOfRange(Int, maximum: Int)
    /// The discovery matrix has no label.
    case discoveryWith(String)

    public var description: String {
        switch self {
        case let .partitionsOutOfRange(count, maximum): "partitions is \(count); expected 1 to \(maximum)"
        case let .discoveryWith(parameter):
            "the discovery matrix has no label; \(parameter) goes with the features matrix only"
        }
    }
}
