import Foundation
#if os(Linux)
import Glibc
#endif

/// Transparent huge pages for the large arrays a run allocates, on Linux hosts where they are opt-in.
///
/// A refresh or a month at 1M patients allocates and frees many arrays of tens to hundreds of megabytes; glibc
/// maps each afresh, and the kernel faults it in 4 KB at a time: `strata features` on 1,000,000 patients took
/// 944,000 page faults and 6.8 s of system time. With glibc's `glibc.malloc.hugetlb=1` tunable malloc asks for
/// transparent huge pages (`madvise(MADV_HUGEPAGE)`) where the kernel grants them on request (its
/// `transparent_hugepage/enabled` is `[madvise]`, Debian's default): 92,000 faults and 3.6 s (docs/scaling.md).
/// A tunable is read only when a process starts, so `strata` starts itself again with it set, once, before
/// doing anything: the same program, arguments and environment plus the tunable. Nothing is done when the
/// kernel has huge pages always on or never, when `GLIBC_TUNABLES` already names the tunable (the user's choice
/// wins, and the second start sees its own setting), or with `STRATA_HUGE_PAGES=off`.
enum HugePages {
    static let tunable = "glibc.malloc.hugetlb"
    static let switchVariable = "STRATA_HUGE_PAGES"

    /// Starts the program again with the tunable when that is worth it; returns when it is not (or the
    /// restart failed, in which case the run goes on without huge pages).
    static func restartWithTunableIfUseful() {
        #if os(Linux)
        guard let tunables = restartTunables(
            environment: { name in getenv(name).map { String(cString: $0) } },
            transparentHugePages: kernelSetting()
        ) else { return }
        guard setenv("GLIBC_TUNABLES", tunables, 1) == 0 else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when execv failed: carry on as we are, without the half-set variable.
        unsetenv("GLIBC_TUNABLES")
        #endif
    }

    /// The `GLIBC_TUNABLES` value to restart with, or nil when no restart is wanted: `transparentHugePages` is
    /// the kernel's `enabled` file (`always [madvise] never`), nil when unreadable.
    static func restartTunables(environment: (String) -> String?, transparentHugePages: String?) -> String? {
        guard environment(switchVariable) != "off" else { return nil }
        guard let kernel = transparentHugePages, kernel.contains("[madvise]") else { return nil }
        let existing = environment("GLIBC_TUNABLES") ?? ""
        guard !existing.contains(tunable) else { return nil }
        return existing.isEmpty ? "\(tunable)=1" : "\(existing):\(tunable)=1"
    }

    /// What `strata selfcheck` prints: whether this process's malloc asks for huge pages, and why.
    static func summary() -> String {
        #if os(Linux)
        let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) } ?? ""
        let kernel = kernelSetting()?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
        let asked = tunables.contains("\(tunable)=1") ? "on" : "off"
        return "malloc huge pages: \(asked) (GLIBC_TUNABLES=\(tunables); kernel transparent huge pages: \(kernel))"
        #else
        return "malloc huge pages: off (not Linux)"
        #endif
    }

    #if os(Linux)
    /// The kernel's transparent huge page mode, as its file reads, or nil.
    private static func kernelSetting() -> String? {
        guard let file = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
    #endif
}
