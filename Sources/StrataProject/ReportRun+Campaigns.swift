import StrataData
import StrataReports
import StrataSegments

/// The campaigns section's inputs: each campaign started by the run or an earlier one, measured on the run's
/// export as `strata campaign report` measures it.
extension ReportRun {
    /// The campaigns started up to `run`, in name order, each measured on `export` with
    /// ``CampaignReport/measure(_:groups:export:exportDay:leftOutLastDay:)``: the overall comparison only (the
    /// report shows no sub-groups, so none are computed).
    static func campaigns(in store: SegmentStore, upTo run: RunRecord, export: ClinicExport, exportName: String) throws -> [CampaignInput] {
        try store.campaigns().filter { $0.startedRun <= run.id }.map { campaign in
            var overallOnly = campaign
            overallOnly.subgroups = ""
            let summary = try CampaignReport.measure(overallOnly, groups: try store.campaignGroups(campaign.name, withClusters: false), export: export,
                                                     exportDay: ExportChecks.exportDay(folderName: exportName), subgroups: [])
            let overall = summary.overall
            return CampaignInput(campaign: campaign,
                                 comparison: ProportionComparison(treatedOutcomes: overall.treatmentOutcomes, treatedSize: overall.treatment,
                                                                  holdoutOutcomes: overall.holdoutOutcomes, holdoutSize: overall.holdout),
                                 windowEnds: summary.windowEnds, complete: summary.complete)
        }
    }
}
