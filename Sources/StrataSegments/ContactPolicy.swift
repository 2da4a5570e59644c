import StrataData
import StrataFeatures

/// Who gets which message on which channel in one run, across every segment: one channel per patient and
/// segment, deceased patients never, marketing within its caps and outside quiet periods, in priority order
/// (see `docs/segments.md`, "Contact policy").
///
/// The unit of every count is a *contact*: a (patient, channel) row of the unconstrained lists, the lists
/// every consented channel with an address would give. A patient held back in a segment with three such
/// channels is three contacts held, so that the held-back counts add up to the difference between the
/// unconstrained lists and the lists written.
public enum ContactPolicy {
    /// Plans the lists of `segments` (as evaluated, in definition order).
    ///
    /// Rules, in the order they are tried for each patient and segment:
    /// 1. no consent in force or no address on a channel: that contact is not in the unconstrained list either
    ///    (counted as ``HeldBack/consent`` and ``HeldBack/address``);
    /// 2. a patient who has died (any `deceased_at` on file): ``HeldBack/deceased``;
    /// 3. marketing only, a quiet period running at the end of `asOf`: ``HeldBack/quietPeriod``;
    /// 4. the window cap already used up by messages the export says were sent: ``HeldBack/cap``;
    /// 5. the run's allowance taken by higher-priority segments: ``HeldBack/priority``;
    /// 6. otherwise listed on one channel (``channelRouting`` for the others) or on every one (`channels_mode: all`).
    ///
    /// With `enabled: false` only rules 1 and 2 apply: every consented channel, but never a deceased patient.
    ///
    /// - Parameters:
    ///   - sent: messages campaigns recorded as sent that the export may not show yet (see ``CampaignSends``):
    ///     they count as messages already sent, as the export's communications do.
    ///   - explaining: segments whose plan also records each member held back and why (``SegmentPlan/heldRows``).
    /// - Complexity: O(members of all segments + communications + appointments + sent).
    public static func plan(_ segments: [SegmentMembers], export: ClinicExport, consents: ConsentLedger, asOf: Day,
                            settings: ContactPolicySettings, sent: [CampaignSends] = [],
                            explaining: Set<String> = []) throws(ContactPolicyError) -> ContactPlan {
        try validate(settings, definitions: segments.map(\.definition))
        let candidates = segments.map { Candidates($0, export: export, consents: consents) }
        guard settings.enabled else {
            // Without the policy the lists are the consented members on every channel, but a patient with a
            // death on file is never listed: that promise does not depend on the policy.
            return ContactPlan(segments: zip(segments, candidates).map { segment, candidates in
                var plan = SegmentPlan(segment.definition, unconstrained: candidates)
                let explains = explaining.contains(segment.definition.name)
                for (row, mask) in candidates.members {
                    if export.patients.hasDeathOnFile(row) {
                        plan.hold(row, .deceased, contacts: mask.nonzeroBitCount, explains)
                    } else {
                        plan.list(row, mask)
                    }
                }
                return plan
            })
        }
        let history = ContactHistory(export, asOf: asOf, settings: settings, sent: sent)
        var plans = zip(segments, candidates).map { SegmentPlan($0.definition, unconstrained: $1) }
        // Per purpose (marketing, care) and patient: messages listed so far in this run.
        var listedThisRun = [[Int32]](repeating: [Int32](repeating: 0, count: export.patients.count), count: 2)
        for index in order(segments.map(\.definition), priority: settings.priority) {
            let isMarketing = segments[index].definition.purpose == .marketing
            let cap: ContactPolicySettings.FrequencyCap? = isMarketing ? settings.marketingCap : settings.careCap
            let windowRemaining = isMarketing ? history.marketingWindowRemaining : history.careWindowRemaining
            let purpose = isMarketing ? 0 : 1
            let routeAll = segments[index].definition.channelsMode == .all
            let explains = explaining.contains(segments[index].definition.name)
            for (row, mask) in candidates[index].members {
                let contacts = mask.nonzeroBitCount
                if history.isDeceased(row) { plans[index].hold(row, .deceased, contacts: contacts, explains); continue }
                if isMarketing, history.isQuiet(row) { plans[index].hold(row, .quietPeriod, contacts: contacts, explains); continue }
                if let cap {
                    let remaining = windowRemaining.map { Int($0[row]) } ?? cap.perRun
                    if remaining <= 0 { plans[index].hold(row, .cap, contacts: contacts, explains); continue }
                    if Int(listedThisRun[purpose][row]) >= min(cap.perRun, remaining) {
                        plans[index].hold(row, .priority, contacts: contacts, explains); continue
                    }
                    listedThisRun[purpose][row] += 1
                }
                let chosen = routeAll ? mask : candidates[index].route(row, mask, preferred: export.patients.preferredChannel[row])
                plans[index].held.channelRouting += contacts - chosen.nonzeroBitCount
                plans[index].list(row, chosen)
            }
        }
        return ContactPlan(segments: plans)
    }

