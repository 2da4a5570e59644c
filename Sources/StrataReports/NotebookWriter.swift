import Foundation

/// The report as a Jupyter notebook (nbformat 4.5) that carries its outputs: markdown cells for the
/// readings, and per figure or table a code cell that loads its aggregate CSV with pandas, with the chart
/// (`image/svg+xml`) and the table (`text/html`) as the cell's outputs, so it renders without being run.
public enum NotebookWriter {
    public static func notebook(_ report: Report) throws -> Data {
        var cells: [Cell] = []
        var counter = 0
        func nextID() -> String { counter += 1; return String(format: "cell-%03d", counter) }
        cells.append(.markdown(id: nextID(), source: "# \(report.title)\n\n\(report.subtitle)"))
        var execution = 1
        cells.append(.code(id: nextID(), source: "import pandas as pd", executionCount: execution, outputs: []))
        for section in report.sections {
            cells.append(.markdown(id: nextID(), source: "## \(section.title)\n\n" + section.reading.joined(separator: "\n\n")))
            for block in section.blocks {
                execution += 1
                let aggregate: Aggregate, caption: String
                var outputs: [Output] = []
                switch block {
                case let .figure(figure):
                    (aggregate, caption) = (figure.aggregate, figure.caption)
                    outputs.append(.display(["image/svg+xml": figure.svg, "text/plain": "<Figure: \(caption)>"]))
                case let .table(table):
                    (aggregate, caption) = (table.aggregate, table.caption)
                }
                let variable = aggregate.name
                outputs.append(.result(executionCount: execution, data: [
                    "text/html": HTMLWriter.table(aggregate, caption: nil),
                    "text/plain": aggregate.csv,
                ]))
                cells.append(.markdown(id: nextID(), source: "**\(caption)**"))
                cells.append(.code(id: nextID(), source: "\(variable) = pd.read_csv(\"\(aggregate.relativePath)\", dtype=str)\n\(variable)",
                                   executionCount: execution, outputs: outputs))
            }
        }
        let notebook = Notebook(cells: cells)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(notebook)
    }

    struct Notebook: Encodable {
        var cells: [Cell]
        var metadata = Metadata()
        var nbformat = 4
        var nbformat_minor = 5
    }

    struct Metadata: Encodable {
        struct Kernel: Encodable { var display_name = "Python 3", language = "python", name = "python3" }
        struct Language: Encodable { var name = "python" }
        var kernelspec = Kernel()
        var language_info = Language()
    }

    enum Cell: Encodable {
        case markdown(id: String, source: String)
        case code(id: String, source: String, executionCount: Int, outputs: [Output])

        enum Keys: String, CodingKey { case cell_type, id, metadata, source, execution_count, outputs }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode([String: String](), forKey: .metadata)
            switch self {
            case let .markdown(id, source):
                try c.encode("markdown", forKey: .cell_type)
                try c.encode(id, forKey: .id)
                try c.encode(source, forKey: .source)
            case let .code(id, source, executionCount, outputs):
                try c.encode("code", forKey: .cell_type)
                try c.encode(id, forKey: .id)
                try c.encode(source, forKey: .source)
                try c.encode(executionCount, forKey: .execution_count)
                try c.encode(outputs, forKey: .outputs)
            }
        }
    }

    enum Output: Encodable {
        case display([String: String])
        case result(executionCount: Int, data: [String: String])

        enum Keys: String, CodingKey { case output_type, data, metadata, execution_count }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode([String: String](), forKey: .metadata)
            switch self {
            case let .display(data):
                try c.encode("display_data", forKey: .output_type)
                try c.encode(data, forKey: .data)
            case let .result(count, data):
                try c.encode("execute_result", forKey: .output_type)
                try c.encode(data, forKey: .data)
                try c.encode(count, forKey: .execution_count)
            }
        }
    }
}
