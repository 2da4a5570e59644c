/// Turns rule text into tokens, then into a ``RuleExpression`` by recursive descent (grammar in
/// `RuleSyntax.swift`). Every error names the column where the problem starts.
struct RuleParser {
    private let text: String
    private let tokens: [RuleToken]
    private var position = 0

    /// Parses a whole rule.
    static func parse(_ text: String) throws(RuleError) -> RuleExpression {
        var parser = try RuleParser(text)
        let expression = try parser.parseOr()
        guard case .end = parser.current.kind else {
            throw parser.error(at: parser.current.location, "unexpected \(parser.describe(parser.current)); expected 'and', 'or' or the end of the rule")
        }
        return expression
    }

    private init(_ text: String) throws(RuleError) {
        self.text = text
        self.tokens = try RuleLexer.tokens(of: text)
    }

    private var current: RuleToken { tokens[position] }

    private mutating func advance() -> RuleToken {
        defer { position = min(position + 1, tokens.count - 1) }
        return tokens[position]
    }

    private func error(at location: RuleSourceLocation, _ message: String) -> RuleError {
        RuleError(rule: text, location: location, message: message)
    }

    private func describe(_ token: RuleToken) -> String {
        switch token.kind {
        case .end: "end of rule"
        case let .keyword(k): "'\(k.rawValue)'"
        case let .symbol(s): "'\(s)'"
        case let .identifier(name): "field '\(name)'"
        case let .number(n): "number \(n)"
        case let .string(s): "text '\(s)'"
        case let .duration(amount, unit): "duration \(amount)\(unit.rawValue)"
        case .date: "a date"
        }
    }

    private mutating func take(_ keyword: RuleToken.Keyword) -> Bool {
        if case .keyword(keyword) = current.kind { _ = advance(); return true }
        return false
    }

    private mutating func take(symbol: String) -> Bool {
        if case .symbol(symbol) = current.kind { _ = advance(); return true }
        return false
    }

    private mutating func expect(symbol: String, closing opener: RuleSourceLocation) throws(RuleError) {
        guard take(symbol: symbol) else {
            throw error(at: current.location, "expected '\(symbol)' to close the one at column \(opener.column), found \(describe(current))")
        }
    }

    mutating func parseOr() throws(RuleError) -> RuleExpression {
        var lhs = try parseAnd()
        while take(.or) { lhs = .or(lhs, try parseAnd()) }
        return lhs
    }

    private mutating func parseAnd() throws(RuleError) -> RuleExpression {
        var lhs = try parseNot()
        while take(.and) { lhs = .and(lhs, try parseNot()) }
        return lhs
    }

    private mutating func parseNot() throws(RuleError) -> RuleExpression {
        let start = current.location
        if take(.not) {
            let operand = try parseNot()
            return .not(operand, span(start, operand.location))
        }
        return try parseTest()
    }

    private mutating func parseTest() throws(RuleError) -> RuleExpression {
        let lhs = try parseSum()
        let start = lhs.location
        if case let .symbol(symbol) = current.kind, let op = ComparisonOperator(rawValue: symbol == "==" ? "=" : symbol) {
            _ = advance()
            let rhs = try parseSum()
            return .comparison(op, lhs, rhs, span(start, rhs.location))
        }
        if case .keyword(.not) = current.kind, case .keyword(.in) = tokens[min(position + 1, tokens.count - 1)].kind {
            _ = advance(); _ = advance()
            let list = try parseList()
            return .membership(lhs, list, negated: true, span(start, list.location))
        }
        if take(.in) {
            let list = try parseList()
            return .membership(lhs, list, negated: false, span(start, list.location))
        }
        if take(.between) {
            let low = try parseSum()
            guard take(.and) else {
                throw error(at: current.location, "expected 'and' in 'between … and …', found \(describe(current))")
            }
            let high = try parseSum()
            return .between(lhs, low, high, span(start, high.location))
        }
        if take(.contains) {
            let element = try parseSum()
            return .contains(lhs, element, span(start, element.location))
        }
        if take(.is) {
            let negated = take(.not)
            let end = current.location
            guard take(.missing) else {
                throw error(at: current.location, "expected 'missing' after 'is\(negated ? " not" : "")', found \(describe(current))")
            }
            return .missing(lhs, negated: negated, span(start, end))
        }
        return lhs
    }

    private mutating func parseSum() throws(RuleError) -> RuleExpression {
        var lhs = try parseAtom()
        while case let .symbol(symbol) = current.kind, let op = ArithmeticOperator(rawValue: symbol) {
            _ = advance()
            let rhs = try parseAtom()
            lhs = .arithmetic(op, lhs, rhs, span(lhs.location, rhs.location))
        }
        return lhs
    }

    private mutating func parseList() throws(RuleError) -> RuleExpression {
        let open = current.location
        guard take(symbol: "[") else {
            throw error(at: current.location, "expected a list such as [\"a\", \"b\"] after 'in', found \(describe(current))")
        }
        var items: [RuleExpression] = []
        if !take(symbol: "]") {
            repeat { items.append(try parseSum()) } while take(symbol: ",")
            let close = current.location
            try expect(symbol: "]", closing: open)
            return .list(items, span(open, close))
        }
        return .list(items, open)
    }

