/// The segment rule language: a small, safe expression language over a patient's features, scores,
/// cluster name and attributes. It is parsed and type-checked, never evaluated as code or turned into SQL.
///
/// ```
/// rule      := or
/// or        := and ("or" and)*
/// and       := not ("and" not)*
/// not       := "not" not | test
/// test      := sum ( ("=" | "==" | "!=" | "<" | "<=" | ">" | ">=") sum
///                  | "not"? "in" list
///                  | "not"? "in" ("top" | "bottom") number "%"
///                  | "between" sum "and" sum
///                  | "contains" sum
///                  | "is" "not"? "missing" )?
/// sum       := atom (("+" | "-") atom)*
/// atom      := number | duration | date | string | "true" | "false" | "as_of" | call | field | "(" or ")" | list
/// call      := name "(" (sum ("," sum)*)? ")"               e.g. last_visit_for('mammogram'), percentile(clv_365d)
/// list      := "[" (sum ("," sum)*)? "]"
/// duration  := number ("d" | "w" | "m" | "y")        e.g. 180d, 6m, 2y
/// date      := YYYY-MM-DD                             e.g. 2024-02-29
/// ```
///
/// The functions a call may name are in `RuleFunctions.swift`: `last_visit_for`, `visits_for`,
/// `condition_onset`, `percentile`. Ranks (`clv_365d in top 10%`, `percentile(total_amount) >= 90`) are
/// over the patients of the frame with a value; `RuleRanks.swift` says how ties count.
///
/// Limits keep a hostile rule from exhausting the stack or the memory: at most
/// ``SegmentRule/maximumLength`` characters, ``SegmentRule/maximumTokens`` tokens and
/// ``SegmentRule/maximumNesting`` levels of `(`, `[` and `not`, and durations of at most 10,000 years.
/// Chains of `and`, `or`, `+` and `-` are kept flat (one node with many operands), so every recursive step
/// (parsing, binding, evaluating, comparing, freeing) goes only as deep as the nesting.
public struct RuleSourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// 1-based column of the first character.
    public let column: Int
    /// How many characters the construct spans.
    public let length: Int

    public var description: String { "column \(column)" }
}

/// A lexical token with where it stands in the rule text.
struct RuleToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case duration(amount: Int, unit: DurationUnit)
        case date(days: Int)
        case string(String)
        case identifier(String)
        case keyword(Keyword)
        case symbol(String)
        case end
    }

    enum Keyword: String, CaseIterable {
        case and, or, not, `in`, between, contains, `is`, missing, `true`, `false`
        case asOf = "as_of"
    }

    let kind: Kind
    let location: RuleSourceLocation
}

/// Units of a duration literal. Days and weeks are exact; months and years are calendar steps from a date
/// (`2024-03-31 - 1m` is `2024-02-29`: the day is clamped to the month's length).
public enum DurationUnit: String, Sendable, Equatable {
    case days = "d", weeks = "w", months = "m", years = "y"

    /// The years the longest duration literal spans.
    public static let maximumYears = 10_000

    /// The largest amount a literal in this unit may have: 10,000 years, which is 25 Gregorian cycles of
    /// 146,097 days (3,652,425 days, exactly 521,775 weeks), 120,000 months. Bounded so that a literal
    /// times its unit and a date plus it can never overflow.
    public var maximumAmount: Int {
        switch self {
        case .days: 3_652_425
        case .weeks: 521_775
        case .months: 120_000
        case .years: Self.maximumYears
        }
    }
}

/// A duration such as `180d` or `6m`.
public struct RuleDuration: Sendable, Equatable {
    public let amount: Int
    public let unit: DurationUnit
}

