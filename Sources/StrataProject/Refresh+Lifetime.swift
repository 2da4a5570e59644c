import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// A lifetime model file as a refresh applies it: the fitted BG/NBD (and Gamma-Gamma), the horizon N of its
/// predictions, and the file's name and fingerprint for the run's model versions.
public struct StoredLifetimeModel: Sendable {
    public let file: ModelFile<LifetimeParameters>
    public let url: URL
    public let fingerprint: String
    /// N of `expected_visits_<N>d` and `clv_<N>d`: the file's `training.horizon_days`, 365 in files written
    /// before it was recorded.
    public let horizonDays: Int

    /// The horizon of files that do not record one.
    public static let defaultHorizonDays = 365

    /// - Throws: ``ModelFileError/invalid(path:field:problem:)`` when `training.horizon_days` is not a whole
    ///   number of days in ``StrataLimits/days``.
    init(file: ModelFile<LifetimeParameters>, url: URL, fingerprint: String) throws(ModelFileError) {
        self.file = file
        self.url = url
        self.fingerprint = fingerprint
        guard let text = file.training["horizon_days"] else {
            horizonDays = Self.defaultHorizonDays
            return
        }
        guard let days = Int(text), StrataLimits.days.contains(days) else {
            throw .invalid(path: url.path, field: "training.horizon_days",
                           problem: "'\(text)'; expected a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)")
        }
        horizonDays = days
    }

    /// The spend model a refresh uses: none when Gamma-Gamma was not fitted or its q ≤ 1 (no mean spend).
    var usableSpend: GammaGammaModel? {
        guard let spend = file.parameters.spend, spend.q > 1 else { return nil }
        return spend
    }

    /// `p_alive`, `expected_visits_<N>d` and (with a usable spend model and amounts in the export)
    /// `clv_<N>d`, one value per patient of `export` (NaN, that is missing, for a patient without a completed
    /// visit by `asOf`), from each patient's summary as of `asOf` (``LifetimeSummaries``) in the model's time
    /// unit. CLV is discounted at ``LifetimeModel``'s default monthly rate (1%).
    func columns(_ export: ClinicExport, asOf: Day) throws -> [LifetimeModel.Column] {
        let summarized = try LifetimeSummaries.summary(export, asOf: asOf, unit: file.parameters.timeUnit)
        var parameters = file.parameters
        parameters.spend = usableSpend
        let predicted = try LifetimeModel(parameters).apply(summarized.summary, horizonDays: horizonDays)
        return predicted.map { column in
            var expanded = column
            expanded.values = [Double](repeating: .nan, count: export.patients.count)
            for (index, row) in summarized.patientRows.enumerated() { expanded.values[row] = column.values[index] }
            return expanded
        }
    }

    /// Whether `name` is one of the fields a lifetime model gives, for any horizon: `p_alive`,
    /// `expected_visits_<N>d`, `clv_<N>d`.
    static func isLifetimeField(_ name: String) -> Bool {
        if name == "p_alive" { return true }
        for prefix in ["expected_visits_", "clv_"] where name.hasPrefix(prefix) && name.hasSuffix("d") {
            let digits = name.dropFirst(prefix.count).dropLast()
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) { return true }
        }
        return false
    }
}

/// The models a refresh applies with the project's newest lifetime model added: its columns join the scores
/// (`p_alive`, `expected_visits_<N>d`, `clv_<N>d`, which rules, ranks and reasons read like `churn_score`),
/// and its file joins the run's model versions, so a new lifetime model makes a new run.
public struct LifetimeSegmentModels: SegmentModels {
    let base: any SegmentModels
    let lifetime: StoredLifetimeModel?
    /// The models folder, for messages.
    let directory: URL

    /// `base` with the newest lifetime model in `directory` (``ProjectModels/newestLifetime(in:)``), if any.
    public init(_ base: any SegmentModels, directory: URL) throws {
        self.base = base
        self.directory = directory
        lifetime = try ProjectModels.newestLifetime(in: directory)
    }

    public var versions: [String: String] {
        var versions = base.versions
        if let lifetime { versions[lifetime.url.lastPathComponent] = lifetime.fingerprint }
        return versions
    }

    public func scores(_ export: ClinicExport, asOf: Day) throws -> [String: [Double]] {
        var scores = try base.scores(export, asOf: asOf)
        for column in try lifetime?.columns(export, asOf: asOf) ?? [] { scores[column.name] = column.values }
        return scores
    }

    public var clusterFeaturesAtHand: Bool { base.clusterFeaturesAtHand }

    public func clusterNames(_ export: ClinicExport, asOf: Day) throws -> [String]? {
        try base.clusterNames(export, asOf: asOf)
    }

    /// Lifetime fields a rule may name that the frame lacks: all of them without a lifetime model, another
    /// horizon than the model's, and `clv_<N>d` without a spend model or without amounts in the export.
    public func explainAbsentFields(in frame: inout SegmentFrame) {
        base.explainAbsentFields(in: &frame)
        let folder = directory.lastPathComponent
        guard let lifetime else {
            frame.explainAbsence(.init(matching: { StoredLifetimeModel.isLifetimeField($0) }, reason:
                "it comes from a lifetime model, and \(folder)/ has none (run `strata train lifetime`)"))
            return
        }
        let model = "\(folder)/\(lifetime.url.lastPathComponent)"
        let n = lifetime.horizonDays
        let clv = "clv_\(n)d"
        if frame.columns[clv] == nil {
            let reason = if lifetime.file.parameters.spend == nil {
                "the lifetime model \(model) has no spend model (Gamma-Gamma was not fitted: its export had no amounts, or fewer than 3 patients with repeat visits and spend), so there is no CLV"
            } else if lifetime.usableSpend == nil {
                "the spend model of the lifetime model \(model) has q ≤ 1, so the mean spend per visit and CLV do not exist"
            } else {
                "the export has no visit amounts, so the lifetime model \(model) has no spend to value"
            }
            frame.explainAbsence(.init(matching: { $0 == clv }, reason: reason))
        }
        let fields = ["p_alive", "expected_visits_\(n)d"] + (frame.columns[clv] == nil ? [] : [clv])
        frame.explainAbsence(.init(matching: { StoredLifetimeModel.isLifetimeField($0) }, reason:
            "the lifetime model \(model) predicts over \(n) days (training.horizon_days), so its fields are \(fields.joined(separator: ", "))"))
    }
}

extension SegmentModels {
    /// By default a model leaves no field unexplained.
    public func explainAbsentFields(in frame: inout SegmentFrame) {}
}