    private mutating func parseAtom() throws(RuleError) -> RuleExpression {
        let token = current
        switch token.kind {
        case let .number(value): _ = advance(); return .number(value, token.location)
        case let .duration(amount, unit): _ = advance(); return .duration(RuleDuration(amount: amount, unit: unit), token.location)
        case let .date(days): _ = advance(); return .date(days: days, token.location)
        case let .string(value): _ = advance(); return .text(value, token.location)
        case let .identifier(name): _ = advance(); return .field(name, token.location)
        case .keyword(.true): _ = advance(); return .flag(true, token.location)
        case .keyword(.false): _ = advance(); return .flag(false, token.location)
        case .keyword(.asOf): _ = advance(); return .asOf(token.location)
        case .symbol("("):
            _ = advance()
            let inner = try parseOr()
            try expect(symbol: ")", closing: token.location)
            return inner
        case .symbol("["):
            return try parseList()
        case .symbol("-"):
            _ = advance()
            if case let .number(value) = current.kind {
                let location = span(token.location, advance().location)
                return .number(-value, location)
            }
            throw error(at: token.location, "'-' must be followed by a number here")
        default:
            throw error(at: token.location, "expected a value (a field, number, text, date or duration), found \(describe(token))")
        }
    }

    private func span(_ start: RuleSourceLocation, _ end: RuleSourceLocation) -> RuleSourceLocation {
        RuleSourceLocation(column: start.column, length: end.column + end.length - start.column)
    }
}

/// Splits rule text into tokens.
enum RuleLexer {
    static func tokens(of text: String) throws(RuleError) -> [RuleToken] {
        let characters = Array(text)
        var tokens: [RuleToken] = []
        var i = 0
        func location(_ start: Int) -> RuleSourceLocation { RuleSourceLocation(column: start + 1, length: i - start) }
        func fail(_ start: Int, _ message: String) -> RuleError {
            RuleError(rule: text, location: RuleSourceLocation(column: start + 1, length: max(i - start, 1)), message: message)
        }
        while i < characters.count {
            let c = characters[i]
            let start = i
            if c.isWhitespace { i += 1; continue }
            if c.isLetter || c == "_" {
                while i < characters.count, characters[i].isLetter || characters[i].isNumber || "_.".contains(characters[i]) { i += 1 }
                let word = String(characters[start..<i])
                if let keyword = RuleToken.Keyword(rawValue: word.lowercased()) {
                    tokens.append(RuleToken(kind: .keyword(keyword), location: location(start)))
                } else {
                    tokens.append(RuleToken(kind: .identifier(word), location: location(start)))
                }
                continue
            }
            if c.isASCII && c.isNumber {
                while i < characters.count, characters[i].isASCII, characters[i].isNumber || characters[i] == "." { i += 1 }
                // YYYY-MM-DD is a date literal.
                if i - start == 4, i + 5 < characters.count + 0, i + 6 <= characters.count,
                   characters[i] == "-", characters[i + 3] == "-",
                   characters[(i + 1)..<(i + 3)].allSatisfy(\.isNumber), characters[(i + 4)..<(i + 6)].allSatisfy(\.isNumber) {
                    i += 6
                    let literal = String(characters[start..<i])
                    guard let days = RuleCalendar.day(fromISO: literal) else {
                        throw fail(start, "'\(literal)' is not a valid date (YYYY-MM-DD)")
                    }
                    tokens.append(RuleToken(kind: .date(days: days), location: location(start)))
                    continue
                }
                let digits = String(characters[start..<i])
                if i < characters.count, let unit = DurationUnit(rawValue: String(characters[i]).lowercased()),
                   i + 1 == characters.count || !(characters[i + 1].isLetter || characters[i + 1].isNumber) {
                    i += 1
                    guard let amount = Int(digits) else { throw fail(start, "a duration needs a whole number, found '\(digits)'") }
                    tokens.append(RuleToken(kind: .duration(amount: amount, unit: unit), location: location(start)))
                    continue
                }
                if i < characters.count, characters[i].isLetter {
                    while i < characters.count, characters[i].isLetter { i += 1 }
                    throw fail(start, "'\(String(characters[start..<i]))' is not a number or a duration (units: d, w, m, y)")
                }
                guard let value = Double(digits) else { throw fail(start, "'\(digits)' is not a number") }
                tokens.append(RuleToken(kind: .number(value), location: location(start)))
                continue
            }
            if c == "\"" || c == "'" {
                i += 1
                var value = ""
                while i < characters.count, characters[i] != c { value.append(characters[i]); i += 1 }
                guard i < characters.count else { throw fail(start, "text starting here has no closing \(c)") }
                i += 1
                tokens.append(RuleToken(kind: .string(value), location: location(start)))
                continue
            }
            let two = i + 1 < characters.count ? String(characters[i...(i + 1)]) : ""
            if ["<=", ">=", "!=", "=="].contains(two) {
                i += 2
                tokens.append(RuleToken(kind: .symbol(two), location: location(start)))
                continue
            }
            if "=<>+-()[],".contains(c) {
                i += 1
                tokens.append(RuleToken(kind: .symbol(String(c)), location: location(start)))
                continue
            }
            i += 1
            throw fail(start, "unexpected character '\(c)'")
        }
        tokens.append(RuleToken(kind: .end, location: RuleSourceLocation(column: characters.count + 1, length: 1)))
        return tokens
    }
}
