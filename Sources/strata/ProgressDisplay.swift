import ArgumentParser
import Dispatch
import Foundation
import StrataData
import Synchronization

/// Shows a ``ProgressReporter``'s stages on standard error: on a terminal, one line redrawn in place (a bar,
/// the rate and the time left when the stage's total is known, the elapsed time otherwise); elsewhere (a log,
/// CI) a plain line every few seconds while a stage runs; nothing with `--quiet` or `--json`.
///
/// `@unchecked Sendable`: everything that changes is behind `state`'s lock; the timer is made in `init` and
/// only cancelled afterwards, which Dispatch allows from any thread.
final class ProgressDisplay: @unchecked Sendable {
    enum Mode: Sendable { case terminal, lines }

    /// What the display knows of the stage in progress.
    struct Stage: Sendable, Equatable {
        var title: String
        var done: Int
        var total: Int?
        var unit: String
        var startedAt: Double
    }

    private struct State {
        var stage: Stage?
        var lastLineAt: Double
        var drawn = false
    }

    let mode: Mode
    /// Seconds between lines in ``Mode/lines``.
    let lineInterval: Double
    private let clock: @Sendable () -> Double
    private let write: @Sendable (String) -> Void
    private let state: Mutex<State>
    private let timer: DispatchSourceTimer?

    /// A display; `ticking` starts a timer that redraws (terminal, 10 per second) or checks whether a line is
    /// due (lines, once a second), so a long stage with no events still shows it is alive.
    init(mode: Mode, lineInterval: Double = 5, ticking: Bool = true,
         clock: @escaping @Sendable () -> Double = { DispatchTime.now().uptimeSeconds },
         write: @escaping @Sendable (String) -> Void = writeToStandardError) {
        self.mode = mode
        self.lineInterval = lineInterval
        self.clock = clock
        self.write = write
        state = Mutex(State(lastLineAt: clock()))
        timer = ticking ? DispatchSource.makeTimerSource(queue: DispatchQueue(label: "strata.progress")) : nil
        if let timer {
            let period = mode == .terminal ? 0.1 : 1.0
            timer.schedule(deadline: .now() + period, repeating: period)
            timer.setEventHandler { [weak self] in self?.tick() }
            timer.resume()
        }
    }

    deinit { timer?.cancel() }

    /// The reporter library calls are given.
    var reporter: ProgressReporter { ProgressReporter { [weak self] event in self?.handle(event) } }

    func handle(_ event: ProgressEvent) {
        let now = clock()
        state.withLock { state in
            switch event.kind {
            case .began:
                state.stage = Stage(title: event.title, done: 0, total: event.total, unit: event.unit, startedAt: now)
            case .advanced:
                if var stage = state.stage, stage.title == event.title {
                    stage.done = max(stage.done, event.done)
                    state.stage = stage
                }
            case .ended:
                if state.stage?.title == event.title { state.stage = nil }
            }
        }
        if mode == .terminal { tick() }
    }

    /// Draws (terminal) or writes a line when one is due (lines).
    func tick() {
        let now = clock()
        let text: String? = state.withLock { state in
            switch mode {
            case .terminal:
                guard let stage = state.stage else {
                    defer { state.drawn = false }
                    return state.drawn ? "\r\u{1B}[2K" : nil
                }
                state.drawn = true
                return "\r\u{1B}[2K" + Self.describe(stage, now: now, bar: true)
            case .lines:
                guard let stage = state.stage, now - state.lastLineAt >= lineInterval else { return nil }
                state.lastLineAt = now
                return Self.describe(stage, now: now, bar: false) + "\n"
            }
        }
        if let text { write(text) }
    }

    /// Stops the timer and clears the terminal line.
    func stop() {
        timer?.cancel()
        state.withLock { $0.stage = nil }
        tick()
    }

    /// One line for `stage`: "cross-validation [#####·····] 2/5 folds, 0.4 folds/s, ~8 s left" when the
    /// total is known, "reading appointments.csv: 12 s" when it is not.
    static func describe(_ stage: Stage, now: Double, bar: Bool) -> String {
        let elapsed = max(now - stage.startedAt, 0)
        guard let total = stage.total, total > 0 else {
            let count = stage.done > 0 ? " \(stage.done) \(stage.unit)," : ""
            return "\(stage.title):\(count) \(duration(elapsed))"
        }
        let done = min(stage.done, total)
        var text = stage.title
        if bar {
            let width = 20, filled = done * width / total
            text += " [" + String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled) + "]"
        }
        text += " \(done)/\(total) \(stage.unit)"
        guard done > 0, elapsed > 0 else { return text + ", \(duration(elapsed))" }
        let rate = Double(done) / elapsed
        let rateText = rate >= 10 ? String(format: "%.0f", rate) : String(format: "%.2g", rate)
        text += ", \(rateText) \(stage.unit)/s"
        if done < total { text += ", ~" + duration(Double(total - done) / rate) + " left" }
        return text
    }

    /// "4 s", "1 min 05 s".
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole < 60 ? "\(whole) s" : String(format: "%d min %02d s", whole / 60, whole % 60)
    }
}

extension DispatchTime {
    var uptimeSeconds: Double { Double(uptimeNanoseconds) / 1e9 }
}

/// `--quiet`, shared by the commands whose work can take long enough to need a sign of life.
struct ProgressOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Show no progress on standard error (--json shows none either).")
    var quiet = false

    /// A display on standard error (silent with `--quiet` or `json`); a stage that ends clears its terminal line,
    /// so results printed after it are not mixed with the bar.
    func start(json: Bool) -> ShownProgress {
        guard !quiet, !json else { return ShownProgress(display: nil) }
        return ShownProgress(display: ProgressDisplay(mode: isatty(2) != 0 ? .terminal : .lines))
    }

    /// Runs `work` with a display on standard error, unless `--quiet` or `json`.
    func run<T>(json: Bool, _ work: (ProgressReporter) throws -> T) rethrows -> T {
        let shown = start(json: json)
        defer { shown.stop() }
        return try work(shown.reporter)
    }
}

/// A command's progress: stages reported to its display, if any; ``stop()`` clears the terminal line.
struct ShownProgress {
    let display: ProgressDisplay?

    var reporter: ProgressReporter { display?.reporter ?? .silent }

    /// Runs `work` as one stage of unknown length.
    func stage<T>(_ title: String, _ work: () throws -> T) rethrows -> T { try reporter.stage(title, work) }

    func stop() { display?.stop() }
}
