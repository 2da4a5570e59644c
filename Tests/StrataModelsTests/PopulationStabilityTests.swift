import Foundation
import StrataFeatures
import StrataLinearAlgebra
import Testing
@testable import StrataModels

/// The population stability index against values worked out by hand, its bands, and model files with and
/// without a drift reference.
@Suite("Population stability index")
struct PopulationStabilityTests {
    @Test func binsAreTheTrainingDecilesAndThePSIMatchesAHandComputation() {
        // Reference 1...10 in 5 bins: cut points at sorted[(10 - 1) * k / 5] for k = 1...4, i.e. positions
        // 1, 3, 5, 7 → values 2, 4, 6, 8; two values per bin, shares 0.2 each.
        let reference = PopulationStability.reference(name: "x", values: (1...10).map(Double.init), bins: 5)
        #expect(reference.edges == [2, 4, 6, 8])
        #expect(reference.shares == [0.2, 0.2, 0.2, 0.2, 0.2])
        // Current: 1,1,1,1 (bin 0), 3 (bin 1), 5 (bin 2), 7 (bin 3), 9, 9, 10 (bin 4): shares .4 .1 .1 .1 .3.
        // PSI = (.4-.2)·ln 2 + 3·(.1-.2)·ln .5 + (.3-.2)·ln 1.5
        //     = .2·0.693147 + 3·.1·0.693147 + .1·0.405465 = 0.138629 + 0.207944 + 0.040547 = 0.387120
        let current: [Double] = [1, 1, 1, 1, 3, 5, 7, 9, 9, 10]
        let psi = PopulationStability.index(reference, values: current)
        #expect(abs(psi - 0.387120) < 1e-6)
        #expect(PopulationStability.Band(psi) == .act)
        // Identical distributions: 0.
        #expect(PopulationStability.index(reference, values: (1...10).map(Double.init)) == 0)
        // A value on a cut point falls in the bin below it (x ≤ edge).
        #expect(PopulationStability.shares(of: [2, 2.0001], edges: [2]) == [0.5, 0.5])
    }

    @Test func anEmptyBinCountsAsTheMinimumShare() {
        // Expected [.5, .5], actual [1, 0] → 0 raised to 0.0001:
        // (1 - .5)·ln(1/.5) + (.0001 - .5)·ln(.0001/.5) = 0.346574 + 4.257745 = 4.604318 (to 6 places).
        let psi = PopulationStability.index(expected: [0.5, 0.5], actual: [1, 0])
        #expect(abs(psi - (0.5 * log(2.0) + (0.0001 - 0.5) * log(0.0001 / 0.5))) < 1e-12)
        #expect(abs(psi - 4.604318) < 1e-6)
    }

