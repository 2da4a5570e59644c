@testable import StrataLinearAlgebra
import Testing

@Suite("OpenBLAS's kernel set")
struct BLASCoreTests {
    /// A fallback set is replaced by the widest one the CPU supports; a set that already uses AVX2 or AVX-512,
    /// or one this does not know, is left to OpenBLAS.
    @Test func aFallbackIsReplacedByWhatTheCPUSupports() {
        #expect(BLASCore.replacement(for: "Prescott", on: .avx512) == "SkylakeX")
        #expect(BLASCore.replacement(for: "PRESCOTT", on: .avx2) == "Haswell")
        #expect(BLASCore.replacement(for: "Sandybridge", on: .avx2) == "Haswell")
        #expect(BLASCore.replacement(for: "Prescott", on: .baseline) == nil)
        #expect(BLASCore.replacement(for: "Haswell", on: .avx512) == nil)
        #expect(BLASCore.replacement(for: "Zen", on: .avx2) == nil)
        #expect(BLASCore.replacement(for: "SkylakeX", on: .avx512) == nil)
        #expect(BLASCore.replacement(for: "armv8", on: .baseline) == nil)
    }

    /// The restart sets what the user has not: the kernel set on a fallback, and the idle workers' short spin.
    @Test func theRestartSetsWhatTheUserHasNot() {
        func names(_ settings: [(name: String, value: String)]) -> [String] { settings.map { "\($0.name)=\($0.value)" } }
        #expect(names(BLASCore.restartSettings(core: "Prescott", level: .avx512, environment: [:]))
                == ["OPENBLAS_CORETYPE=SkylakeX", "\(BLASCore.fallbackVariable)=Prescott", "OPENBLAS_THREAD_TIMEOUT=20"])
        #expect(names(BLASCore.restartSettings(core: "Haswell", level: .avx2, environment: [:])) == ["OPENBLAS_THREAD_TIMEOUT=20"])
        #expect(names(BLASCore.restartSettings(core: "Prescott", level: .avx2, environment: ["OPENBLAS_CORETYPE": "Prescott"]))
                == ["OPENBLAS_THREAD_TIMEOUT=20"])
        #expect(BLASCore.restartSettings(core: "Haswell", level: .avx2, environment: ["OPENBLAS_THREAD_TIMEOUT": "28"]).isEmpty)
        #expect(BLASCore.restartSettings(core: "Zen", level: .avx2, environment: ["GOTO_THREAD_TIMEOUT": "4"]).isEmpty)
    }

    /// OpenBLAS names the set it loaded.
    @Test func theCoreHasAName() {
        #expect(!BLASCore.name.isEmpty)
    }
}
