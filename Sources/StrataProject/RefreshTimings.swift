import Foundation

/// Benchmark knob: with `STRATA_BENCH_REFRESH_TIMINGS=1` in the environment, `strata refresh` (and the refresh
/// step of `strata month`) writes each of its phases to standard error with its wall and CPU seconds, the
/// process's resident memory and its peak so far ("refresh: scoring: 1.2 s wall, 2.3 s cpu, resident 1100 MB,
/// peak 1234 MB"), so a refresh of a million patients shows where its time and memory go. Off otherwise: it
/// changes nothing a refresh records.
extension DiscoveryTimings {
    static let refreshEnabled = ProcessInfo.processInfo.environment["STRATA_BENCH_REFRESH_TIMINGS"] == "1"

    /// The timings of one refresh, starting now.
    static func refresh() -> DiscoveryTimings { DiscoveryTimings(command: "refresh", enabled: refreshEnabled, showsMemory: true) }
}
