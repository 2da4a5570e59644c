import Foundation
import StrataData
import Synchronization
import Testing
@testable import strata

/// A clock and an output the test controls.
private final class Harness: Sendable {
    let now = Mutex<Double>(100)
    let output = Mutex<[String]>([])

    func display(_ mode: ProgressDisplay.Mode) -> ProgressDisplay {
        ProgressDisplay(mode: mode, lineInterval: 5, ticking: false, clock: { self.now.withLock { $0 } },
                        write: { text in self.output.withLock { $0.append(text) } })
    }

    func advanceClock(by seconds: Double) { now.withLock { $0 += seconds } }
    var lines: [String] { output.withLock { $0 } }
}

@Suite("Progress on standard error")
struct ProgressDisplayTests {
    @Test func aStageWithATotalShowsBarRateAndTimeLeft() {
        let stage = ProgressDisplay.Stage(title: "cross-validation", done: 2, total: 5, unit: "folds", startedAt: 0)
        #expect(ProgressDisplay.describe(stage, now: 4, bar: true)
                == "cross-validation [########············] 2/5 folds, 0.5 folds/s, ~6 s left")
        #expect(ProgressDisplay.describe(stage, now: 4, bar: false) == "cross-validation 2/5 folds, 0.5 folds/s, ~6 s left")
    }

    @Test func aStageWithoutATotalShowsElapsedTime() {
        let stage = ProgressDisplay.Stage(title: "reading appointments.csv", done: 0, total: nil, unit: "", startedAt: 0)
        #expect(ProgressDisplay.describe(stage, now: 75.4, bar: true) == "reading appointments.csv: 1 min 15 s")
        #expect(ProgressDisplay.duration(59.4) == "59 s")
    }

    @Test func withoutATerminalALineComesEveryFewSecondsAndOnlyWhileAStageRuns() {
        let harness = Harness()
        let display = harness.display(.lines)
        let stage = display.reporter.stage("fitting", total: 10, unit: "iterations")
        display.tick()
        #expect(harness.lines.isEmpty)  // nothing before the interval has passed
        harness.advanceClock(by: 2)
        stage.advance(by: 4)
        display.tick()
        #expect(harness.lines.isEmpty)
        harness.advanceClock(by: 3)
        display.tick()
        #expect(harness.lines == ["fitting 4/10 iterations, 0.8 iterations/s, ~8 s left\n"])
        harness.advanceClock(by: 1)
        display.tick()
        #expect(harness.lines.count == 1)  // the next one is due 5 s after the last
        stage.finish()
        harness.advanceClock(by: 10)
        display.tick()
        #expect(harness.lines.count == 1)  // no stage, no line
    }

    @Test func onATerminalTheLineIsRedrawnInPlaceAndClearedAtTheEnd() {
        let harness = Harness()
        let display = harness.display(.terminal)
        let stage = display.reporter.stage("reading export")
        harness.advanceClock(by: 3)
        display.tick()
        stage.finish()
        display.stop()
        #expect(harness.lines.first == "\r\u{1B}[2Kreading export: 0 s")
        #expect(harness.lines.contains("\r\u{1B}[2Kreading export: 3 s"))
        #expect(harness.lines.last == "\r\u{1B}[2K")
        #expect(harness.lines.allSatisfy { !$0.contains("\n") })
    }

    @Test func stagesAdvancedFromManyThreadsCountEveryUnit() async {
        let seen = Mutex<Int>(0)
        let reporter = ProgressReporter { event in
            if event.kind == .advanced { seen.withLock { $0 = max($0, event.done) } }
        }
        let stage = reporter.stage("parallel", total: 1000, unit: "rows")
        DispatchQueue.concurrentPerform(iterations: 1000) { _ in stage.advance() }
        stage.finish()
        stage.finish()
        #expect(seen.withLock { $0 } == 1000)
    }

    @Test func quietAndJSONShowNothing() throws {
        let quiet = try ProgressOptions.parse(["--quiet"])
        #expect(quiet.quiet)
        let shown = Mutex<Bool>(false)
        quiet.run(json: false) { reporter in
            let stage = reporter.stage("x", total: 1, unit: "u")
            stage.advance()
            shown.withLock { $0 = stage.title == "x" }
        }
        #expect(shown.withLock { $0 })
        #expect(try ProgressOptions.parse([]).quiet == false)
    }
}
