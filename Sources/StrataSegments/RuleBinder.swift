import StrataData

/// Type-checks a ``RuleExpression`` against a ``SegmentFrame`` and compiles it to a closure per node.
///
/// The closures nest as deep as the expression, which the parser bounds by ``SegmentRule/maximumNesting``;
/// chains (`and`, `or`, sums, lists) are one closure looping over its operands.
struct RuleBinder {
    typealias Evaluator = @Sendable (Int) -> RuleValue?

    /// A bound expression: its type, whether it is a number of days, and how to evaluate it for a patient.
    struct Bound {
        let type: RuleType
        /// A number counted in days (`days_since_last_visit`, `as_of - last_visit`), which compares with a
        /// duration in days or weeks. Other numbers (`age`) do not.
        var countsDays = false
        let evaluate: Evaluator
    }

    let rule: String
    let frame: SegmentFrame
    /// Notes the binding leaves (services and conditions the export does not have).
    let notes = RuleNotes()

    func fail(_ location: RuleSourceLocation, _ message: String) -> RuleError {
        RuleError(rule: rule, location: location, message: message)
    }

    /// Binds `expression`. Each construct is bound in a function of its own so that this one, which every
    /// level of the expression passes through, keeps a small frame even in a debug build.
    func bind(_ expression: RuleExpression) throws(RuleError) -> Bound {
        switch expression {
        case .number, .duration, .date, .text, .flag, .asOf: return bindLiteral(expression)
        case let .field(name, location): return try bindField(name, location)
        case let .call(name, arguments, location): return try bindCall(name, arguments, location)
        case let .list(items, location): return try bindList(items, location)
        case let .sum(first, terms, _): return try bindSum(first, terms)
        case let .comparison(op, lhs, rhs, location): return try bindComparison(op, lhs, rhs, location)
        case let .membership(element, list, negated, location): return try bindMembership(element, list, negated, location)
        case let .rank(value, direction, percent, negated, location):
            return try bindRank(value, direction, percent: percent, negated: negated, location)
        case let .between(value, low, high, location): return try bindBetween(value, low, high, location)
        case let .contains(list, element, location): return try bindContains(list, element, location)
        case let .missing(value, negated, _): return try bindMissing(value, negated)
        case let .not(operand, location): return try bindNot(operand, location)
        case let .and(operands, _): return try bindLogic(operands, isAnd: true)
        case let .or(operands, _): return try bindLogic(operands, isAnd: false)
        }
    }

    private func bindLiteral(_ expression: RuleExpression) -> Bound {
        switch expression {
        case let .number(value, _): return Bound(type: .number) { _ in .number(value) }
        case let .duration(value, _): return Bound(type: .duration) { _ in .duration(value) }
        case let .date(days, _): return Bound(type: .date) { _ in .date(days) }
        case let .text(value, _): return Bound(type: .text) { _ in .text(value) }
        case let .flag(value, _): return Bound(type: .flag) { _ in .flag(value) }
        default:
            let day = Int(frame.asOf.daysSince1970)  // rule dates are `Int` day numbers
            return Bound(type: .date) { _ in .date(day) }
        }
    }

    private func bindMembership(_ element: RuleExpression, _ list: RuleExpression, _ negated: Bool,
                                _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        let (elementType, elementValue) = try unpack(bind(element))
        let (listType, listValue) = try unpack(bind(list))
        if case let .list(itemType) = listType, itemType != elementType {
            throw fail(location, "'in' compares \(elementType.words) with a list of \(itemType.words)")
        }
        return Bound(type: .flag) { i in
            guard let e = elementValue(i), case let .list(items)? = listValue(i) else { return nil }
            return .flag(items.contains(e) != negated)
        }
    }

