/// A parsed segment rule, e.g. `days_since_last_visit > 180 and churn_score >= 0.6`.
///
/// Evaluation uses three-valued logic: a test on a missing value is *unknown*, `not unknown` is unknown,
/// `false and unknown` is false, `true or unknown` is true, and a patient is in the segment only when the
/// rule is *true*. So `not (last_visit < as_of - 180d)` does not select patients who never visited; ask
/// for them with `last_visit is missing`.
public struct SegmentRule: Sendable, Equatable {
    /// The rule as written.
    public let text: String
    let expression: RuleExpression

    /// Parses `text`.
    /// - Throws: ``RuleError`` naming the column of the first problem, including a rule longer, with more
    ///   tokens or nested deeper than the limits, a duration beyond 10,000 years, a number beyond `Double`,
    ///   and `between` with literal bounds in the wrong order.
    public init(_ text: String) throws(RuleError) {
        self.text = text
        self.expression = try RuleParser.parse(text)
    }

    /// The fields the rule reads, in order of first appearance.
    public var fieldNames: [String] { expression.fieldNames }

    /// The function calls the rule makes (`last_visit_for('mammogram')`), as written, each once.
    public var callTexts: [String] { expression.calls(in: text).map(\.text) }

    /// Each function call bound to `frame`, to show its value in a reason.
    func boundCalls(to frame: SegmentFrame) throws(RuleError) -> [(text: String, evaluate: @Sendable (Int) -> RuleValue?)] {
        let binder = RuleBinder(rule: text, frame: frame)
        var bound: [(text: String, evaluate: @Sendable (Int) -> RuleValue?)] = []
        for (callText, call) in expression.calls(in: text) { bound.append((callText, try binder.bind(call).evaluate)) }
        return bound
    }

    /// The longest rule, in characters. Real rules are a few hundred; a list of a thousand postal codes fits.
    public static let maximumLength = 20_000
    /// The most tokens (names, values, operators and punctuation) a rule may have.
    public static let maximumTokens = 4_000
    /// The most levels of `(`, `[` and `not` a rule may nest. It bounds how deep parsing, binding and
    /// evaluation recurse (chains of `and`, `or`, `+` and `-` do not nest): at this depth they need less
    /// than 256 KiB of stack even in a debug build, half of the 512 KiB a secondary thread gets on macOS.
    /// Hand-written rules rarely nest more than five levels.
    public static let maximumNesting = 16

    /// Checks the rule against the fields of `frame` (names and types) and prepares it for evaluation.
    /// - Throws: ``RuleError`` for an unknown field (suggesting the nearest name) or a type mismatch.
    public func bind(to frame: SegmentFrame) throws(RuleError) -> BoundSegmentRule {
        let binder = RuleBinder(rule: text, frame: frame)
        let bound = try binder.bind(expression)
        guard bound.type == .flag else {
            throw RuleError(rule: text, location: expression.location,
                            message: "a rule must be a yes/no test, but this is \(bound.type.words)")
        }
        return BoundSegmentRule(evaluate: bound.evaluate, notes: binder.notes.messages)
    }
}

/// A rule checked against a frame, ready to evaluate per patient.
public struct BoundSegmentRule: Sendable {
    let evaluate: @Sendable (Int) -> RuleValue?
    /// What the binding noticed without failing: services or conditions the frame's export does not have,
    /// which the rule treats as never seen.
    public let notes: [String]

    /// Whether patient `index` (a row of the frame) satisfies the rule (true, not false or unknown).
    public func matches(_ index: Int) -> Bool {
        if case .flag(true) = evaluate(index) { return true }
        return false
    }

    /// The rows of the frame that satisfy the rule, in order.
    public func members(of frame: SegmentFrame) -> [Int] {
        (0..<frame.patientCount).filter(matches)
    }
}

/// A value during evaluation.
enum RuleValue: Equatable, Sendable {
    case number(Double)
    case text(String)
    case date(Int)
    case duration(RuleDuration)
    case flag(Bool)
    case list([RuleValue])
}

/// The static type of an expression.
indirect enum RuleType: Equatable, Sendable {
    case number, text, date, duration, flag
    case list(RuleType)
    /// An empty list literal, which fits any element type.
    case emptyList

    var words: String {
        switch self {
        case .number: "a number"
        case .text: "text"
        case .date: "a date"
        case .duration: "a duration"
        case .flag: "a yes/no value"
        case let .list(element): "a list of \(element.words)"
        case .emptyList: "an empty list"
        }
    }
}
