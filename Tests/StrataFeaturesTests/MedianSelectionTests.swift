import StrataLinearAlgebra
import Testing
@testable import StrataFeatures

/// The median fill value, selected (OrderStatistics) rather than sorted: the sorted median, missing values left out.
@Suite("Median by selection")
struct MedianSelectionTests {
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