    private func bindBetween(_ value: RuleExpression, _ low: RuleExpression, _ high: RuleExpression,
                             _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        let (type, v) = try unpack(bind(value))
        let (lowType, lo) = try unpack(bind(low))
        let (highType, hi) = try unpack(bind(high))
        guard type == .number || type == .date, lowType == type, highType == type else {
            throw fail(location, "'between' needs three numbers or three dates, found \(type.words), \(lowType.words) and \(highType.words)")
        }
        // Bounds that read no field are the same for everyone (`as_of - 1y`): out of order, nobody matches.
        if low.isConstant, high.isConstant, let a = lo(0), let b = hi(0), Self.order(a, b) > 0 {
            let literals = [low, high].allSatisfy { if case .number = $0 { true } else if case .date = $0 { true } else { false } }
            let values = " (\(Self.words(a)) is \(type == .date ? "after" : "above") \(Self.words(b)))"
            throw fail(low.location, Self.reversedBounds(low, high, rule: rule, after: type == .date) + (literals ? "" : values))
        }
        return Bound(type: .flag) { i in
            guard let x = v(i), let a = lo(i), let b = hi(i) else { return nil }
            return .flag(Self.order(a, x) <= 0 && Self.order(x, b) <= 0)
        }
    }

    private func bindContains(_ list: RuleExpression, _ element: RuleExpression,
                              _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        let (listType, listValue) = try unpack(bind(list))
        let (elementType, elementValue) = try unpack(bind(element))
        guard case let .list(itemType) = listType else {
            throw fail(list.location, "'contains' needs a list on its left (services, conditions, interests), found \(listType.words)")
        }
        guard itemType == elementType else {
            throw fail(location, "a list of \(itemType.words) cannot contain \(elementType.words)")
        }
        return Bound(type: .flag) { i in
            guard case let .list(items)? = listValue(i), let e = elementValue(i) else { return nil }
            return .flag(items.contains(e))
        }
    }

    private func bindMissing(_ value: RuleExpression, _ negated: Bool) throws(RuleError) -> Bound {
        let v = try bind(value).evaluate
        return Bound(type: .flag) { i in .flag((v(i) == nil) != negated) }
    }

    private func bindNot(_ operand: RuleExpression, _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        let (type, v) = try unpack(bind(operand))
        guard type == .flag else { throw fail(location, "'not' needs a yes/no test, found \(type.words)") }
        return Bound(type: .flag) { i in
            guard case let .flag(b)? = v(i) else { return nil }
            return .flag(!b)
        }
    }

    private func unpack(_ bound: Bound) -> (RuleType, Evaluator) { (bound.type, bound.evaluate) }

    /// `and` / `or` over two or more yes/no tests, in Kleene logic: the deciding value (false for `and`,
    /// true for `or`) wins over unknown.
    private func bindLogic(_ operands: [RuleExpression], isAnd: Bool) throws(RuleError) -> Bound {
        var evaluators: [Evaluator] = []
        var types: [RuleType] = []
        for (k, operand) in operands.enumerated() {
            let bound = try bind(operand)
            evaluators.append(bound.evaluate)
            types.append(bound.type)
            // Errors come in the order a left-nested `(a or b) or c` would give them: a and b, then c.
            guard k >= 1 else { continue }
            for j in (k == 1 ? 0 : k)...k where types[j] != .flag {
                throw fail(operands[j].location, "'\(isAnd ? "and" : "or")' joins yes/no tests, but this is \(types[j].words)")
            }
        }
        let captured = evaluators
        return Bound(type: .flag) { i in
            var unknown = false
            for evaluate in captured {
                guard case let .flag(b)? = evaluate(i) else { unknown = true; continue }
                if b != isAnd { return .flag(b) }
            }
            return unknown ? nil : .flag(isAnd)
        }
    }

