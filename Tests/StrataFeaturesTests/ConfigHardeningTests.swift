import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
import Yams
@testable import StrataFeatures

/// `strata.yml` read as a careless or hostile user writes it (issue 16, rows 6, 7 and 21): numbers out of
/// range, text nested ten thousand levels deep, alias bombs, keys given twice, broken YAML. Each is an
/// error with its line and column, never a trap or a silent choice.
@Suite("strata.yml hardening")
struct ConfigHardeningTests {
    /// Parses `text`, expecting a ConfigurationError; returns it.
    func failure(_ text: String) -> ConfigurationError? {
        do {
            _ = try ProjectConfiguration.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Values of the wrong shape

    @Test func aValueOfTheWrongShapeIsNamedInPlainWordsWithItsPlace() throws {
        let list = try #require(failure("exports:\n  path: [1, 2]\n"))
        #expect(list.line == 2 && list.column == 9)
        #expect(list.message == "exports.path: expected a single value, found a list")
        let mapping = try #require(failure("exports:\n  path: {a: 1}\n"))
        #expect(mapping.message == "exports.path: expected a single value, found a mapping")
    }

    // MARK: Row 6: numbers

    @Test func dayCountsOutOfRangeNameTheKeyTheValueAndThePlace() throws {
        // Int.max used to become a Double column parameter and trap on the way back to Int.
        let huge = try #require(failure("features:\n  frequency: {windows: [90, 9223372036854775807]}\n"))
        #expect(huge.line == 2 && huge.column == 29)
        #expect(huge.message == "features.frequency.windows[1]: frequency window of 9223372036854775807 days; "
                    + "expected a whole number of days from 1 to 36500")
        let zero = try #require(failure("features:\n  upcoming:\n    windows: [0]\n"))
        #expect(zero.line == 3 && zero.message.hasPrefix("features.upcoming.windows[0]: upcoming window of 0 days"))
        let tooLong = try #require(failure("features: {visit_intervals: {due_windows: [36501]}}\n"))
        #expect(tooLong.message.hasPrefix("features.visit_intervals.due_windows[0]: visit_intervals due window of 36501 days"))
        #expect(try ProjectConfiguration.parse("features: {frequency: {windows: [1, 36500]}}\n")
                    .features.frequency.parameters?.windows == [1, 36500])
        // A window names its column (`visits_90d`): the same window twice is a mistake.
        let twice = try #require(failure("features: {frequency: {windows: [90, 90]}}\n"))
        #expect(twice.message == "features.frequency.windows[1]: frequency window of 90 days is listed twice; give each window once")
    }

