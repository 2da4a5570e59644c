import Synchronization
import StrataLinearAlgebra
import Testing

@Suite("Parallel row ranges")
struct ParallelTests {
    @Test(arguments: [0, 1, 2, 3, 7, 64, 1000, 1001], [1, 2, 3, 8, 16])
    func partitionCoversEveryRowOnce(_ count: Int, _ workers: Int) {
        let ranges = Parallel.partition(count, into: workers)
        #expect(ranges.count == min(count, workers))
        #expect(ranges.flatMap { Array($0) } == Array(0..<count))  // in order, no gaps, no overlaps
        #expect(ranges.allSatisfy { !$0.isEmpty })
        if let sizes = Optional(ranges.map(\.count)), let largest = sizes.max(), let smallest = sizes.min() {
            #expect(largest - smallest <= 1)
        }
    }

    @Test(arguments: [1, 2, 4, 9])
    func everyRowIsVisitedExactlyOnceConcurrently(_ workers: Int) {
        let count = 10_000
        let visits = Mutex([Int](repeating: 0, count: count))
        Parallel.forEach(rangesOf: count, workers: workers) { range in
            visits.withLock { counts in
                for row in range { counts[row] += 1 }
            }
        }
        #expect(visits.withLock { $0.allSatisfy { $0 == 1 } })
    }

    @Test func mapReturnsResultsInRangeOrder() {
        let sums = Parallel.map(rangesOf: 1000, workers: 7) { range in range.reduce(0, +) }
        #expect(sums.count == 7)
        #expect(sums.reduce(0, +) == (0..<1000).reduce(0, +))
        #expect(sums == Parallel.partition(1000, into: 7).map { $0.reduce(0, +) })
    }

    @Test func parallelBLASWithOneThreadPerWorkerMatchesSerial() throws {
        var rng = SplitMix64(seed: 2)
        let x: Matrix<Double> = Reference.random(400, 8, using: &rng)
        let centers: Matrix<Double> = Reference.random(5, 8, using: &rng)
        let serial = try BLAS.product(x, centers, transB: .transpose)
        let blocks = try BLAS.withThreadCount(1) {
            try Parallel.map(rangesOf: x.rows, workers: 4) { range in
                Result { try BLAS.product(x.rows(range), centers, transB: .transpose) }
            }.map { try $0.get() }
        }
        #expect(blocks.flatMap(\.elements) == serial.elements)
    }
}
