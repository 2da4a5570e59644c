import Foundation
import StrataData

/// The `features` section of `strata.yml`: which feature families are on, their parameters, and the
/// transforms. Every family is on by default with the parameters shown; `family: false` turns it off;
/// `family: {...}` changes parameters. See `docs/feature-spec.md` for each column's definition.
///
///     features:
///       frequency: {windows: [90, 365, 730]}
///       attendance: {prior_weight: 2, prior_no_show_rate: 0.1, prior_cancellation_rate: 0.05}
///       services: {max_categories: 8}
///       conditions: {codes: {diabetes: ["44054006"], hypertension: ["59621000"]}}
///       standardize: true
///       columns:
///         total_amount: {transforms: [log1p], missing: zero}
public struct FeatureSpec: Codable, Sendable, Equatable {
    public var recency: FamilySwitch<EmptyParameters>
    public var frequency: FamilySwitch<FrequencyParameters>
    public var monetary: FamilySwitch<EmptyParameters>
    public var tenure: FamilySwitch<EmptyParameters>
    public var demographics: FamilySwitch<EmptyParameters>
    public var visitIntervals: FamilySwitch<VisitIntervalParameters>
    public var attendance: FamilySwitch<AttendanceParameters>
    public var bookingLeadTime: FamilySwitch<EmptyParameters>
    public var services: FamilySwitch<CategoryParameters>
    public var engagement: FamilySwitch<EngagementParameters>
    public var contactRecency: FamilySwitch<EmptyParameters>
    public var upcoming: FamilySwitch<UpcomingParameters>
    public var outreach: FamilySwitch<OutreachParameters>
    public var conditions: FamilySwitch<ConditionParameters>
    public var leads: FamilySwitch<CategoryParameters>
    /// Standardize every column with the training mean and standard deviation.
    public var standardize: Bool
    /// Per-column overrides of transforms and missing-value policy, by column name.
    public var columns: [String: ColumnSettings]
    /// The project's patient attributes (the top-level `attributes` section of `strata.yml`, not a key of
    /// `features`), in name order; each becomes feature columns (see ``PatientAttribute``).
    public var attributes: [PatientAttribute] = []

    public init(recency: FamilySwitch<EmptyParameters> = .on(.init()),
                frequency: FamilySwitch<FrequencyParameters> = .on(.init()),
                monetary: FamilySwitch<EmptyParameters> = .on(.init()),
                tenure: FamilySwitch<EmptyParameters> = .on(.init()),
                demographics: FamilySwitch<EmptyParameters> = .on(.init()),
                visitIntervals: FamilySwitch<VisitIntervalParameters> = .on(.init()),
                attendance: FamilySwitch<AttendanceParameters> = .on(.init()),
                bookingLeadTime: FamilySwitch<EmptyParameters> = .on(.init()),
                services: FamilySwitch<CategoryParameters> = .on(.init()),
                engagement: FamilySwitch<EngagementParameters> = .on(.init()),
                contactRecency: FamilySwitch<EmptyParameters> = .on(.init()),
                upcoming: FamilySwitch<UpcomingParameters> = .on(.init()),
                outreach: FamilySwitch<OutreachParameters> = .on(.init()),
                conditions: FamilySwitch<ConditionParameters> = .on(.init()),
                leads: FamilySwitch<CategoryParameters> = .on(.init()),
                standardize: Bool = true, columns: [String: ColumnSettings] = [:]) {
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
        self.tenure = tenure
        self.demographics = demographics
        self.visitIntervals = visitIntervals
        self.attendance = attendance
        self.bookingLeadTime = bookingLeadTime
        self.services = services
        self.engagement = engagement
        self.contactRecency = contactRecency
        self.upcoming = upcoming
        self.outreach = outreach
        self.conditions = conditions
        self.leads = leads
        self.standardize = standardize
        self.columns = columns
    }

    /// The tables the turned-on families read (patients always; consents never).
    public var tablesNeeded: Set<CanonicalTable> {
        var tables: Set<CanonicalTable> = [.patients, .appointments]
        if engagement.parameters != nil || contactRecency.parameters != nil || outreach.parameters != nil {
            tables.insert(.communications)
        }
        if let conditions = conditions.parameters, !conditions.codes.isEmpty { tables.insert(.conditions) }
        if leads.parameters != nil { tables.insert(.leads) }
        return tables
    }

