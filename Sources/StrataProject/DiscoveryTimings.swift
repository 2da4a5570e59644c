import Dispatch
import Foundation

/// Benchmark knob: with `STRATA_BENCH_DISCOVER_TIMINGS=1` in the environment, `strata discover` writes the wall
/// and CPU seconds of each of its stages to standard error ("discover: choosing k: 12.345 s wall, 23.456 s cpu"),
/// so a run on a million patients shows where its time goes and how well each stage uses the cores. Off
/// otherwise: it changes nothing a run computes. Other commands make their own with their name and switch
/// (`strata report`: ``report()``).
struct DiscoveryTimings {
    static let enabled = ProcessInfo.processInfo.environment["STRATA_BENCH_DISCOVER_TIMINGS"] == "1"

    /// The command each line starts with, and whether lines are written at all.
    let command: String
    let isEnabled: Bool
    private var lastWall = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = Self.cpuSeconds()

    init(command: String = "discover", enabled: Bool = Self.enabled) {
        self.command = command
        isEnabled = enabled
    }

    /// Writes the seconds since the previous lap (or since this value was made) under `stage`, when enabled.
    mutating func lap(_ stage: String) {
        guard isEnabled else { return }
        let wall = DispatchTime.now().uptimeNanoseconds, cpu = Self.cpuSeconds()
        let line = String(format: "%@: %@: %.3f s wall, %.3f s cpu\n", command, stage, Double(wall - lastWall) / 1e9, cpu - lastCPU)
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
        (lastWall, lastCPU) = (wall, cpu)
    }

    /// The CPU seconds of every thread of the process so far.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
