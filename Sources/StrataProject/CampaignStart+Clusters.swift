import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// The clusters a campaign's start records beside its groups: each audience member's cluster as the run
/// whose list was the audience assigned it, so that `campaign report` can break the results down by cluster
/// however the cluster model changes later.
///
/// A refresh does not store clusters: it applies the cluster model to the export and segments read the
/// names. The start reads the same export as of the same day, so applying the same model file gives the
/// same names. That file is the one the run's model versions name (file → fingerprint) whose kind is
/// `kmeans`, checked against the recorded fingerprint; a newer model in `models/` is not used.
extension CampaignStart {
    /// The cluster names of `export`'s patients (by row) as `run` assigned them, or why there are none.
    enum RunClusters {
        case assigned(model: String, names: [String])
        case unavailable(reason: String)
    }

    static func clusters(of run: RunRecord, project: Project, export: ClinicExport, asOf: Day) throws -> RunClusters {
        let models = project.modelsURL
        var gone: [String] = []
        for (file, fingerprint) in run.modelVersions.sorted(by: { $0.key < $1.key }) where !file.hasPrefix("registry:") {
            let url = models.appendingPathComponent(file)
            let looksLikeClusters = file.hasPrefix("clusters-")
            guard FileManager.default.fileExists(atPath: url.path), try Fingerprint.of(file: url) == fingerprint else {
                if looksLikeClusters { gone.append(file) }
                continue
            }
            // The run's other models (churn) are of another kind.
            let kind: Result<ModelFile<KMeansParameters>, ModelFileError> = Result { () throws(ModelFileError) in
                try ModelFile.read(from: url, kind: KMeansParameters.kind)
            }
            if case .failure(.wrongKind) = kind { continue }
            _ = try kind.get()
            let applied = try ProjectModels(directory: models, chosen: [.clusters: url], registered: [.churn])
            guard let names = try applied.clusterNames(export, asOf: asOf) else { break }
            return .assigned(model: file, names: names)
        }
        if !gone.isEmpty || run.modelVersions[ProjectModels.registryKey(.clusters)] != nil {
            let files = gone.isEmpty ? "its cluster model" : gone.joined(separator: ", ")
            return .unavailable(reason: "run \(run.id) applied \(files), which is no longer in \(models.lastPathComponent)/ as it was")
        }
        return .unavailable(reason: "run \(run.id) applied no cluster model (run `strata discover`, then `strata refresh`, before starting a campaign)")
    }

    /// The clusters to record for a campaign whose audience is `groups`; throws when `cluster` is one of the
    /// campaign's sub-groups but the run has none to give.
    static func audienceClusters(_ groups: CampaignGroups, campaign: CampaignDefinition, run: RunRecord, project: Project,
                                 export: ClinicExport, asOf: Day) throws -> CampaignClusters {
        switch try clusters(of: run, project: project, export: export, asOf: asOf) {
        case let .unavailable(reason):
            if campaign.subgroups.contains(CampaignReport.clusterSubgroup) {
                throw CampaignRunError.clustersUnavailable(campaign: campaign.name, reason: reason)
            }
            return .unavailable(reason: reason)
        case let .assigned(model, names):
            let ids = export.patients.ids
            var clusters: [String: String] = [:]
            for patient in groups.treatment + groups.holdout {
                // Every audience member is a row of this export (the audience was drawn from it).
                if let row = ids.index(of: patient) { clusters[patient] = names[row] }
            }
            return .recorded(model: model, clusters: clusters)
        }
    }
}
