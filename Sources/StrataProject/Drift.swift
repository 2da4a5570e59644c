import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// Drift of a model's inputs and score between its training rows and a current export: the population
/// stability index (``PopulationStability``) of each, with bins from the training quantiles stored in the
/// model file (``DriftReference``).
public enum Drift {
    /// Benchmark knob: with `STRATA_BENCH_NO_MONITORING=1` in the environment a refresh measures no drift,
    /// stores no scores and measures no realized performance, so that `Benchmarks/bench_retrain.py` can time
    /// what they cost in the same refresh. Not for use otherwise: runs made so cannot be monitored.
    static let monitoringOff = ProcessInfo.processInfo.environment["STRATA_BENCH_NO_MONITORING"] == "1"

    /// One variable's index.
    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        public var psi: Double
        public var band: PopulationStability.Band
    }

    /// One model's drift.
    public struct ModelDrift: Codable, Sendable, Equatable {
        /// `churn` or `clusters`.
        public var target: String
        /// The registry's number of the model, when registered.
        public var model: Int64?
        public var file: String
        /// The training rows' feature date and the current as-of date.
        public var trainedAsOf: String
        public var asOf: String
        /// Nil when the model file has no drift reference (written before drift existed).
        public var inputs: [Entry]?
        public var score: Entry?

        enum CodingKeys: String, CodingKey {
            case target, model, file, trainedAsOf = "trained_as_of", asOf = "as_of", inputs, score
        }

        /// A sentence per input (or the score) outside the stable band (none without a reference).
        public var warnings: [String] {
            guard let inputs else { return [] }
            return (inputs + (score.map { [$0] } ?? [])).filter { $0.band != .stable }.map {
                String(format: "drift: %@ of the %@ model (%@) has PSI %.3f since training (%@): %@", $0.name, target, file,
                       $0.psi, trainedAsOf, $0.band == .act ? "above 0.25, act" : "0.1 to 0.25, watch")
            }
        }
    }

    /// The reference of the training rows `x` (columns named by `schema`) and of their `scores`.
    ///
    /// The columns are read a few at a time in one pass over their rows (``PopulationStability/references(_:names:bins:workers:)``):
    /// copied out one by one, each copy read the whole matrix, and with the cut points quickselected and
    /// the values binned again this was 2.3 s of a 770,000 × 66 churn reference.
    public static func reference(_ x: Matrix<Double>, schema: FeatureSchema, scores: [Double]?, asOf: Day) -> DriftReference {
        DriftReference(asOf: asOf.description, rows: x.rows, inputs: PopulationStability.references(x, names: schema.names),
                       score: scores.map { PopulationStability.reference(name: "score", values: $0) })
    }

    /// The reference of a churn model's training rows: the patients on file at `asOf`, their features in
    /// `schema` as of then, and the model's scores of them. Training builds it from the rows it already has
    /// (`TrainingRun`); this computes them.
    public static func churnReference(_ export: ClinicExport, schema: FeatureSchema, model: LogisticModel, asOf: Day) throws
        -> DriftReference {
        let rows = ChurnTraining.patientsOnFile(export, asOf: asOf)
        let x = try FeaturePipeline.apply(schema, to: export, asOf: asOf, rows: rows).matrix
        return reference(x, schema: schema, scores: try model.probabilities(x), asOf: asOf)
    }

    /// The indexes of the current rows `x` (in the model's schema) and `scores` against `reference`. Every
    /// input's bin shares come from one pass over `x` (``PopulationStability/columnShares(_:edges:workers:)``):
    /// copying each column out first was most of a refresh's drift time.
    public static func measure(_ reference: DriftReference, x: Matrix<Double>, scores: [Double]?) -> (inputs: [Entry], score: Entry?) {
        let shares = PopulationStability.columnShares(x, edges: reference.inputs.map(\.edges))
        let inputs = zip(reference.inputs, shares).map { stored, actual in
            entry(stored, psi: PopulationStability.index(expected: stored.shares, actual: actual))
        }
        var score: Entry?
        if let stored = reference.score, let scores { score = entry(stored, psi: PopulationStability.index(stored, values: scores)) }
        return (inputs, score)
    }

    static func entry(_ reference: PopulationStability.Reference, psi: Double) -> Entry {
        Entry(name: reference.name, psi: psi, band: PopulationStability.Band(psi))
    }
}

/// What a refresh's models measured of drift while scoring; read after the refresh.
final class DriftLog: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [Drift.ModelDrift] = []

    func record(_ drift: Drift.ModelDrift) {
        lock.lock()
        defer { lock.unlock() }
        models.removeAll { $0.target == drift.target }
        models.append(drift)
    }

    var recorded: [Drift.ModelDrift] {
        lock.lock()
        defer { lock.unlock() }
        return models.sorted { $0.target < $1.target }
    }
}

/// `strata models health`: the drift of each champion on the project's newest export (or a given one).
public enum ModelHealth {
    /// Measures each applied model's drift as of the export's last day, as a refresh would.
    /// Also measures and stores the realized performance of every run whose horizon has passed (see
    /// ``RealizedPerformance``).
    public static func run(project directory: URL, export: URL? = nil, user: String = ModelRegistry.currentUser) throws
        -> ModelHealthSummary {
        let project = try Project(directory: directory)
        let folder = try project.exportFolder(export?.path)
        let source = try ExportSource(path: folder.path, configurationFile: project.directory.appendingPathComponent(Project.fileName).path)
            .read()
        guard let dates = ExportDates(source.export) else { throw RefreshError.emptyExport(folder.path) }
        let models = try ProjectModels(project: project)
        _ = try models.scores(source.export, asOf: dates.last)
        _ = try models.clusterNames(source.export, asOf: dates.last)
        let realized = try RealizedPerformance.update(project, export: source.export, folder: folder, lastDay: dates.last, user: user)
        return ModelHealthSummary(export: folder.lastPathComponent, asOf: dates.last.description, models: models.driftLog.recorded,
                                  realized: realized)
    }
}

/// `strata models health --json`; ``table`` is what people read.
public struct ModelHealthSummary: Codable, Sendable, Equatable {
    public var export: String
    public var asOf: String
    public var models: [Drift.ModelDrift]
    /// The realized performance of every run whose horizon has passed by the export's last day.
    public var realized: [RealizedPerformance.Realized]

    enum CodingKeys: String, CodingKey { case export, asOf = "as_of", models, realized }

    /// A block per model: each input's PSI and band, then the score's.
    public var table: String {
        var lines = ["drift on \(export) as of \(asOf) (PSI: < 0.1 stable, 0.1-0.25 watch, > 0.25 act)"]
        if models.isEmpty { lines.append("no models applied") }
        for model in models {
            lines.append("")
            lines.append("\(model.target): " + (model.model.map { "model \($0), " } ?? "") + "\(model.file), trained as of \(model.trainedAsOf)")
            guard let inputs = model.inputs else {
                lines.append("  no drift reference in the model file (written before drift existed); retrain to get one")
                continue
            }
            let width = max(8, inputs.map(\.name.count).max() ?? 0)
            for entry in inputs + (model.score.map { [$0] } ?? []) {
                lines.append("  " + entry.name.padding(toLength: width, withPad: " ", startingAt: 0)
                             + String(format: "  %6.3f  ", entry.psi) + entry.band.rawValue)
            }
        }
        if !realized.isEmpty {
            lines.append("")
            lines.append("realized performance (outcome read from \(export)):")
            lines += realized.map { "  " + $0.line }
        }
        return lines.joined(separator: "\n")
    }
}
