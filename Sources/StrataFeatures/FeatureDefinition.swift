import StrataData

/// What one raw feature column measures, as of day T (events at or before T: any time on day T counts).
/// The definitions are in `docs/feature-spec.md`; a schema column names its definition through its
/// `family`, `name`, `levels` and `parameters`, so a model file alone recomputes the same columns.
public enum FeatureDefinition: Sendable, Equatable {
    /// T - day of the last completed visit. Missing without visits.
    case daysSinceLastVisit
    /// Completed visits on days T - window + 1 ... T.
    case visits(windowDays: Int)
    /// Sum of the amounts of completed visits (absent amounts count 0).
    case totalAmount
    /// Mean amount over completed visits with an amount. Missing without such visits.
    case meanAmount
    /// T - day of `created_at`. Missing when the patient was created after T.
    case tenureDays
    /// Whole years from birth to T (a 29 February birthday is reached on 1 March). Missing when born after T.
    case ageYears
    /// 1 when the patient's sex is this value.
    case sex(Sex)
    /// Mean of the day gaps between consecutive completed visits. Missing with fewer than 2 visits.
    case meanVisitInterval
    /// Population standard deviation of those gaps. Missing with fewer than 2 visits.
    case visitIntervalSpread
    /// days_since_last_visit / mean_visit_interval. Missing with fewer than 2 visits or a zero mean interval.
    case overdueRatio
    /// (no-shows + w·p) / (appointments + w) over appointments scheduled at or before T with an outcome
    /// (completed, no_show, cancelled).
    case noShowRate(priorWeight: Double, priorRate: Double)
    /// (cancellations + w·p) / (appointments + w), same appointments.
    case cancellationRate(priorWeight: Double, priorRate: Double)
    /// Mean of (scheduled_at - booked_at) in days over appointments scheduled at or before T. Missing without.
    case meanBookingLeadDays
    /// Completed visits whose service is `level`; nil counts the services no other column names.
    case serviceCount(level: String?, named: [String])
    /// (opened + w·p) / (sent + w) over messages on `channel` sent at or before T; opened at or before T.
    case openRate(Channel, priorWeight: Double, priorRate: Double)
    case clickRate(Channel, priorWeight: Double, priorRate: Double)
    case responseRate(Channel, priorWeight: Double, priorRate: Double)
    /// T - day of the last message sent. Missing without messages.
    case daysSinceLastContact
    /// 1 when an appointment booked at or before T is scheduled after T.
    case hasUpcomingAppointment
    /// Day of the next such appointment - T. Missing without one.
    case daysUntilNextAppointment
    /// 1 when a visit booked by T is scheduled within `days` days after T.
    case bookedWithin(days: Int)
    /// 1 when the last completed visit plus the usual interval falls in (T, T + days]; 0 when overdue or unknown.
    case dueWithin(days: Int)
    /// Messages of the named campaigns sent since the last completed visit (all of them without a visit).
    case outreachSinceLastVisit(campaigns: [String])
    /// 1 when the patient has a condition with one of `codes`, onset at or before T or unknown.
    case condition(codes: [String])
    /// 1 when the patient's latest lead (created at or before T) has this source; nil: a source no other column names.
    case leadSource(level: String?, named: [String])
    case leadInterest(level: String?, named: [String])
    /// 1 when the definition at `index` (another column of the same matrix) is missing.
    case missingIndicator(of: Int)
    /// 1 when the patient's category attribute `name` is `level`; nil: a value no other column names. 0 when empty.
    case attributeCategory(String, level: String?, named: [String])
    /// The patient's number attribute `name`. Missing when empty.
    case attributeNumber(String)
    /// 1 when the patient's flag attribute `name` is yes, 0 when no. Missing when empty.
    case attributeFlag(String)

    /// Whether the value can be missing (and so needs a missing-value policy).
    public var canBeMissing: Bool {
        switch self {
        case .daysSinceLastVisit, .meanAmount, .tenureDays, .ageYears, .meanVisitInterval, .visitIntervalSpread,
             .overdueRatio, .meanBookingLeadDays, .daysSinceLastContact, .daysUntilNextAppointment,
             .attributeNumber, .attributeFlag: true
        default: false
        }
    }
}

/// A schema column that cannot be turned back into a definition (a model file from another version, or edited).
public struct FeatureDefinitionError: Error, Equatable, CustomStringConvertible {
    public let column: String
    public let problem: String
    public var description: String { "feature column \"\(column)\": \(problem)" }
}

extension FeatureDefinition {
    /// Recovers the definitions of a schema's columns.
    public static func definitions(of schema: FeatureSchema) throws(FeatureDefinitionError) -> [FeatureDefinition] {
        var result: [FeatureDefinition] = []
        for column in schema.columns {
            result.append(try definition(of: column, in: schema.columns))
        }
        return result
    }

