/// Why a workflow run cannot start. Messages name the parameter, never a command-line flag.
public enum WorkflowError: Error, Equatable, CustomStringConvertible {
    /// Neither an export folder nor `exports.path` in the project file.
    case noExportGiven
    /// The export has no dated event to take a default date from; `parameter` must be given.
    case noEvents(parameter: String)
    /// A conversion model file without a usable `training.window_days`.
    case conversionWithoutWindow(model: String, range: ClosedRange<Int>)
    /// More clusters asked for than the rows allow.
    case tooFewRows(clusterCounts: ClosedRange<Int>, rows: Int, largest: Int)
    /// A demo folder that holds something else.
    case notADemoFolder(String)
    /// `discover.families` names families that give no column on this export.
    case noDiscoveryColumns(families: [String])

    public var description: String {
        switch self {
        case .noExportGiven: "give the export folder, or set exports.path in strata.yml"
        case let .noEvents(parameter): "the export has no events; give the \(parameter) date"
        case let .conversionWithoutWindow(model, range):
            "\(model): a conversion model needs training.window_days, a whole number of days from \(range.lowerBound) to \(range.upperBound)"
        case let .tooFewRows(counts, rows, largest):
            "k \(counts.lowerBound)...\(counts.upperBound) asks for more clusters than \(rows) patients allow (at most \(largest))"
        case let .notADemoFolder(path): "\(path) exists and is not a Strata demo; choose another directory"
        case let .noDiscoveryColumns(families):
            "discover.families (\(families.joined(separator: ", "))) give no feature column on this export; name families it has data for"
        }
    }
}
