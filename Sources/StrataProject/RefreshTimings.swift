import Dispatch
import Foundation

/// Benchmark knob: with `STRATA_BENCH_REFRESH_TIMINGS=1` in the environment, `strata refresh` (and the refresh
/// step of `strata month`) writes each of its phases to standard error with its wall and CPU seconds, the
/// process's resident memory and its peak so far ("refresh: scoring: 1.2 s wall, 2.3 s cpu, resident 1100 MB,
/// peak 1234 MB"), so a refresh of a million patients shows where its time and memory go. Off otherwise: it
/// changes nothing a refresh records.
struct RefreshTimings {
    static let enabled = ProcessInfo.processInfo.environment["STRATA_BENCH_REFRESH_TIMINGS"] == "1"

    let isEnabled: Bool
    private var lastWall = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = DiscoveryTimings.cpuSeconds()

    init(enabled: Bool = Self.enabled) { isEnabled = enabled }

    /// Writes the seconds since the previous lap (or since this value was made) under `phase`, the resident
    /// memory now (`VmRSS`) and its peak so far (`VmHWM`), when enabled.
    mutating func lap(_ phase: String) {
        guard isEnabled else { return }
        let wall = DispatchTime.now().uptimeNanoseconds, cpu = DiscoveryTimings.cpuSeconds()
        let (resident, peak) = (Self.megabytes("VmRSS:"), Self.megabytes("VmHWM:"))
        let line = String(format: "refresh: %@: %.3f s wall, %.3f s cpu, resident %.0f MB, peak %.0f MB\n", phase,
                          Double(wall - lastWall) / 1e9, cpu - lastCPU, resident, peak)
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        (lastWall, lastCPU) = (wall, cpu)
    }

    /// A size line of `/proc/self/status` (`VmRSS:`, `VmHWM:`) in megabytes; NaN where there is none.
    private static func megabytes(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
        else { return .nan }
        return kilobytes / 1024
    }
}
