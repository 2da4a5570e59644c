import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataReports
import StrataSegments

/// A churn model's scores of the patients on file at a day (``ChurnTraining/patientsOnFile(_:asOf:)``, in patient
/// order), as training computed them for the model's drift reference. `strata month`'s report takes them, named
/// by the model file they belong to, instead of computing the features of that window again (1.6 s at 1M).
struct ChurnScoresOnFile: Sendable {
    var asOf: Day
    var probabilities: [Double]
    /// The model file (its name in the models folder and ``Fingerprint``) they are the scores of; nil until the
    /// file is in the project.
    var model: (name: String, fingerprint: String)?
}

/// The scores a report draws its curves from, on patients (or leads) whose outcome the run's export knows,
/// and the lifetime fields the run applied.
extension ReportRun {
    /// The churn model's scores where outcomes are known. When an earlier run scored the patients with this
    /// very model (its file and fingerprint among that run's model versions) and its horizon has passed by
    /// `asOf`, the newest such run's stored scores are used: the score as it was given, set against what
    /// happened, and nothing to recompute. Otherwise the model is applied again to features as of
    /// `asOf − horizon` (``churnEvaluation(_:name:export:asOf:project:)``).
    static func churnScores(_ model: ModelFile<LogisticParameters>, name: String, fingerprint: String?, export: ClinicExport,
                            run: RunRecord, runs: [RunRecord], asOf: Day, store: SegmentStore, project: Project,
                            known: ChurnScoresOnFile? = nil) throws -> ScoreInput {
        let horizon = Int(model.training["horizon_days"] ?? "") ?? project.configuration.labels.churnHorizonDays
        let scoredWithModel = runs.filter { earlier in
            guard earlier.id < run.id, let fingerprint, earlier.modelVersions[name] == fingerprint,
                  let day = try? Day(iso: earlier.asOf) else { return false }
            return day + horizon <= asOf
        }
        if let earlier = scoredWithModel.last, let day = try? Day(iso: earlier.asOf),
           let stored = try store.runScores(named: "churn_score").first(where: { $0.run == earlier.id && $0.horizonDays == horizon }) {
            let labels = Labels.churn(export, asOf: day, horizonDays: horizon)
            var probabilities: [Double] = [], outcomes: [Double] = []
            for (id, score) in zip(stored.patientIDs, stored.scores) where !score.isNaN {
                guard let row = export.patients.ids.index(of: id), !Labels.isLeftOutOfChurn(export, row, asOf: day, horizonDays: horizon)
                else { continue }
                probabilities.append(Double(score))
                outcomes.append(labels[row])
            }
            if !probabilities.isEmpty {
                return ScoreInput(target: "churn", modelName: name, model: model, probabilities: probabilities, outcomes: outcomes,
                                  evaluatedOn: "the scores run \(earlier.id) gave as of \(day.description), set against what happened "
                                    + "through \((day + horizon).description) (\(horizon) days) in the run's export",
                                  positives: "patients who lapsed (no completed visit in the horizon)")
            }
        }
        // Training's scores only when they are this very model file's.
        let own = known?.model.map { $0.name == name && $0.fingerprint == fingerprint } == true ? known : nil
        return try churnEvaluation(model, name: name, export: export, asOf: asOf, project: project, known: own)
    }