    @Test func labelHorizonsOutOfRangeAreNamed() throws {
        let horizon = try #require(failure("labels:\n  churn_horizon_days: 9223372036854775807\n"))
        #expect(horizon.line == 2 && horizon.column == 23)
        #expect(horizon.message == "labels.churn_horizon_days: 9223372036854775807 days is out of range; "
                    + "expected a whole number of days from 1 to 36500")
        let window = try #require(failure("labels: {conversion_window_days: -5}\n"))
        #expect(window.message.hasPrefix("labels.conversion_window_days: -5 days is out of range"))
        // Past Int's range Yams cannot read a whole number at all: still an error with a place, not a trap.
        let overflow = try #require(failure("labels: {churn_horizon_days: 99999999999999999999}\n"))
        #expect(overflow.line == 1)
    }

    @Test func priorsCategoriesFillsAndClipsMustBeFinite() throws {
        let weight = try #require(failure("features:\n  attendance: {prior_weight: .inf}\n"))
        #expect(weight.line == 2)
        #expect(weight.message == "features.attendance.prior_weight: inf is out of range; expected a number of "
                    + "pseudo-events > 0 and at most 10000")
        let rate = try #require(failure("features: {engagement: {prior_open_rate: .nan}}\n"))
        #expect(rate.message.hasPrefix("features.engagement.prior_open_rate: nan is out of range"))
        let categories = try #require(failure("features: {services: {max_categories: 9223372036854775807}}\n"))
        #expect(categories.message == "features.services.max_categories: 9223372036854775807 is out of range; "
                    + "expected a whole number from 1 to 1000")
        let fill = try #require(failure("features: {columns: {age_years: {missing: .inf}}}\n"))
        #expect(fill.message.hasPrefix("features.columns.age_years.missing: inf is not a usable fill value"))
        let clip = try #require(failure("features: {columns: {age_years: {transforms: [log1p, 'clip(0,1e400)']}}}\n"))
        #expect(clip.message.hasPrefix("features.columns.age_years.transforms[1]: unknown transform \"clip(0,1e400)\""))
    }

    // MARK: Row 7: nesting and aliases

    @Test func tenThousandNestedBracketsAreAnErrorNotACrash() throws {
        // Yams recursed once per level and overflowed the stack (SIGSEGV).
        let brackets = try #require(failure("models: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)))
        #expect(brackets.line == 1)
        #expect(brackets.message.hasPrefix("collections nest more than 64 levels deep here"))
        #expect(failure(String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)) != nil)
        // Block collections nest as deep in a short line: `- - - - … x`.
        let dashes = try #require(failure("models:\n  " + String(repeating: "- ", count: 10_000) + "x\n"))
        #expect(dashes.line == 2)
        // And by indentation.
        let indented = (0..<200).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n") + " 1\n"
        #expect(failure(indented)?.message.hasPrefix("collections nest more than 64 levels") == true)
    }

    @Test func aliasBombsAndAliasChainsAreRefused() throws {
        // Seven levels of ten uses: ten million values from eight lines.
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...7 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let bomb = try #require(failure("models:\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n"))
        #expect(bomb.message.hasPrefix("the document holds more than 200000 values once its aliases"))
        // Shallow text, deep document: each anchor nests the previous one 30 levels further down.
        var chain = ["models:", "  b0: &b0 1"]
        for level in 1...5 {
            chain.append("  b\(level): &b\(level) " + String(repeating: "[", count: 30) + "*b\(level - 1)" + String(repeating: "]", count: 30))
        }
        let deep = try #require(failure(chain.joined(separator: "\n") + "\n"))
        #expect(deep.message.hasPrefix("collections nest more than 64 levels deep once aliases"))
        // Aliases used sparingly are fine.
        let reused = try ProjectConfiguration.parse("models: {a: &c [email, sms], b: *c}\n")
        #expect(reused.models == .mapping(["a": .list([.string("email"), .string("sms")]), "b": .list([.string("email"), .string("sms")])]))
    }

    // MARK: Row 21: duplicate keys and syntax errors

    @Test func aKeyGivenTwiceIsAnErrorAtTheSecond() throws {
        // Yams kept the last value silently: a horizon of 60 days where the user read 30.
        let top = try #require(failure("labels:\n  churn_horizon_days: 30\n  churn_horizon_days: 60\n"))
        #expect(top == ConfigurationError(file: "strata.yml", line: 3, column: 3,
                                          message: "the key \"churn_horizon_days\" appears twice in the same mapping "
                                              + "(first at line 2, column 3); give each setting once"))
        #expect(failure("features: {standardize: true}\nfeatures: {standardize: false}\n")?.line == 2)
        let nested = try #require(failure("segments:\n  - name: a\n    rule: age > 1\n    rule: age > 2\n"))
        #expect(nested.line == 4 && nested.column == 5)
        // The same key in two different mappings is not a duplicate.
        #expect(failure("models: {a: {x: 1}, b: {x: 2}}\n") == nil)
    }

    @Test func syntaxErrorsHaveLineColumnAndASentence() throws {
        let unclosed = try #require(failure("labels:\n  churn_horizon_days: [30\n"))
        #expect(unclosed.line == 3 && unclosed.column == 1)
        #expect(unclosed.message.hasPrefix("this is not valid YAML: did not find expected ',' or ']'"))
        let colon = try #require(failure("features:\n  frequency: {windows: [30]}\nlabels: a: b\n"))
        #expect(colon.line == 3 && colon.column == 10)
        #expect(colon.message.hasSuffix("a value holding \": \" needs quotes"))
        let tab = try #require(failure("features:\n\tfrequency: true\n"))
        #expect(tab.line == 2 && tab.message.hasSuffix("indent with spaces, not tabs"))
        #expect(tab.description.hasPrefix("strata.yml:2:1: this is not valid YAML"))
        // Decoding errors point at the value: a string where a number belongs.
        let type = try #require(failure("labels:\n  churn_horizon_days: soon\n"))
        #expect(type.line == 2 && type.column == 23)
    }

    @Test func emptyAndCommentOnlyFilesAreTheDefaults() throws {
        #expect(try ProjectConfiguration.parse("") == ProjectConfiguration())
        #expect(try ProjectConfiguration.parse("# nothing yet\n\n") == ProjectConfiguration())
    }

    // MARK: The nesting scan

    /// Texts whose nesting the scan must not overestimate past the limit: brackets in quotes, comments,
    /// block scalars and plain scalars are text.
    @Test func textThatOnlyLooksDeepIsAccepted() throws {
        let manyBrackets = String(repeating: "[", count: 200)
        let texts = [
            "a: '\(manyBrackets)'\n",
            "a: \"\(manyBrackets)\"\n",
            "a: 1 # \(manyBrackets)\n",
            "a: |\n  \(manyBrackets)\n  {{{{\nb: 2\n",
            "a: >-\n    \(manyBrackets)\n\n    more\nb: 2\n",
            "a: plain text with \(manyBrackets) in it\n",
            "a: 'it''s [ quoted\n  over [ lines'\nb: [1, [2, [3]]]\n",
            "a: [\"\(manyBrackets)\", '\(manyBrackets)']\n",
            "- - - - x\n      - y\n",
        ]
        for text in texts {
            #expect(YAMLNesting.firstExcess(in: text, limit: 8) == nil, "\(text)")
            #expect(throws: Never.self) { _ = try ConfigurationYAML.compose(text, file: "t.yml") }
        }
    }

    /// Texts built to slip deep structure past a careless scan: each must be caught.
    @Test func deepStructureBehindLookalikesIsCaught() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let texts = [
            // A quote inside a plain scalar continued on the next line is not a quoted scalar.
            "key: a\n  'b\nother: ['x #', \(deep)]\n",
            // A block scalar's content ends at a line less indented than its first line.
            "- - |\n     text\n  - " + String(repeating: "- ", count: 100) + "x\n",
            // An apostrophe in a plain scalar does not open a quote.
            "a: it's\nb: \(deep)\n",
            // In flow context `:` glued to a scalar is not a value indicator, so no quote starts after it.
            "a: {b:\"\(deep)\"}\n",
            // Carriage returns end lines as newlines do.
            "a: 1\r" + String(repeating: "- ", count: 100) + "x\r",
            // Anchors and tags before a collection.
            "a: &x !!seq \(deep)\n",
        ]
        for text in texts {
            #expect(YAMLNesting.firstExcess(in: text, limit: 64) != nil, "\(text)")
        }
    }

    /// A property over random documents: the scan's bound is never below the true depth (so nothing deeper
    /// than the limit reaches Yams), and at most twice it plus one per flow level (so real files pass).
    @Test func theBoundCoversTheTrueDepthOfRandomDocuments() throws {
        var generator = RandomYAML(seed: 16)
        for _ in 0..<400 {
            let (text, depth) = generator.document()
            // The generator writes valid YAML of exactly that depth.
            let root = try #require(try ConfigurationYAML.compose(text, file: "random.yml"), "\(text)")
            #expect(RandomYAML.depth(of: root) == depth, "\(text)")
            if depth > 0 {
                #expect(YAMLNesting.firstExcess(in: text, limit: depth - 1) != nil, "\(text)")
            }
            #expect(YAMLNesting.firstExcess(in: text, limit: 2 * depth + 1) == nil, "\(text)")
        }
    }
}

