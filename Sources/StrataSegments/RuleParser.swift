/// Turns rule text into a ``RuleExpression`` by recursive descent (grammar in `RuleSyntax.swift`), reading
/// tokens as it goes so that the first problem in reading order is the one reported, whether it is a
/// syntax error or a limit. Every error names the column where the problem starts.
struct RuleParser {
    private let text: String
    private var lexer: RuleLexer
    private var current: RuleToken
    /// The token after `current`, once something looked at it.
    private var lookahead: RuleToken?
    /// Levels of `(`, `[` and `not` open at this point.
    private var depth = 0

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
        self.lexer = RuleLexer(text)
        self.current = try lexer.next()
    }

    private mutating func advance() throws(RuleError) -> RuleToken {
        let token = current
        if case .end = token.kind { return token }
        if let next = lookahead {
            current = next
            lookahead = nil
        } else {
            current = try lexer.next()
        }
        return token
    }

    private mutating func peek() throws(RuleError) -> RuleToken {
        if let lookahead { return lookahead }
        let next = try lexer.next()
        lookahead = next
        return next
    }

    /// Opens a level of nesting at `token` (a `(`, `[` or `not`), within ``SegmentRule/maximumNesting``.
    private mutating func enterLevel(at token: RuleToken) throws(RuleError) {
        depth += 1
        guard depth <= SegmentRule.maximumNesting else {
            let opener = if case let .symbol(symbol) = token.kind { symbol } else { "not" }
            throw error(at: token.location, "'\(opener)' opens level \(depth) of nesting; a rule nests at most \(SegmentRule.maximumNesting) levels of '(', '[' and 'not'")
        }
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

    private mutating func take(_ keyword: RuleToken.Keyword) throws(RuleError) -> Bool {
        if case .keyword(keyword) = current.kind { _ = try advance(); return true }
        return false
    }

    private mutating func take(symbol: String) throws(RuleError) -> Bool {
        if case .symbol(symbol) = current.kind { _ = try advance(); return true }
        return false
    }

    private mutating func expect(symbol: String, closing opener: RuleSourceLocation) throws(RuleError) {
        guard try take(symbol: symbol) else {
            throw error(at: current.location, "expected '\(symbol)' to close the one at column \(opener.column), found \(describe(current))")
        }
    }

    mutating func parseOr() throws(RuleError) -> RuleExpression {
        let first = try parseAnd()
        var operands = [first]
        while try take(.or) { operands.append(try parseAnd()) }
        return operands.count == 1 ? first : .or(operands, span(first.location, operands[operands.count - 1].location))
    }

    private mutating func parseAnd() throws(RuleError) -> RuleExpression {
        let first = try parseNot()
        var operands = [first]
        while try take(.and) { operands.append(try parseNot()) }
        return operands.count == 1 ? first : .and(operands, span(first.location, operands[operands.count - 1].location))
    }

    private mutating func parseNot() throws(RuleError) -> RuleExpression {
        let start = current
        guard case .keyword(.not) = start.kind else { return try parseTest() }
        try enterLevel(at: start)
        _ = try advance()
        let operand = try parseNot()
        depth -= 1
        return .not(operand, span(start.location, operand.location))
    }

    // The functions on the recursive path (parseOr ... parseAtom) keep their frames small: each construct
    // and each error message is built in a function of its own, so that the nesting limit bounds the stack
    // used even in a debug build, where every local of a function has its own slot.

    private mutating func parseTest() throws(RuleError) -> RuleExpression {
        let lhs = try parseSum()
        switch current.kind {
        case let .symbol(symbol) where ComparisonOperator(rawValue: symbol == "==" ? "=" : symbol) != nil:
            return try parseComparison(lhs, symbol)
        case .keyword(.not):
            guard case .keyword(.in) = try peek().kind else { return lhs }
            _ = try advance(); _ = try advance()
            if rankDirection() != nil { return try parseRank(lhs, negated: true) }
            return try parseMembership(lhs, negated: true)
        case .keyword(.in):
            _ = try advance()
            if rankDirection() != nil { return try parseRank(lhs, negated: false) }
            return try parseMembership(lhs, negated: false)
        case .keyword(.between):
            _ = try advance()
            return try parseBetween(lhs)
        case .keyword(.contains):
            _ = try advance()
            let element = try parseSum()
            return .contains(lhs, element, span(lhs.location, element.location))
        case .keyword(.is):
            _ = try advance()
            return try parseMissing(lhs)
        default:
            return lhs
        }
    }

    private mutating func parseComparison(_ lhs: RuleExpression, _ symbol: String) throws(RuleError) -> RuleExpression {
        _ = try advance()
        let rhs = try parseSum()
        return .comparison(ComparisonOperator(rawValue: symbol == "==" ? "=" : symbol)!, lhs, rhs, span(lhs.location, rhs.location))
    }

    private mutating func parseMembership(_ lhs: RuleExpression, negated: Bool) throws(RuleError) -> RuleExpression {
        let list = try parseList()
        return .membership(lhs, list, negated: negated, span(lhs.location, list.location))
    }

    /// `top` or `bottom` (in any case) as the current token: a rank follows `in`.
    private func rankDirection() -> RankDirection? {
        guard case let .identifier(word) = current.kind else { return nil }
        return RankDirection(rawValue: word.lowercased())
    }

    /// `top 10%` or `bottom 25%` after `in`: a literal percentage above 0 and at most 100.
    private mutating func parseRank(_ lhs: RuleExpression, negated: Bool) throws(RuleError) -> RuleExpression {
        let direction = rankDirection()!
        _ = try advance()
        let amount = current
        guard case let .number(percent) = amount.kind else {
            throw expected("a percentage such as 10% after '\(direction.rawValue)'")
        }
        _ = try advance()
        let sign = current
        guard case .symbol("%") = sign.kind else { throw expected("'%' after '\(direction.rawValue) \(amount.location.text(in: text))'") }
        _ = try advance()
        guard percent > 0, percent <= 100 else {
            throw error(at: span(amount.location, sign.location),
                        "'\(direction.rawValue)' needs a percentage above 0% and at most 100%, found \(amount.location.text(in: text))%")
        }
        return .rank(lhs, direction, percent: percent, negated: negated, span(lhs.location, sign.location))
    }

    private mutating func parseBetween(_ lhs: RuleExpression) throws(RuleError) -> RuleExpression {
        let low = try parseSum()
        guard try take(.and) else { throw expected("'and' in 'between … and …'") }
        let high = try parseSum()
        try checkLiteralBounds(low, high)
        return .between(lhs, low, high, span(lhs.location, high.location))
    }

    private mutating func parseMissing(_ lhs: RuleExpression) throws(RuleError) -> RuleExpression {
        let negated = try take(.not)
        let end = current.location
        guard try take(.missing) else { throw expected("'missing' after 'is\(negated ? " not" : "")'") }
        return .missing(lhs, negated: negated, span(lhs.location, end))
    }

    /// "expected \(what), found <the current token>", at the current token.
    private func expected(_ what: String) -> RuleError {
        error(at: current.location, "expected \(what), found \(describe(current))")
    }

    /// `age between 60 and 10` selects nobody: bounds written as numbers or dates must be in order. Bounds
    /// that need the as-of date are checked when the rule is bound.
    private func checkLiteralBounds(_ low: RuleExpression, _ high: RuleExpression) throws(RuleError) {
        switch (low, high) {
        case let (.number(a, _), .number(b, _)) where a > b:
            throw error(at: low.location, RuleBinder.reversedBounds(low, high, rule: text, after: false))
        case let (.date(a, _), .date(b, _)) where a > b:
            throw error(at: low.location, RuleBinder.reversedBounds(low, high, rule: text, after: true))
        default:
            return
        }
    }

    private mutating func parseSum() throws(RuleError) -> RuleExpression {
        let first = try parseAtom()
        var terms: [RuleSumTerm] = []
        while case let .symbol(symbol) = current.kind, let op = ArithmeticOperator(rawValue: symbol) {
            _ = try advance()
            terms.append(RuleSumTerm(op: op, operand: try parseAtom()))
        }
        guard let last = terms.last else { return first }
        return .sum(first, terms, span(first.location, last.operand.location))
    }

    private mutating func parseList() throws(RuleError) -> RuleExpression {
        let open = current
        guard case .symbol("[") = open.kind else { throw expected("a list such as [\"a\", \"b\"] after 'in'") }
        try enterLevel(at: open)
        _ = try advance()
        var items: [RuleExpression] = []
        if try !take(symbol: "]") {
            repeat { items.append(try parseSum()) } while try take(symbol: ",")
            let close = current.location
            try expect(symbol: "]", closing: open.location)
            depth -= 1
            return .list(items, span(open.location, close))
        }
        depth -= 1
        return .list(items, open.location)
    }

    private mutating func parseAtom() throws(RuleError) -> RuleExpression {
        switch current.kind {
        case .symbol("("): return try parseParenthesized()
        case .symbol("["): return try parseList()
        default: return try parseValue()
        }
    }

    private mutating func parseParenthesized() throws(RuleError) -> RuleExpression {
        let open = current
        try enterLevel(at: open)
        _ = try advance()
        let inner = try parseOr()
        try expect(symbol: ")", closing: open.location)
        depth -= 1
        return inner
    }

    /// A value that holds no other expression: a literal, a field, `as_of`, or a negative number.
    private mutating func parseValue() throws(RuleError) -> RuleExpression {
        let token = current
        let value: RuleExpression
        switch token.kind {
        case let .number(number): value = .number(number, token.location)
        case let .duration(amount, unit): value = .duration(RuleDuration(amount: amount, unit: unit), token.location)
        case let .date(days): value = .date(days: days, token.location)
        case let .string(text): value = .text(text, token.location)
        case let .identifier(name):
            if case .symbol("(") = try peek().kind { return try parseCall(name) }
            value = .field(name, token.location)
        case .keyword(.true): value = .flag(true, token.location)
        case .keyword(.false): value = .flag(false, token.location)
        case .keyword(.asOf): value = .asOf(token.location)
        case .symbol("-"): return try parseNegativeNumber()
        default: throw error(at: token.location, "expected a value (a field, number, text, date or duration), found \(describe(token))")
        }
        _ = try advance()
        return value
    }

    /// `name(argument, ...)`; the opening parenthesis counts as a level of nesting.
    private mutating func parseCall(_ name: String) throws(RuleError) -> RuleExpression {
        let start = try advance().location
        let open = current
        try enterLevel(at: open)
        _ = try advance()
        var arguments: [RuleExpression] = []
        if case .symbol(")") = current.kind {} else {
            repeat { arguments.append(try parseSum()) } while try take(symbol: ",")
        }
        let close = current.location
        try expect(symbol: ")", closing: open.location)
        depth -= 1
        return .call(name, arguments, span(start, close))
    }

    private mutating func parseNegativeNumber() throws(RuleError) -> RuleExpression {
        let minus = try advance()
        guard case let .number(value) = current.kind else {
            throw error(at: minus.location, "'-' must be followed by a number here")
        }
        return .number(-value, span(minus.location, try advance().location))
    }

    private func span(_ start: RuleSourceLocation, _ end: RuleSourceLocation) -> RuleSourceLocation {
        RuleSourceLocation(column: start.column, length: end.column + end.length - start.column)
    }
}