    /// The order segments are planned in: marketing by `priority` (named ones first, the rest in definition
    /// order), then care in definition order (care caps, when set, go to the earlier-defined segment).
    static func order(_ definitions: [SegmentDefinition], priority: [String]) -> [Int] {
        let marketing = definitions.indices.filter { definitions[$0].purpose == .marketing }
        let named = priority.compactMap { name in marketing.first { definitions[$0].name == name } }
        let care = definitions.indices.filter { definitions[$0].purpose == .care }
        return named + marketing.filter { !named.contains($0) } + care
    }

    /// Priority names must be defined marketing segments, each once.
    static func validate(_ settings: ContactPolicySettings, definitions: [SegmentDefinition]) throws(ContactPolicyError) {
        var seen: Set<String> = []
        for name in settings.priority {
            guard let definition = definitions.first(where: { $0.name == name }) else {
                throw ContactPolicyError(setting: "priority", value: name, expected: "the name of a defined marketing segment")
            }
            guard definition.purpose == .marketing else {
                throw ContactPolicyError(setting: "priority", value: name, expected: "a marketing segment (care segments have their own cap and are not ranked)")
            }
            guard seen.insert(name).inserted else {
                throw ContactPolicyError(setting: "priority", value: name, expected: "each segment named once")
            }
        }
    }
}

/// A `contact_policy` setting that does not fit the project's segments.
public struct ContactPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The setting under `contact_policy`, e.g. `priority`.
    public let setting: String
    public let value: String
    public let expected: String

    public var description: String { "contact_policy.\(setting): '\(value)' is not \(expected)" }
}

/// The lists of one run after the contact policy.
public struct ContactPlan: Sendable {
    /// In the segments' definition order.
    public let segments: [SegmentPlan]
}

/// One segment's lists after the contact policy, and what the policy held back.
public struct SegmentPlan: Sendable {
    public let definition: SegmentDefinition
    /// Per channel, in the segment's channel order: the patient rows listed, ascending.
    public private(set) var rows: [(channel: Channel, rows: [Int])]
    /// Per channel, in the same order: the members without consent and those without an address for it.
    public let withoutConsent: [Int]
    public let withoutAddress: [Int]
    public internal(set) var held = HeldBack()
    /// Only for a segment the plan was asked to explain: each member held back on every channel, with the
    /// rule that held them, in ascending rows. A member neither here nor listed on a channel is listed on
    /// another of the segment's channels (``HeldBackReason/channelRouting``).
    public private(set) var heldRows: [(row: Int, reason: HeldBackReason)] = []

    init(_ definition: SegmentDefinition, unconstrained: Candidates) {
        self.definition = definition
        rows = unconstrained.channels.map { (channel: $0, rows: [Int]()) }
        withoutConsent = unconstrained.withoutConsent
        withoutAddress = unconstrained.withoutAddress
        held.consent = withoutConsent.reduce(0, +)
        held.address = withoutAddress.reduce(0, +)
    }

    mutating func hold(_ row: Int, _ reason: HeldBackReason, contacts: Int, _ explains: Bool) {
        held[reason] += contacts
        if explains { heldRows.append((row, reason)) }
    }

    mutating func list(_ row: Int, _ mask: UInt8) {
        for position in rows.indices where mask & (1 << position) != 0 { rows[position].rows.append(row) }
    }
}

/// Contacts a run did not list, by the rule that held them back (see ``ContactPolicy/plan(_:export:consents:asOf:settings:)``).
public struct HeldBack: HeldBackReasonCounts, Sendable, Equatable, Codable {
    /// No consent in force for the segment's purpose on the channel.
    public var consent = 0
    /// Consent but no e-mail or phone for the channel.
    public var address = 0
    /// The patient is listed on another of the segment's channels.
    public var channelRouting = 0
    /// Higher-priority segments used the patient's messages for this run.
    public var priority = 0
    /// Messages already sent in the cap's window used it up.
    public var cap = 0
    public var quietPeriod = 0
    public var deceased = 0