/// Random valid YAML documents of known nesting depth, in every style the nesting scan must read: block
/// mappings and sequences (indented, indentless and compact `- - x`), flow collections, plain, quoted and
/// block scalars holding brackets, comments full of brackets.
struct RandomYAML {
    indirect enum Tree {
        case scalar
        case sequence([Tree])
        case mapping([Tree])

        var depth: Int {
            switch self {
            case .scalar: 0
            case .sequence(let children), .mapping(let children): 1 + (children.map(\.depth).max() ?? 0)
            }
        }
    }

    var random: Xoshiro256StarStar

    init(seed: UInt64) { random = Xoshiro256StarStar(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &random) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

    mutating func tree(depth: Int) -> Tree {
        guard depth > 0 else { return .scalar }
        let count = Int.random(in: 1...3, using: &random)
        let deepChild = Int.random(in: 0..<count, using: &random)
        let children = (0..<count).map { $0 == deepChild ? tree(depth: depth - 1) : tree(depth: Int.random(in: 0..<depth, using: &random)) }
        return chance(0.5) ? .sequence(children) : .mapping(children)
    }

    /// A document and its depth.
    mutating func document() -> (text: String, depth: Int) {
        let root = tree(depth: Int.random(in: 1...12, using: &random))
        let lines = chance(0.15) ? [flow(root)] : block(root, indent: 0)
        return (lines.joined(separator: chance(0.1) ? "\r\n" : "\n") + "\n", root.depth)
    }

    // MARK: Scalars

    mutating func flowScalar() -> String {
        pick(["a", "b1", "it's", "x y", "'[{# x: ''y'''", "\"[{#\\\" \\\\ }\"", "'a, [b]'", "\"k: v\""])
    }

    /// A scalar in block context after `key: ` or `- `, with its continuation lines at `indent`.
    mutating func blockScalar(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return ["|", pad + "[[[ {{{ - - x", pad + "# not a comment: [[["]
        case 1: return [">-", pad + "'[[[", "", pad + "\"{{{"]
        case 2: return ["plain [ text 'with' \"quotes\" # and [[[ a comment"]
        case 3: return ["multi line [[[", pad + "  'continued [[["]
        default: return [flowScalar() + (chance(0.5) ? " # [[[ {{{" : "")]
        }
    }

