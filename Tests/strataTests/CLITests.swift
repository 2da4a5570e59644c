import Foundation
import StrataLinearAlgebra
import Testing

@Suite("strata command line")
struct CLITests {
    @Test func versionPrintsTheVersion() throws {
        let result = try StrataBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput == "0.1.0\n")
    }

    @Test func helpListsTheCommands() throws {
        let result = try StrataBinary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("SUBCOMMANDS:"))
        #expect(result.standardOutput.contains("selfcheck"))
        #expect(result.standardError.isEmpty)
    }

    @Test func unknownCommandFails() throws {
        let result = try StrataBinary.run(["no-such-command"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("no-such-command"))
    }

    @Test func selfCheckPasses() throws {
        let result = try StrataBinary.run(["selfcheck", "--size", "64"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("BLAS self-check: ok"))
    }

    /// On a CPU OpenBLAS does not know (it falls back to Prescott's kernels), strata restarts itself on the
    /// kernels the CPU supports, and says so; elsewhere it runs on OpenBLAS's choice. What this test process's
    /// own OpenBLAS chose (it is not restarted) says which case this machine is.
    @Test func selfCheckRunsOnTheKernelsTheCPUSupports() throws {
        let result = try StrataBinary.run(["selfcheck", "--size", "64"])
        #expect(result.status == 0)
        let chosen = BLASCore.name
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
           let better = BLASCore.replacement(for: chosen, on: BLASCore.vectorLevel) {
            #expect(result.standardOutput.contains(
                "OpenBLAS core: \(better) (OpenBLAS chose \(chosen) for this CPU, which it does not know)\n"), "\(result.standardOutput)")
        } else {
            #expect(result.standardOutput.contains("OpenBLAS core: \(chosen)\n"), "\(result.standardOutput)")
        }
    }

    /// strata runs with OpenBLAS's idle workers spinning briefly (set by its restart), unless the user chose.
    @Test func openBLASWorkersSpinBriefly() throws {
        let result = try StrataBinary.run(["selfcheck", "--size", "64"])
        #expect(result.standardOutput.contains("OpenBLAS idle workers spin for: 2^\(BLASCore.workerSpinTimeout) cycles\n"),
                "\(result.standardOutput)")
        let chosen = try StrataBinary.run(["selfcheck", "--size", "64"], environment: ["OPENBLAS_THREAD_TIMEOUT": "24"])
        #expect(chosen.standardOutput.contains("OpenBLAS idle workers spin for: 2^24 cycles\n"), "\(chosen.standardOutput)")
    }

    /// A kernel set the user names with OPENBLAS_CORETYPE is kept.
    @Test func aKernelSetTheUserChoseIsKept() throws {
        let result = try StrataBinary.run(["selfcheck", "--size", "64"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("OpenBLAS core: Prescott\n"), "\(result.standardOutput)")
    }
}
