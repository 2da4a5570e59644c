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
///                  | "between" sum "and" sum
///                  | "contains" sum
///                  | "is" "not"? "missing" )?
/// sum       := atom (("+" | "-") atom)*
/// atom      := number | duration | date | string | "true" | "false" | "as_of" | field | "(" or ")" | list
/// list      := "[" (sum ("," sum)*)? "]"
/// duration  := number ("d" | "w" | "m" | "y")        e.g. 180d, 6m, 2y
/// date      := YYYY-MM-DD                             e.g. 2024-02-29
/// ```
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
    case list([RuleExpression], RuleSourceLocation)
    case arithmetic(ArithmeticOperator, RuleExpression, RuleExpression, RuleSourceLocation)
    case comparison(ComparisonOperator, RuleExpression, RuleExpression, RuleSourceLocation)
    case membership(RuleExpression, RuleExpression, negated: Bool, RuleSourceLocation)
    case between(RuleExpression, RuleExpression, RuleExpression, RuleSourceLocation)
    case contains(RuleExpression, RuleExpression, RuleSourceLocation)
    case missing(RuleExpression, negated: Bool, RuleSourceLocation)
    case not(RuleExpression, RuleSourceLocation)
    case and(RuleExpression, RuleExpression)
    case or(RuleExpression, RuleExpression)

    var location: RuleSourceLocation {
        switch self {
        case let .number(_, l), let .duration(_, l), let .date(_, l), let .text(_, l), let .flag(_, l), let .asOf(l),
             let .field(_, l), let .list(_, l), let .arithmetic(_, _, _, l), let .comparison(_, _, _, l),
             let .membership(_, _, _, l), let .between(_, _, _, l), let .contains(_, _, l), let .missing(_, _, l),
             let .not(_, l):
            return l
        case let .and(lhs, rhs), let .or(lhs, rhs):
            return RuleSourceLocation(column: lhs.location.column,
                                      length: rhs.location.column + rhs.location.length - lhs.location.column)
        }
    }

    /// The field names the expression reads, in order of first appearance.
    var fieldNames: [String] {
        var names: [String] = []
        func visit(_ e: RuleExpression) {
            switch e {
            case let .field(name, _): if !names.contains(name) { names.append(name) }
            case let .list(items, _): items.forEach(visit)
            case let .arithmetic(_, a, b, _), let .comparison(_, a, b, _), let .membership(a, b, _, _),
                 let .contains(a, b, _), let .and(a, b), let .or(a, b):
                visit(a); visit(b)
            case let .between(a, b, c, _): visit(a); visit(b); visit(c)
            case let .missing(a, _, _), let .not(a, _): visit(a)
            case .number, .duration, .date, .text, .flag, .asOf: break
            }
        }
        visit(self)
        return names
    }
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

    /// The message, the rule, and a caret line under the offending part.
    public var description: String {
        let caret = String(repeating: " ", count: location.column - 1) + String(repeating: "^", count: max(location.length, 1))
        return "column \(location.column): \(message)\n  \(rule)\n  \(caret)"
    }
}
