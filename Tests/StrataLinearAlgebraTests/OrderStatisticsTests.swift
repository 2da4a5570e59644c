import StrataLinearAlgebra
import Testing

@Suite("Order statistics by selection")
struct OrderStatisticsTests {
    @Test func selectionGivesTheSortedElementAtEveryRank() {
        // Property: for arrays with many ties, sorted runs and random values, the selected element equals the
        // sorted array's, with nothing larger before it and nothing smaller after it.
        var generator = SplitMix64(seed: 11)
        for trial in 0..<300 {
            let count = 1 + Int(generator.next() % 200)
            let distinct = 1 + generator.next() % 20
            var values = (0..<count).map { _ in Double(generator.next() % distinct) * 0.5 }
            if trial % 3 == 0 { values.sort() }
            if trial % 3 == 1 { values.sort(by: >) }
            let sorted = values.sorted()
            let rank = Int(generator.next() % UInt64(count))
            var work = values
            let selected = OrderStatistics.select(&work, rank: rank)
            #expect(selected == sorted[rank])
            #expect(work.sorted() == sorted)
            #expect(work[..<rank].allSatisfy { $0 <= selected } && work[rank...].allSatisfy { $0 >= selected })
        }
    }

    @Test func manyRanksAtOnceGiveTheSortedElementsAtThoseRanks() {
        // Property: for arrays with many ties, sorted and reversed runs and random values, the values selected
        // at any ascending ranks (repeats included) are the sorted array's at those ranks, and the array keeps
        // its elements.
        var generator = SplitMix64(seed: 23)
        for trial in 0..<400 {
            let count = 1 + Int(generator.next() % 300)
            let distinct = 1 + generator.next() % (trial % 2 == 0 ? 5 : 1_000)
            var values = (0..<count).map { _ in Double(generator.next() % distinct) - 2.5 }
            if trial % 4 == 0 { values.sort() }
            if trial % 4 == 1 { values.sort(by: >) }
            let sorted = values.sorted()
            let ranks = (0..<Int(generator.next() % 12)).map { _ in Int(generator.next() % UInt64(count)) }.sorted()
            var work = values
            #expect(OrderStatistics.select(&work, ranks: ranks) == ranks.map { sorted[$0] }, "trial \(trial)")
            #expect(work.sorted() == sorted)
        }
    }

    @Test func theDecileRanksOfALargeColumnMatchASort() {
        // The drift reference's case at its size: nine cut points of a large column with long runs of ties.
        var generator = SplitMix64(seed: 7)
        var values = (0..<200_000).map { _ in Double(generator.next() % 1_000) / 10 }
        let sorted = values.sorted()
        let ranks = (1..<10).map { (values.count - 1) * $0 / 10 }
        #expect(OrderStatistics.select(&values, ranks: ranks) == ranks.map { sorted[$0] })
    }

    @Test func noRanksSelectNothing() {
        var values: [Double] = [3, 1, 2]
        #expect(OrderStatistics.select(&values, ranks: []).isEmpty)
        #expect(OrderStatistics.select(&values, rank: 0) == 1)
    }
}
