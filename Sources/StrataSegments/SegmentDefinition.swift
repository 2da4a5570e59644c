import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra

/// Why a segment is used: care messages (reminders, follow-ups) or marketing. Lists for each purpose need a
/// consent recorded for that purpose.
public enum SegmentPurpose: String, Codable, Sendable, CaseIterable {
    case care
    case marketing
}

/// One segment as a user defines it in `strata.yml`:
///
/// ```yaml
/// segments:
///   - name: braces-campaign
///     description: Leads interested in braces, never those asking about Invisalign
///     rule: lead_interest = 'braces'
///     purpose: marketing
///     channels: [email, sms]
///     exclude: [invisalign-leads]
/// ```
public struct SegmentDefinition: Codable, Sendable, Equatable {
    /// Lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters: it
    /// names list files.
    public var name: String
    public var description: String?
    /// The rule (see `docs/segment-rules.md`).
    public var rule: String
    public var purpose: SegmentPurpose
    /// The channels lists are made for: `email`, `sms`, `phone`, `whatsapp`.
    public var channels: [String]
    /// Segments whose rule excludes a patient from this one (a patient matching any of their rules is out).
    public var exclude: [String]
    /// `one` (default): each patient on one channel; `all`: on every consented channel (see ``ChannelsMode``).
    public var channelsMode: ChannelsMode = .one

    public init(name: String, description: String? = nil, rule: String, purpose: SegmentPurpose,
                channels: [String] = [], exclude: [String] = [], channelsMode: ChannelsMode = .one) {
        self.name = name
        self.description = description
        self.rule = rule
        self.purpose = purpose
        self.channels = channels
        self.exclude = exclude
        self.channelsMode = channelsMode
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, rule, purpose, channels, exclude, channelsMode = "channels_mode"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }
        name = try container.decode(String.self, forKey: .name)
        if let key = unknown.first {
            throw SegmentDefinitionError(segment: name, message: "unknown key '\(key)' (expected one of: \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        description = try container.decodeIfPresent(String.self, forKey: .description)
        rule = try container.decode(String.self, forKey: .rule)
        let purposeText = try container.decode(String.self, forKey: .purpose)
        guard let purpose = SegmentPurpose(rawValue: purposeText) else {
            throw SegmentDefinitionError(segment: name, message: "purpose '\(purposeText)' is not 'care' or 'marketing'")
        }
        self.purpose = purpose
        channels = try container.decodeIfPresent([String].self, forKey: .channels) ?? []
        exclude = try container.decodeIfPresent([String].self, forKey: .exclude) ?? []
        channelsMode = try ChannelsMode(decoding: container.decodeIfPresent(String.self, forKey: .channelsMode), segment: name)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Whether `name` is safe as a file name and a store key.
    public static func isSafeName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.unicodeScalars.first,
              CharacterSet.lowercaseLetters.contains(first) || CharacterSet.decimalDigits.contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}

/// A segment definition that cannot be used, naming the segment.
public struct SegmentDefinitionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let segment: String
    public let message: String

    public init(segment: String, message: String) {
        self.segment = segment
        self.message = message
    }

    public var description: String { "segment '\(segment)': \(message)" }
}

/// The segments of a project, checked together: names unique and safe, channels known and listed once,
/// exclusions naming other defined segments once each, rules that parse.
public struct SegmentCatalog: Sendable {
    public let definitions: [SegmentDefinition]
    let rules: [String: SegmentRule]

    /// Checks `definitions`.
    /// - Throws: ``SegmentDefinitionError`` for the first definition that is wrong, or ``RuleError`` wrapped
    ///   in one for a rule that does not parse.
    public init(_ definitions: [SegmentDefinition]) throws(SegmentDefinitionError) {
        var rules: [String: SegmentRule] = [:]
        for definition in definitions {
            guard SegmentDefinition.isSafeName(definition.name) else {
                throw SegmentDefinitionError(segment: definition.name, message:
                    "the name must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit (it names list files)")
            }
            guard rules[definition.name] == nil else {
                throw SegmentDefinitionError(segment: definition.name, message: "defined twice")
            }
            for channel in definition.channels where !CanonicalValues.channels.contains(channel) {
                throw SegmentDefinitionError(segment: definition.name, message:
                    "unknown channel '\(channel)' (expected one of: \(CanonicalValues.channels.joined(separator: ", ")))")
            }
            // A channel listed twice would list every contact twice.
            if let channel = Self.firstRepeated(definition.channels) {
                throw SegmentDefinitionError(segment: definition.name, message: "channel '\(channel)' is listed twice")
            }
            do { rules[definition.name] = try SegmentRule(definition.rule) } catch {
                throw SegmentDefinitionError(segment: definition.name, message: "rule: \(error.description)")
            }
        }
        // Exclusions read the excluded segments' rules, not their members, so they never chain: segments
        // that exclude each other are well defined (a patient matching both rules is in neither), but one
        // that excludes itself matches nobody.
        for definition in definitions {
            if definition.exclude.contains(definition.name) {
                throw SegmentDefinitionError(segment: definition.name, message: "excludes itself, which would leave it always empty")
            }
            for excluded in definition.exclude where rules[excluded] == nil {
                throw SegmentDefinitionError(segment: definition.name, message: "excludes '\(excluded)', which is not a defined segment")
            }
            if let excluded = Self.firstRepeated(definition.exclude) {
                throw SegmentDefinitionError(segment: definition.name, message: "excludes '\(excluded)' twice")
            }
        }
        self.definitions = definitions
        self.rules = rules
    }

