import Foundation
import StrataLinearAlgebra
import Testing
@testable import StrataModels

/// The drift reference's radix-selected cut points and counted shares against the quickselect-and-bin code
/// they replaced and against a plain sort, bit for bit (`bitPattern`, so −0.0 and +0.0 differ), on the
/// column kinds a churn or clusters matrix holds.
@Suite("Drift references by radix selection")
struct DriftReferenceSelectionTests {
    /// The reference as computed before the radix select: quickselect the cut points of the finite values in
    /// their order, then bin those values again.
    static func quickselectReference(_ values: [Double], bins: Int) -> PopulationStability.Reference {
        var finite = values.filter(\.isFinite)
        guard let maximum = finite.max() else { return .init(name: "x", edges: [], shares: [1]) }
        let positions = (1..<bins).map { (finite.count - 1) * $0 / bins }
        var edges: [Double] = []
        for cut in OrderStatistics.select(&finite, ranks: positions) where cut < maximum && edges.last != cut {
            edges.append(cut)
        }
        return .init(name: "x", edges: edges, shares: PopulationStability.shares(of: finite, edges: edges))
    }

    /// The reference by its definition: sort the finite values, take `sorted[(n − 1)·k / bins]`.
    static func sortedReference(_ values: [Double], bins: Int) -> PopulationStability.Reference {
        let sorted = values.filter(\.isFinite).sorted()
        guard let maximum = sorted.last else { return .init(name: "x", edges: [], shares: [1]) }
        var edges: [Double] = []
        for k in 1..<bins {
            let cut = sorted[(sorted.count - 1) * k / bins]
            if cut < maximum, edges.last != cut { edges.append(cut) }
        }
        return .init(name: "x", edges: edges, shares: PopulationStability.shares(of: sorted, edges: edges))
    }

    static func bits(_ reference: PopulationStability.Reference) -> [[UInt64]] {
        [reference.edges.map(\.bitPattern), reference.shares.map(\.bitPattern)]
    }

    /// Columns of every kind, `count` values each, from `generator`.
    static func columns(count: Int, using generator: inout Xoshiro256StarStar) -> [(kind: String, values: [Double])] {
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        var columns: [(String, [Double])] = []
        columns.append(("continuous", (0..<count).map { _ in (uniform() - 0.5) * 1e3 }))
        columns.append(("binary", (0..<count).map { _ in uniform() < 0.3 ? 1 : 0 }))
        columns.append(("one-hot", (0..<count).map { _ in uniform() < 0.03 ? 1 : 0 }))
        columns.append(("counts", (0..<count).map { _ in Double(Int(-log(1 - uniform()) * 3)) }))
        columns.append(("few values", (0..<count).map { _ in Double(generator.next() % 4) - 1.5 }))
        columns.append(("constant", [Double](repeating: 7.25, count: count)))
        columns.append(("all NaN", [Double](repeating: .nan, count: count)))
        columns.append(("non-finite mixed in", (0..<count).map { _ in
            let u = uniform()
            return u < 0.1 ? .nan : u < 0.15 ? .infinity : u < 0.2 ? -.infinity : (u * 40).rounded()
        }))
        // Neighbouring doubles: one radix level resolves them to single keys.
        columns.append(("adjacent doubles", (0..<count).map { _ in Double(bitPattern: 1.0.bitPattern + generator.next() % 3_000) }))
        columns.append(("every magnitude", (0..<count).map { _ in
            let magnitude = [Double.leastNonzeroMagnitude, 1e-300, 1e-5, 1, 1e5, 1e300, .greatestFiniteMagnitude][Int(generator.next() % 7)]
            return (uniform() < 0.5 ? -1 : 1) * magnitude * (1 + uniform())
        }))
        columns.append(("negative zeros only", (0..<count).map { _ in uniform() < 0.6 ? -0.0 : -uniform() }))
        columns.append(("both zeros", (0..<count).map { _ in
            let u = uniform()
            return u < 0.35 ? -0.0 : u < 0.7 ? 0.0 : u < 0.85 ? 1 : -2
        }))
        columns.append(("both zeros, cut elsewhere", (0..<count).map { _ in
            let u = uniform()
            return u < 0.02 ? -0.0 : u < 0.04 ? 0.0 : u * 10
        }))
        return columns
    }

    @Test func referencesEqualTheQuickselectAndTheSortBitForBit() {
        var generator = Xoshiro256StarStar(seed: 41)
        for count in [0, 1, 2, 3, 9, 10, 11, 63, 64, 65, 200, 5_000, 70_000] {
            for (kind, values) in Self.columns(count: count, using: &generator) {
                for bins in [1, 2, 3, 10, 13] {
                    let reference = PopulationStability.reference(name: "x", values: values, bins: bins)
                    let before = Self.quickselectReference(values, bins: bins)
                    #expect(Self.bits(reference) == Self.bits(before), "\(kind), \(count) values, \(bins) bins")
                    // The sort may pick the other zero where both occur; elsewhere it is the same bits too.
                    let sorted = Self.sortedReference(values, bins: bins)
                    if kind.hasPrefix("both zeros") {
                        #expect(reference.edges == sorted.edges && reference.shares == sorted.shares, "\(kind), \(count)")
                    } else {
                        #expect(Self.bits(reference) == Self.bits(sorted), "\(kind), \(count) values, \(bins) bins")
                    }
                }
            }
        }
    }

    @Test func aMatrixsReferencesAreItsColumnsReferences() {
        // Widths around the four columns a task reads together; no rows, one row, and a few thousand.
        var generator = Xoshiro256StarStar(seed: 43)
        for rows in [0, 1, 11, 3_000] {
            let kinds = Self.columns(count: rows, using: &generator).map(\.values)
            for width in [1, 3, 4, 5, 9, kinds.count] {
                let columns = (0..<width).map { kinds[($0 * 5) % kinds.count] }
                let x = Matrix(rows: rows, columns: width, elements: (0..<(rows * width)).map { columns[$0 % width][$0 / width] })
                let names = (0..<width).map { "c\($0)" }
                for workers in [1, 2, 3] {
                    let references = PopulationStability.references(x, names: names, workers: workers)
                    #expect(references.map(\.name) == names)
                    #expect(references.map(Self.bits) == columns.map { Self.bits(Self.quickselectReference($0, bins: 10)) },
                            "\(rows) rows, \(width) columns, \(workers) workers")
                }
            }
        }
    }
}