    static func definition(of column: FeatureSchema.Column, in columns: [FeatureSchema.Column]) throws(FeatureDefinitionError) -> FeatureDefinition {
        let names = columns.map(\.name)
        func parameter(_ key: String) throws(FeatureDefinitionError) -> Double {
            guard let value = column.parameters?[key] else {
                throw FeatureDefinitionError(column: column.name, problem: "parameter \(key) missing")
            }
            let valid = switch key {
            case "prior_weight": value > 0 && value <= StrataLimits.maximumPriorWeight
            case "prior_rate": (0...1).contains(value)
            case "window_days": true  // checked as days by `days(_:)`
            default: StrataLimits.isSensible(value)
            }
            guard valid else {
                throw FeatureDefinitionError(column: column.name, problem: "parameter \(key) is \(value); expected "
                    + (key == "prior_weight" ? "a number > 0 and at most \(Int(StrataLimits.maximumPriorWeight))"
                       : key == "prior_rate" ? "a rate from 0 to 1" : "a finite number"))
            }
            return value
        }
        /// A window parameter: a whole number of days in ``StrataLimits/days``.
        func days(_ key: String) throws(FeatureDefinitionError) -> Int {
            let value = try parameter(key)
            guard StrataLimits.isDayCount(value) else {
                throw FeatureDefinitionError(column: column.name, problem: "parameter \(key) is \(value); expected a whole "
                    + "number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)")
            }
            return Int(value)
        }
        /// The levels the other columns of a per-category family name.
        func named(_ prefix: String) -> [String] {
            columns.filter { $0.name.hasPrefix(prefix) && !$0.name.hasSuffix(".missing") }.compactMap { $0.levels?.first }
        }
        func suffix(_ prefix: String) -> String? {
            column.name.hasPrefix(prefix) ? String(column.name.dropFirst(prefix.count)) : nil
        }
        func channel(_ prefix: String) throws(FeatureDefinitionError) -> Channel {
            guard let name = suffix(prefix), let channel = Channel.allCases.first(where: { $0.name == name }) else {
                throw FeatureDefinitionError(column: column.name, problem: "unknown channel")
            }
            return channel
        }
        if column.name.hasSuffix(".missing") {
            let base = String(column.name.dropLast(".missing".count))
            guard let index = names.firstIndex(of: base) else {
                throw FeatureDefinitionError(column: column.name, problem: "indicator of a column not in the schema")
            }
            return .missingIndicator(of: index)
        }
        if column.family == "attributes" { return try attributeDefinition(of: column, in: columns) }
        switch column.name {
        case "days_since_last_visit": return .daysSinceLastVisit
        case "total_amount": return .totalAmount
        case "mean_amount": return .meanAmount
        case "tenure_days": return .tenureDays
        case "age_years": return .ageYears
        case "mean_visit_interval_days": return .meanVisitInterval
        case "visit_interval_spread_days": return .visitIntervalSpread
        case "overdue_ratio": return .overdueRatio
        case "no_show_rate": return .noShowRate(priorWeight: try parameter("prior_weight"), priorRate: try parameter("prior_rate"))
        case "cancellation_rate":
            return .cancellationRate(priorWeight: try parameter("prior_weight"), priorRate: try parameter("prior_rate"))
        case "mean_booking_lead_days": return .meanBookingLeadDays
        case "days_since_last_contact": return .daysSinceLastContact
        case "has_upcoming_appointment": return .hasUpcomingAppointment
        case "days_until_next_appointment": return .daysUntilNextAppointment
        default: break
        }
        if column.family == "frequency" { return .visits(windowDays: try days("window_days")) }
        if column.name.hasPrefix("booked_within_") { return .bookedWithin(days: try days("window_days")) }
        if column.name.hasPrefix("due_within_") { return .dueWithin(days: try days("window_days")) }
        if column.name == "outreach_since_last_visit" {
            guard let campaigns = column.levels else { throw FeatureDefinitionError(column: column.name, problem: "campaign list missing") }
            return .outreachSinceLastVisit(campaigns: campaigns)
        }
        if let name = suffix("sex."), let sex = Sex.allCases.first(where: { $0.name == name }) { return .sex(sex) }
        if suffix("service_count.") != nil {
            return .serviceCount(level: column.levels?.first, named: named("service_count."))
        }
        if suffix("open_rate.") != nil {
            return .openRate(try channel("open_rate."), priorWeight: try parameter("prior_weight"), priorRate: try parameter("prior_rate"))
        }
        if suffix("click_rate.") != nil {
            return .clickRate(try channel("click_rate."), priorWeight: try parameter("prior_weight"), priorRate: try parameter("prior_rate"))
        }
        if suffix("response_rate.") != nil {
            return .responseRate(try channel("response_rate."), priorWeight: try parameter("prior_weight"), priorRate: try parameter("prior_rate"))
        }
        if suffix("condition.") != nil {
            guard let codes = column.levels else { throw FeatureDefinitionError(column: column.name, problem: "code list missing") }
            return .condition(codes: codes)
        }
        if suffix("lead_source.") != nil { return .leadSource(level: column.levels?.first, named: named("lead_source.")) }
        if suffix("lead_interest.") != nil { return .leadInterest(level: column.levels?.first, named: named("lead_interest.")) }
        throw FeatureDefinitionError(column: column.name, problem: "not a feature this version of Strata computes")
    }
}