    private func bindField(_ name: String, _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        guard let column = frame.columns[name] else {
            precondition(!frame.unbuiltFields.contains(name), "field '\(name)' was not built: the frame was built for rules that do not read it")
            if let reason = frame.absenceReason(name) { throw fail(location, "no field '\(name)': \(reason)") }
            let suggestion = nearestName(to: name, in: Array(frame.columns.keys) + frame.unbuiltFields)
            throw fail(location, "unknown field '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        switch column {
        case let .number(values):
            return Bound(type: .number, countsDays: SegmentFrame.countsDays(name)) { i in values[i].map { .number($0) } }
        case let .text(values): return Bound(type: .text) { i in values[i].map { .text($0) } }
        case let .date(values): return Bound(type: .date) { i in values[i].map { .date($0) } }
        case let .flag(values): return Bound(type: .flag) { i in values[i].map { .flag($0) } }
        case let .list(values): return Bound(type: .list(.text)) { i in .list(values[i].map { .text($0) }) }
        }
    }

    private func bindList(_ items: [RuleExpression], _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        var elementType: RuleType?
        var evaluators: [Evaluator] = []
        for item in items {
            let (type, evaluate) = try unpack(bind(item))
            if let elementType, elementType != type {
                throw fail(item.location, "a list holds one kind of value: \(elementType.words) before, \(type.words) here")
            }
            elementType = type
            evaluators.append(evaluate)
        }
        let captured = evaluators
        return Bound(type: elementType.map { .list($0) } ?? .emptyList) { i in
            var values: [RuleValue] = []
            for evaluate in captured {
                guard let v = evaluate(i) else { continue }  // a missing item matches nothing
                values.append(v)
            }
            return .list(values)
        }
    }

    /// One step of a sum, on the value so far and the next operand.
    private enum SumStep {
        /// number ± number
        case numbers(sign: Double)
        /// date ± duration
        case dateByDuration(sign: Int)
        /// date - date: a number of days
        case daysBetween
    }

    /// `first ± term ± ...`, typed left to right and evaluated in one loop. Date steps that leave the
    /// calendar, and differences beyond `Int`, are unknown rather than a trap.
    private func bindSum(_ first: RuleExpression, _ terms: [RuleSumTerm]) throws(RuleError) -> Bound {
        let start = try bind(first)
        var (type, countsDays) = (start.type, start.countsDays)
        var steps: [(SumStep, Evaluator)] = []
        for term in terms {
            let operand = try bind(term.operand)
            let sign = term.op == .plus ? 1 : -1
            switch (type, operand.type) {
            case (.number, .number):
                steps.append((.numbers(sign: Double(sign)), operand.evaluate))
                countsDays = countsDays || operand.countsDays
            case (.date, .duration):
                steps.append((.dateByDuration(sign: sign), operand.evaluate))
            case (.date, .date) where term.op == .minus:
                steps.append((.daysBetween, operand.evaluate))
                (type, countsDays) = (.number, true)
            default:
                let location = RuleSourceLocation(column: first.location.column,
                                                  length: term.operand.location.column + term.operand.location.length - first.location.column)
                throw fail(location, "cannot \(term.op == .plus ? "add" : "subtract") \(operand.type.words) \(term.op == .plus ? "to" : "from") \(type.words)")
            }
        }
        let (initial, captured) = (start.evaluate, steps)
        return Bound(type: type, countsDays: countsDays) { i in
            guard var value = initial(i) else { return nil }
            for (step, evaluate) in captured {
                guard let operand = evaluate(i) else { return nil }
                switch (step, value, operand) {
                case let (.numbers(sign), .number(a), .number(b)):
                    value = .number(a + sign * b)
                case let (.dateByDuration(sign), .date(day), .duration(span)):
                    guard let moved = RuleCalendar.add(span, sign: sign, to: day) else { return nil }
                    value = .date(moved)
                case let (.daysBetween, .date(a), .date(b)):
                    let (difference, overflow) = a.subtractingReportingOverflow(b)
                    guard !overflow else { return nil }
                    value = .number(Double(difference))
                default:
                    return nil
                }
            }
            return value
        }
    }

    private func bindComparison(_ op: ComparisonOperator, _ lhs: RuleExpression, _ rhs: RuleExpression,
                                _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        var left = try bind(lhs)
        var right = try bind(rhs)
        // `days_since_last_visit > 180d`: a number of days compared with a duration in days or weeks.
        for (bound, side) in [(left, lhs), (right, rhs)] where bound.type == .duration {
            guard case let .duration(span, _) = side, span.unit == .days || span.unit == .weeks else {
                throw fail(side.location, "only durations in days (d) or weeks (w) compare with numbers; months and years have no fixed length")
            }
        }
        if left.type == .duration, right.type == .number {
            try requireDays(right, rhs, comparedWith: lhs, location)
            left = Self.durationAsDays(left)
        }
        if right.type == .duration, left.type == .number {
            try requireDays(left, lhs, comparedWith: rhs, location)
            right = Self.durationAsDays(right)
        }
        let (l, r) = (left.evaluate, right.evaluate)
        guard left.type == right.type else {
            throw fail(location, "cannot compare \(left.type.words) with \(right.type.words)")
        }
        let ordered = left.type == .number || left.type == .date
        guard ordered || op == .equal || op == .notEqual else {
            throw fail(location, "'\(op.rawValue)' needs numbers or dates; \(left.type.words) can only be compared with = or !=")
        }
        return Bound(type: .flag) { i in
            guard let a = l(i), let b = r(i) else { return nil }
            let c = Self.order(a, b)
            switch op {
            case .equal: return .flag(c == 0)
            case .notEqual: return .flag(c != 0)
            case .less: return .flag(c < 0)
            case .lessOrEqual: return .flag(c <= 0)
            case .greater: return .flag(c > 0)
            case .greaterOrEqual: return .flag(c >= 0)
            }
        }
    }

    /// `age > 5d` would read as `age > 5`: only numbers counted in days compare with durations.
    private func requireDays(_ number: Bound, _ side: RuleExpression, comparedWith duration: RuleExpression,
                             _ location: RuleSourceLocation) throws(RuleError) {
        guard !number.countsDays else { return }
        throw fail(location, "'\(side.location.text(in: rule))' is a plain number, not a number of days, so it cannot be compared with the duration \(duration.location.text(in: rule))")
    }

    private static func durationAsDays(_ bound: Bound) -> Bound {
        let evaluate = bound.evaluate
        return Bound(type: .number, countsDays: true) { i in
            guard case let .duration(span)? = evaluate(i) else { return nil }
            let (days, overflow) = span.amount.multipliedReportingOverflow(by: span.unit == .weeks ? 7 : 1)
            return overflow ? nil : .number(Double(days))
        }
    }

    /// The message for `between` bounds in the wrong order, quoting them as written.
    static func reversedBounds(_ low: RuleExpression, _ high: RuleExpression, rule: String, after: Bool) -> String {
        "'between' needs the lower bound first, but \(low.location.text(in: rule)) is \(after ? "after" : "above") \(high.location.text(in: rule))"
    }

    /// A constant value as a message shows it: `60`, `0.5`, `2023-06-30`.
    static func words(_ value: RuleValue) -> String {
        switch value {
        case let .number(x): x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x)
        case let .date(day): RuleCalendar.isoString(day)
        case let .text(t): "'\(t)'"
        case let .flag(b): b ? "true" : "false"
        case let .duration(span): "\(span.amount)\(span.unit.rawValue)"
        case let .list(items): "[" + items.map(words).joined(separator: ", ") + "]"
        }
    }

    /// -1, 0 or 1; values of different kinds never reach here (the binder rejects them).
    static func order(_ a: RuleValue, _ b: RuleValue) -> Int {
        switch (a, b) {
        case let (.number(x), .number(y)): x < y ? -1 : (x > y ? 1 : 0)
        case let (.date(x), .date(y)): x < y ? -1 : (x > y ? 1 : 0)
        case let (.text(x), .text(y)): x < y ? -1 : (x > y ? 1 : 0)
        case let (.flag(x), .flag(y)): x == y ? 0 : (x ? 1 : -1)
        default: a == b ? 0 : 1
        }
    }

    /// The field name closest to `name` by edit distance, when it is close enough to be a likely typo.
    func nearestName(to name: String, in names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(Array(name.lowercased()), Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }),
              best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
