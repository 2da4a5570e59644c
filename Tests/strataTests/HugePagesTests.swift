import Foundation
import Testing
@testable import strata

/// `strata` restarts itself once with glibc's huge-page tunable where the kernel grants huge pages on request.
@Suite("huge pages")
struct HugePagesTests {
    private func tunables(_ environment: [String: String], kernel: String?) -> String? {
        HugePages.restartTunables(environment: { environment[$0] }, transparentHugePages: kernel)
    }

    @Test func restartsOnlyWhereHugePagesAreOnRequest() {
        #expect(tunables([:], kernel: "always [madvise] never\n") == "glibc.malloc.hugetlb=1")
        #expect(tunables([:], kernel: "[always] madvise never\n") == nil)
        #expect(tunables([:], kernel: "always madvise [never]\n") == nil)
        #expect(tunables([:], kernel: nil) == nil)
    }

    @Test func keepsTheUsersTunablesAndNeverRestartsTwice() {
        let kernel = "always [madvise] never"
        #expect(tunables(["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"], kernel: kernel)
                == "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1")
        // The restarted process sees its own setting; a user's own value (even 0) wins.
        #expect(tunables(["GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"], kernel: kernel) == nil)
        #expect(tunables(["GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"], kernel: kernel) == nil)
        #expect(tunables(["STRATA_HUGE_PAGES": "off"], kernel: kernel) == nil)
    }

    /// The built binary: `selfcheck` reports what its own process runs with.
    @Test func theBinaryRunsWithTheTunableUnlessSwitchedOff() throws {
        let kernel = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        func selfcheck(_ extra: [String: String]) throws -> String {
            let process = Process()
            process.executableURL = StrataBinary.url
            process.arguments = ["selfcheck", "--size", "8"]
            var environment = ProcessInfo.processInfo.environment
            environment["GLIBC_TUNABLES"] = nil
            environment.merge(extra) { $1 }
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            return String(decoding: data, as: UTF8.self)
        }
        let on = try selfcheck([:])
        if kernel.contains("[madvise]") {
            #expect(on.contains("malloc huge pages: on (GLIBC_TUNABLES=glibc.malloc.hugetlb=1;"))
        } else {
            #expect(on.contains("malloc huge pages: off (GLIBC_TUNABLES=;"))
        }
        #expect(try selfcheck(["STRATA_HUGE_PAGES": "off"]).contains("malloc huge pages: off (GLIBC_TUNABLES=;"))
        #expect(try selfcheck(["GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"]).contains("malloc huge pages: off"))
    }
}