    /// Canonical text columns no feature family of this spec reads: the readers check them but need not keep
    /// them (at 10M appointments and 18M messages, providers and campaigns are the largest such columns).
    public var unusedTextColumns: [CanonicalTable: Set<String>] {
        var unused = Self.neverReadTextColumns
        if outreach.parameters == nil { unused[.communications, default: []].insert("campaign") }
        return unused
    }

    /// Canonical text columns no feature family reads, whatever the spec.
    public static let neverReadTextColumns: [CanonicalTable: Set<String>] = [
        .patients: ["first_name", "postal_code", "email", "phone"],
        .appointments: ["provider"],
        .conditions: ["description"],
    ]

    /// The extra columns of the patients table the attributes read.
    public var extraColumns: [CanonicalTable: [ExtraColumn]] {
        attributes.isEmpty ? [:] : [.patients: attributes.map(\.extraColumn)]
    }

    /// The defaults: every family on, standardized.
    public static let `default` = FeatureSpec()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case recency, frequency, monetary, tenure, demographics
        case visitIntervals = "visit_intervals"
        case attendance
        case bookingLeadTime = "booking_lead_time"
        case services, engagement
        case contactRecency = "contact_recency"
        case upcoming, outreach, conditions, leads, standardize, columns
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FeatureSpec()
        recency = try c.decodeIfPresent(FamilySwitch.self, forKey: .recency) ?? defaults.recency
        frequency = try c.decodeIfPresent(FamilySwitch.self, forKey: .frequency) ?? defaults.frequency
        monetary = try c.decodeIfPresent(FamilySwitch.self, forKey: .monetary) ?? defaults.monetary
        tenure = try c.decodeIfPresent(FamilySwitch.self, forKey: .tenure) ?? defaults.tenure
        demographics = try c.decodeIfPresent(FamilySwitch.self, forKey: .demographics) ?? defaults.demographics
        visitIntervals = try c.decodeIfPresent(FamilySwitch.self, forKey: .visitIntervals) ?? defaults.visitIntervals
        attendance = try c.decodeIfPresent(FamilySwitch.self, forKey: .attendance) ?? defaults.attendance
        bookingLeadTime = try c.decodeIfPresent(FamilySwitch.self, forKey: .bookingLeadTime) ?? defaults.bookingLeadTime
        services = try c.decodeIfPresent(FamilySwitch.self, forKey: .services) ?? defaults.services
        engagement = try c.decodeIfPresent(FamilySwitch.self, forKey: .engagement) ?? defaults.engagement
        contactRecency = try c.decodeIfPresent(FamilySwitch.self, forKey: .contactRecency) ?? defaults.contactRecency
        upcoming = try c.decodeIfPresent(FamilySwitch.self, forKey: .upcoming) ?? defaults.upcoming
        outreach = try c.decodeIfPresent(FamilySwitch.self, forKey: .outreach) ?? defaults.outreach
        conditions = try c.decodeIfPresent(FamilySwitch.self, forKey: .conditions) ?? defaults.conditions
        leads = try c.decodeIfPresent(FamilySwitch.self, forKey: .leads) ?? defaults.leads
        standardize = try c.decodeIfPresent(Bool.self, forKey: .standardize) ?? true
        columns = try c.decodeIfPresent([String: ColumnSettings].self, forKey: .columns) ?? [:]
    }
}

/// A family turned off (`false`), on with default parameters (`true`), or on with parameters (a mapping).
public enum FamilySwitch<Parameters: Codable & Sendable & Equatable & DefaultConstructible>: Codable, Sendable, Equatable {
    case off
    case on(Parameters)

    /// The parameters when on.
    public var parameters: Parameters? {
        if case .on(let parameters) = self { return parameters }
        return nil
    }

    public init(from decoder: Decoder) throws {
        if let flag = try? decoder.singleValueContainer().decode(Bool.self) {
            self = flag ? .on(Parameters()) : .off
        } else {
            self = .on(try Parameters(from: decoder))
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .off:
            var container = encoder.singleValueContainer()
            try container.encode(false)
        case .on(let parameters): try parameters.encode(to: encoder)
        }
    }
}

/// Parameter types with defaults for every field.
public protocol DefaultConstructible {
    init()
}

/// A family without parameters.
public struct EmptyParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public init() {}
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: [])
    }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(true)
    }
}

/// `frequency`: completed visits in the last `windows` days.
public struct FrequencyParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var windows: [Int]
    public init() { windows = [90, 365, 730] }
    public init(windows: [Int]) { self.windows = windows }
    public init(from decoder: Decoder) throws {
        windows = try decodeWindows(decoder, key: "windows", naming: "frequency window", default: [90, 365, 730])
    }
}

