/// The ranges Strata accepts for numbers read from `strata.yml`, command-line flags and model files, and
/// the minimum count that keeps patient data out of model files. A number outside its range is an error
/// naming the setting and the value, never a trap on a conversion later on.
public enum StrataLimits {
    /// Day counts: feature windows, the churn horizon, the conversion window (1 day to 100 years).
    public static let days: ClosedRange<Int> = 1...36_500

    /// `max_categories` of the one-hot families.
    public static let categories: ClosedRange<Int> = 1...1_000

    /// `prior_weight` of the shrunk rates: a pseudo-count of appointments or messages, > 0.
    public static let maximumPriorWeight = 10_000.0

    /// Any other number a setting or a model file stores (fill values, clip bounds, centers, means): finite
    /// and at most this large in magnitude, where a Double still holds every whole number exactly.
    public static let maximumMagnitude = 1e15

    /// A category value (a service, a lead source or interest) becomes a column of a fitted schema, and so a
    /// label inside model files, only when at least this many patients (leads, for conversion models) have
    /// it; rarer values count in the family's `other` column. A free-text service typed for one patient
    /// could name that patient, and model files promise no patient data. 11 is the usual small-cell
    /// threshold for publishing counts about patients.
    public static let minimumPatientsPerCategory = 11

    /// Whether `value` is a whole number of days in ``days``.
    public static func isDayCount(_ value: Double) -> Bool {
        value.isFinite && value == value.rounded() && Double(days.lowerBound) <= value && value <= Double(days.upperBound)
    }

    /// Whether `value` is finite and within ``maximumMagnitude``.
    public static func isSensible(_ value: Double) -> Bool {
        value.isFinite && Swift.abs(value) <= maximumMagnitude
    }
}
