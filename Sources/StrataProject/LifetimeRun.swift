import Dispatch
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// The lifetime models as workflows: fitting a ready summary file (`strata lifetime --summary`), and training on
/// an export's completed visits into a model file (`strata train lifetime`).
public enum LifetimeRun {
    /// A fit on a summary CSV.
    public struct SummaryFileConfiguration: Sendable {
        /// A CSV with the columns `frequency`, `recency`, `T` and optionally `monetary_value` (others ignored).
        public var input: URL
        /// The unit of the file's recency and T: it sets what `horizonDays` means.
        public var timeUnit: LifetimeTimeUnit
        public var penalty: Double
        public var workers: Int
        /// Where to write each row's `p_alive`, `expected_visits_<N>d` and `clv_<N>d` (in the file's row order).
        public var predictionsFile: URL?
        /// N of the predictions, in days.
        public var horizonDays: Int
        /// CLV's discount per month.
        public var monthlyDiscountRate: Double

        public init(input: URL, timeUnit: LifetimeTimeUnit = .days, penalty: Double = 0, workers: Int = Parallel.processorCount,
                    predictionsFile: URL? = nil, horizonDays: Int = 365, monthlyDiscountRate: Double = 0.01) {
            self.input = input
            self.timeUnit = timeUnit
            self.penalty = penalty
            self.workers = workers
            self.predictionsFile = predictionsFile
            self.horizonDays = horizonDays
            self.monthlyDiscountRate = monthlyDiscountRate
        }
    }

    /// Reads the summary file and fits BG/NBD (and Gamma-Gamma with a monetary column); with a predictions file,
    /// applies the model to every row and writes them (after the fit, so a failed fit writes nothing).
    public static func fit(_ configuration: SummaryFileConfiguration) throws -> LifetimeFitSummary {
        let start = DispatchTime.now().uptimeNanoseconds
        let summary = try readSummary(configuration.input)
        let readSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let model = try LifetimeModel.fit(summary, timeUnit: configuration.timeUnit, penalty: configuration.penalty,
                                          workers: configuration.workers)
        var result = LifetimeFitSummary(model.parameters, summary: summary)
        result.readSeconds = readSeconds
        if let url = configuration.predictionsFile {
            let columns = try model.apply(summary, horizonDays: configuration.horizonDays,
                                          monthlyDiscountRate: configuration.monthlyDiscountRate, workers: configuration.workers)
            try writePredictions(columns, to: url)
            result.predictions = url.path
        }
        return result
    }

