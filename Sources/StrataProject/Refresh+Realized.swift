import Foundation
import StrataData
import StrataSegments

extension Refresh {
    /// Every refresh, after its run is committed: the realized performance of each earlier run whose horizon
    /// has passed by the export's last day and that has none yet, measured on this export and stored (see
    /// ``RealizedPerformance``). Only the due runs' scores are read, so a refresh with nothing due pays one
    /// small query. The run is already recorded: a failure here is a warning, not a failed refresh.
    /// - Returns: the warnings to show (none when all went well).
    static func recordRealizedPerformance(_ project: Project, store: SegmentStore, export: ClinicExport, exportFingerprint: String,
                                          lastDay: Day, user: String) -> [String] {
        guard !Drift.monitoringOff else { return [] }
        do {
            try RealizedPerformance.recordDue(project, store: store, export: export, exportFingerprint: exportFingerprint,
                                              lastDay: lastDay, user: user)
            return []
        } catch {
            return ["realized performance not measured: \(error) (`strata models health` measures it again)"]
        }
    }
}
