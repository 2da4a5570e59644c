import Foundation
import StrataFeatures
import StrataLinearAlgebra

/// The time unit of a lifetime summary and model.
public enum LifetimeTimeUnit: String, Codable, CaseIterable, Sendable {
    case days, weeks

    /// Days in one unit.
    public var days: Double { self == .days ? 1 : 7 }

    /// Units in a month for CLV's monthly steps, as lifetimes: 30 days, 4.345 weeks.
    public var perMonth: Double { self == .days ? 30 : 4.345 }
}

/// What a `lifetime` model file stores: the fitted BG/NBD and, when the summary had spend, Gamma-Gamma, with
/// the time unit the parameters are in. No patient data.
public struct LifetimeParameters: Codable, Sendable, Equatable {
    public var timeUnit: LifetimeTimeUnit
    public var visits: BetaGeometricModel
    public var spend: GammaGammaModel?
    /// Why there is no spend model although the summary had spend: the Gamma-Gamma fit diverged (spend that
    /// barely varies, such as fixed prices, sends p to infinity) or too few patients had repeat visits with
    /// spend. Nil when `spend` is fitted or the summary had no spend. (Absent from model files written before.)
    public var spendNotFitted: String?
    /// The penalty the fits used.
    public var penalty: Double

    public init(timeUnit: LifetimeTimeUnit, visits: BetaGeometricModel, spend: GammaGammaModel?, penalty: Double,
                spendNotFitted: String? = nil) {
        self.timeUnit = timeUnit
        self.visits = visits
        self.spend = spend
        self.penalty = penalty
        self.spendNotFitted = spend == nil ? spendNotFitted : nil
    }

    /// Why CLV cannot be computed with these parameters, or nil when it can: no spend model (with the reason it
    /// was not fitted), or a spend model whose mean spend per visit does not exist (q ≤ 1).
    public var lifetimeValueUnavailable: String? {
        guard let spend else {
            if let spendNotFitted { return "the spend model was not fitted: \(spendNotFitted)" }
            return "the model has no spend model (the summary had no spend)"
        }
        guard spend.q > 1 else { return "the spend model's q is \(spend.q); the mean spend per visit exists only for q > 1" }
        return nil
    }
}

extension LifetimeParameters: ModelParameters {
    /// r, α, a, b (and p, q, γ) finite and > 0, at most 1e12, or in the limit model (a, b → ∞) its common
    /// dropout probability strictly between 0 and 1; the penalty finite and ≥ 0.
    public func validate(against schema: FeatureSchema) throws(ModelFileFieldError) {
        var values = [("visits.r", visits.r), ("visits.alpha", visits.alpha)]
        if let p = visits.commonDropout {
            guard p > 0, p < 1 else {
                throw ModelFileFieldError(field: "parameters.visits.common_dropout", problem: "\(p); expected a probability strictly between 0 and 1")
            }
        } else {
            values += [("visits.a", visits.a), ("visits.b", visits.b)]
        }
        if let spend { values += [("spend.p", spend.p), ("spend.q", spend.q), ("spend.gamma", spend.gamma)] }
        for (name, value) in values where !(value.isFinite && value > 0 && value <= 1e12) {
            throw ModelFileFieldError(field: "parameters.\(name)", problem: "\(value); expected a finite number > 0, at most 1e12")
        }
        guard penalty.isFinite, penalty >= 0 else {
            throw ModelFileFieldError(field: "parameters.penalty", problem: "\(penalty); expected a finite number ≥ 0")
        }
    }
}

/// BG/NBD with an optional Gamma-Gamma spend model, applied to a summary as named columns.
public struct LifetimeModel: Sendable, Equatable {
    public static let kind = "lifetime"

    public var parameters: LifetimeParameters

    public init(_ parameters: LifetimeParameters) {
        self.parameters = parameters
    }

