import Foundation
import StrataData

/// `campaigns:` and `global_holdout:` in `strata.yml`: measured campaigns, each with a randomized holdout.
///
///     global_holdout: 0.05          # optional: this share of patients is on no marketing list at all
///     campaigns:
///       - name: winback-test
///         segment: inactive-12-months
///         channel: email
///         holdout: 0.2              # default 0.1
///         outcome: {event: visit, within_days: 60}
///         subgroups: [sex, preferred_channel]   # optional
///
/// Names are checked here (unique, safe as file names), the segment against the project's segments when a
/// campaign starts.
public struct CampaignSettings: Sendable, Equatable {
    public var campaigns: [CampaignDefinition]
    /// The share of all patients kept off every marketing list (0: none).
    public var globalHoldout: Double

    public init(campaigns: [CampaignDefinition] = [], globalHoldout: Double = 0) {
        self.campaigns = campaigns
        self.globalHoldout = globalHoldout
    }

    enum CodingKeys: String, CodingKey { case campaigns, globalHoldout = "global_holdout" }

    /// Reads both keys from the project file's top-level mapping.
    init(projectFile decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        campaigns = try c.decodeIfPresent([CampaignDefinition].self, forKey: .campaigns) ?? []
        globalHoldout = try c.decodeIfPresent(Double.self, forKey: .globalHoldout) ?? 0
        guard globalHoldout >= 0 && globalHoldout < 0.5 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.globalHoldout],
                debugDescription: "\(globalHoldout) is out of range; expected a share from 0 to below 0.5, e.g. 0.05"))
        }
        var seen: Set<String> = []
        for (index, campaign) in campaigns.enumerated() where !seen.insert(campaign.name).inserted {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.campaigns, IndexKey(index), CampaignDefinition.CodingKeys.name],
                debugDescription: "campaign '\(campaign.name)' is defined twice; campaign names must be unique"))
        }
    }

    /// The campaign named `name`, if defined.
    public func campaign(named name: String) -> CampaignDefinition? { campaigns.first { $0.name == name } }
}

/// One campaign of `campaigns:`.
public struct CampaignDefinition: Codable, Sendable, Equatable {
    /// Letters `a-z`, digits, `-` and `_` (it names the send list's file and the store's rows).
    public var name: String
    /// The segment whose consented list is the audience.
    public var segment: String
    /// `email`, `sms`, `phone` or `whatsapp`.
    public var channel: String
    /// The share of the audience held out (not contacted); default 0.1.
    public var holdout: Double
    public var outcome: CampaignOutcome
    /// Patient columns to break the results down by: `sex`, `preferred_channel`, `source`, or a declared attribute;
    /// or `cluster` (reported for every campaign; naming it makes it required, see docs/campaigns.md).
    public var subgroups: [String]

    public init(name: String, segment: String, channel: String, holdout: Double = 0.1, outcome: CampaignOutcome,
                subgroups: [String] = []) {
        self.name = name
        self.segment = segment
        self.channel = channel
        self.holdout = holdout
        self.outcome = outcome
        self.subgroups = subgroups
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case name, segment, channel, holdout, outcome, subgroups }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        segment = try c.decode(String.self, forKey: .segment)
        channel = try c.decode(String.self, forKey: .channel)
        holdout = try c.decodeIfPresent(Double.self, forKey: .holdout) ?? 0.1
        outcome = try c.decode(CampaignOutcome.self, forKey: .outcome)
        subgroups = try c.decodeIfPresent([String].self, forKey: .subgroups) ?? []
        func fail(_ key: CodingKeys, _ message: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: decoder.codingPath + [key], debugDescription: message))
        }
        guard Self.isSafeName(name) else {
            throw fail(.name, "'\(name)' is not a usable campaign name; expected 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit")
        }
        guard CanonicalValues.channels.contains(channel) else {
            throw fail(.channel, "unknown channel '\(channel)' (expected one of: \(CanonicalValues.channels.joined(separator: ", ")))")
        }
        guard holdout.isFinite && holdout > 0 && holdout < 1 else {
            throw fail(.holdout, "\(holdout) is out of range; expected a share above 0 and below 1, e.g. 0.1")
        }
    }

    /// The same rule as segment names: safe as a file name and a store key.
    static func isSafeName(_ name: String) -> Bool {
        guard (1...64).contains(name.utf8.count), let first = name.unicodeScalars.first,
              ("a"..."z").contains(first) || ("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}

/// What counts as a campaign's outcome, and how long after the start it is looked for.
public struct CampaignOutcome: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable, CaseIterable {
        /// A completed appointment scheduled inside the window.
        case visit
        /// An appointment booked inside the window (any status).
        case booking
        /// The patient's first completed appointment ever falls inside the window (a lead converting).
        case conversion
    }

    public var event: Event
    /// The window is the days after the start day up to and including start + `withinDays`.
    public var withinDays: Int

    public init(event: Event, withinDays: Int) {
        self.event = event
        self.withinDays = withinDays
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case event, withinDays = "within_days" }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .event)
        guard let event = Event(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.event],
                debugDescription: "unknown outcome event '\(text)' (expected one of: \(Event.allCases.map(\.rawValue).joined(separator: ", ")))"))
        }
        self.event = event
        withinDays = try c.decode(Int.self, forKey: .withinDays)
        guard (1...3_650).contains(withinDays) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.withinDays],
                debugDescription: "\(withinDays) days is out of range; expected a whole number of days from 1 to 3650"))
        }
    }
}
