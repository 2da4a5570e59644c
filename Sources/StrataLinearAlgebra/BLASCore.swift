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

    /// When OpenBLAS fell back to kernels older than the CPU (see the type's description) and the user has not
    /// chosen a set with `OPENBLAS_CORETYPE`, runs this program again from the start with that variable naming
    /// the set the CPU supports; returns only when nothing needs doing or the restart failed (the process then
    /// carries on with OpenBLAS's choice). Call first thing in `main`, before any other work: the process is
    /// replaced, arguments and environment kept.
    public static func runOnTheKernelsThisCPUSupports() {
        #if os(Linux)
        guard getenv("OPENBLAS_CORETYPE") == nil, let better = replacement(for: name, on: vectorLevel) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        setenv(fallbackVariable, name, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(fallbackVariable)
        #endif
    }
}
