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
    /// Whether each line also gives the resident memory now and its peak so far (`VmRSS`, `VmHWM`).
    let showsMemory: Bool
    private var stopwatch = Stopwatch()

    init(command: String = "discover", enabled: Bool = Self.enabled, showsMemory: Bool = false) {
        self.command = command
        isEnabled = enabled
        self.showsMemory = showsMemory
    }

    /// Writes the seconds since the previous lap (or since this value was made) under `stage`, when enabled.
    mutating func lap(_ stage: String) {
        guard isEnabled else { return }
        let (seconds, cpuSeconds) = stopwatch.lap()
        var line = String(format: "%@: %@: %.3f s wall, %.3f s cpu", command, stage, seconds, cpuSeconds)
        if showsMemory {
            let megabytes = { (field: String) in Self.statusKilobytes(field).map { Double($0) / 1024 } ?? .nan }
            line += String(format: ", resident %.0f MB, peak %.0f MB", megabytes("VmRSS:"), megabytes("VmHWM:"))
        }
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    /// A size line of `/proc/self/status` (`VmRSS:`, `VmHWM:`) in kilobytes; nil where there is none.
    static func statusKilobytes(_ field: String) -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int64($0) }
    }

    /// The CPU seconds of every thread of the process so far.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// Wall and CPU seconds between laps (the first since the value was made).
struct Stopwatch {
    private var lastWall = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = DiscoveryTimings.cpuSeconds()

    mutating func lap() -> (seconds: Double, cpuSeconds: Double) {
        let wall = DispatchTime.now().uptimeNanoseconds, cpu = DiscoveryTimings.cpuSeconds()
        defer { (lastWall, lastCPU) = (wall, cpu) }
        return (Double(wall - lastWall) / 1e9, cpu - lastCPU)
    }
}
