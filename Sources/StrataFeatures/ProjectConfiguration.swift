import Foundation
import StrataData
import Yams

/// `strata.yml`, the project file: where exports are, how to read them, which features to compute, which
/// labels to fit. One value; later sections (`models`, `segments`, `outputs`) are kept as
/// ``ConfigurationValue`` until the modules that own them give them types.
///
///     exports: {path: exports, format: canonical}
///     mapping: {...}            # only for format: mapped, see ExportMapping
///     features: {...}           # see FeatureSpec
///     labels: {churn_horizon_days: 180, conversion_window_days: 90}
///     attributes: {insurance: {type: category}}   # extra patient columns, see PatientAttribute
///     checks: {booked_after_scheduled: drop}   # see ExportCheck: fail | drop | keep per check
///     discover: {families: [recency, frequency, ...]}   # see DiscoverSettings
///     clusters: {names: {3: loyal families}}          # see ClusterSettings
///
/// Unknown keys are an error naming the key, so a misspelt setting is never silently ignored.
public struct ProjectConfiguration: Codable, Sendable, Equatable {
    public var exports: ExportSettings?
    public var mapping: ExportMapping?
    public var features: FeatureSpec
    public var labels: LabelSettings
    /// The declared patient attributes, in name order (also in ``FeatureSpec/attributes`` of `features`).
    public var attributes: [PatientAttribute] {
        get { features.attributes }
        set { features.attributes = newValue }
    }
    /// What `strata discover` clusters on.
    public var discover: DiscoverSettings
    /// Names users give discovered clusters.
    public var clusters: ClusterSettings
    public var models: ConfigurationValue?
    public var segments: ConfigurationValue?
    public var outputs: ConfigurationValue?
    /// The cross-record checks' policies (`checks:`); checks not named keep their defaults.
    public var checks = ExportCheckPolicies()
    /// Measured campaigns and the global holdout (`campaigns:`, `global_holdout:`; see ``CampaignSettings``).
    public var campaigns = CampaignSettings()
    /// `reports:` (see ``ReportSettings``).
    public var reports = ReportSettings()
    /// Messages per patient across segments (`contact_policy:`, see ``ContactPolicySettings``).
    public var contactPolicy = ContactPolicySettings()

    public init(exports: ExportSettings? = nil, mapping: ExportMapping? = nil, features: FeatureSpec = .default,
                labels: LabelSettings = .init(), discover: DiscoverSettings = .init(), clusters: ClusterSettings = .init(),
                models: ConfigurationValue? = nil, segments: ConfigurationValue? = nil, outputs: ConfigurationValue? = nil) {
        self.exports = exports
        self.mapping = mapping
        self.features = features
        self.labels = labels
        self.discover = discover
        self.clusters = clusters
        self.models = models
        self.segments = segments
        self.outputs = outputs
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case exports, mapping, features, labels, attributes, discover, clusters, models, segments, outputs
        case checks
        case campaigns, globalHoldout = "global_holdout"
        case reports, contactPolicy = "contact_policy"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        exports = try c.decodeIfPresent(ExportSettings.self, forKey: .exports)
        mapping = try c.decodeIfPresent(ExportMapping.self, forKey: .mapping)
        features = try c.decodeIfPresent(FeatureSpec.self, forKey: .features) ?? .default
        labels = try c.decodeIfPresent(LabelSettings.self, forKey: .labels) ?? .init()
        features.attributes = try c.decodeIfPresent(AttributeSection.self, forKey: .attributes)?.attributes ?? []
        discover = try c.decodeIfPresent(DiscoverSettings.self, forKey: .discover) ?? .init()
        clusters = try c.decodeIfPresent(ClusterSettings.self, forKey: .clusters) ?? .init()
        models = try c.decodeIfPresent(ConfigurationValue.self, forKey: .models)
        segments = try c.decodeIfPresent(ConfigurationValue.self, forKey: .segments)
        outputs = try c.decodeIfPresent(ConfigurationValue.self, forKey: .outputs)
        checks = try c.decodeIfPresent(ExportCheckPolicies.self, forKey: .checks) ?? ExportCheckPolicies()
        campaigns = try CampaignSettings(projectFile: decoder)
        reports = try c.decodeIfPresent(ReportSettings.self, forKey: .reports) ?? ReportSettings()
        contactPolicy = try c.decodeIfPresent(ContactPolicySettings.self, forKey: .contactPolicy) ?? ContactPolicySettings()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(exports, forKey: .exports)
        try c.encodeIfPresent(mapping, forKey: .mapping)
        try c.encode(features, forKey: .features)
        try c.encode(labels, forKey: .labels)
        if !attributes.isEmpty { try c.encode(AttributeSection(attributes: attributes), forKey: .attributes) }
        try c.encodeIfPresent(models, forKey: .models)
        try c.encodeIfPresent(segments, forKey: .segments)
        try c.encodeIfPresent(outputs, forKey: .outputs)
    }