/// Decodes a list of day counts under `key` (default when absent): each in ``StrataLimits/days``, none twice
/// (a window names its column).
private func decodeWindows(_ decoder: Decoder, key: String, naming what: String, default defaultWindows: [Int]) throws -> [Int] {
    try UnknownKeys.check(decoder, allowed: [key])
    let c = try decoder.container(keyedBy: UnknownKeys.AnyKey.self)
    let codingKey = UnknownKeys.AnyKey(stringValue: key)
    let windows = try c.decodeIfPresent([Int].self, forKey: codingKey) ?? defaultWindows
    for (index, window) in windows.enumerated() {
        let path = decoder.codingPath + [codingKey, IndexKey(index)]
        guard StrataLimits.days.contains(window) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path,
                debugDescription: "\(what) of \(window) days; expected a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)"))
        }
        if windows[..<index].contains(window) {
            throw DecodingError.dataCorrupted(.init(codingPath: path,
                debugDescription: "\(what) of \(window) days is listed twice; give each window once"))
        }
    }
    return windows
}

/// The coding key of a list element, for error places.
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// `visit_intervals`: the usual days between completed visits, their spread, the overdue ratio, and per
/// window N a flag "next visit due within N days" (the last visit plus the usual interval falls in (T, T + N]).
public struct VisitIntervalParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var dueWindows: [Int]
    public init() { dueWindows = [180] }
    public init(dueWindows: [Int]) { self.dueWindows = dueWindows }
    public init(from decoder: Decoder) throws {
        dueWindows = try decodeWindows(decoder, key: "due_windows", naming: "visit_intervals due window", default: [180])
    }
    enum CodingKeys: String, CodingKey { case dueWindows = "due_windows" }
}

/// `upcoming`: whether a visit is booked after T, the days until it, and per window N a flag "a visit is
/// booked in the next N days".
public struct UpcomingParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var windows: [Int]
    public init() { windows = [90, 180] }
    public init(windows: [Int]) { self.windows = windows }
    public init(from decoder: Decoder) throws {
        windows = try decodeWindows(decoder, key: "windows", naming: "upcoming window", default: [90, 180])
    }
}

/// `outreach`: how many messages of the clinic's recall campaigns (`campaigns`, by the export's campaign
/// names) went out since the patient's last completed visit: recalls nobody answered with a visit.
public struct OutreachParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var campaigns: [String]
    public init() { campaigns = ["recall_reminder", "winback"] }
    public init(campaigns: [String]) { self.campaigns = campaigns }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: ["campaigns"])
        let c = try decoder.container(keyedBy: UnknownKeys.AnyKey.self)
        campaigns = try c.decodeIfPresent([String].self, forKey: .init(stringValue: "campaigns")) ?? Self().campaigns
        if campaigns.isEmpty {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "outreach campaigns: name at least one campaign, or turn the family off with `outreach: false`"))
        }
    }
}

/// `attendance`: no-show and cancellation rates shrunk towards a prior rate.
///
/// rate = (events + w * p) / (appointments + w): a Beta(w·p, w·(1 - p)) prior's posterior mean, so a patient
/// with one appointment is pulled towards the prior instead of landing on 0 or 1.
///
/// With `prior: population` (the default) p and w are the training population's own (empirical Bayes): p
/// the pooled rate, w from the spread of the patients' rates (beta-binomial method of moments, see
/// ``PopulationPrior``); `prior_weight` is then used only when the data cannot tell the spread. On data
/// without a single cancellation every cancellation rate is 0. With `prior: fixed`, p is
/// `prior_no_show_rate` / `prior_cancellation_rate` and w is `prior_weight`; giving either rate without
/// `prior` means `prior: fixed`, as it did before the population prior existed.
public struct AttendanceParameters: Codable, Sendable, Equatable, DefaultConstructible {
    /// Where the prior comes from.
    public enum Prior: String, Codable, Sendable, CaseIterable {
        /// Estimated from the training rows (empirical Bayes).
        case population
        /// The rates and weight given.
        case fixed
    }

