/// The command line's names for library parameters: library messages name parameters (`asOf`), and the
/// command line prints them with the flag that sets each one (`--as-of`).
enum FlagNames {
    static let flags = ["asOf": "--as-of", "maxBadRows": "--max-bad-rows", "format": "--format", "replacing": "--force",
                        "personCount": "--patients", "from": "--from", "to": "--to", "horizonDays": "--horizon-days",
                        "workers": "--workers", "kind": "--kind", "truth": "--truth-out", "shift": "--shift",
                        "partitions": "--partitions", "truthPaths": "--truth-paths",
                        "lifeEvents": "--life-events"]

    /// The flag that sets `parameter`; a name without a flag as it is.
    static func flag(_ parameter: String) -> String { flags[parameter] ?? parameter }
}
