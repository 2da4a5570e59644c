import StrataLinearAlgebra
import Testing
@testable import StrataFeatures

@Suite("Median by selection")
struct MedianSelectionTests {
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

    @Test func medianFillMatchesTheSortedMedian() {
        var generator = SplitMix64(seed: 5)
        for count in [1, 2, 3, 4, 10, 11, 1000, 1001] {
            var elements: [Double] = []
            for _ in 0..<count { elements.append(Double(generator.next() % 97) / 7) }
            elements[0] = .nan  // missing values are left out
            let present = elements.filter { !$0.isNaN }.sorted()
            let expected = present.isEmpty ? 0
                : present.count % 2 == 1 ? present[present.count / 2]
                : (present[present.count / 2 - 1] + present[present.count / 2]) / 2
            let matrix = Matrix(rows: count, columns: 1, elements: elements)
            #expect(FeaturePipeline.fillValue(.median, column: 0, of: matrix) == expected)
        }
    }
}