    public var prior: Prior = .population
    public var priorWeight: Double = 2
    public var priorNoShowRate: Double = 0.1
    public var priorCancellationRate: Double = 0.1
    public init() {}
    public init(prior: Prior, priorWeight: Double = 2, priorNoShowRate: Double = 0.1, priorCancellationRate: Double = 0.1) {
        self.prior = prior
        self.priorWeight = priorWeight
        self.priorNoShowRate = priorNoShowRate
        self.priorCancellationRate = priorCancellationRate
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case prior
        case priorWeight = "prior_weight", priorNoShowRate = "prior_no_show_rate"
        case priorCancellationRate = "prior_cancellation_rate"
    }
    public init(from decoder: Decoder) throws {
        let defaults = Self()
        let values = try decodePriors(decoder, CodingKeys.self, defaults: [
            .priorWeight: defaults.priorWeight, .priorNoShowRate: defaults.priorNoShowRate,
            .priorCancellationRate: defaults.priorCancellationRate,
        ])
        (priorWeight, priorNoShowRate, priorCancellationRate) =
            (values[.priorWeight]!, values[.priorNoShowRate]!, values[.priorCancellationRate]!)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let givenRate = [CodingKeys.priorNoShowRate, .priorCancellationRate].first(where: c.contains)
        // A rate given without `prior` is the fixed prior it always meant (strata.yml files and model files
        // written before the population prior existed keep their meaning); with `prior: population` it is a
        // contradiction.
        prior = try c.decodeIfPresent(Prior.self, forKey: .prior) ?? (givenRate == nil ? .population : .fixed)
        if prior == .population, let given = givenRate {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [given],
                debugDescription: "a prior rate is used only with `prior: fixed`; with `prior: population` (the default) "
                    + "the rates are the training population's own"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(prior, forKey: .prior)
        try c.encode(priorWeight, forKey: .priorWeight)
        if prior == .fixed {
            try c.encode(priorNoShowRate, forKey: .priorNoShowRate)
            try c.encode(priorCancellationRate, forKey: .priorCancellationRate)
        }
    }
}

/// `engagement`: open, click and response rates per channel, shrunk towards prior rates like attendance.
public struct EngagementParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var priorWeight: Double = 2
    public var priorOpenRate: Double = 0.3
    public var priorClickRate: Double = 0.1
    public var priorResponseRate: Double = 0.05
    public init() {}
    enum CodingKeys: String, CodingKey, CaseIterable {
        case priorWeight = "prior_weight", priorOpenRate = "prior_open_rate", priorClickRate = "prior_click_rate"
        case priorResponseRate = "prior_response_rate"
    }
    public init(from decoder: Decoder) throws {
        let defaults = Self()
        let values = try decodePriors(decoder, CodingKeys.self, defaults: [
            .priorWeight: defaults.priorWeight, .priorOpenRate: defaults.priorOpenRate,
            .priorClickRate: defaults.priorClickRate, .priorResponseRate: defaults.priorResponseRate,
        ])
        (priorWeight, priorOpenRate, priorClickRate, priorResponseRate) =
            (values[.priorWeight]!, values[.priorOpenRate]!, values[.priorClickRate]!, values[.priorResponseRate]!)
    }
}

/// Decodes a prior weight and prior rates, each defaulting, and checks 0 < weight <= ``StrataLimits/maximumPriorWeight``
/// and rates in [0, 1].
private func decodePriors<Key: CodingKey & CaseIterable & Hashable>(
    _ decoder: Decoder, _: Key.Type, defaults: [Key: Double]
) throws -> [Key: Double] {
    try UnknownKeys.check(decoder, allowed: Key.allCases.map(\.stringValue))
    let container = try decoder.container(keyedBy: Key.self)
    var values = defaults
    for key in Key.allCases where key.stringValue != "prior" {
        guard let value = try container.decodeIfPresent(Double.self, forKey: key) else { continue }
        let valid = key.stringValue == "prior_weight"
            ? value > 0 && value <= StrataLimits.maximumPriorWeight
            : (0...1).contains(value)
        guard valid else {
            let expected = key.stringValue == "prior_weight"
                ? "a number of pseudo-events > 0 and at most \(Int(StrataLimits.maximumPriorWeight))"
                : "a rate from 0 to 1"
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [key],
                debugDescription: "\(value) is out of range; expected \(expected)"))
        }
        values[key] = value
    }
    return values
}

/// Families of one-hot or per-category columns: the most frequent `max_categories` values get a column
/// each; the rest share an `other` column.
public struct CategoryParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var maxCategories: Int = 10
    public init() {}
    public init(maxCategories: Int) { self.maxCategories = maxCategories }
    enum CodingKeys: String, CodingKey, CaseIterable { case maxCategories = "max_categories" }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxCategories = try c.decodeIfPresent(Int.self, forKey: .maxCategories) ?? 10
        guard StrataLimits.categories.contains(maxCategories) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.maxCategories],
                debugDescription: "\(maxCategories) is out of range; expected a whole number from \(StrataLimits.categories.lowerBound) to \(StrataLimits.categories.upperBound)"))
        }
    }
}