/// Splits rule text into tokens, one at a time, within ``SegmentRule/maximumLength`` characters and
/// ``SegmentRule/maximumTokens`` tokens. It keeps only the first `maximumLength + 1` characters, so an
/// enormous rule costs no more than a long one.
struct RuleLexer {
    private let text: String
    private let characters: [Character]
    private var i = 0
    private var count = 0

    init(_ text: String) {
        self.text = text
        self.characters = Array(text.prefix(SegmentRule.maximumLength + 1))
    }

    /// The next token, or `.end` (again and again) once the text is read.
    mutating func next() throws(RuleError) -> RuleToken {
        while i < characters.count, characters[i].isWhitespace { i += 1 }
        let limit = SegmentRule.maximumLength
        if i >= limit, characters.count > limit { throw tooLong() }
        guard i < characters.count else {
            return RuleToken(kind: .end, location: RuleSourceLocation(column: characters.count + 1, length: 1))
        }
        count += 1
        guard count <= SegmentRule.maximumTokens else {
            throw RuleError(rule: text, location: RuleSourceLocation(column: i + 1, length: 1), message:
                "the rule has more than \(SegmentRule.maximumTokens) tokens (names, values and operators), the limit")
        }
        // A token running past the last character kept is cut short: the length is the problem, not the token.
        let token: RuleToken
        do { token = try scan() } catch {
            throw i > limit ? tooLong() : error
        }
        if i > limit { throw tooLong() }
        return token
    }