    /// Fits BG/NBD on `summary`, and Gamma-Gamma when it has monetary values.
    ///
    /// A spend fit that fails (it diverges, or fewer than 3 patients have repeat visits with spend) leaves the
    /// visits model standing: the parameters then have no spend model and say why in
    /// ``LifetimeParameters/spendNotFitted``, and predictions have no CLV.
    /// - Throws: ``LifetimeError`` when BG/NBD cannot be fitted, or for a bad penalty.
    public static func fit(_ summary: LifetimeSummary, timeUnit: LifetimeTimeUnit, penalty: Double = 0,
                           workers: Int = Parallel.processorCount) throws(LifetimeError) -> LifetimeModel {
        let visits = try BetaGeometric(penalty: penalty, workers: workers).fit(summary)
        var spend: GammaGammaModel?, notFitted: String?
        if summary.monetaryValue != nil {
            do throws(LifetimeError) {
                spend = try GammaGamma(penalty: penalty).fit(summary)
            } catch {
                switch error {
                case .fitFailed, .tooFewRows: notFitted = error.description
                default: throw error
                }
            }
        }
        return LifetimeModel(LifetimeParameters(timeUnit: timeUnit, visits: visits, spend: spend, penalty: penalty,
                                                spendNotFitted: notFitted))
    }

    /// A named column of per-patient predictions.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var values: [Double]
    }

    /// The predictions for each row of `summary` (which must be in the model's time unit):
    /// - `p_alive`: P(alive | x, tₓ, T);
    /// - `expected_visits_<N>d`: expected visits within the next N days;
    /// - `clv_<N>d` (with a spend model and monetary values): expected spend over the next N days in monthly
    ///   steps (30 days; the last step cut at N), each discounted by (1 + `monthlyDiscountRate`)^months.
    ///
    /// - Parameter horizonDays: N, in days whatever the model's unit.
    public func apply(_ summary: LifetimeSummary, horizonDays: Int, monthlyDiscountRate: Double = 0.01,
                      workers: Int = Parallel.processorCount) throws(LifetimeError) -> [Column] {
        guard horizonDays >= 1, Double(horizonDays) <= StrataLimits.maximumMagnitude else {
            throw .invalidParameter(name: "horizonDays", value: Double(horizonDays), expected: "at least 1")
        }
        guard monthlyDiscountRate.isFinite, monthlyDiscountRate > -1 else {
            throw .invalidParameter(name: "monthlyDiscountRate", value: monthlyDiscountRate, expected: "a finite rate > -1")
        }
        let visits = parameters.visits, unit = parameters.timeUnit
        let horizon = Double(horizonDays) / unit.days
        let withSpend = parameters.spend != nil && summary.monetaryValue != nil
        // Month boundaries in the model's unit: 30 days each, the last cut at the horizon.
        let monthDays = stride(from: 30, to: horizonDays, by: 30).map(Double.init) + [Double(horizonDays)]
        let boundaries = monthDays.map { (time: $0 / unit.days, discount: Foundation.pow(1 + monthlyDiscountRate, $0 / 30)) }
        let spend = parameters.spend
        let chunks = Parallel.map(rangesOf: summary.count, workers: workers) { range -> Result<[[Double]], LifetimeError> in
            var alive: [Double] = [], expected: [Double] = [], value: [Double] = []
            for i in range {
                let x = summary.frequency[i], recency = summary.recency[i], age = summary.age[i]
                alive.append(visits.probabilityAlive(frequency: x, recency: recency, age: age))
                do throws(LifetimeError) {
                    expected.append(try visits.conditionalExpectedVisits(within: horizon, frequency: x, recency: recency, age: age))
                    guard withSpend, let spend, let monetary = summary.monetaryValue else { continue }
                    let perVisit = try spend.conditionalExpectedSpend(frequency: x, monetaryValue: monetary[i])
                    var total = 0.0, previous = 0.0
                    for boundary in boundaries {
                        let cumulative = try visits.conditionalExpectedVisits(within: boundary.time, frequency: x,
                                                                              recency: recency, age: age)
                        total += perVisit * (cumulative - previous) / boundary.discount
                        previous = cumulative
                    }
                    value.append(total)
                } catch {
                    return .failure(error)
                }
            }
            return .success([alive, expected, value])
        }
        var columns = [Column(name: "p_alive", values: []), Column(name: "expected_visits_\(horizonDays)d", values: [])]
        if withSpend { columns.append(Column(name: "clv_\(horizonDays)d", values: [])) }
        for chunk in chunks {
            let parts: [[Double]]
            switch chunk {
            case let .success(values): parts = values
            case let .failure(error): throw error
            }
            for index in columns.indices { columns[index].values += parts[index] }
        }
        return columns
    }
}
