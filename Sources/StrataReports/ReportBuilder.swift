import Foundation
import StrataCharts
import StrataLinearAlgebra

/// One section of a report: builds itself from the inputs, or returns nil when its data do not exist.
///
/// To add a section, write a type conforming to this protocol and add it to ``Report/standardSections``.
public protocol ReportSectionBuilder: Sendable {
    func section(_ inputs: ReportInputs) throws -> ReportSection?
}

extension Report {
    /// The sections in the order a report shows them.
    public static let standardSections: [any ReportSectionBuilder] = [
        RunSection(), SegmentsSection(), ClustersSection(), ScoreSection(target: "churn"), ScoreSection(target: "conversion"),
        LifetimeSection(), ConsentSection(), CampaignsSection(),
    ]

    /// Builds the report on `inputs` from `sections`.
    /// - Throws: ``ReportError`` when `minCellSize` is below the smallest allowed, a chart cannot be drawn, or
    ///   two aggregates share a name.
    public static func build(_ inputs: ReportInputs, sections: [any ReportSectionBuilder] = standardSections) throws -> Report {
        guard inputs.minCellSize >= 11 else { throw ReportError.minCellSizeTooSmall(inputs.minCellSize) }
        // The sections read the same inputs and nothing else, so they are built at once, one per core; the
        // report takes them in order, and the first section's error in that order is the one thrown.
        let results = Parallel.map(rangesOf: sections.count, workers: sections.count) { range in
            Result { try sections[range.lowerBound].section(inputs) }
        }
        var built: [ReportSection] = []
        for (builder, result) in zip(sections, results) {
            do {
                if let section = try result.get() { built.append(section) }
            } catch let error as ChartError {
                throw ReportError.chart(section: String(describing: type(of: builder)), error)
            }
        }
        var names = Set<String>()
        for aggregate in built.flatMap(\.aggregates) where !names.insert(aggregate.name).inserted {
            throw ReportError.duplicateAggregate(aggregate.name)
        }
        let export = inputs.exportName.map { " of \($0)" } ?? ""
        return Report(title: "Strata report: run \(inputs.run.id)",
                      subtitle: "Run \(inputs.run.id)\(export), as of \(inputs.run.asOf), \(Formatting.count(inputs.run.patientCount)) patients. "
                        + "Figures from 1 to \(inputs.minCellSize - 1) patients are shown as <\(inputs.minCellSize).",
                      minCellSize: inputs.minCellSize, sections: built)
    }
}

/// Why a report could not be built or written. Messages name parameters, never command-line flags.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    case minCellSizeTooSmall(Int)
    case chart(section: String, ChartError)
    case duplicateAggregate(String)
    /// A report file could not be written; `reason` is the system's.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .minCellSizeTooSmall(size): "minCellSize is \(size); expected at least 11"
        case let .chart(section, error): "\(section): \(error)"
        case let .duplicateAggregate(name): "two aggregates are named \(name); each needs its own file"
        case let .cannotWrite(path, reason): "\(path): cannot write the report: \(reason)"
        }
    }
}
