import StrataLinearAlgebra
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

    /// OpenBLAS names the set it loaded.
    @Test func theCoreHasAName() {
        #expect(!BLASCore.name.isEmpty)
    }
}
