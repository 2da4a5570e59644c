import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// Applying a logistic model file as of a date: to the patients on file (churn and plain models) or to the
/// leads still open (conversion models), with each row's strongest reasons, into a CSV readable by the
/// owner only.
public enum ScoringRun {
    public struct Configuration: Sendable {
        /// The model file written by `strata train` or `strata logistic`.
        public var modelFile: URL
        /// The scoring date T; nil: the export's last event day.
        public var scoringDay: Day?
        /// The scores CSV to write (atomically, mode 0600).
        public var output: URL
        /// Reasons per row, 0...10.
        public var reasons: Int

        public init(modelFile: URL, scoringDay: Day? = nil, output: URL, reasons: Int = 3) {
            self.modelFile = modelFile
            self.scoringDay = scoringDay
            self.output = output
            self.reasons = reasons
        }
    }

    /// Who a model scores, decided by the model file's `training.target`.
    public enum Population: String, Codable, Sendable {
        /// Every patient on file at T (churn and plain models).
        case patients
        /// The leads still open at T: not converted, window not over (conversion models).
        case openLeads = "open_leads"

        var idColumn: String { self == .openLeads ? "lead_id" : "patient_id" }
        var outcome: String { self == .openLeads ? "chance" : "risk" }
        var noun: String { self == .openLeads ? "open leads" : "patients" }
    }

    /// What a scoring run wrote.
    public struct Result: Sendable {
        public var population: Population
        public var rows: Int
        public var scoringDay: Day
        public var meanScore: Double
        public var output: URL

        /// The line `strata score` prints.
        public var line: String {
            "scored \(rows) \(population.noun) as of \(scoringDay.description) (mean score "
                + String(format: "%.4f", meanScore) + ") to \(output.relativePath)"
        }
    }

    /// Reads the model file, then the export (`warn` gets the export's warnings), scores and writes the CSV.
    public static func run(_ configuration: Configuration, from source: ExportSource,
                           warn: (String) -> Void = { _ in }) throws -> Result {
        let file = try ModelFile<LogisticParameters>.read(from: configuration.modelFile, kind: LogisticParameters.kind)
        // A model trained on a given outcome: the file scored may still carry the outcome column.
        let outcome = file.training["label_column"].map { ExtraColumn("outcome:" + $0, column: $0, .text, required: false) }
        let table: CanonicalTable = file.training["target"] == TrainingRun.Target.conversion.rawValue ? .leads : .patients
        let loaded = try source.read(extraColumns: outcome.map { [table: [$0]] } ?? [:])
        for message in loaded.warnings { warn(message) }
        let export = loaded.export
        guard let day = configuration.scoringDay ?? ChurnTraining.lastEventDay(export) else {
            throw WorkflowError.noEvents(parameter: "scoringDay")
        }
        let population: Population = file.training["target"] == TrainingRun.Target.conversion.rawValue ? .openLeads : .patients
        let rows: [Int]
        switch population {
        case .openLeads:
            guard let window = file.training["window_days"].flatMap({ Int($0) }), StrataLimits.days.contains(window) else {
                throw WorkflowError.conversionWithoutWindow(model: configuration.modelFile.relativePath, range: StrataLimits.days)
            }
            rows = Labels.openLeads(export, asOf: day, windowDays: window)
        case .patients:
            rows = ChurnTraining.patientsOnFile(export, asOf: day)
        }
        let x: Matrix<Double>
        switch population {
        case .openLeads: x = try LeadFeatures.apply(file.featureSchema, to: export, rows: rows).matrix
        case .patients: x = try FeaturePipeline.apply(file.featureSchema, to: export, asOf: day, rows: rows).matrix
        }
        let fitted = file.parameters.model
        let probabilities = try fitted.probabilities(x)
        let explanations = try fitted.explain(x, schema: file.featureSchema, top: configuration.reasons)
        let ids = rows.map { population == .openLeads ? export.leads.ids[$0] ?? "" : export.patients.ids[$0] }
        let csv = ScoresCSV(idColumn: population.idColumn, outcome: population.outcome, reasons: configuration.reasons)
        try AtomicFile.write(csv.data(ids: ids, probabilities: probabilities, explanations: explanations),
                             to: configuration.output, permissions: 0o600)
        let mean = probabilities.reduce(0, +) / Double(Swift.max(probabilities.count, 1))
        return Result(population: population, rows: rows.count, scoringDay: day, meanScore: mean, output: configuration.output)
    }
}

/// The scores file: `<id>,score,reason_1..reason_k`, scores with six decimals, reasons phrased for the
/// outcome ("raises|lowers risk" or "chance"), fields quoted as RFC 4180 asks.
struct ScoresCSV {
    var idColumn: String
    var outcome: String
    var reasons: Int

    func data(ids: [String], probabilities: [Double], explanations: [Explanation]) -> Data {
        var lines = [idColumn + ",score" + (0..<reasons).map { ",reason_\($0 + 1)" }.joined()]
        lines.reserveCapacity(ids.count + 1)
        for (position, id) in ids.enumerated() {
            var fields = [Self.field(id), String(format: "%.6f", probabilities[position])]
            let contributions = explanations[position].contributions
            for k in 0..<reasons {
                fields.append(k < contributions.count ? Self.field(contributions[k].phrase(outcome: outcome)) : "")
            }
            lines.append(fields.joined(separator: ","))
        }
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// A CSV field, quoted when it holds a comma, quote or newline.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