    // MARK: Collections

    mutating func flow(_ tree: Tree) -> String {
        switch tree {
        case .scalar: return flowScalar()
        case .sequence(let children): return "[" + children.map { flow($0) }.joined(separator: ", ") + "]"
        case .mapping(let children):
            var parts: [String] = []
            for (index, child) in children.enumerated() { parts.append("k\(index): " + flow(child)) }
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    /// `tree` as block lines whose first line starts at column `indent`.
    mutating func block(_ tree: Tree, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch tree {
        case .scalar:
            return [pad + flowScalar()]
        case .sequence(let children):
            var lines: [String] = []
            for child in children {
                lines += entry("- ", child, indent: indent, pad: pad)
            }
            return lines
        case .mapping(let children):
            var lines: [String] = []
            for (index, child) in children.enumerated() {
                lines += entry("k\(index):", child, indent: indent, pad: pad)
            }
            return lines
        }
    }

    /// One entry of a block collection at `indent`: `- value` or `kN: value`.
    mutating func entry(_ indicator: String, _ child: Tree, indent: Int, pad: String) -> [String] {
        let isSequenceEntry = indicator == "- "
        switch child {
        case .scalar:
            let lines = blockScalar(indent: indent + 2)
            return [pad + indicator + (isSequenceEntry ? "" : " ") + lines[0]] + lines.dropFirst()
        case .sequence, .mapping:
            if chance(0.15) { return [pad + indicator + (isSequenceEntry ? "" : " ") + flow(child)] }
            if isSequenceEntry && chance(0.5) {
                // Compact: the nested collection starts on the entry's line.
                var nested = block(child, indent: indent + 2)
                nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                return nested
            }
            if !isSequenceEntry, case .sequence = child, chance(0.5) {
                // Indentless: a sequence at its key's column.
                return [pad + indicator] + block(child, indent: indent)
            }
            return [pad + indicator.trimmingCharacters(in: .whitespaces) + (chance(0.3) ? " # [[[" : "")]
                + block(child, indent: indent + 2)
        }
    }

    /// The depth of a composed document.
    static func depth(of node: Node) -> Int {
        switch node {
        case .scalar: 0
        case .sequence(let sequence): 1 + (sequence.map { depth(of: $0) }.max() ?? 0)
        case .mapping(let mapping): 1 + (mapping.map { max(depth(of: $0.key), depth(of: $0.value)) }.max() ?? 0)
        }
    }
}