    /// The churn model applied where outcomes are known: features as of `asOf − horizon` for the patients on
    /// file then, outcomes in the horizon after.
    /// - Parameter known: this model's scores of the patients on file at some day, taken when it is `asOf − horizon`.
    static func churnEvaluation(_ model: ModelFile<LogisticParameters>, name: String, export: ClinicExport, asOf: Day,
                                project: Project, known: ChurnScoresOnFile? = nil) throws -> ScoreInput {
        let horizon = Int(model.training["horizon_days"] ?? "") ?? project.configuration.labels.churnHorizonDays
        let day = asOf - horizon
        let rows = ChurnTraining.patientsOnFile(export, asOf: day)
        let probabilities: [Double]
        if let known, known.asOf == day, known.probabilities.count == rows.count {
            probabilities = known.probabilities
        } else {
            // Only the patients on file then: the others' features would be computed to be dropped.
            let features = try FeaturePipeline.apply(model.featureSchema, to: export, asOf: day, rows: rows)
            probabilities = try model.parameters.model.probabilities(features.matrix)
        }
        let labels = Labels.churn(export, asOf: day, horizonDays: horizon)
        var window = "the run's export, features as of \(day.description) and outcomes through \(asOf.description) "
            + "(\(horizon) days) for the patients on file then"
        if model.training["as_of"] == day.description { window += "; this is the window the model was trained on, so it flatters the score" }
        return ScoreInput(target: "churn", modelName: name, model: model, probabilities: probabilities, outcomes: rows.map { labels[$0] },
                          evaluatedOn: window, positives: "patients who lapsed (no completed visit in the horizon)")
    }

    /// The conversion model applied to the leads whose window has closed by `asOf`: the leads created through
    /// `asOf − window`, each converted or not within its window. Nil when there are no such leads.
    /// - Throws: ``WorkflowError/conversionWithoutWindow(model:range:)`` when the file records no usable window.
    static func conversionEvaluation(_ model: ModelFile<LogisticParameters>, name: String, export: ClinicExport,
                                     asOf: Day) throws -> ScoreInput? {
        guard let window = model.training["window_days"].flatMap({ Int($0) }), StrataLimits.days.contains(window) else {
            throw WorkflowError.conversionWithoutWindow(model: name, range: StrataLimits.days)
        }
        let day = asOf - window
        let (rows, labels) = Labels.conversion(export, asOf: day, windowDays: window)
        guard !rows.isEmpty else { return nil }
        let probabilities = try model.parameters.model.probabilities(LeadFeatures.apply(model.featureSchema, to: export, rows: rows).matrix)
        var evaluated = "the run's export, the leads created through \(day.description) and whether they converted within "
            + "\(window) days (by \(asOf.description))"
        if model.training["leads_created_through"] == day.description {
            evaluated += "; these are the leads the model was trained on, so it flatters the score"
        }
        return ScoreInput(target: "conversion", modelName: name, model: model, probabilities: probabilities, outcomes: labels,
                          evaluatedOn: evaluated, positives: "leads who converted (a first completed visit within \(window) days)",
                          population: "leads")
    }

    /// The project's newest conversion model (`conversion-*.json` in the models folder), or nil.
    static func conversionModel(in directory: URL) throws -> (name: String, file: ModelFile<LogisticParameters>)? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let name = names.filter({ $0.hasPrefix("conversion-") && $0.hasSuffix(".json") }).sorted().last else { return nil }
        return (name, try ModelFile<LogisticParameters>.read(from: directory.appendingPathComponent(name), kind: LogisticParameters.kind))
    }

    /// The lifetime fields as `run` applied them: the project's newest lifetime model when the run recorded
    /// it among its model versions (same file, same fingerprint), applied to the run's export as of its
    /// as-of date, as the refresh did. Nil when the run applied none.
    static func lifetimeFields(run: RunRecord, project: Project, export: ClinicExport, asOf: Day) throws -> LifetimeInput? {
        guard let model = try ProjectModels.newestLifetime(in: project.modelsURL),
              run.modelVersions[model.url.lastPathComponent] == model.fingerprint else { return nil }
        let columns = try model.columns(export, asOf: asOf)
        guard let alive = columns.first(where: { $0.name == "p_alive" }) else { return nil }
        return LifetimeInput(modelName: model.url.lastPathComponent, horizonDays: model.horizonDays, pAlive: alive.values,
                             clv: columns.first { $0.name == "clv_\(model.horizonDays)d" }?.values)
    }
}
