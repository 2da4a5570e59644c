/// The report as one self-contained HTML page: inline CSS and SVG, no scripts, no links out, so it opens
/// from disk in any browser.
public enum HTMLWriter {
    public static func page(_ report: Report) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(report.title))</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 980px; color: #1a1a1a; padding: 0 1rem; }
            h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .3rem; margin-top: 2.5rem; }
            figure { margin: 1.5rem 0; overflow-x: auto; } figcaption { color: #555; font-size: .9rem; }
            table { border-collapse: collapse; margin: 1rem 0; font-size: .9rem; }
            th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: right; } th { background: #f4f4f4; }
            td:first-child, th:first-child { text-align: left; }
            .note { color: #555; font-size: .9rem; } nav a { margin-right: 1rem; }
            </style>
            </head>
            <body>
            <h1>\(escape(report.title))</h1>
            <p class="note">\(escape(report.subtitle))</p>
            <nav>\(report.sections.map { "<a href=\"#\(escape($0.id))\">\(escape($0.title))</a>" }.joined())</nav>

            """
        for section in report.sections {
            html += "<section id=\"\(escape(section.id))\">\n<h2>\(escape(section.title))</h2>\n"
            for paragraph in section.reading { html += "<p>\(escape(paragraph))</p>\n" }
            for block in section.blocks {
                switch block {
                case let .figure(figure):
                    html += "<figure>\n\(figure.svg)<figcaption>\(escape(figure.caption)) Data: <code>\(escape(figure.aggregate.relativePath))</code></figcaption>\n"
                        + "<details><summary>The numbers</summary>\n\(Self.table(figure.aggregate, caption: nil))</details>\n</figure>\n"
                case let .table(table):
                    html += Self.table(table.aggregate, caption: table.caption)
                }
            }
            html += "</section>\n"
        }
        html += "<p class=\"note\">Written by strata report. Charts are drawn from the CSV files in aggregates/.</p>\n</body>\n</html>\n"
        return html
    }

    /// An aggregate as an HTML table with a caption.
    public static func table(_ aggregate: Aggregate, caption: String?) -> String {
        var html = "<table>\n"
        if let caption { html += "<caption>\(escape(caption))</caption>\n" }
        html += "<thead><tr>" + aggregate.columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in aggregate.rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return html + "</tbody>\n</table>\n"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
