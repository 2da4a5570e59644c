import Dispatch
import Foundation

/// A small parallel-for over row ranges, for model code that splits rows across cores.
///
/// Ranges are contiguous, in order, and depend only on the row count and the worker count, so a
/// reduction over the results in order is reproducible for a given thread count.
public enum Parallel {
    /// The number of cores this process may use.
    public static var processorCount: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Splits `0..<count` into at most `parts` contiguous, non-empty ranges whose sizes differ by at most one.
    ///
    /// - Returns: the ranges in order; empty when `count` is zero.
    public static func partition(_ count: Int, into parts: Int) -> [Range<Int>] {
        precondition(count >= 0 && parts >= 1, "partition(\(count), into: \(parts))")
        let parts = Swift.min(parts, count)
        guard parts > 0 else { return [] }
        let base = count / parts, remainder = count % parts
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(parts)
        var start = 0
        for part in 0..<parts {
            let size = base + (part < remainder ? 1 : 0)
            ranges.append(start..<(start + size))
            start += size
        }
        return ranges
    }

    /// Runs `body` once for each range of ``partition(_:into:)`` concurrently and returns the results in
    /// range order.
    ///
    /// - Parameters:
    ///   - count: the number of rows to cover.
    ///   - workers: how many ranges (and concurrent tasks) at most; 1 runs inline on the caller's thread.
    ///   - body: work on one range; it must not touch state shared with other ranges unsynchronized.
    public static func map<T: Sendable>(
        rangesOf count: Int, workers: Int = processorCount, _ body: @Sendable (Range<Int>) -> T
    ) -> [T] {
        let ranges = partition(count, into: Swift.max(workers, 1))
        if ranges.count <= 1 { return ranges.map(body) }
        let results = ResultSlots<T>(count: ranges.count)
        DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
            results.store(body(ranges[index]), at: index)
        }
        return results.collect()
    }

    /// Runs `body` once for each range of ``partition(_:into:)`` concurrently.
    public static func forEach(
        rangesOf count: Int, workers: Int = processorCount, _ body: @Sendable (Range<Int>) -> Void
    ) {
        _ = map(rangesOf: count, workers: workers, body)
    }
}

/// One write-once slot per task; each task writes only its own index, and `collect` runs after all of them
/// have finished (`concurrentPerform` returns only then), so no two threads touch one slot.
private final class ResultSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    func store(_ value: T, at index: Int) { slots[index] = value }

    func collect() -> [T] { (0..<count).map { slots[$0]! } }
}