    /// A CSV with one column per prediction, one row per summary row.
    static func writePredictions(_ columns: [LifetimeModel.Column], to url: URL) throws {
        var text = columns.map(\.name).joined(separator: ",") + "\n"
        let rows = columns.first?.values.count ?? 0
        text.reserveCapacity(rows * 16 * columns.count)
        for row in 0..<rows {
            text += columns.map { "\($0.values[row])" }.joined(separator: ",")
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Training on an export.
    public struct TrainingConfiguration: Sendable {
        /// The last day of visits used; nil: the export's last event day.
        public var asOf: Day?
        public var timeUnit: LifetimeTimeUnit
        public var penalty: Double
        /// The model file; nil: `models/lifetime-<as-of>.json` under the current directory.
        public var modelFile: URL?
        public var workers: Int
        /// N of the `expected_visits_<N>d` and `clv_<N>d` a refresh computes with the model, in days.
        public var horizonDays: Int

        public init(asOf: Day? = nil, timeUnit: LifetimeTimeUnit = .days, penalty: Double = 0, modelFile: URL? = nil,
                    workers: Int = Parallel.processorCount, horizonDays: Int = StoredLifetimeModel.defaultHorizonDays) {
            self.horizonDays = horizonDays
            self.asOf = asOf
            self.timeUnit = timeUnit
            self.penalty = penalty
            self.modelFile = modelFile
            self.workers = workers
        }
    }

    /// What training did: the summary (`--json`), the model file, and the lines a person reads.
    public struct TrainingResult: Sendable {
        public var summary: LifetimeFitSummary
        public var modelFile: URL
        public var lines: [String]
        public var warnings: [String]
    }

    /// Summarizes the export's completed visits as of the as-of day, fits, and writes the model file (the
    /// parameters, the time unit and the export's fingerprint; no patient data).
    public static func train(_ configuration: TrainingConfiguration, on source: ExportSource.Loaded) throws -> TrainingResult {
        let export = source.export
        guard let asOf = configuration.asOf ?? ChurnTraining.lastEventDay(export) else {
            throw WorkflowError.noEvents(parameter: "asOf")
        }
        let summarized = try LifetimeSummaries.summary(export, asOf: asOf, unit: configuration.timeUnit)
        let model = try LifetimeModel.fit(summarized.summary, timeUnit: configuration.timeUnit, penalty: configuration.penalty,
                                          workers: configuration.workers)
        let output = configuration.modelFile ?? URL(fileURLWithPath: "models/lifetime-\(asOf.description).json")
        var summary = LifetimeFitSummary(model.parameters, summary: summarized.summary)
        summary.asOf = asOf.description
        summary.model = output.path
        var metrics = ["log_likelihood": summary.logLikelihood, "patients": Double(summary.patients),
                       "repeat_patients": Double(summary.repeatPatients)]
        if let correlation = summary.frequencySpendCorrelation { metrics["frequency_spend_correlation"] = correlation }
        let file = ModelFile(kind: LifetimeModel.kind, featureSchema: .plain(names: summaryColumns(spend: model.parameters.spend != nil)),
                             parameters: model.parameters, metrics: metrics,
                             training: ["as_of": asOf.description, "time_unit": configuration.timeUnit.rawValue,
                                        "horizon_days": String(configuration.horizonDays),
                                        "export_fingerprint": try Fingerprint.of(folder: source.folder)])
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        try file.write(to: output)
        var lines = summary.lines
        lines.insert("lifetime model: \(summary.patients) patients with a completed visit by \(asOf.description), "
            + "\(summary.repeatPatients) with repeat visits (time in \(configuration.timeUnit.rawValue))", at: 0)
        lines.append("model written to \(output.path)")
        return TrainingResult(summary: summary, modelFile: output, lines: lines, warnings: summary.warnings)
    }

    static func summaryColumns(spend: Bool) -> [String] {
        ["frequency", "recency", "T"] + (spend ? ["monetary_value"] : [])
    }

    /// Reads a summary CSV: a header with `frequency`, `recency`, `T` (and optionally `monetary_value`), one
    /// patient per record.
    public static func readSummary(_ url: URL) throws -> LifetimeSummary {
        let reader = try CSVReader(url: url)
        let file = reader.file
        func column(_ name: String, required: Bool) throws -> Int? {
            if let index = reader.header.firstIndex(of: name) { return index }
            guard required else { return nil }
            throw IngestError(.missingRequiredColumn, file: file, line: 1, found: reader.header.joined(separator: ","),
                              expected: "a header with frequency, recency, T and optionally monetary_value")
        }
        let indices = [try column("frequency", required: true)!, try column("recency", required: true)!,
                       try column("T", required: true)!, try column("monetary_value", required: false)]
        var columns: [[Double]] = [[], [], [], []]
        var lines: [Int] = []
        let fieldCount = reader.header.count
        while let batch = try reader.nextBatch() {
            // Ranges of records parsed concurrently, appended in order; the first problem in file order is thrown.
            let ranges = batch.count >= 65_536 ? 2 * Parallel.processorCount : 1
            let parts = Parallel.map(rangesOf: batch.count, workers: ranges) { records in
                SummaryPart(batch, records: records, indices: indices, fieldCount: fieldCount)
            }
            for part in parts {
                for k in columns.indices { columns[k].append(contentsOf: part.columns[k]) }
                lines.append(contentsOf: part.lines)
                if let problem = part.problem { throw problem }
            }
        }
        do throws(LifetimeError) {
            return try LifetimeSummary(frequency: columns[0], recency: columns[1], age: columns[2],
                                       monetaryValue: indices[3] == nil ? nil : columns[3])
        } catch {
            guard case let .invalidSummary(row, column, value, expected) = error else { throw error }
            throw IngestError(.unknownValue, file: file, line: lines[row], found: "\(column) = \(value)", expected: expected)
        }
    }
}

/// `strata lifetime --json` and `strata train lifetime --json`: the fitted parameters, how the fit went, and
/// the spend model's when there was a monetary column.
public struct LifetimeFitSummary: Codable, Sendable, Equatable {
    public var patients: Int
    /// Patients with at least one repeat visit.
    public var repeatPatients: Int
    public var r: Double
    public var alpha: Double
    /// Beta(a, b) of the dropout probability; +∞ in the limit model (``commonDropout``), where `--json` leaves
    /// them out.
    public var a: Double { finiteA ?? .infinity }
    public var b: Double { finiteB ?? .infinity }
    private var finiteA: Double?, finiteB: Double?
    /// The limit model's dropout probability, the same for every patient (a, b → ∞ with a/(a + b) = p: plain
    /// maximum likelihood has no maximum inside the parameter space); nil for finite a and b.
    public var commonDropout: Double?
    /// Σ ln L of the BG/NBD model over the summary, in its time unit.
    public var logLikelihood: Double
    public var iterations: Int
    public var converged: Bool
    /// The BG/NBD fit alone.
    public var fitSeconds: Double
    /// Reading the summary file (`strata lifetime` only).
    public var readSeconds: Double?
    public var penalty: Double
    /// `days` or `weeks`: the unit of recency and T, and so of alpha.
    public var timeUnit: String
    /// Gamma-Gamma, with a monetary column.
    public var p: Double?
    public var q: Double?
    public var gamma: Double?
    public var spendPatients: Int?
    public var spendLogLikelihood: Double?
    /// Pearson's correlation of frequency and mean spend over the spend patients; Gamma-Gamma assumes none.
    public var frequencySpendCorrelation: Double?
    /// With a monetary column but no spend model: why Gamma-Gamma was not fitted (then there is no CLV).
    public var spendNotFitted: String?
    public var asOf: String?
    public var model: String?
    /// The predictions file written (`strata lifetime --predictions-out`).
    public var predictions: String?
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case patients, repeatPatients = "repeat_patients", r, alpha, finiteA = "a", finiteB = "b", commonDropout = "common_dropout"
        case logLikelihood = "log_likelihood", iterations, converged
        case fitSeconds = "fit_seconds", readSeconds = "read_seconds", penalty, timeUnit = "time_unit", p, q, gamma
        case spendPatients = "spend_patients", spendLogLikelihood = "spend_log_likelihood"
        case frequencySpendCorrelation = "frequency_spend_correlation", spendNotFitted = "spend_not_fitted", asOf = "as_of"
        case model, predictions, warnings
    }

    init(_ parameters: LifetimeParameters, summary: LifetimeSummary) {
        let visits = parameters.visits
        patients = summary.count
        repeatPatients = summary.frequency.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        (r, alpha) = (visits.r, visits.alpha)
        commonDropout = visits.commonDropout
        if commonDropout == nil { (finiteA, finiteB) = (visits.a, visits.b) }
        logLikelihood = visits.fit?.logLikelihood ?? .nan
        iterations = visits.fit?.iterations ?? 0
        converged = visits.fit?.converged ?? false
        fitSeconds = visits.fit?.seconds ?? 0
        penalty = parameters.penalty
        timeUnit = parameters.timeUnit.rawValue
        warnings = converged ? [] : ["BG/NBD did not converge in \(iterations) iterations"]
        if commonDropout != nil { warnings.append("BG/NBD: " + (visits.fit?.note ?? "the model is the limit a, b → ∞")) }
        if let spend = parameters.spend {
            (p, q, gamma) = (spend.p, spend.q, spend.gamma)
            spendPatients = spend.fit?.patients
            spendLogLikelihood = spend.fit?.logLikelihood
            frequencySpendCorrelation = spend.fit?.frequencySpendCorrelation
            if spend.fit?.converged == false { warnings.append("Gamma-Gamma did not converge") }
            if let correlation = spend.fit?.frequencySpendCorrelation, Swift.abs(correlation) > 0.3 {
                warnings.append(String(format: "frequency and mean spend correlate (%.2f); Gamma-Gamma assumes they do not, "
                    + "so its spend and CLV are biased", correlation))
            }
            if spend.q <= 1 { warnings.append("Gamma-Gamma q ≤ 1: the mean spend per visit does not exist, no CLV") }
        } else if summary.monetaryValue != nil {
            spendNotFitted = parameters.spendNotFitted ?? "no spend model"
            warnings.append("Gamma-Gamma spend model not fitted (\(spendNotFitted!)): the visits model is kept, there is no CLV")
        }
    }

    /// The report for people.
    public var lines: [String] {
        let dropout = commonDropout.map { String(format: "a and b → ∞ with a/(a + b) = %.4f (the same dropout probability for every patient)", $0) }
            ?? String(format: "a %.4f, b %.4f", a, b)
        var lines = [String(format: "BG/NBD: r %.4f, alpha %.4f, %@; log-likelihood %.4f (%d iterations%@)",
                            r, alpha, dropout, logLikelihood, iterations, converged ? "" : ", NOT converged")]
        if let p, let q, let gamma, let spendPatients {
            lines.append(String(format: "Gamma-Gamma on %d patients with repeat visits: p %.4f, q %.4f, gamma %.4f", spendPatients, p, q, gamma))
            if let frequencySpendCorrelation {
                lines.append(String(format: "frequency/spend correlation %.4f (the spend model assumes 0)", frequencySpendCorrelation))
            }
        } else if let spendNotFitted {
            lines.append("spend model: not fitted, \(spendNotFitted) (no CLV)")
        }
        return lines
    }
}

/// The summary columns of one range of a batch's records, up to the first record with a problem.
private struct SummaryPart: Sendable {
    static let names = ["frequency", "recency", "T", "monetary_value"]
    var columns: [[Double]] = [[], [], [], []]
    var lines: [Int] = []
    var problem: IngestError?

