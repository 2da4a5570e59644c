import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// The models a refresh applies: the newest churn model (`churn-*.json`, kind `logistic`) and the newest
/// cluster model (`clusters-*.json`, kind `kmeans`) in the project's models folder, each optional.
public struct ProjectModels: SegmentModels, Sendable {
    public let churn: ModelFile<LogisticParameters>?
    public let clusters: ModelFile<KMeansParameters>?
    /// File name → fingerprint of each model used: what a run records as its model versions.
    public let versions: [String: String]

    /// Loads the newest model of each kind from `directory` (a missing folder means no models).
    public init(directory: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        func newest(_ prefix: String) -> URL? {
            names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted().last.map { directory.appendingPathComponent($0) }
        }
        var versions: [String: String] = [:]
        if let url = newest("churn-") {
            churn = try ModelFile<LogisticParameters>.read(from: url, kind: LogisticParameters.kind)
            versions[url.lastPathComponent] = try Fingerprint.of(file: url)
        } else {
            churn = nil
        }
        if let url = newest("clusters-") {
            clusters = try ModelFile<KMeansParameters>.read(from: url, kind: KMeansParameters.kind)
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
        // Deceased patients are never scored (missing for rules): any death on file, as for lists.
        for row in scores.indices where export.patients.deceasedAt[row] != ClinicExport.missingDate { scores[row] = .nan }
        return ["churn_score": scores]
    }

    /// The cluster name of each patient, or nil without a cluster model.
    public func clusterNames(_ export: ClinicExport, asOf: Day) throws -> [String]? {
        guard let clusters else { return nil }
        let features = try FeaturePipeline.apply(clusters.featureSchema, to: export, asOf: asOf)
        let labels = try clusters.parameters.model(as: Double.self).predict(features.matrix)
        let names = Self.names(of: clusters)
        return labels.map { names[$0] }
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
