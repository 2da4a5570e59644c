import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataSegments

/// The models a refresh applies: the champion of each target in the project's registry (see
/// ``ModelRegistry``), its file checked against the registered hash. A target with registered models but no
/// champion (all retired) gets none. A target without any registered model falls back to the newest file of its kind in the models folder (`churn-*.json`, kind `logistic`;
/// `clusters-*.json`, kind `kmeans`), as projects made before the registry were set up.
public struct ProjectModels: SegmentModels, Sendable {
    public let churn: ModelFile<LogisticParameters>?
    public let clusters: ModelFile<KMeansParameters>?
    /// File name → fingerprint of each model used, and `registry:<target>` → the registry's number of each
    /// champion applied: what a run records as its model versions.
    public private(set) var versions: [String: String]
    /// The registry's number of each champion applied.
    public private(set) var championIDs: [ModelRegistry.Target: Int64] = [:]
    /// The drift each model measured while scoring (see ``Drift``), for the refresh's warnings.
    let driftLog = DriftLog()
    private var files: [ModelRegistry.Target: String] = [:]
    /// The cluster model's features as discovery computed them (`strata month`), used when they are this
    /// model's as of the day asked.
    var clusterFeaturesOnFile: ClusterFeaturesOnFile?

    public var clusterFeaturesAtHand: Bool { clusterFeaturesOnFile?.isHeld == true }

    /// The key under which a run's model versions record the champion applied for `target`.
    public static func registryKey(_ target: ModelRegistry.Target) -> String { "registry:" + target.rawValue }

    /// The project's champions, else the newest model file of each kind (a missing folder means no models).
    /// - Throws: ``ModelRegistryError`` when a champion's file is missing or changed.
    public init(project: Project) throws {
        let champions = try ModelRegistry.champions(of: project)
        let registered = Set(try ModelRegistry.models(of: project).compactMap { ModelRegistry.Target(rawValue: $0.target) })
        try self.init(directory: project.modelsURL, chosen: champions.mapValues(\.file), registered: registered)
        var versions = self.versions
        for (target, champion) in champions where target == .churn || target == .clusters {
            versions[Self.registryKey(target)] = String(champion.model.id)
            championIDs[target] = champion.model.id
        }
        self.versions = versions
    }

    /// Loads the newest model of each kind from `directory` (a missing folder means no models).
    public init(directory: URL) throws {
        try self.init(directory: directory, chosen: [:], registered: [])
    }

    /// Loads the `chosen` file of each target, else (for targets not `registered`) the newest of its kind
    /// from `directory`.
    init(directory: URL, chosen: [ModelRegistry.Target: URL], registered: Set<ModelRegistry.Target>) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        func newest(_ prefix: String, _ target: ModelRegistry.Target) -> URL? {
            guard !registered.contains(target) else { return nil }
            return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted().last.map { directory.appendingPathComponent($0) }
        }
        var versions: [String: String] = [:]
        if let url = chosen[.churn] ?? newest("churn-", .churn) {
            churn = try ModelFile<LogisticParameters>.read(from: url, kind: LogisticParameters.kind)
            files[.churn] = url.lastPathComponent
            versions[url.lastPathComponent] = try Fingerprint.of(file: url)
        } else {
            churn = nil
        }
        if let url = chosen[.clusters] ?? newest("clusters-", .clusters) {
            clusters = try ModelFile<KMeansParameters>.read(from: url, kind: KMeansParameters.kind)
            files[.clusters] = url.lastPathComponent
            versions[url.lastPathComponent] = try Fingerprint.of(file: url)
        } else {
            clusters = nil
        }
        self.versions = versions
    }

    /// `churn_score` per patient (probability of no completed visit within the model's horizon).
    public func scores(_ export: ClinicExport, asOf: Day) throws -> [String: [Double]] {
        guard let churn else { return [:] }
        let features = try FeaturePipeline.apply(churn.featureSchema, to: export, asOf: asOf)
        var scores = try churn.parameters.model.probabilities(features.matrix)
        recordDrift(.churn, reference: churn.drift, trainedAsOf: churn.training["as_of"], x: features.matrix, scores: scores, asOf: asOf)
        // Deceased patients are never scored (missing for rules): any death on file, as for lists.
        for row in scores.indices where export.patients.hasDeathOnFile(row) { scores[row] = .nan }
        return ["churn_score": scores]
    }

    /// The cluster name of each patient, or nil without a cluster model.
    public func clusterNames(_ export: ClinicExport, asOf: Day) throws -> [String]? {
        guard let clusters else { return nil }
        let file = files[.clusters] ?? ""
        let x: Matrix<Double>
        if let known = clusterFeaturesOnFile?.take(name: file, fingerprint: versions[file] ?? "", asOf: asOf, rows: export.patients.count) {
            x = known
            #if DEBUG
            // What discovery handed over must be what applying the model's schema gives; every month test checks it.
            let applied = try FeaturePipeline.apply(clusters.featureSchema, to: export, asOf: asOf).matrix
            precondition(applied.columns == x.columns && applied.elements.map(\.bitPattern) == x.elements.map(\.bitPattern),
                         "discovery's features differ from the cluster model's schema applied as of \(asOf)")
            #endif
        } else {
            x = try FeaturePipeline.apply(clusters.featureSchema, to: export, asOf: asOf).matrix
        }
        recordDrift(.clusters, reference: clusters.drift, trainedAsOf: clusters.training["as_of"], x: x, scores: nil, asOf: asOf)
        let labels = try clusters.parameters.model(as: Double.self).predict(x)
        let names = Self.names(of: clusters)
        return labels.map { names[$0] }
    }

    /// Measures the drift of the `target` model's inputs `x` and `scores` against its training reference.
    private func recordDrift(_ target: ModelRegistry.Target, reference: DriftReference?, trainedAsOf: String?,
                             x: Matrix<Double>, scores: [Double]?, asOf: Day) {
        guard !Drift.monitoringOff else { return }
        var drift = Drift.ModelDrift(target: target.rawValue, model: championIDs[target], file: files[target] ?? "",
                                     trainedAsOf: reference?.asOf ?? trainedAsOf ?? "", asOf: asOf.description)
        if let reference { (drift.inputs, drift.score) = Drift.measure(reference, x: x, scores: scores) }
        driftLog.record(drift)
    }

    /// The names `strata discover` stored in the model file, else `cluster 0`, `cluster 1`, ... (numbered as
    /// `strata discover` prints them).
    static func names(of file: ModelFile<KMeansParameters>) -> [String] {
        let count = file.parameters.centers.count
        if let names = file.parameters.clusterNames, names.count == count { return names }
        return (0..<count).map { "cluster \($0)" }
    }
}

extension ProjectModels {
    /// The newest lifetime model (`lifetime-*.json`, kind `lifetime`, from `strata train lifetime`) in
    /// `directory`, or nil without one (a missing folder has none).
    public static func newestLifetime(in directory: URL) throws -> StoredLifetimeModel? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard let name = names.filter({ $0.hasPrefix("lifetime-") && $0.hasSuffix(".json") }).sorted().last else { return nil }
        let url = directory.appendingPathComponent(name)
        return try StoredLifetimeModel(file: ModelFile<LifetimeParameters>.read(from: url, kind: LifetimeModel.kind), url: url,
                                       fingerprint: Fingerprint.of(file: url))
    }
}
