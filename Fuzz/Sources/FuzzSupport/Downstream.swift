import StrataData
import StrataFeatures
import StrataSegments

extension FuzzSupport {
    /// 2024-03-31: an as-of day after the fixtures' last events.
    public static let exportAsOf = Day(daysSince1970: CivilDate.days(year: 2024, month: 3, day: 31))

    /// What `strata features` and `strata refresh` do next with an export that read without error: fit the
    /// default features and build the segment frame. Errors are fine; traps are findings.
    public static func useExport(_ export: ClinicExport) {
        guard let features = try? FeaturePipeline.fit(export, asOf: exportAsOf, workers: 1) else { return }
        _ = try? SegmentFrame.build(export: export, asOf: exportAsOf, schema: features.schema)
    }
}
