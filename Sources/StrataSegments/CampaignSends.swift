import StrataData

/// The messages one started campaign sent: its treatment's send list, on the campaign's start day (the as-of
/// day of the run it started from). The contact policy counts them as messages already sent in the runs that
/// follow, towards the cap's window and the quiet period after a message, until the export's communications
/// show them (a row of the campaign, by name, for the patient), which then count instead.
public struct CampaignSends: Sendable, Equatable {
    public var campaign: String
    public var day: Day
    /// The campaign segment's purpose: a care campaign counts towards the care cap, and starts no quiet period.
    public var purpose: SegmentPurpose
    /// Patient rows of the export planned on.
    public var rows: [Int]

    public init(campaign: String, day: Day, purpose: SegmentPurpose, rows: [Int]) {
        self.campaign = campaign
        self.day = day
        self.purpose = purpose
        self.rows = rows
    }
}

/// A campaign's treatment patients whom its send list leaves out, by the contact policy's rule (see
/// `docs/campaigns.md`, "The contact policy"). They stay in the treatment group: the comparison is by
/// intention to treat.
public struct CampaignNotSent: HeldBackReasonCounts, Codable, Sendable, Equatable {
    public var deceased = 0
    public var quietPeriod = 0
    public var cap = 0
    public var priority = 0
    public var channelRouting = 0

    public init() {}

    /// The counts of `reasons` (patient id → rule).
    public init(_ reasons: [String: HeldBackReason]) {
        for reason in reasons.values { self[reason] += 1 }
    }

    public var total: Int { deceased + quietPeriod + cap + priority + channelRouting }

    /// `reason n, ...` for the reasons with a count, in the policy's order; "none" when nothing was held.
    public var words: String {
        let parts = HeldBackReason.allCases.filter { self[$0] > 0 }
            .map { "\($0.rawValue.replacingOccurrences(of: "_", with: " ")) \(self[$0])" }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case deceased, quietPeriod = "quiet_period", cap, priority, channelRouting = "channel_routing"
    }
}