    private func tooLong() -> RuleError {
        RuleError(rule: text, location: RuleSourceLocation(column: SegmentRule.maximumLength + 1, length: 1),
                  message: "the rule is longer than \(SegmentRule.maximumLength) characters, the limit")
    }

    private func location(_ start: Int) -> RuleSourceLocation { RuleSourceLocation(column: start + 1, length: i - start) }

    private func fail(_ start: Int, _ message: String) -> RuleError {
        RuleError(rule: text, location: RuleSourceLocation(column: start + 1, length: max(i - start, 1)), message: message)
    }

    /// Reads one token starting at a character that is not whitespace.
    private mutating func scan() throws(RuleError) -> RuleToken {
        let c = characters[i]
        let start = i
        if c.isLetter || c == "_" {
            while i < characters.count, characters[i].isLetter || characters[i].isNumber || "_.".contains(characters[i]) { i += 1 }
            let word = String(characters[start..<i])
            if let keyword = RuleToken.Keyword(rawValue: word.lowercased()) {
                return RuleToken(kind: .keyword(keyword), location: location(start))
            }
            return RuleToken(kind: .identifier(word), location: location(start))
        }
        if c.isASCII && c.isNumber {
            return try scanNumber(from: start)
        }
        if c == "\"" || c == "'" {
            i += 1
            var value = ""
            while i < characters.count, characters[i] != c { value.append(characters[i]); i += 1 }
            guard i < characters.count else { throw fail(start, "text starting here has no closing \(c)") }
            i += 1
            return RuleToken(kind: .string(value), location: location(start))
        }
        let two = i + 1 < characters.count ? String(characters[i...(i + 1)]) : ""
        if ["<=", ">=", "!=", "=="].contains(two) {
            i += 2
            return RuleToken(kind: .symbol(two), location: location(start))
        }
        if "=<>+-()[],%".contains(c) {
            i += 1
            return RuleToken(kind: .symbol(String(c)), location: location(start))
        }
        i += 1
        throw fail(start, "unexpected character '\(c)'")
    }

