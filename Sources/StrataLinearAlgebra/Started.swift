import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Work on a thread of its own at the lowest scheduling priority (nice 19, for that thread alone on Linux): it
    /// runs on the cycles the process's other threads leave idle, and the thread ends with it (a pool thread
    /// could not be given its priority back).
    public static func idle(_ work: @escaping @Sendable () throws -> Value) -> Started<Value> {
        Started(nice: 19, work)
    }

    private init(nice: Int32, _ work: @escaping @Sendable () throws -> Value) {
        let thread = Thread {
            #if os(Linux)
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            #endif
            let result = Result { try work() }
            self.lock.withLock { self.result = result }
            self.done.signal()
        }
        thread.start()
    }

    /// The work's result (or its error), once it has finished.
    public func value() throws -> Value {
        done.wait()
        done.signal()  // later calls return at once
        return try lock.withLock { result! }.get()
    }
}