    /// Parses YAML text: a syntax error, a key given twice, text nested too deep or a setting out of range is
    /// an error with its line and column (see ``ConfigurationYAML``).
    /// - Parameter file: the name used in messages.
    public static func parse(_ text: String, file: String = "strata.yml") throws(ConfigurationError) -> ProjectConfiguration {
        guard let root = try ConfigurationYAML.compose(text, file: file) else { return ProjectConfiguration() }
        if case .scalar(let scalar) = root, scalar.string.isEmpty { return ProjectConfiguration() }
        do {
            return try YAMLDecoder().decode(ProjectConfiguration.self, from: text)
        } catch let error as DecodingError {
            let mark = ConfigurationYAML.place(of: error, in: root)
            throw ConfigurationError(file: file, line: mark?.line, column: mark?.column, message: Self.describe(error))
        } catch {
            throw ConfigurationError(file: file, message: "not valid YAML: \(error)")
        }
    }

    /// Reads and parses `url`.
    public static func load(from url: URL) throws(ConfigurationError) -> ProjectConfiguration {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ConfigurationError(file: url.path, message: "cannot read: \(error.localizedDescription)")
        }
        var configuration = try parse(text, file: url.path)
        if var exports = configuration.exports, !exports.path.hasPrefix("/") {
            exports.path = url.deletingLastPathComponent().appendingPathComponent(exports.path).path
            configuration.exports = exports
        }
        return configuration
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? context.debugDescription : "\(path(context.codingPath)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): required setting missing"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(plainName(of: type))\(found(in: context.debugDescription))"
        @unknown default:
            return String(describing: error)
        }
    }

    /// A Swift type as a person editing the file knows it.
    private static func plainName(of type: Any.Type) -> String {
        switch String(describing: type) {
        case "String", "Scalar", "Node.Scalar": "a single value"
        case "Int", "Int32", "Int64", "UInt64": "a whole number"
        case "Double", "Float": "a number"
        case "Bool": "true or false"
        case let name where name.hasPrefix("Array") || name == "Sequence": "a list"
        case let name where name.hasPrefix("Dictionary") || name == "Mapping": "a mapping of keys to values"
        case let name: "a \(name)"
        }
    }

    /// ", found a list" from a decoder's "... but found Sequence instead." (empty when it says nothing usable).
    private static func found(in debugDescription: String) -> String {
        let kinds = ["Sequence": "a list", "Mapping": "a mapping", "Scalar": "a single value", "null": "nothing"]
        for (kind, words) in kinds where debugDescription.contains("found \(kind)") { return ", found \(words)" }
        return ""
    }
}

/// A problem in `strata.yml`, with its place when the text has one.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based line and column (in characters) of the offending text.
    public let line: Int?
    public let column: Int?
    /// What is wrong and what was expected, in a sentence.
    public let message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return "\(file):\(line):\(column.map { "\($0):" } ?? "") \(message)"
    }
}

/// `exports`: where a project's exports are and their format.
public struct ExportSettings: Codable, Sendable, Equatable {
    /// An export folder, relative to `strata.yml`.
    public var path: String
    /// The format; detected when absent.
    public var format: ExportFormat?

    public init(path: String, format: ExportFormat? = nil) {
        self.path = path
        self.format = format
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case path, format }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        format = try c.decodeIfPresent(ExportFormat.self, forKey: .format)
    }
}

/// `labels`: the windows after the as-of date that labels look at.
public struct LabelSettings: Codable, Sendable, Equatable {
    /// Churn: no completed appointment in (T, T + horizon].
    public var churnHorizonDays: Int = 180
    /// Conversion: a lead's first completed appointment within this many days of its creation.
    public var conversionWindowDays: Int = 90