    /// The first value that appears a second time in `values`.
    private static func firstRepeated(_ values: [String]) -> String? {
        var seen: Set<String> = []
        return values.first { !seen.insert($0).inserted }
    }

    /// The `segments` section of a project file.
    public init(configuration: ConfigurationValue?) throws {
        guard let configuration, configuration != .null else { try self.init([]); return }
        let data = try JSONEncoder().encode(configuration)
        let definitions: [SegmentDefinition]
        do { definitions = try JSONDecoder().decode([SegmentDefinition].self, from: data) } catch let error as SegmentDefinitionError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            let index = context.codingPath.first?.intValue.map { "segment \($0 + 1)" } ?? "a segment"
            throw SegmentDefinitionError(segment: index, message: "missing '\(key.stringValue)'")
        } catch {
            throw SegmentDefinitionError(segment: "segments", message: "expected a list of segments with name, rule and purpose (\(error))")
        }
        try self.init(definitions)
    }

    /// Evaluates every segment on `frame`.
    ///
    /// - Returns: per segment, the members (rows of the frame) with the reason each is in: the values of the
    ///   fields its rule reads.
    /// - Throws: ``SegmentDefinitionError`` when a rule names a field the frame lacks or mixes types.
    public func evaluate(_ frame: SegmentFrame) throws(SegmentDefinitionError) -> [SegmentMembers] {
        typealias Calls = [(text: String, evaluate: @Sendable (Int) -> RuleValue?)]
        // Binding (ranks sort a million values) and then the scans, one task per segment on every core, each
        // reading the frame and the bound rules only: 14 segments at 1M took 1.0 s one after another. The first
        // segment in definition order whose rule does not bind is the error.
        let binding = Parallel.map(rangesOf: definitions.count, workers: definitions.count) { [definitions, rules] segments in
            segments.map { index -> Result<(BoundSegmentRule, Calls), SegmentDefinitionError> in
                let definition = definitions[index]
                do throws(RuleError) {
                    return .success((try rules[definition.name]!.bind(to: frame), try rules[definition.name]!.boundCalls(to: frame)))
                } catch {
                    return .failure(SegmentDefinitionError(segment: definition.name, message: "rule: \(error.description)"))
                }
            }
        }.flatMap { $0 }
        var bound: [String: BoundSegmentRule] = [:]
        var calls: [String: Calls] = [:]
        for (definition, result) in zip(definitions, binding) {
            (bound[definition.name], calls[definition.name]) = try result.get()
        }
        return Parallel.map(rangesOf: definitions.count, workers: definitions.count) { [definitions, rules, bound, calls] segments in
            segments.map { index in
                let definition = definitions[index]
                let rule = bound[definition.name]!
                let exclusions = definition.exclude.map { ($0, bound[$0]!) }
                var members: [Int] = []
                var excluded = [Int](repeating: 0, count: exclusions.count)
                for row in 0..<frame.patientCount where rule.matches(row) {
                    var isExcluded = false
                    for (k, exclusion) in exclusions.enumerated() where exclusion.1.matches(row) {
                        excluded[k] += 1
                        isExcluded = true
                    }
                    if !isExcluded { members.append(row) }
                }
                return SegmentMembers(definition: definition, rows: members, fieldNames: rules[definition.name]!.fieldNames,
                                      calls: calls[definition.name]!, exclusions: exclusions,
                                      excluded: zip(definition.exclude, excluded).map { SegmentMembers.Exclusion(segment: $0, patients: $1) },
                                      warnings: rule.notes.map { "segment '\(definition.name)': \($0)" })
            }
        }.flatMap { $0 }
    }