    @Test func repeatedCutPointsMergeSoAFewValuedVariableGetsFewerBins() {
        // Seven zeros and three ones: every decile below the top is 0 (a cut at the maximum is dropped).
        let reference = PopulationStability.reference(name: "flag", values: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
        #expect(reference.edges == [0])
        #expect(reference.shares == [0.7, 0.3])
        // A constant variable: one bin, PSI 0 whatever comes.
        let constant = PopulationStability.reference(name: "c", values: [3, 3, 3])
        #expect(constant.edges.isEmpty && PopulationStability.index(constant, values: [1, 2, 3]) == 0)
    }

    @Test func cutPointsAreTheLowerQuantilesOfTheSortedFiniteValues() {
        // The definition the reference documents, computed by sorting: cut points at sorted[(n - 1)·k / bins],
        // repeats merged, none at the maximum, non-finite values left out; columns with many ties and without.
        var generator = Xoshiro256StarStar(seed: 19)
        for trial in 0..<60 {
            let count = 1 + Int(generator.next() % 2_000), bins = 1 + Int(generator.next() % 12)
            var values = (0..<count).map { _ in Double(generator.next() % (trial % 2 == 0 ? 4 : 500)) }
            values[0] = .nan
            if count > 2 { values[1] = .infinity }
            let sorted = values.filter(\.isFinite).sorted()
            var expected: [Double] = []
            for k in 1..<bins where !sorted.isEmpty {
                let cut = sorted[(sorted.count - 1) * k / bins]
                if cut < sorted[sorted.count - 1], expected.last != cut { expected.append(cut) }
            }
            let reference = PopulationStability.reference(name: "x", values: values, bins: bins)
            #expect(reference.edges == expected, "trial \(trial)")
            #expect(reference.shares == (sorted.isEmpty ? [1] : PopulationStability.shares(of: sorted, edges: expected)))
        }
    }

    @Test func columnSharesInOnePassEqualTheSharesOfEachColumn() {
        // Every column against its own cut points, as `Drift.measure` bins a refresh's inputs: values on a cut
        // point, below the first and above the last, NaN and infinities (left out), a column without cut points
        // and one with no finite value. The one-pass counts must equal column-by-column `shares(of:edges:)`,
        // whatever the split of the rows.
        var generator = Xoshiro256StarStar(seed: 5)
        let rows = 1_003, columns = 5
        var elements: [Double] = []
        for row in 0..<rows {
            elements.append(Double(Int.random(in: 0...6, using: &generator)))  // integers: many on cut points
            elements.append(row % 97 == 0 ? .nan : Double.random(in: -1...1, using: &generator))
            elements.append(row % 50 == 0 ? .infinity : row % 51 == 0 ? -.infinity : Double(row % 3))
            elements.append(Double.random(in: 0...1, using: &generator))
            elements.append(.nan)
        }
        let x = Matrix(rows: rows, columns: columns, elements: elements)
        let edges: [[Double]] = [[0, 2, 3, 5], [-0.5, 0, 0.25], [0, 1], [], [1]]
        let expected = (0..<columns).map { PopulationStability.shares(of: x.column($0), edges: edges[$0]) }
        for workers in [1, 2, 3] {
            #expect(PopulationStability.columnShares(x, edges: edges, workers: workers) == expected)
        }
        #expect(expected[4] == [0, 0])
        // Only the first columns may be binned: the cut points of two columns of five.
        #expect(PopulationStability.columnShares(x, edges: Array(edges.prefix(2))) == Array(expected.prefix(2)))
    }

    @Test func theBands() {
        #expect(PopulationStability.Band(0.099) == .stable)
        #expect(PopulationStability.Band(0.1) == .watch && PopulationStability.Band(0.25) == .watch)
        #expect(PopulationStability.Band(0.2501) == .act)
    }

    @Test func aShiftedColumnIsFlaggedAndAResampledOneIsNot() {
        var generator = Xoshiro256StarStar(seed: 11)
        func normal() -> Double {
            // Box-Muller on two uniforms in (0, 1].
            let u = Double.random(in: Double.ulpOfOne...1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        let training = (0..<5000).map { _ in normal() }
        let reference = PopulationStability.reference(name: "age", values: training)
        let resampled = (0..<5000).map { _ in normal() }
        let shifted = (0..<5000).map { _ in normal() + 1 }
        // A fresh sample of the same distribution: sampling noise only, about (bins - 1) / n ≈ 0.004.
        #expect(PopulationStability.index(reference, values: resampled) < 0.1)
        // A shift of one standard deviation moves PSI far past 0.25 (about 1.0 for a normal).
        #expect(PopulationStability.index(reference, values: shifted) > 0.25)
    }

    @Test func aModelFileWithADriftReferenceReadsBackAndAnOlderFileWithoutOneStillReads() throws {
        var file = ModelFileValidationTests.logisticFile()
        file.drift = DriftReference(asOf: "2025-01-01", rows: 10,
                                    inputs: [PopulationStability.reference(name: "visits_90d", values: [0, 1, 2, 3])],
                                    score: PopulationStability.reference(name: "score", values: [0.1, 0.2, 0.3]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try file.write(to: url)
        #expect(try ModelFile<LogisticParameters>.read(from: url, kind: LogisticParameters.kind).drift == file.drift)

        // The same file as versions before drift wrote it: no `drift` key at all.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["drift"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let older = try ModelFile<LogisticParameters>.read(from: url, kind: LogisticParameters.kind)
        #expect(older.drift == nil && older.parameters.coefficients == file.parameters.coefficients)
        // And a file without drift is written without the key, byte for byte as before.
        file.drift = nil
        try file.write(to: url)
        #expect(!(String(decoding: try Data(contentsOf: url), as: UTF8.self)).contains("\"drift\""))
    }
}
