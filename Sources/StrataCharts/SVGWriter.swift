import Foundation

/// A small SVG element writer: attributes and text are escaped, numbers written with two decimals.
struct SVGWriter {
    private(set) var body = ""

    /// An element with `attributes` and, when given, escaped text content.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String? = nil) {
        body += "<\(name)"
        for (key, value) in attributes { body += " \(key)=\"\(Self.escape(value))\"" }
        if let text { body += ">\(Self.escape(text))</\(name)>\n" } else { body += "/>\n" }
    }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        body += "<\(name)"
        for (key, value) in attributes { body += " \(key)=\"\(Self.escape(value))\"" }
        body += ">\n"
    }

    mutating func close(_ name: String) { body += "</\(name)>\n" }

    /// `&`, `<`, `>`, `"` and `'` as entities.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// A coordinate as SVG text: two decimals, no trailing zeros beyond them.
func coordinate(_ value: Double) -> String { String(format: "%.2f", value) }

/// The document around a chart's body: size, role and the accessible title and description.
func svgDocument(identifier: String, width: Double, height: Double, title: String, summary: String,
                 body: (inout SVGWriter) -> Void) -> String {
    var svg = SVGWriter()
    svg.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(coordinate(width)) \(coordinate(height))"),
                     ("width", coordinate(width)), ("height", coordinate(height)), ("role", "img"),
                     ("aria-labelledby", "\(identifier)-title \(identifier)-desc"), ("class", "strata-chart"),
                     ("font-family", "sans-serif"), ("font-size", "11")])
    svg.element("title", [("id", "\(identifier)-title")], text: title)
    svg.element("desc", [("id", "\(identifier)-desc")], text: summary)
    svg.element("rect", [("x", "0"), ("y", "0"), ("width", coordinate(width)), ("height", coordinate(height)), ("fill", "#ffffff")])
    svg.element("text", [("x", "12"), ("y", "20"), ("font-size", "14"), ("font-weight", "bold")], text: title)
    body(&svg)
    svg.close("svg")
    return svg.body
}

/// An identifier usable as an SVG/HTML id: letters, digits and `-` from `text`.
public func chartIdentifier(_ text: String) -> String {
    let kept = text.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    let collapsed = kept.split(separator: "-").joined(separator: "-")
    return "chart-" + (collapsed.isEmpty ? "untitled" : collapsed)
}