/// The parsed form of a rule.
indirect enum RuleExpression: Equatable, Sendable {
    case number(Double, RuleSourceLocation)
    case duration(RuleDuration, RuleSourceLocation)
    case date(days: Int, RuleSourceLocation)
    case text(String, RuleSourceLocation)
    case flag(Bool, RuleSourceLocation)
    case asOf(RuleSourceLocation)
    case field(String, RuleSourceLocation)
    /// `name(arguments)`: one of the rule functions.
    case call(String, [RuleExpression], RuleSourceLocation)
    case list([RuleExpression], RuleSourceLocation)
    /// `first ± term ± term ...`, evaluated left to right.
    case sum(RuleExpression, [RuleSumTerm], RuleSourceLocation)
    case comparison(ComparisonOperator, RuleExpression, RuleExpression, RuleSourceLocation)
    case membership(RuleExpression, RuleExpression, negated: Bool, RuleSourceLocation)
    /// `value in top 10%`, `value not in bottom 25%`: the percentage is in (0, 100].
    case rank(RuleExpression, RankDirection, percent: Double, negated: Bool, RuleSourceLocation)
    case between(RuleExpression, RuleExpression, RuleExpression, RuleSourceLocation)
    case contains(RuleExpression, RuleExpression, RuleSourceLocation)
    case missing(RuleExpression, negated: Bool, RuleSourceLocation)
    case not(RuleExpression, RuleSourceLocation)
    /// Two or more yes/no tests, all of which must hold.
    case and([RuleExpression], RuleSourceLocation)
    /// Two or more yes/no tests, one of which must hold.
    case or([RuleExpression], RuleSourceLocation)

    var location: RuleSourceLocation {
        switch self {
        case let .number(_, l), let .duration(_, l), let .date(_, l), let .text(_, l), let .flag(_, l), let .asOf(l),
             let .field(_, l), let .call(_, _, l), let .list(_, l), let .sum(_, _, l), let .comparison(_, _, _, l),
             let .membership(_, _, _, l), let .rank(_, _, _, _, l), let .between(_, _, _, l), let .contains(_, _, l), let .missing(_, _, l),
             let .not(_, l), let .and(_, l), let .or(_, l):
            return l
        }
    }

    /// The field names the expression reads, in order of first appearance.
    var fieldNames: [String] {
        var names: [String] = []
        var seen: Set<String> = []
        func visit(_ e: RuleExpression) {
            if case let .field(name, _) = e, seen.insert(name).inserted { names.append(name) }
            e.children.forEach(visit)
        }
        visit(self)
        return names
    }

    /// The function calls in the expression, in order of appearance (each call text once).
    func calls(in rule: String) -> [(text: String, call: RuleExpression)] {
        var found: [(String, RuleExpression)] = []
        var seen: Set<String> = []
        func visit(_ e: RuleExpression) {
            guard case .call = e else {
                e.children.forEach(visit)
                return
            }
            let text = e.location.text(in: rule, limit: 200)
            if seen.insert(text).inserted { found.append((text, e)) }
        }
        visit(self)
        return found
    }

    /// The expressions directly inside this one, in order of appearance (a call's arguments, a list's items,
    /// a comparison's two sides, ...); none for a field or a literal.
    var children: [RuleExpression] {
        switch self {
        case let .call(_, arguments, _): arguments
        case let .list(items, _), let .and(items, _), let .or(items, _): items
        case let .sum(first, terms, _): [first] + terms.map(\.operand)
        case let .comparison(_, a, b, _), let .membership(a, b, _, _), let .contains(a, b, _): [a, b]
        case let .between(a, b, c, _): [a, b, c]
        case let .missing(a, _, _), let .not(a, _), let .rank(a, _, _, _, _): [a]
        case .field, .number, .duration, .date, .text, .flag, .asOf: []
        }
    }

    /// Whether the expression reads nothing of a patient (no field, no function): the same for everyone.
    var isConstant: Bool {
        switch self {
        case .field, .call: false
        default: children.allSatisfy(\.isConstant)
        }
    }
}

/// One `+ operand` or `- operand` of a sum.
struct RuleSumTerm: Equatable, Sendable {
    let op: ArithmeticOperator
    let operand: RuleExpression
}

enum ArithmeticOperator: String, Sendable { case plus = "+", minus = "-" }

enum ComparisonOperator: String, Sendable {
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// Why a rule was rejected: where (a column of the rule text), what was found, and what was expected.
public struct RuleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule text.
    public let rule: String
    /// Where the problem starts.
    public let location: RuleSourceLocation
    /// What is wrong, in words.
    public let message: String

    /// The message, the rule, and a caret line under the offending part. A long rule is shown as the part
    /// around the problem, with `…` where text is left out.
    public var description: String {
        let (excerpt, column, length) = Self.excerpt(of: rule, at: location)
        let caret = String(repeating: " ", count: column - 1) + String(repeating: "^", count: length)
        return "column \(location.column): \(message)\n  \(excerpt)\n  \(caret)"
    }

    /// Rules up to this many characters are printed whole.
    private static let printedWhole = 120
    /// Characters of context kept on each side of the problem in a longer rule, and the longest underline.
    private static let context = 40, longestCaret = 60

    private static func excerpt(of rule: String, at location: RuleSourceLocation) -> (String, column: Int, length: Int) {
        let length = max(location.length, 1)
        guard rule.count > printedWhole else { return (rule, location.column, length) }
        let characters = Array(rule)
        let shownLength = min(length, longestCaret)
        let start = min(max(location.column - 1 - context, 0), characters.count)
        let end = min(location.column - 1 + shownLength + context, characters.count)
        let lead = start > 0 ? "…" : ""
        let text = lead + String(characters[start..<max(start, end)]) + (end < characters.count ? "…" : "")
        return (text, location.column - start + lead.count, shownLength)
    }
}

extension RuleSourceLocation {
    /// The text of `rule` this location spans, shortened to `limit` characters with `…`.
    func text(in rule: String, limit: Int = 40) -> String {
        let spanned = rule.dropFirst(column - 1).prefix(length)
        return spanned.count > limit ? String(spanned.prefix(limit - 1)) + "…" : String(spanned)
    }
}
