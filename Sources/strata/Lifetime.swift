import ArgumentParser
import Foundation
import StrataFeatures
import StrataLinearAlgebra
import StrataModels
import StrataProject

/// `strata lifetime --summary FILE.csv`: BG/NBD (and Gamma-Gamma) on a ready repeat-purchase summary.
struct LifetimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifetime",
        abstract: "Fit BG/NBD visits and Gamma-Gamma spend on a summary with frequency, recency and T.",
        discussion: """
            The summary has one row per patient (or customer) and the columns frequency (repeat visits), recency \
            (age at the last visit), T (age at the end of the period), in one time unit, and optionally \
            monetary_value (mean spend of the repeat visits), which adds the Gamma-Gamma spend model. Other \
            columns are ignored. See docs/lifetime.md.
            """
    )

    @Option(help: "The summary CSV (header with frequency, recency, T, optional monetary_value).")
    var summary: String

    @OptionGroup var fit: LifetimeFitOptions

    @Option(help: "Workers for the likelihood sums (default: all cores).")
    var workers: Int = Parallel.processorCount

    @Option(name: .customLong("predictions-out"), help: "Write each row's p_alive, expected_visits_<N>d and clv_<N>d (CSV, the summary's row order).")
    var predictionsOut: String?

    @Option(name: .customLong("horizon-days"), help: "N of the predictions, in days.")
    var horizonDays: Int = 365

    @Option(name: .customLong("discount-rate"), help: "CLV's monthly discount rate.")
    var discountRate: Double = 0.01

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard FileManager.default.fileExists(atPath: summary) else { throw ValidationError("--summary: no file at '\(summary)'") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        guard StrataLimits.days.contains(horizonDays) else {
            throw ValidationError("--horizon-days must be a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound), got \(horizonDays)")
        }
        guard discountRate.isFinite && discountRate >= 0 && discountRate < 1 else {
            throw ValidationError("--discount-rate must be a monthly rate from 0 to 1 (e.g. 0.01), got \(discountRate)")
        }
        if let predictionsOut {
            let folder = URL(fileURLWithPath: predictionsOut).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: folder) else { throw ValidationError("--predictions-out: folder '\(folder)' does not exist") }
        }
    }

    func run() throws {
        let result = try LifetimeRun.fit(LifetimeRun.SummaryFileConfiguration(
            input: URL(fileURLWithPath: summary), timeUnit: fit.timeUnit, penalty: fit.penalizer, workers: workers,
            predictionsFile: predictionsOut.map { URL(fileURLWithPath: $0) }, horizonDays: horizonDays, monthlyDiscountRate: discountRate))
        printWarnings(result.warnings)
        if json {
            try printJSON(result)
        } else {
            result.lines.forEach { print($0) }
        }
    }
}

/// The fit options of `lifetime` and `train lifetime`.
struct LifetimeFitOptions: ParsableArguments {
    @Option(name: .customLong("time-unit"), help: "The unit of recency and T (lifetime): days or weeks.", transform: choice("--time-unit"))
    var timeUnit: LifetimeTimeUnit = .days

    @Option(help: "L2 penalty on the lifetime parameters (lifetimes' penalizer_coef); 0 for plain maximum likelihood.")
    var penalizer: Double = 0

    func validate() throws {
        guard penalizer.isFinite && penalizer >= 0 else { throw ValidationError("--penalizer must be a finite number >= 0, got \(penalizer)") }
    }
}

extension LifetimeTimeUnit: ExpressibleByArgument {}