/// `conditions`: one 0/1 flag per named code list (a patient has any of the codes, onset at or before T).
public struct ConditionParameters: Codable, Sendable, Equatable, DefaultConstructible {
    public var codes: [String: [String]] = [:]
    public init() {}
    public init(codes: [String: [String]]) { self.codes = codes }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: ["codes"])
        let c = try decoder.container(keyedBy: UnknownKeys.AnyKey.self)
        codes = try c.decodeIfPresent([String: [String]].self, forKey: .init(stringValue: "codes")) ?? [:]
    }
}

/// Per-column overrides: transforms in order (`log1p`, `clip(lo,hi)`) and the missing-value policy.
public struct ColumnSettings: Codable, Sendable, Equatable {
    public var transforms: [String]?
    public var missing: MissingPolicy?
    /// Adds a `<name>.missing` 0/1 column.
    public var indicator: Bool?

    public init(transforms: [String]? = nil, missing: MissingPolicy? = nil, indicator: Bool? = nil) {
        self.transforms = transforms
        self.missing = missing
        self.indicator = indicator
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case transforms, missing, indicator }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transforms = try c.decodeIfPresent([String].self, forKey: .transforms)
        missing = try c.decodeIfPresent(MissingPolicy.self, forKey: .missing)
        indicator = try c.decodeIfPresent(Bool.self, forKey: .indicator)
        for (index, transform) in (transforms ?? []).enumerated() where ColumnTransform(transform) == nil {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.transforms, IndexKey(index)],
                debugDescription: "unknown transform \"\(transform)\"; expected log1p or clip(lo,hi) with finite lo <= hi"))
        }
        if case .constant(let value)? = missing, !StrataLimits.isSensible(value) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.missing],
                debugDescription: "\(value) is not a usable fill value; expected a finite number of magnitude at most 1e15"))
        }
    }
}

/// What a missing value (no visits, no birth date, ...) becomes. Fitted values (mean, median, max) come from
/// the training rows and are stored in the schema.
public enum MissingPolicy: Codable, Sendable, Equatable, CustomStringConvertible {
    case zero, mean, median, max
    case constant(Double)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Double.self) {
            self = .constant(value)
            return
        }
        let text = try container.decode(String.self)
        switch text {
        case "zero": self = .zero
        case "mean": self = .mean
        case "median": self = .median
        case "max": self = .max
        default:
            throw DecodingError.dataCorruptedError(in: container,
                debugDescription: "unknown missing-value policy \"\(text)\"; expected zero, mean, median, max or a number")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if case .constant(let value) = self { try container.encode(value) } else { try container.encode(description) }
    }

    public var description: String {
        switch self {
        case .zero: "zero"
        case .mean: "mean"
        case .median: "median"
        case .max: "max"
        case .constant(let value): "constant(\(value))"
        }
    }

    init?(schemaText text: String) {
        switch text {
        case "zero": self = .zero
        case "mean": self = .mean
        case "median": self = .median
        case "max": self = .max
        default:
            guard text.hasPrefix("constant("), text.hasSuffix(")"),
                  let value = Double(text.dropFirst(9).dropLast()) else { return nil }
            self = .constant(value)
        }
    }
}

/// A transform applied to a column before standardization.
public enum ColumnTransform: Sendable, Equatable, CustomStringConvertible {
    /// log(1 + max(x, 0)).
    case log1p
    /// min(max(x, lower), upper).
    case clip(Double, Double)

    /// Parses `log1p` or `clip(lo,hi)`.
    public init?(_ text: String) {
        let compact = text.filter { !$0.isWhitespace }
        if compact == "log1p" { self = .log1p; return }
        guard compact.hasPrefix("clip("), compact.hasSuffix(")") else { return nil }
        let bounds = compact.dropFirst(5).dropLast().split(separator: ",").compactMap { Double($0) }
        guard bounds.count == 2, bounds.allSatisfy(StrataLimits.isSensible), bounds[0] <= bounds[1] else { return nil }
        self = .clip(bounds[0], bounds[1])
    }

    public var description: String {
        switch self {
        case .log1p: "log1p"
        case .clip(let lower, let upper): "clip(\(Self.short(lower)),\(Self.short(upper)))"
        }
    }

    private static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    @inlinable
    public func apply(_ x: Double) -> Double {
        switch self {
        case .log1p: Foundation.log1p(Swift.max(x, 0))
        case .clip(let lower, let upper): Swift.min(Swift.max(x, lower), upper)
        }
    }
}
