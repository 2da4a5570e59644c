import Foundation
import Testing
@testable import StrataGenerator
import StrataLinearAlgebra

@Suite("generator determinism")
struct DeterminismTests {
    @Test func sameSeedAndOptionsGiveIdenticalBytes() throws {
        let first = try GeneratedExport.make(persons: 400, seed: 11, workers: 2)
        let second = try GeneratedExport.make(persons: 400, seed: 11, workers: 2)
        defer { first.remove(); second.remove() }
        #expect(first.files == second.files)
        #expect(first.truthFiles == second.truthFiles)
    }

    @Test func workerCountAndChunkingDoNotChangeTheBytes() throws {
        let oneWorker = try GeneratedExport.make(persons: 400, seed: 12, workers: 1, chunkSize: 400)
        let threeWorkers = try GeneratedExport.make(persons: 400, seed: 12, workers: 3, chunkSize: 37)
        defer { oneWorker.remove(); threeWorkers.remove() }
        #expect(oneWorker.files == threeWorkers.files)
        #expect(oneWorker.truthFiles == threeWorkers.truthFiles)
    }

    @Test func differentSeedsGiveDifferentExports() throws {
        let first = try GeneratedExport.make(persons: 100, seed: 1)
        let second = try GeneratedExport.make(persons: 100, seed: 2)
        defer { first.remove(); second.remove() }
        #expect(first.files["appointments.csv"] != second.files["appointments.csv"])
    }

    @Test func exportFolderHoldsOnlyTheCanonicalFiles() throws {
        let export = try GeneratedExport.make(persons: 50)
        defer { export.remove() }
        #expect(Set(export.files.keys) == Set(ClinicGenerator.exportFileNames))
        #expect(Set(export.truthFiles.keys) == [ClinicGenerator.truthFileName, ClinicGenerator.settingsFileName])
    }

    @Test func personStreamsAreIndependentOfEachOther() {
        // Neighbouring streams must not be shifted copies of one sequence.
        var first = Xoshiro256StarStar(seed: 5, stream: 0, purpose: .history)
        var second = Xoshiro256StarStar(seed: 5, stream: 1, purpose: .history)
        let a = (0..<64).map { _ in first.next() }, b = (0..<64).map { _ in second.next() }
        #expect(Set(a).isDisjoint(with: b))
        var truth = Xoshiro256StarStar(seed: 5, stream: 0, purpose: .groundTruth)
        #expect(Set((0..<64).map { _ in truth.next() }).isDisjoint(with: a))
    }

    @Test func uniformDrawsHaveTheRightMean() {
        // 100,000 uniforms: mean 0.5 with standard error 0.0009; tolerance 0.005 (> 5 standard errors).
        var rng = Xoshiro256StarStar(seed: 99, stream: 3, purpose: .history)
        var sum = 0.0
        for _ in 0..<100_000 { sum += rng.uniform() }
        #expect(abs(sum / 100_000 - 0.5) < 0.005)
    }
}
