import ArgumentParser
import StrataData
import StrataGenerator
import StrataModels
import Foundation
import StrataProject

/// A day given as `YYYY-MM-DD` (UTC).
struct DayArgument: ExpressibleByArgument, Sendable, Equatable {
    let day: Day
    /// As written.
    let text: String

    init?(argument: String) {
        guard let day = try? Day(iso: argument) else { return nil }
        self.day = day
        text = argument
    }

    /// A parser whose error names the flag and an example, as `--as-of must be a date like 2024-06-30 ...`.
    static func parser(_ flag: String, example: String) -> @Sendable (String) throws -> DayArgument {
        { text in
            guard let value = DayArgument(argument: text) else {
                throw ValidationError("\(flag) must be a date like \(example) (YYYY-MM-DD), got \"\(text)\"")
            }
            return value
        }
    }
}

/// A number of clusters `K` or a range `A...B` (with `A <= B`) to choose from.
struct ClusterCountArgument: ExpressibleByArgument, Sendable, Equatable {
    let counts: ClosedRange<Int>
    /// Whether it was written as a range.
    let isRange: Bool
    let text: String

    /// The range `counts`, written `A...B`.
    init(range counts: ClosedRange<Int>) {
        self.counts = counts
        isRange = true
        text = "\(counts.lowerBound)...\(counts.upperBound)"
    }

    init?(argument: String) {
        text = argument
        if let single = Int(argument) {
            counts = single...single
            isRange = false
            return
        }
        let bounds = argument.components(separatedBy: "...")
        guard bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high else { return nil }
        counts = low...high
        isRange = true
    }

    /// A parser whose error names the flag and an example range.
    static func parser(_ flag: String, example: String) -> @Sendable (String) throws -> ClusterCountArgument {
        { text in
            guard let value = ClusterCountArgument(argument: text) else {
                throw ValidationError("\(flag) must be a number or a range like \(example), got '\(text)'")
            }
            return value
        }
    }
}

/// `--init`: k-means++, random, or a file of initial centers.
enum SeedingArgument: ExpressibleByArgument, Equatable {
    case kMeansPlusPlus, random, file(String)

    init(argument: String) {
        switch argument {
        case "k-means++": self = .kMeansPlusPlus
        case "random": self = .random
        default: self = .file(argument)
        }
    }

    var defaultValueDescription: String { "k-means++" }

    var seeding: MatrixClusteringRun.Seeding {
        switch self {
        case .kMeansPlusPlus: .kMeansPlusPlus
        case .random: .random
        case let .file(path): .centers(URL(fileURLWithPath: path))
        }
    }
}

/// A parser for a fixed set of choices whose error lists them: `--penalty must be l2, l1 or elasticnet, got 'l3'`.
func choice<T: ExpressibleByArgument & CaseIterable & RawRepresentable>(_ flag: String, _: T.Type = T.self)
    -> @Sendable (String) throws -> T where T.RawValue == String {
    { text in
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue)
            let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "") : names.joined()
            throw ValidationError("\(flag) must be \(list), got '\(text)'")
        }
        return value
    }
}

extension LogisticRegression.Penalty: ExpressibleByArgument {}
extension LogisticRegression.ClassWeight: ExpressibleByArgument {}
extension LogisticRegression.Solver: ExpressibleByArgument {}
extension MatrixClusteringRun.Algorithm: ExpressibleByArgument {}
extension MatrixClusteringRun.Precision: ExpressibleByArgument {}
extension TrainingRun.Target: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}
extension ClinicKind: ExpressibleByArgument {}