    /// A number, a duration (`180d`) or a date (`2024-02-29`), each checked to be in range.
    private mutating func scanNumber(from start: Int) throws(RuleError) -> RuleToken {
        while i < characters.count, characters[i].isASCII, characters[i].isNumber || characters[i] == "." { i += 1 }
        // YYYY-MM-DD is a date literal.
        if i - start == 4, i + 6 <= characters.count,
           characters[i] == "-", characters[i + 3] == "-",
           characters[(i + 1)..<(i + 3)].allSatisfy(\.isNumber), characters[(i + 4)..<(i + 6)].allSatisfy(\.isNumber) {
            i += 6
            let literal = String(characters[start..<i])
            guard let days = RuleCalendar.day(fromISO: literal) else {
                throw fail(start, "'\(literal)' is not a valid date (YYYY-MM-DD)")
            }
            return RuleToken(kind: .date(days: days), location: location(start))
        }
        let digits = String(characters[start..<i])
        if i < characters.count, let unit = DurationUnit(rawValue: String(characters[i]).lowercased()),
           i + 1 == characters.count || !(characters[i + 1].isLetter || characters[i + 1].isNumber) {
            i += 1
            guard !digits.contains(".") else { throw fail(start, "a duration needs a whole number, found '\(digits)'") }
            // Digits only, so `Int` fails only when the amount is beyond `Int.max`: out of range as well.
            guard let amount = Int(digits), amount <= unit.maximumAmount else {
                let literal = Self.shortened(digits) + String(characters[i - 1])
                throw fail(start, "duration \(literal) is out of range: at most \(unit.maximumAmount)\(unit.rawValue) (\(DurationUnit.maximumYears) years)")
            }
            return RuleToken(kind: .duration(amount: amount, unit: unit), location: location(start))
        }
        if i < characters.count, characters[i].isLetter {
            while i < characters.count, characters[i].isLetter { i += 1 }
            throw fail(start, "'\(Self.shortened(String(characters[start..<i])))' is not a number or a duration (units: d, w, m, y)")
        }
        guard let value = Double(digits) else { throw fail(start, "'\(Self.shortened(digits))' is not a number") }
        guard value.isFinite else {
            throw fail(start, "the number \(digits.prefix(10))… (\(digits.filter(\.isNumber).count) digits) is out of range")
        }
        return RuleToken(kind: .number(value), location: location(start))
    }

    /// Literal text for a message: whole up to 30 characters, else its start and `…`.
    private static func shortened(_ literal: String) -> String {
        literal.count > 30 ? literal.prefix(29) + "…" : literal
    }
}
