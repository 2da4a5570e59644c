/// Type-checks a ``RuleExpression`` against a ``SegmentFrame`` and compiles it to a closure per node.
struct RuleBinder {
    typealias Evaluator = @Sendable (Int) -> RuleValue?

    let rule: String
    let frame: SegmentFrame

    private func fail(_ location: RuleSourceLocation, _ message: String) -> RuleError {
        RuleError(rule: rule, location: location, message: message)
    }

    func bind(_ expression: RuleExpression) throws(RuleError) -> (RuleType, Evaluator) {
        switch expression {
        case let .number(value, _): return (.number, { _ in .number(value) })
        case let .duration(value, _): return (.duration, { _ in .duration(value) })
        case let .date(days, _): return (.date, { _ in .date(days) })
        case let .text(value, _): return (.text, { _ in .text(value) })
        case let .flag(value, _): return (.flag, { _ in .flag(value) })
        case .asOf:
            let day = frame.asOfDay
            return (.date, { _ in .date(day) })
        case let .field(name, location):
            return try bindField(name, location)
        case let .list(items, location):
            return try bindList(items, location)
        case let .arithmetic(op, lhs, rhs, location):
            return try bindArithmetic(op, lhs, rhs, location)
        case let .comparison(op, lhs, rhs, location):
            return try bindComparison(op, lhs, rhs, location)
        case let .membership(element, list, negated, location):
            let (elementType, elementValue) = try bind(element)
            let (listType, listValue) = try bind(list)
            if case let .list(itemType) = listType, itemType != elementType {
                throw fail(location, "'in' compares \(elementType.words) with a list of \(itemType.words)")
            }
            return (.flag, { i in
                guard let e = elementValue(i), case let .list(items)? = listValue(i) else { return nil }
                return .flag(items.contains(e) != negated)
            })
        case let .between(value, low, high, location):
            let (type, v) = try bind(value)
            let (lowType, lo) = try bind(low)
            let (highType, hi) = try bind(high)
            guard type == .number || type == .date, lowType == type, highType == type else {
                throw fail(location, "'between' needs three numbers or three dates, found \(type.words), \(lowType.words) and \(highType.words)")
            }
            return (.flag, { i in
                guard let x = v(i), let a = lo(i), let b = hi(i) else { return nil }
                return .flag(Self.order(a, x) <= 0 && Self.order(x, b) <= 0)
            })
        case let .contains(list, element, location):
            let (listType, listValue) = try bind(list)
            let (elementType, elementValue) = try bind(element)
            guard case let .list(itemType) = listType else {
                throw fail(list.location, "'contains' needs a list on its left (services, conditions, interests), found \(listType.words)")
            }
            guard itemType == elementType else {
                throw fail(location, "a list of \(itemType.words) cannot contain \(elementType.words)")
            }
            return (.flag, { i in
                guard case let .list(items)? = listValue(i), let e = elementValue(i) else { return nil }
                return .flag(items.contains(e))
            })
        case let .missing(value, negated, _):
            let (_, v) = try bind(value)
            return (.flag, { i in .flag((v(i) == nil) != negated) })
        case let .not(operand, location):
            let (type, v) = try bind(operand)
            guard type == .flag else { throw fail(location, "'not' needs a yes/no test, found \(type.words)") }
            return (.flag, { i in
                guard case let .flag(b)? = v(i) else { return nil }
                return .flag(!b)
            })
        case let .and(lhs, rhs), let .or(lhs, rhs):
            let isAnd: Bool
            if case .and = expression { isAnd = true } else { isAnd = false }
            let (leftType, l) = try bind(lhs)
            let (rightType, r) = try bind(rhs)
            for (type, side) in [(leftType, lhs), (rightType, rhs)] where type != .flag {
                throw fail(side.location, "'\(isAnd ? "and" : "or")' joins yes/no tests, but this is \(type.words)")
            }
            // Kleene logic: the deciding value wins over unknown.
            return (.flag, { i in
                let a = l(i).flatMap { if case let .flag(b) = $0 { b } else { nil } }
                if a == !isAnd { return .flag(!isAnd) }
                let b = r(i).flatMap { if case let .flag(b) = $0 { b } else { nil } }
                if b == !isAnd { return .flag(!isAnd) }
                guard a != nil, b != nil else { return nil }
                return .flag(isAnd)
            })
        }
    }