    /// Why `row` is not in `segment` (for patients who leave it): the rule's field values, or the exclusion.
    public func exitReason(_ segment: SegmentMembers, row: Int, in frame: SegmentFrame) -> String {
        exitReasons(segment, in: frame)(row)
    }

    /// ``exitReason(_:row:in:)`` for many rows of one segment, its fields' columns looked up once.
    public func exitReasons(_ segment: SegmentMembers, in frame: SegmentFrame) -> @Sendable (Int) -> String {
        let reason = segment.reasons(in: frame), exclusions = segment.exclusions
        return { row in
            if let (excluded, _) = exclusions.first(where: { $0.1.matches(row) }) {
                return "excluded by segment '\(excluded)'"
            }
            return "rule no longer holds: " + reason(row)
        }
    }
}

/// One segment's members on a frame.
public struct SegmentMembers: Sendable {
    public let definition: SegmentDefinition
    /// Rows of the frame, ascending.
    public let rows: [Int]
    /// The fields the rule reads (for reasons).
    public let fieldNames: [String]
    /// The rule's function calls with their evaluators (for reasons).
    let calls: [(text: String, evaluate: @Sendable (Int) -> RuleValue?)]
    /// The excluded segments' rules, bound to the same frame.
    let exclusions: [(String, BoundSegmentRule)]
    /// Per excluded segment, in the order of `exclude`: how many patients the rule selected that it kept out.
    /// A patient whom two exclusions match counts under both.
    public let excluded: [Exclusion]
    /// What the rule's binding noticed, naming the segment: services or conditions the export does not have.
    public let warnings: [String]

    /// The patients one exclusion kept out of the segment.
    public struct Exclusion: Sendable, Equatable {
        /// The excluded segment's name.
        public let segment: String
        public let patients: Int
    }
}

extension SegmentMembers {
    /// Why patient `row` is (or was) in the segment: the values of the fields the rule reads, then of its
    /// function calls, e.g. `sex=female, age=52, visits_for(['mammogram'], 2y)=0`.
    public func reason(row: Int, in frame: SegmentFrame) -> String {
        reasons(in: frame)(row)
    }

    /// ``reason(row:in:)`` for many rows: the fields' columns are looked up once, not once a row (a new
    /// store's first refresh asks two million reasons).
    public func reasons(in frame: SegmentFrame) -> @Sendable (Int) -> String {
        let describe = frame.describer(fields: fieldNames)
        let calls = calls
        return { row in
            var reason = describe(row)
            for call in calls {
                if !reason.isEmpty { reason += ", " }
                reason += call.text
                reason += "="
                reason += call.evaluate(row).map(RuleBinder.words) ?? "missing"
            }
            return reason
        }
    }
}

extension SegmentFrame {
    /// `field=value` for each field, e.g. `days_since_last_visit=212, churn_score=0.71`; missing values as `missing`.
    public func describe(row: Int, fields: [String]) -> String {
        describer(fields: fields)(row)
    }

    /// ``describe(row:fields:)`` with the fields' columns looked up once, for many rows.
    public func describer(fields: [String]) -> @Sendable (Int) -> String {
        let values: [@Sendable (Int) -> String] = fields.map { name in
            switch columns[name] {
            case let .number(values)?:
                { row in values[row].map { $0.rounded() == $0 && abs($0) < 1e15 ? String(Int($0)) : Self.threeSignificantDigits($0) } ?? "missing" }
            case let .text(values)?: { row in values[row] ?? "missing" }
            case let .date(values)?: { row in values[row].map(RuleCalendar.isoString) ?? "missing" }
            case let .flag(values)?: { row in values[row].map { $0 ? "yes" : "no" } ?? "missing" }
            case let .list(values)?: { row in "[" + values[row].joined(separator: ", ") + "]" }
            case nil: { _ in "missing" }
            }
        }
        let prefixes = fields.enumerated().map { ($0.offset == 0 ? "" : ", ") + $0.element + "=" }
        return { row in
            var text = ""
            for (prefix, value) in zip(prefixes, values) {
                text += prefix
                text += value(row)
            }
            return text
        }
    }

    /// `String(format: "%.3g", value)` by the C library's own formatting, without Foundation's format
    /// parsing (a third of the time of a new store's two million reasons).
    static func threeSignificantDigits(_ value: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            _ = withVaList([value]) { vsnprintf(buffer.baseAddress!, 32, "%.3g", $0) }
            return String(cString: buffer.baseAddress!)
        }
    }
}
