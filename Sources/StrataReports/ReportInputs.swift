import StrataData
import StrataModels
import StrataSegments

/// Everything a report is built from, gathered by the caller (the project workflow): the store's runs and
/// memberships, the run's export and what its checks found, the model files, and the scores the models give
/// on a window whose outcomes are known.
public struct ReportInputs: Sendable {
    /// The run reported on.
    public var run: RunRecord
    /// Every run in the store, oldest first.
    public var runs: [RunRecord]
    /// The export's folder name; nil when the run's export could not be found.
    public var exportName: String?
    /// What the cross-record checks found in the export.
    public var checks: ExportCheckReport?
    public var segments: [SegmentSnapshot]
    /// The run's export, for consent counts; nil when it could not be found.
    public var export: ClinicExport?
    /// The day consents are counted at (the run's as-of date).
    public var asOf: Day
    public var clusters: ModelFile<KMeansParameters>?
    public var scores: [ScoreInput]
    /// What the contact policy held back in the run, per segment name (empty for a run recorded before the
    /// policy existed).
    public var heldBack: [String: HeldBack]
    /// The lifetime model's fields as the run applied them; nil without a lifetime model.
    public var lifetime: LifetimeInput?
    /// Counts from 1 to `minCellSize − 1` patients are suppressed.
    public var minCellSize: Int
    /// The campaigns started by the run or an earlier one, measured on its export (empty without them).
    public var campaigns: [CampaignInput] = []

    public init(run: RunRecord, runs: [RunRecord], exportName: String?, checks: ExportCheckReport?, segments: [SegmentSnapshot],
                export: ClinicExport?, asOf: Day, clusters: ModelFile<KMeansParameters>?, scores: [ScoreInput], heldBack: [String: HeldBack] = [:],
                lifetime: LifetimeInput? = nil, minCellSize: Int) {
        self.run = run
        self.runs = runs
        self.exportName = exportName
        self.checks = checks
        self.segments = segments
        self.export = export
        self.asOf = asOf
        self.clusters = clusters
        self.scores = scores
        self.heldBack = heldBack
        self.lifetime = lifetime
        self.minCellSize = minCellSize
    }

    /// The run before ``run``, if any.
    public var previousRun: RunRecord? { runs.last { $0.id < run.id } }
}

/// One segment as the store holds it around the run.
public struct SegmentSnapshot: Sendable {
    public var name: String
    public var purpose: SegmentPurpose
    /// The channels its lists go out on (`email`, `sms`, ...).
    public var channels: [String]
    /// Members, entered and exited per run, oldest first.
    public var history: [SegmentHistoryEntry]
    /// The patient ids in the segment after the run; used only to count, never written.
    public var members: [String]
    /// The patient ids in it after the previous run (nil without one).
    public var previousMembers: [String]?

    public init(name: String, purpose: SegmentPurpose, channels: [String], history: [SegmentHistoryEntry], members: [String],
                previousMembers: [String]?) {
        self.name = name
        self.purpose = purpose
        self.channels = channels
        self.history = history
        self.members = members
        self.previousMembers = previousMembers
    }
}

/// A score model and how it did on patients whose outcome is known.
public struct ScoreInput: Sendable {
    /// `churn` or `conversion`.
    public var target: String
    /// The model file's name.
    public var modelName: String
    public var model: ModelFile<LogisticParameters>
    /// One probability and one outcome (0 or 1) per patient scored.
    public var probabilities: [Double]
    public var outcomes: [Double]
    /// How the probabilities and outcomes were computed, in words (the window, the rows).
    public var evaluatedOn: String
    /// What a positive outcome is, in words ("patients who lapse").
    public var positives: String
    /// Who is scored, plural (`patients` for churn, `leads` for conversion).
    public var population: String

    public init(target: String, modelName: String, model: ModelFile<LogisticParameters>, probabilities: [Double], outcomes: [Double],
                evaluatedOn: String, positives: String, population: String = "patients") {
        self.target = target
        self.modelName = modelName
        self.model = model
        self.probabilities = probabilities
        self.outcomes = outcomes
        self.evaluatedOn = evaluatedOn
        self.positives = positives
        self.population = population
    }
}
