import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import StrataLinearAlgebra
import Testing

/// Work started beside the caller: its value or its error comes back where it is asked for; idle work runs on a
/// thread of its own at the lowest priority, which the caller's thread keeps its own.
@Suite struct StartedTests {
    struct Failure: Error, Equatable {}

    @Test func aValueAndAnErrorComeBack() throws {
        #expect(try Started { 6 * 7 }.value() == 42)
        #expect(throws: Failure()) { try Started<Int> { throw Failure() }.value() }
        #expect(try Started.idle { "idle" }.value() == "idle")
        #expect(throws: Failure()) { try Started<Int>.idle { throw Failure() }.value() }
    }

    #if os(Linux)
    @Test func idleWorkRunsAtTheLowestPriorityOnItsOwnThread() throws {
        let before = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let inside = try Started.idle { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }.value()
        #expect(inside == 19)
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == before)
    }
    #endif
}
