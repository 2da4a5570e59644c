/// A report: a title, what it covers, and its sections in order. Everything in it is already suppressed
/// and formatted: the writers only lay it out.
public struct Report: Sendable {
    public var title: String
    /// One line under the title (the run, the export, the as-of date).
    public var subtitle: String
    public var minCellSize: Int
    public var sections: [ReportSection]
}

/// One section: a title, a short reading in plain words, and its blocks (figures and tables).
public struct ReportSection: Sendable {
    /// Unique within the report; used for file names and anchors.
    public var id: String
    public var title: String
    /// What the section says, paragraph by paragraph.
    public var reading: [String]
    public var blocks: [ReportBlock]

    public init(id: String, title: String, reading: [String], blocks: [ReportBlock]) {
        self.id = id
        self.title = title
        self.reading = reading
        self.blocks = blocks
    }

    /// Every aggregate of the section's blocks.
    public var aggregates: [Aggregate] {
        blocks.map {
            switch $0 {
            case let .figure(figure): figure.aggregate
            case let .table(table): table.aggregate
            }
        }
    }
}

/// A figure or a table, each with the aggregate it shows.
public enum ReportBlock: Sendable {
    case figure(Figure)
    case table(ReportTable)
}

/// A chart (SVG, from StrataCharts), a caption, and the aggregate it was drawn from.
public struct Figure: Sendable {
    public var svg: String
    public var caption: String
    public var aggregate: Aggregate
}

/// A table shown as is: its aggregate's columns and rows.
public struct ReportTable: Sendable {
    public var caption: String
    public var aggregate: Aggregate
}

/// The numbers behind a figure or table, as written to `aggregates/<name>.csv`: a header and rows of text, a
/// suppressed value written as `<11` (the minimum cell size), and a column giving the patients (`n`) behind
/// each figure.
public struct Aggregate: Sendable, Equatable {
    /// The file's stem, `[a-z0-9_]`.
    public var name: String
    public var columns: [String]
    public var rows: [[String]]

    public init(name: String, columns: [String], rows: [[String]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// The CSV text: RFC 4180 quoting where a field needs it, `\n` line ends.
    public var csv: String {
        func field(_ text: String) -> String {
            guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The path a notebook or reader finds it at, relative to the report folder.
    public var relativePath: String { "aggregates/\(name).csv" }
}