    public init() {}

    /// Everything the policy held back beyond consent and address: the unconstrained lists' rows minus the
    /// rows written.
    public var byPolicy: Int { channelRouting + priority + cap + quietPeriod + deceased }

    /// `(reason, contacts)` in report order, with the names the summary, `--json` and the store use.
    public var reasons: [(name: String, contacts: Int)] {
        [("consent", consent), ("address", address), ("channel_routing", channelRouting), ("priority", priority),
         ("cap", cap), ("quiet_period", quietPeriod), ("deceased", deceased)]
    }

    enum CodingKeys: String, CodingKey {
        case consent, address, channelRouting = "channel_routing", priority, cap, quietPeriod = "quiet_period", deceased
    }

}

/// The rules of the contact policy that hold back a contact that has consent and an address, in the order
/// they are tried; the raw values are the names the summary, `--json` and the store use.
public enum HeldBackReason: String, Codable, Sendable, CaseIterable {
    case deceased
    case quietPeriod = "quiet_period"
    case cap
    case priority
    case channelRouting = "channel_routing"
}

/// Counts with one field per ``HeldBackReason`` (a segment's held-back contacts, a campaign's treatment
/// patients not sent), read and written by reason.
public protocol HeldBackReasonCounts {
    var deceased: Int { get set }
    var quietPeriod: Int { get set }
    var cap: Int { get set }
    var priority: Int { get set }
    var channelRouting: Int { get set }
}

extension HeldBackReasonCounts {
    /// The count of one of the policy's rules.
    public subscript(reason: HeldBackReason) -> Int {
        get {
            switch reason {
            case .deceased: deceased
            case .quietPeriod: quietPeriod
            case .cap: cap
            case .priority: priority
            case .channelRouting: channelRouting
            }
        }
        set {
            switch reason {
            case .deceased: deceased = newValue
            case .quietPeriod: quietPeriod = newValue
            case .cap: cap = newValue
            case .priority: priority = newValue
            case .channelRouting: channelRouting = newValue
            }
        }
    }
}

/// Per member of one segment, the channels (bit k: the segment's k-th channel) with consent for the
/// segment's purpose and an address: the unconstrained lists.
struct Candidates {
    let channels: [Channel]
    private(set) var members: [(row: Int, mask: UInt8)] = []
    private(set) var withoutConsent: [Int]
    private(set) var withoutAddress: [Int]

    init(_ segment: SegmentMembers, export: ClinicExport, consents: ConsentLedger) {
        channels = segment.definition.channels.compactMap { name in Channel.allCases.first { $0.name == name } }
        let purpose: ConsentPurpose = segment.definition.purpose == .marketing ? .marketing : .care
        withoutConsent = Array(repeating: 0, count: channels.count)
        withoutAddress = Array(repeating: 0, count: channels.count)
        let patients = export.patients
        members.reserveCapacity(segment.rows.count)
        for row in segment.rows {
            var mask: UInt8 = 0
            for (position, channel) in channels.enumerated() {
                guard consents.allows(row, channel, purpose) else { withoutConsent[position] += 1; continue }
                let hasAddress = channel == .email ? patients.email.hasValue(row) : patients.phone.hasValue(row)
                guard hasAddress else { withoutAddress[position] += 1; continue }
                mask |= 1 << position
            }
            if mask != 0 { members.append((row, mask)) }
        }
    }

    /// One channel of `mask`: the preferred one when it is there, else the first in the segment's order.
    func route(_ row: Int, _ mask: UInt8, preferred: Channel?) -> UInt8 {
        if let preferred, let position = channels.firstIndex(of: preferred), mask & (1 << position) != 0 {
            return 1 << position
        }
        return mask & (~mask &+ 1)
    }
}

/// How many of a segment's consented channels a patient is listed on (`channels_mode` of a segment).
public enum ChannelsMode: String, Codable, Sendable, CaseIterable {
    /// One channel: the patient's preferred one when it is consented and among the segment's channels, else
    /// the first consented one in the segment's order.
    case one
    /// Every consented channel with an address: for care messages that must reach the patient by any means.
    case all

    init(decoding text: String?, segment: String) throws(SegmentDefinitionError) {
        guard let text else { self = .one; return }
        guard let mode = ChannelsMode(rawValue: text) else {
            throw SegmentDefinitionError(segment: segment, message: "channels_mode '\(text)' is not 'one' or 'all'")
        }
        self = mode
    }
}
