import Foundation

/// Benchmark knob: with `STRATA_BENCH_REPORT_TIMINGS=1` in the environment, `strata report` writes the wall and
/// CPU seconds of each of its stages to standard error ("report: loading the export: 1.234 s wall, 2.345 s cpu"),
/// as `strata discover` does with its own switch (``DiscoveryTimings``). Off otherwise: it changes nothing a
/// report holds.
extension DiscoveryTimings {
    static let reportEnabled = ProcessInfo.processInfo.environment["STRATA_BENCH_REPORT_TIMINGS"] == "1"

    /// The timings of one `strata report`, starting now.
    static func report() -> DiscoveryTimings { DiscoveryTimings(command: "report", enabled: reportEnabled) }
}