    private func bindField(_ name: String, _ location: RuleSourceLocation) throws(RuleError) -> (RuleType, Evaluator) {
        guard let column = frame.columns[name] else {
            let suggestion = nearestName(to: name, in: Array(frame.columns.keys))
            throw fail(location, "unknown field '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""))
        }
        switch column {
        case let .number(values): return (.number, { i in values[i].map { .number($0) } })
        case let .text(values): return (.text, { i in values[i].map { .text($0) } })
        case let .date(values): return (.date, { i in values[i].map { .date($0) } })
        case let .flag(values): return (.flag, { i in values[i].map { .flag($0) } })
        case let .list(values): return (.list(.text), { i in .list(values[i].map { .text($0) }) })
        }
    }

    private func bindList(_ items: [RuleExpression], _ location: RuleSourceLocation) throws(RuleError) -> (RuleType, Evaluator) {
        var elementType: RuleType?
        var evaluators: [Evaluator] = []
        for item in items {
            let (type, evaluate) = try bind(item)
            if let elementType, elementType != type {
                throw fail(item.location, "a list holds one kind of value: \(elementType.words) before, \(type.words) here")
            }
            elementType = type
            evaluators.append(evaluate)
        }
        let captured = evaluators
        return (elementType.map { .list($0) } ?? .emptyList, { i in
            var values: [RuleValue] = []
            for evaluate in captured {
                guard let v = evaluate(i) else { continue }  // a missing item matches nothing
                values.append(v)
            }
            return .list(values)
        })
    }

    private func bindArithmetic(_ op: ArithmeticOperator, _ lhs: RuleExpression, _ rhs: RuleExpression,
                                _ location: RuleSourceLocation) throws(RuleError) -> (RuleType, Evaluator) {
        let (leftType, l) = try bind(lhs)
        let (rightType, r) = try bind(rhs)
        let sign = op == .plus ? 1 : -1
        switch (leftType, rightType) {
        case (.number, .number):
            return (.number, { i in
                guard case let .number(a)? = l(i), case let .number(b)? = r(i) else { return nil }
                return .number(a + Double(sign) * b)
            })
        case (.date, .duration):
            return (.date, { i in
                guard case let .date(d)? = l(i), case let .duration(span)? = r(i) else { return nil }
                return .date(RuleCalendar.add(span, sign: sign, to: d))
            })
        case (.date, .date) where op == .minus:
            return (.number, { i in
                guard case let .date(a)? = l(i), case let .date(b)? = r(i) else { return nil }
                return .number(Double(a - b))
            })
        default:
            throw fail(location, "cannot \(op == .plus ? "add" : "subtract") \(rightType.words) \(op == .plus ? "to" : "from") \(leftType.words)")
        }
    }

    private func bindComparison(_ op: ComparisonOperator, _ lhs: RuleExpression, _ rhs: RuleExpression,
                                _ location: RuleSourceLocation) throws(RuleError) -> (RuleType, Evaluator) {
        var (leftType, leftValue) = try bind(lhs)
        var (rightType, rightValue) = try bind(rhs)
        // `days_since_last_visit > 180d`: a number of days compared with a duration in days or weeks.
        for (type, side) in [(leftType, lhs), (rightType, rhs)] where type == .duration {
            guard case let .duration(span, _) = side, span.unit == .days || span.unit == .weeks else {
                throw fail(side.location, "only durations in days (d) or weeks (w) compare with numbers; months and years have no fixed length")
            }
        }
        if leftType == .duration, rightType == .number { (leftType, leftValue) = (.number, Self.durationAsDays(leftValue)) }
        if rightType == .duration, leftType == .number { (rightType, rightValue) = (.number, Self.durationAsDays(rightValue)) }
        let (l, r) = (leftValue, rightValue)
        guard leftType == rightType else {
            throw fail(location, "cannot compare \(leftType.words) with \(rightType.words)")
        }
        let ordered = leftType == .number || leftType == .date
        guard ordered || op == .equal || op == .notEqual else {
            throw fail(location, "'\(op.rawValue)' needs numbers or dates; \(leftType.words) can only be compared with = or !=")
        }
        return (.flag, { i in
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
        })
    }

    private static func durationAsDays(_ evaluate: @escaping Evaluator) -> Evaluator {
        { i in
            guard case let .duration(span)? = evaluate(i) else { return nil }
            return .number(Double(span.amount * (span.unit == .weeks ? 7 : 1)))
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
    private func nearestName(to name: String, in names: [String]) -> String? {
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
