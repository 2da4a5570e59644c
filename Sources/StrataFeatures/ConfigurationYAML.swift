import Foundation
import Yams

/// Reading the YAML of `strata.yml` so that every problem is an error with its place, never a crash or a
/// silent choice:
/// - a text nested deeper than ``maximumNesting`` is refused before Yams sees it (Yams recurses once per
///   level: ten thousand `[` exhaust the stack);
/// - syntax errors carry libyaml's line and column and a plain sentence;
/// - a key given twice in one mapping is an error at the second one (YAML forbids it; Yams would keep the
///   last silently);
/// - aliases may not expand the document past ``maximumValues`` values or ``maximumNesting`` levels (a
///   "billion laughs" file is a few lines long).
enum ConfigurationYAML {
    /// The deepest nesting of collections accepted; `strata.yml` needs four (`features.columns.X.transforms`).
    static let maximumNesting = 64
    /// The most values (scalars and collections, every use of an alias counted) a document may hold.
    static let maximumValues = 200_000

    /// The document's root node, checked as above; nil for an empty document.
    static func compose(_ text: String, file: String) throws(ConfigurationError) -> Node? {
        if let excess = YAMLNesting.firstExcess(in: text, limit: maximumNesting) {
            throw ConfigurationError(file: file, line: excess.line, column: excess.column,
                                     message: "collections nest more than \(maximumNesting) levels deep here; "
                                         + "strata.yml needs only a few levels")
        }
        let root: Node?
        do {
            root = try Parser(yaml: text, resolver: .basic).singleRoot()
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
        if let root {
            var inspection = Inspection(file: file)
            try inspection.inspect(root, depth: 0)
        }
        return root
    }

    /// The node a decoding error's coding path leads to, as deep as the document goes, for its place.
    /// For an unknown key (see `UnknownKeys`), the key itself.
    static func place(of error: DecodingError, in root: Node) -> Mark? {
        let context: DecodingError.Context
        switch error {
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): context = c
        @unknown default: return root.mark
        }
        var node = root
        var names: [String] = []
        for key in context.codingPath {
            guard let child = child(of: node, key: key) else { break }
            node = child
            names.append(key.stringValue)
        }
        if case .mapping(let mapping) = node, context.debugDescription.hasPrefix("unknown key \"") {
            for key in mapping.keys {
                guard let name = key.scalar?.string else { continue }
                if context.debugDescription.hasPrefix("unknown key \"\((names + [name]).joined(separator: "."))\"") {
                    return key.mark
                }
            }
        }
        return node.mark
    }

    private static func child(of node: Node, key: CodingKey) -> Node? {
        switch node {
        case .mapping(let mapping):
            return mapping.first { $0.key.scalar?.string == key.stringValue }?.value
        case .sequence(let sequence):
            guard let index = key.intValue, sequence.indices.contains(index) else { return nil }
            return sequence[index]
        case .scalar:
            return nil
        }
    }

    /// libyaml's error as a sentence with its place.
    private static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case let .scanner(context, problem, mark, yaml), let .parser(context, problem, mark, yaml),
             let .composer(context, problem, mark, yaml):
            var sentence = "this is not valid YAML: \(problem)"
            if let context { sentence += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))" }
            if problem.contains("cannot start any token"), mark.snippet(from: yaml).contains("\t") {
                sentence += "; indent with spaces, not tabs"
            } else if problem.contains("mapping values are not allowed") {
                sentence += "; a value holding \": \" needs quotes"
            }
            return ConfigurationError(file: file, line: mark.line, column: mark.column, message: sentence)
        case let .reader(problem, offset, value, yaml):
            var message = "this is not readable YAML text: \(problem)"
            if value >= 0 { message += String(format: " (character U+%04X)", value) }
            guard let offset, let place = place(ofOffset: offset, in: yaml) else {
                return ConfigurationError(file: file, message: message)
            }
            return ConfigurationError(file: file, line: place.line, column: place.column, message: message)
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
    }

    /// Line and column (1-based, in Unicode scalars) of a character offset, as libyaml's reader counts.
    private static func place(ofOffset offset: Int, in text: String) -> (line: Int, column: Int)? {
        var line = 1, column = 1, count = 0
        for scalar in text.unicodeScalars {
            if count == offset { return (line, column) }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            count += 1
        }
        return count == offset ? (line, column) : nil
    }

    /// The walk over the composed document: duplicate keys, alias expansion.
    private struct Inspection {
        let file: String
        var values = 0

        mutating func inspect(_ node: Node, depth: Int) throws(ConfigurationError) {
            values += 1
            if values > ConfigurationYAML.maximumValues {
                throw error(at: node.mark, "the document holds more than \(ConfigurationYAML.maximumValues) values "
                                + "once its aliases (*name) are expanded; strata.yml needs far fewer")
            }
            switch node {
            case .scalar:
                return
            case .sequence(let sequence):
                try enter(node, depth: depth)
                for element in sequence { try inspect(element, depth: depth + 1) }
            case .mapping(let mapping):
                try enter(node, depth: depth)
                var firstPlaces: [String: Mark?] = [:]
                for (key, value) in mapping {
                    if let name = key.scalar?.string {
                        if let first = firstPlaces[name] {
                            let earlier = first.map { " (first at line \($0.line), column \($0.column))" } ?? ""
                            throw error(at: key.mark, "the key \"\(name)\" appears twice in the same mapping\(earlier); "
                                            + "give each setting once")
                        }
                        firstPlaces[name] = key.mark
                    }
                    try inspect(key, depth: depth + 1)
                    try inspect(value, depth: depth + 1)
                }
            }
        }

        /// Aliases can nest a collection inside itself many times over without the text being deep.
        private func enter(_ node: Node, depth: Int) throws(ConfigurationError) {
            if depth >= ConfigurationYAML.maximumNesting {
                throw error(at: node.mark, "collections nest more than \(ConfigurationYAML.maximumNesting) levels deep "
                                + "once aliases (*name) are expanded")
            }
        }

        private func error(at mark: Mark?, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: mark?.line, column: mark?.column, message: message)
        }
    }
}
