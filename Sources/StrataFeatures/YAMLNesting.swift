/// How deeply the collections of a YAML text nest, found by reading the text itself: Yams (over libyaml)
/// builds and decodes nodes by recursion, one level per nesting level, so ten thousand `[` exhaust the
/// stack before any setting is looked at. ``ConfigurationYAML`` runs this scan first and refuses a text
/// nested deeper than ``ConfigurationYAML/maximumNesting``.
///
/// The scan follows libyaml's tokenizer closely enough to give an upper bound on the nesting of every
/// collection that libyaml would build before its first error:
/// - flow collections (`[`, `{`) count one level each, outside quoted scalars, comments and block scalars;
///   in block context only where a node starts (`key: [`), since a plain scalar may hold brackets;
/// - block collections are tracked as libyaml tracks them, by a stack of indentation columns: a `- `, a
///   `? ` or a simple key's `: ` opens one at its column when that column is deeper than the innermost;
///   each column counts two levels, since a block sequence may sit at its parent mapping's column;
/// - quoted scalars (also over several lines), block scalars (`|`, `>`, with their indentation rules),
///   plain scalars continued on the next line, comments, anchors, tags and document markers are skipped
///   as libyaml skips them.
///
/// Wherever the scan is unsure it counts more, never less: a bound too high only matters for a text
/// nested past the limit, which `strata.yml` never needs (its deepest settings are four levels down).
///
/// - Complexity: O(n) in the length of the text.
enum YAMLNesting {
    /// Where the nesting bound first exceeds `limit`: the bound reached and the 1-based line and column
    /// (counted in Unicode scalars, as libyaml counts them) of the token that opened the level; nil when
    /// the text stays within `limit`.
    static func firstExcess(in text: String, limit: Int) -> (depth: Int, line: Int, column: Int)? {
        var scanner = Scanner(scalars: Array(text.unicodeScalars), limit: limit)
        return scanner.run()
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        let limit: Int

        /// Columns (0-based) of the open block collections, innermost last, strictly increasing.
        var indents: [Int] = []
        var flowDepth = 0
        /// The quote character of a quoted scalar still open at the end of the previous line.
        var openQuote: Unicode.Scalar?
        /// A block scalar whose content lines are being skipped: the indentation of its parent collection
        /// (-1 at the document root) and of its content, once known.
        var blockScalar: (parentIndent: Int, contentIndent: Int?)?
        /// A plain scalar ended the previous line in block context: more indented lines continue it.
        var plainScalarOpen = false
        /// Whether a node may start at the current position (in flow context this carries across lines).
        var atNodeStart = true
        /// The column where the current line's latest node started, the column of a simple key before `: `.
        var nodeColumn: Int?

        var line = 1
        var lineStart = 0
        var excess: (depth: Int, line: Int, column: Int)?

        init(scalars: [Unicode.Scalar], limit: Int) {
            self.scalars = scalars
            self.limit = limit
        }

        var bound: Int { 2 * indents.count + flowDepth }

        mutating func run() -> (depth: Int, line: Int, column: Int)? {
            var position = scalars.first == "\u{FEFF}" ? 1 : 0
            lineStart = position
            while position < scalars.count && excess == nil {
                var end = position
                while end < scalars.count && !Self.isBreak(scalars[end]) { end += 1 }
                scanLine(from: position, to: end)
                if end < scalars.count, scalars[end] == "\r", end + 1 < scalars.count, scalars[end + 1] == "\n" {
                    end += 1
                }
                position = end + 1
                lineStart = position
                line += 1
            }
            return excess
        }

        // MARK: Lines

        mutating func scanLine(from start: Int, to end: Int) {
            var indent = 0
            while start + indent < end && scalars[start + indent] == " " { indent += 1 }
            let content = start + indent
            let isBlank = (content..<end).allSatisfy { Self.isBlank(scalars[$0]) }

            if openQuote != nil {
                scanTokens(from: start, to: end)
                return
            }
            if var scalar = blockScalar {
                if isBlank { return }
                if let contentIndent = scalar.contentIndent {
                    if indent >= contentIndent { return }
                } else if indent > scalar.parentIndent {
                    scalar.contentIndent = indent
                    blockScalar = scalar
                    return
                }
                blockScalar = nil  // a less indented line ends the scalar; it is structure again
            }
            if flowDepth > 0 {
                scanTokens(from: start, to: end)
                return
            }
            if isBlank { return }
            if scalars[content] == "#" {
                plainScalarOpen = false  // a comment line ends a plain scalar
                return
            }
            if indent == 0, let marker = documentMarker(at: start, end: end) {
                indents.removeAll()
                plainScalarOpen = false
                if marker == "." { return }  // `...`: only a comment may follow
                atNodeStart = true
                nodeColumn = nil
                scanTokens(from: start + 3, to: end)
                return
            }
            if indent == 0 && scalars[content] == "%" { return }  // a directive
            if plainScalarOpen && indent > (indents.last ?? -1) {
                // libyaml continues a plain scalar on lines deeper than the innermost block collection.
                atNodeStart = false
                scanTokens(from: content, to: end)
                return
            }
            plainScalarOpen = false
            while let last = indents.last, last > indent { indents.removeLast() }
            atNodeStart = true
            nodeColumn = nil
            scanTokens(from: content, to: end)
        }

        /// `---` or `...` at the start of a line, followed by a blank or the end of the line.
        func documentMarker(at start: Int, end: Int) -> Unicode.Scalar? {
            guard end - start >= 3 else { return nil }
            let first = scalars[start]
            guard first == "-" || first == ".", scalars[start + 1] == first, scalars[start + 2] == first,
                  start + 3 == end || Self.isBlank(scalars[start + 3]) else { return nil }
            return first
        }

        // MARK: Tokens

        mutating func scanTokens(from start: Int, to end: Int) {
            var position = start
            var inPlainScalar = !atNodeStart && flowDepth == 0 && plainScalarOpen
            while position < end && excess == nil {
                let character = scalars[position]
                if let quote = openQuote {
                    if quote == "'" && character == "'" {
                        if position + 1 < end && scalars[position + 1] == "'" { position += 2; continue }
                        openQuote = nil
                    } else if quote == "\"" && character == "\\" {
                        position += 2
                        continue
                    } else if quote == "\"" && character == "\"" {
                        openQuote = nil
                    }
                    position += 1
                    continue
                }
                if Self.isBlank(character) { position += 1; continue }
                if character == "#" && (position == lineStart || Self.isBlank(scalars[position - 1])) {
                    inPlainScalar = false
                    break  // a comment runs to the end of the line
                }
                let column = position - lineStart
                let next: Unicode.Scalar? = position + 1 < end ? scalars[position + 1] : nil
                let blankFollows = next.map(Self.isBlank) ?? true

                if flowDepth > 0 {
                    switch character {
                    case "[", "{":
                        flowDepth += 1
                        check(column: column)
                        atNodeStart = true
                    case "]", "}":
                        flowDepth = max(0, flowDepth - 1)
                        atNodeStart = false
                    case ",":
                        atNodeStart = true
                    case "?" where blankFollows:
                        atNodeStart = true
                    case ":" where blankFollows || next.map(Self.isFlowIndicator) == true:
                        atNodeStart = true
                    case "'" where atNodeStart, "\"" where atNodeStart:
                        openQuote = character
                        atNodeStart = false
                    case "&" where atNodeStart, "!" where atNodeStart:
                        position = endOfProperty(from: position, to: end)
                        continue
                    default:
                        atNodeStart = false
                    }
                    if flowDepth == 0 { inPlainScalar = false }
                    position += 1
                    continue
                }

                // Block context.
                if atNodeStart && nodeColumn == nil { nodeColumn = column }
                switch character {
                case "[" where atNodeStart, "{" where atNodeStart:
                    flowDepth = 1
                    check(column: column)
                    atNodeStart = true
                case "-" where atNodeStart && blankFollows, "?" where atNodeStart && blankFollows:
                    roll(column)
                    atNodeStart = true
                    nodeColumn = nil
                case ":" where blankFollows:
                    roll(nodeColumn ?? column)
                    atNodeStart = true
                    nodeColumn = nil
                    inPlainScalar = false
                case "'" where atNodeStart, "\"" where atNodeStart:
                    openQuote = character
                    atNodeStart = false
                case "|" where atNodeStart, ">" where atNodeStart:
                    startBlockScalar(header: position + 1, end: end)
                    return  // the rest of the header line is indicators and a comment
                case "&" where atNodeStart, "!" where atNodeStart:
                    position = endOfProperty(from: position, to: end)
                    continue
                case "*" where atNodeStart:
                    position = endOfProperty(from: position, to: end)
                    atNodeStart = false
                    continue
                default:
                    if atNodeStart { inPlainScalar = true }
                    atNodeStart = false
                }
                position += 1
            }
            if flowDepth == 0 && openQuote == nil { plainScalarOpen = inPlainScalar }
        }

        /// Opens a block collection at `column` when it is deeper than the innermost, as libyaml's
        /// `roll_indent` does.
        mutating func roll(_ column: Int) {
            guard column > (indents.last ?? -1) else { return }
            indents.append(column)
            check(column: column)
        }

        mutating func check(column: Int) {
            if excess == nil && bound > limit { excess = (bound, line, column + 1) }
        }

        /// A block scalar's header (`|`, `>`, then an optional indentation digit and chomping sign): its
        /// content is the following lines indented past the parent collection.
        mutating func startBlockScalar(header: Int, end: Int) {
            let parent = indents.last ?? -1
            var explicit: Int?
            var position = header
            while position < end, scalars[position] == "+" || scalars[position] == "-" || ("1"..."9").contains(scalars[position]) {
                if let digit = Int(String(scalars[position])) { explicit = digit }
                position += 1
            }
            blockScalar = (parent, explicit.map { max(parent, 0) + $0 })
            atNodeStart = false
        }

        /// The position after an anchor, tag or alias token (up to a blank or a flow indicator).
        func endOfProperty(from start: Int, to end: Int) -> Int {
            var position = start + 1
            while position < end && !Self.isBlank(scalars[position]) && !(flowDepth > 0 && Self.isFlowIndicator(scalars[position])) {
                position += 1
            }
            return position
        }

        static func isBreak(_ character: Unicode.Scalar) -> Bool {
            character == "\n" || character == "\r" || character == "\u{85}" || character == "\u{2028}" || character == "\u{2029}"
        }

        static func isBlank(_ character: Unicode.Scalar) -> Bool { character == " " || character == "\t" }

        static func isFlowIndicator(_ character: Unicode.Scalar) -> Bool {
            character == "," || character == "[" || character == "]" || character == "{" || character == "}"
        }
    }
}