    public init(churnHorizonDays: Int = 180, conversionWindowDays: Int = 90) {
        self.churnHorizonDays = churnHorizonDays
        self.conversionWindowDays = conversionWindowDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case churnHorizonDays = "churn_horizon_days", conversionWindowDays = "conversion_window_days"
    }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        churnHorizonDays = try c.decodeIfPresent(Int.self, forKey: .churnHorizonDays) ?? 180
        conversionWindowDays = try c.decodeIfPresent(Int.self, forKey: .conversionWindowDays) ?? 90
        for (key, days) in [(CodingKeys.churnHorizonDays, churnHorizonDays), (.conversionWindowDays, conversionWindowDays)]
        where !StrataLimits.days.contains(days) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [key],
                debugDescription: "\(days) days is out of range; expected a whole number of days from \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)"))
        }
    }
}

/// `discover`: the feature families `strata discover` clusters on, by their names in `features`. The default
/// is behavioral: recency, frequency, value (`monetary`), tenure, visit intervals, attendance, service mix
/// (`services`) and channel engagement (`engagement`). Demographics, lead source and other patient
/// attributes describe who a patient is, not what they do, and stay out unless named here.
public struct DiscoverSettings: Codable, Sendable, Equatable {
    /// The families clustered on (columns of other families are left out).
    public var families: [String]

    /// The behavioral default.
    public static let behavioralFamilies = ["recency", "frequency", "monetary", "tenure", "visit_intervals", "attendance",
                                            "services", "engagement"]

    public init(families: [String] = DiscoverSettings.behavioralFamilies) {
        self.families = families
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case families }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        families = try c.decodeIfPresent([String].self, forKey: .families) ?? Self.behavioralFamilies
        let known = FeatureSpec.familyNames
        for (index, family) in families.enumerated() {
            let path = decoder.codingPath + [CodingKeys.families, IndexKey(index)]
            guard known.contains(family) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path,
                    debugDescription: "unknown feature family \"\(family)\"; expected one of \(known.joined(separator: ", "))"))
            }
            if families[..<index].contains(family) {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\"\(family)\" is listed twice; give each family once"))
            }
        }
        if families.isEmpty {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.families],
                debugDescription: "no families; name at least one, e.g. \(Self.behavioralFamilies.joined(separator: ", "))"))
        }
    }
}

extension FeatureSpec {
    /// The names of the feature families, as `strata.yml` spells them under `features`.
    public static var familyNames: [String] {
        CodingKeys.allCases.map(\.rawValue).filter { $0 != "standardize" && $0 != "columns" }
    }
}

/// `clusters`: names users give discovered clusters, by cluster id (`strata discover` prints the ids). A
/// cluster keeps its id when a refit matches it, so a name given here survives refits.
///
///     clusters:
///       names: {3: loyal families, 5: "lapsed, ignores recalls"}
public struct ClusterSettings: Codable, Sendable, Equatable {
    /// Cluster id → name.
    public var names: [Int: String]

    public init(names: [Int: String] = [:]) {
        self.names = names
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case names }
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decodeIfPresent([String: String].self, forKey: .names) ?? [:]
        var names: [Int: String] = [:]
        for (key, name) in text.sorted(by: { $0.key < $1.key }) {
            let path = decoder.codingPath + [CodingKeys.names, UnknownKeys.AnyKey(stringValue: key)]
            guard let id = Int(key), id >= 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: path,
                    debugDescription: "\"\(key)\" is not a cluster id; expected a whole number >= 0 as `strata discover` prints it"))
            }
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 80 else {
                throw DecodingError.dataCorrupted(.init(codingPath: path,
                    debugDescription: "\"\(name)\"; expected a name of 1 to 80 characters"))
            }
            if let other = names.first(where: { $0.value == trimmed }) {
                throw DecodingError.dataCorrupted(.init(codingPath: path,
                    debugDescription: "\"\(trimmed)\" is already the name of cluster \(other.key); names must be distinct"))
            }
            names[id] = trimmed
        }
        self.names = names
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: names.map { ("\($0.key)", $0.value) }), forKey: .names)
    }
}

/// Any YAML value, for sections whose types belong to later modules.
public indirect enum ConfigurationValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case list([ConfigurationValue])
    case mapping([String: ConfigurationValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ConfigurationValue].self) { self = .list(value) }
        else { self = .mapping(try container.decode([String: ConfigurationValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .list(let value): try container.encode(value)
        case .mapping(let value): try container.encode(value)
        }
    }
}
