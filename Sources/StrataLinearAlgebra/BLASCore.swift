import CStrataBLAS
import CStrataKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The kernel set OpenBLAS runs on this CPU, and the way round its fallback when it does not know the CPU.
///
/// Debian's OpenBLAS (0.3.21) picks its kernels when it is loaded, from the CPU's family and model. A CPU newer
/// than the library gets its oldest x86-64 set, `Prescott` (SSE3): on a Xeon of model 207 (AVX-512) that makes a
/// `dgemm` about 1.5 times slower and a `dsyrk` twice as slow as the `SkylakeX` set the CPU can run, and the
/// retrain step of `strata month` on 1,000,000 people takes 6 CPU seconds more (45.6 against 39.2). OpenBLAS reads
/// `OPENBLAS_CORETYPE` only while loading, so the fix is a restart: ``runOnTheKernelsThisCPUSupports()``.
public enum BLASCore {
    /// The name of the kernel set OpenBLAS chose ("Haswell", "SkylakeX", "Prescott", ...).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// The widest vector extensions OpenBLAS has kernels for that this CPU and its OS support.
    public enum VectorLevel: Int, Sendable {
        case baseline = 0, avx2 = 1, avx512 = 2
    }

    public static var vectorLevel: VectorLevel { VectorLevel(rawValue: Int(strata_cpu_vector_level())) ?? .baseline }

    /// OpenBLAS's kernel sets that use neither AVX2 nor AVX-512 (its x86-64 fallbacks among them), lowercased.
    static let preAVX2: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "nano", "sandybridge",
        "opteron", "opteron(sse3)", "barcelona", "bobcat", "bulldozer", "piledriver", "katmai", "coppermine",
        "northwood", "banias",
    ]

    /// The kernel set to ask for instead of `core` on a CPU with `level`, or nil when `core` already uses what
    /// the CPU offers (or is not a set this knows).
    public static func replacement(for core: String, on level: VectorLevel) -> String? {
        guard preAVX2.contains(core.lowercased()) else { return nil }
        switch level {
        case .avx512: return "SkylakeX"
        case .avx2: return "Haswell"
        case .baseline: return nil
        }
    }

    /// The environment variable holding the kernel set OpenBLAS had chosen before ``runOnTheKernelsThisCPUSupports()``
    /// restarted the process, so `strata selfcheck` can say so.
    public static let fallbackVariable = "STRATA_OPENBLAS_FALLBACK"

    /// How long an OpenBLAS worker spins for its next job after a threaded call before it sleeps, as a power of
    /// two of CPU cycles (`OPENBLAS_THREAD_TIMEOUT`): 2^20, about 0.4 ms. OpenBLAS's own default, 2^28 (about
    /// 0.1 s), kept its idle worker calling `sched_yield` beside Strata's own workers on two cores: 1.8 s of CPU
    /// in `strata month` at 1M, most of it during the churn fit. Measured with 2^20 (and 2^4, alike), two
    /// alternating rounds each: the month's system time 6.3 to 4.6 s, its retrain 14.6 and 14.5 to 13.8 and 14.0 s.
    public static let workerSpinTimeout = "20"

    /// The environment variables ``runOnTheKernelsThisCPUSupports()`` sets before restarting, with their values:
    /// a kernel set the CPU supports when OpenBLAS fell back to older kernels (and the set it had chosen, in
    /// ``fallbackVariable``), and ``workerSpinTimeout``; each only when the user has not set it. Empty: no restart.
    static func restartSettings(core: String, level: VectorLevel, environment: [String: String]) -> [(name: String, value: String)] {
        var settings: [(name: String, value: String)] = []
        if environment["OPENBLAS_CORETYPE"] == nil, let better = replacement(for: core, on: level) {
            settings += [("OPENBLAS_CORETYPE", better), (fallbackVariable, core)]
        }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil && environment["GOTO_THREAD_TIMEOUT"] == nil {
            settings.append(("OPENBLAS_THREAD_TIMEOUT", workerSpinTimeout))
        }
        return settings
    }

    /// OpenBLAS reads its settings only while loading, so this runs the program again from the start with them
    /// (``restartSettings(core:level:environment:)``): the kernels the CPU supports when OpenBLAS fell back to
    /// older ones (see the type's description) and a short spin for its idle workers, each unless the user set
    /// it. Returns only when nothing needs setting or the restart failed (the process then carries on with
    /// OpenBLAS's own choices). Call first thing in `main`, before any other work: the process is replaced,
    /// arguments and environment kept. The restart costs a process start (about 10 ms).
    public static func runOnTheKernelsThisCPUSupports() {
        #if os(Linux)
        let settings = restartSettings(core: name, level: vectorLevel, environment: ProcessInfo.processInfo.environment)
        guard !settings.isEmpty else { return }
        for (variable, value) in settings { setenv(variable, value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        for (variable, _) in settings { unsetenv(variable) }
        #endif
    }
}
