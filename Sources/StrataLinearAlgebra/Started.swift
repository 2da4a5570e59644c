import Dispatch
import Foundation

/// Work started on another thread as the value is made; ``value()`` waits for its result where it is
/// needed. Whoever makes one waits for it on every path (a `defer`), so nothing outlives the call.
public final class Started<Value: Sendable>: @unchecked Sendable {
    private var result: Result<Value, any Error>?
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    public init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async {
            let result = Result { try work() }
            self.lock.withLock { self.result = result }
            self.done.signal()
        }
    }

    /// The work's result (or its error), once it has finished.
    public func value() throws -> Value {
        done.wait()
        done.signal()  // later calls return at once
        return try lock.withLock { result! }.get()
    }
}
