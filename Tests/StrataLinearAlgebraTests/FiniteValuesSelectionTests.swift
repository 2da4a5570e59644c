import StrataLinearAlgebra
import Testing

/// `OrderStatistics.FiniteValues.select(ranks:)` against a sort: the value at each rank and the number of
/// values at or below it.
@Suite("Radix selection of finite values")
struct FiniteValuesSelectionTests {
    @Test func selectionGivesTheSortedValueAndItsCountAtEveryRank() {
        // Property: on random, tie-heavy, neighbouring-double and wide-ranging values with NaN and infinities
        // mixed in, the selected values are the sorted finite values at those ranks (repeats included) and
        // each count is how many finite values are <= the value.
        var generator = SplitMix64(seed: 29)
        for trial in 0..<400 {
            let count = 1 + Int(generator.next() % (trial % 4 == 0 ? 20_000 : 300))
            let distinct = 1 + generator.next() % 30
            let values: [Double] = (0..<count).map { _ in
                let draw = generator.next()
                if draw % 50 == 0 { return [.nan, .infinity, -.infinity][Int(draw / 50 % 3)] }
                switch trial % 4 {
                case 0: return Double(bitPattern: draw >> 1) * (draw & 1 == 0 ? 1 : -1)
                case 1: return Double(draw % distinct) * 0.5 - 3
                case 2: return Double(bitPattern: 3.5.bitPattern &+ draw % (trial % 8 == 2 ? 3_000 : 9_000))
                default: return Double(Int64(bitPattern: draw) >> 40)
                }
            }
            let sorted = values.filter(\.isFinite).sorted()
            guard !sorted.isEmpty else { continue }
            var ranks = (0..<(1 + Int(generator.next() % 12))).map { _ in Int(generator.next() % UInt64(sorted.count)) }
            ranks.sort()
            let selected = OrderStatistics.FiniteValues(values).select(ranks: ranks)
            #expect(selected.map(\.value.bitPattern) == ranks.map { sorted[$0].bitPattern }, "trial \(trial)")
            #expect(selected.map(\.atOrBelow) == ranks.map { rank in sorted.filter { $0 <= sorted[rank] }.count }, "trial \(trial)")
        }
    }

    @Test func bothZerosGiveTheQuickselectsZeroAndColumnsGiveTheirArrays() {
        // Where −0.0 and +0.0 both occur the zero at a rank is whichever the quickselect's swaps leave there.
        var generator = SplitMix64(seed: 31)
        let values = (0..<1_000).map { _ in [-0.0, 0.0, 1, -1][Int(generator.next() % 4)] }
        let ranks = [100, 300, 400, 500, 600, 999]
        var work = values
        let quickselected = OrderStatistics.select(&work, ranks: ranks)
        #expect(OrderStatistics.FiniteValues(values).select(ranks: ranks).map(\.value.bitPattern) == quickselected.map(\.bitPattern))
        // A matrix's columns read together equal each column read alone.
        let x = Matrix(rows: 250, columns: 4, elements: values)
        let columns = OrderStatistics.FiniteValues.columns(of: x, 1..<4)
        for (offset, finite) in columns.enumerated() {
            let column = (0..<250).map { values[$0 * 4 + 1 + offset] }
            #expect(finite.count == column.count && finite.maximum == column.max())
            let alone = OrderStatistics.FiniteValues(column).select(ranks: [0, 124, 249])
            #expect(finite.select(ranks: [0, 124, 249]) == alone)
        }
    }
}
