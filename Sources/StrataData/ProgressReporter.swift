import Synchronization

/// How far long work has got, for whatever display the caller chooses: the command line draws a bar on a
/// terminal and writes a line every few seconds otherwise (`Sources/strata/ProgressDisplay.swift`).
///
/// Library code names its stages and counts their units; it never prints. ``silent`` reports nowhere, so a
/// caller that does not care passes nothing. Stages may be advanced from several threads at once.
public struct ProgressReporter: Sendable {
    public typealias Handler = @Sendable (ProgressEvent) -> Void

    private let handler: Handler?

    /// Reports each event to `handler` (on the thread that made it).
    public init(_ handler: @escaping Handler) { self.handler = handler }

    private init() { handler = nil }

    /// Reports nowhere.
    public static let silent = ProgressReporter()

    /// Begins a stage: `title` says what is being done ("reading appointments.csv", "cross-validation"),
    /// `total` how many `unit`s it will take when that is known (e.g. 5 folds), so a display can show a bar,
    /// a rate and the time left.
    public func stage(_ title: String, total: Int? = nil, unit: String = "") -> ProgressStage {
        let stage = ProgressStage(title: title, total: total, unit: unit, handler: handler)
        handler?(ProgressEvent(kind: .began, title: title, done: 0, total: total, unit: unit))
        return stage
    }

    /// Runs `work` as one stage of unknown length, ending the stage however `work` ends.
    public func stage<T>(_ title: String, _ work: () throws -> T) rethrows -> T {
        let stage = stage(title)
        defer { stage.finish() }
        return try work()
    }
}

/// Stages announced one after another by name (a callback such as a refresh's `progress`): each begun stage
/// ends when the next begins, or at ``finish()``.
public final class ProgressSteps: Sendable {
    private let reporter: ProgressReporter
    private let current = Mutex<ProgressStage?>(nil)

    public init(_ reporter: ProgressReporter) { self.reporter = reporter }

    /// Ends the stage in progress and begins `title`.
    public func begin(_ title: String) {
        let next = reporter.stage(title)
        current.withLock { stage in
            stage?.finish()
            stage = next
        }
    }

    /// Ends the stage in progress.
    public func finish() { current.withLock { $0?.finish(); $0 = nil } }
}

/// One report of a ``ProgressReporter``.
public struct ProgressEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case began, advanced, ended }

    public var kind: Kind
    public var title: String
    /// Units done so far in this stage.
    public var done: Int
    public var total: Int?
    public var unit: String

    public init(kind: Kind, title: String, done: Int, total: Int?, unit: String) {
        self.kind = kind
        self.title = title
        self.done = done
        self.total = total
        self.unit = unit
    }
}

/// A stage begun by ``ProgressReporter/stage(_:total:unit:)``: advance it as units get done, finish it once.
public final class ProgressStage: Sendable {
    public let title: String
    public let total: Int?
    public let unit: String
    private let handler: ProgressReporter.Handler?
    private let done = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)

    init(title: String, total: Int?, unit: String, handler: ProgressReporter.Handler?) {
        self.title = title
        self.total = total
        self.unit = unit
        self.handler = handler
    }

    /// Counts `units` more done (safe from any thread).
    public func advance(by units: Int = 1) {
        let now = done.add(units, ordering: .relaxed).newValue
        handler?(ProgressEvent(kind: .advanced, title: title, done: now, total: total, unit: unit))
    }

    /// Ends the stage; later calls do nothing.
    public func finish() {
        guard !finished.exchange(true, ordering: .relaxed) else { return }
        handler?(ProgressEvent(kind: .ended, title: title, done: done.load(ordering: .relaxed), total: total, unit: unit))
    }
}