    init(_ batch: CSVBatch, records: Range<Int>, indices: [Int?], fieldCount: Int) {
        for k in indices.indices where indices[k] != nil { columns[k].reserveCapacity(records.count) }
        lines.reserveCapacity(records.count)
        var splitter = CSVFieldSplitter(capacity: max(fieldCount, 1))
        let bytes = batch.bytes.span
        do throws(IngestError) {
            for record in records {
                let count = try splitter.split(batch, record: record)
                guard count == fieldCount else {
                    throw IngestError(.wrongFieldCount, file: batch.file, line: batch.recordLines[record],
                                      found: "\(count) fields", expected: "\(fieldCount) fields, as the header")
                }
                for k in indices.indices {
                    guard let index = indices[k] else { continue }
                    // Plain decimals straight from the bytes; anything else (quotes, exponents) through a String.
                    let fast = splitter.quoted[index] ? nil : ByteParsing.decimal(bytes, splitter.starts[index], splitter.ends[index])
                    guard let value = fast ?? Double(splitter.text(batch, field: index)), value.isFinite else {
                        throw IngestError(.notANumber, file: batch.file, line: batch.recordLines[record],
                                          found: splitter.text(batch, field: index),
                                          expected: "a finite number for \(Self.names[k])")
                    }
                    columns[k].append(value)
                }
                lines.append(batch.recordLines[record])
            }
        } catch {
            problem = error
        }
    }
}
