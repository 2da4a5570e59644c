/// One row per patient (or customer): the repeat-purchase summary the lifetime models are fitted on.
///
/// In the time unit of the data (days or weeks), counted from each patient's first visit:
/// - `frequency` x: the number of repeat visits (visits after the first; visits on one day count once);
/// - `recency` tₓ: the age at the last visit (0 when x = 0);
/// - `age` T: the age at the end of the observation period;
/// - `monetaryValue`: the mean spend of the repeat visits (0 when x = 0), optional.
public struct LifetimeSummary: Sendable, Equatable {
    public private(set) var frequency: [Double]
    public private(set) var recency: [Double]
    public private(set) var age: [Double]
    public private(set) var monetaryValue: [Double]?

    /// Checks every row: x a whole number ≥ 0, 0 ≤ tₓ ≤ T, tₓ = 0 when x = 0, and a
    /// finite monetary value ≥ 0.
    public init(frequency: [Double], recency: [Double], age: [Double], monetaryValue: [Double]? = nil) throws(LifetimeError) {
        let count = frequency.count
        for (name, column) in [("recency", recency), ("T", age), ("monetary_value", monetaryValue ?? frequency)]
            where column.count != count {
            throw .columnLengths(column: name, count: column.count, expected: count)
        }
        for row in 0..<count {
            let x = frequency[row], recent = recency[row], t = age[row]
            guard x.isFinite, x >= 0, x == x.rounded(), x <= 1e9 else {
                throw .invalidSummary(row: row, column: "frequency", value: x, expected: "a whole number of repeat visits from 0 to 1e9")
            }
            guard t.isFinite, t >= 0, t <= 1e9 else {
                throw .invalidSummary(row: row, column: "T", value: t, expected: "a finite age from 0 to 1e9")
            }
            guard recent.isFinite, recent >= 0, recent <= t else {
                throw .invalidSummary(row: row, column: "recency", value: recent, expected: "from 0 to T (\(t))")
            }
            if x == 0 && recent != 0 {
                throw .invalidSummary(row: row, column: "recency", value: recent, expected: "0 when frequency is 0")
            }
            if let money = monetaryValue?[row] {
                guard money.isFinite, money >= 0 else {
                    throw .invalidSummary(row: row, column: "monetary_value", value: money, expected: "a finite amount ≥ 0")
                }
            }
        }
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
    }

    /// The number of rows.
    public var count: Int { frequency.count }

    /// The rows with x > 0 and a monetary value > 0: the ones a spend model is fitted on (a patient whose repeat
    /// visits were all free says nothing about a Gamma spend distribution).
    public var spendRows: [Int] {
        guard let monetaryValue else { return [] }
        return frequency.indices.filter { frequency[$0] > 0 && monetaryValue[$0] > 0 }
    }
}
