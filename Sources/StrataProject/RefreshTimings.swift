import Dispatch
import Foundation

/// Benchmark knob: with `STRATA_BENCH_REFRESH_TIMINGS=1` in the environment, `strata refresh` (and the refresh
/// step of `strata month`) writes each of its phases to standard error with its wall and CPU seconds and the
/// process's peak resident memory so far ("refresh: scoring: 1.234 s wall, 2.345 s cpu, peak 1234 MB"), so a
/// refresh of a million patients shows where its time and memory go. Off otherwise: it changes nothing a
/// refresh records.
struct RefreshTimings {
    static let enabled = ProcessInfo.processInfo.environment["STRATA_BENCH_REFRESH_TIMINGS"] == "1"

    let isEnabled: Bool
    private var lastWall = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = DiscoveryTimings.cpuSeconds()

    init(enabled: Bool = Self.enabled) { isEnabled = enabled }

    /// Writes the seconds since the previous lap (or since this value was made) under `phase`, and the peak
    /// resident memory (`VmHWM`) so far, when enabled.
    mutating func lap(_ phase: String) {
        guard isEnabled else { return }
        let wall = DispatchTime.now().uptimeNanoseconds, cpu = DiscoveryTimings.cpuSeconds()
        let peak = MonthRun.StepMeter.peakResidentBytes().map { Double($0) / 1_048_576 } ?? .nan
        let line = String(format: "refresh: %@: %.3f s wall, %.3f s cpu, peak %.0f MB\n", phase, Double(wall - lastWall) / 1e9,
                          cpu - lastCPU, peak)
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        (lastWall, lastCPU) = (wall, cpu)
    }
}
