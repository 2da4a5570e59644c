import Foundation

/// Results of work spread over threads: one slot per task, each written once by its own task, read together
/// once every task has finished. Member codes (a part of the ids per core) and the report's sections (one per
/// core) use it.
final class ThreadSlots<Value>: @unchecked Sendable {
    private var values: [Value]
    private let lock = NSLock()

    init(repeating value: Value, count: Int) { values = Array(repeating: value, count: count) }

    func set(_ index: Int, _ value: Value) { lock.withLock { values[index] = value } }

    var all: [Value] { lock.withLock { values } }
}
