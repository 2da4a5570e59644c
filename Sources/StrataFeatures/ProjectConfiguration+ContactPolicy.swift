import StrataData

/// `contact_policy` in `strata.yml`: how many messages a patient gets and when, across all segments of a
/// refresh (see `docs/segments.md`, "Contact policy").
///
///     contact_policy:
///       priority: [invisalign-leads, braces-campaign]   # marketing segments, highest first
///       marketing_cap: {per_run: 1, per_window: 2, window_days: 30}
///       care_cap: none                                  # or {per_run: ..., per_window: ..., window_days: ...}
///       quiet_days: {after_visit: 0, after_no_show: 0, after_message: 7}
///       care_campaigns: [appointment_reminder, recall_reminder]
///
/// Without the section the default policy applies: one marketing message per patient per run, none within 7
/// days of a message already sent, care uncapped. `enabled: false` turns the policy off (every consented
/// channel of every segment is listed, as before the policy existed).
public struct ContactPolicySettings: Codable, Sendable, Equatable {
    /// Whether the policy applies at all.
    public var enabled: Bool
    /// Marketing segment names, highest priority first; marketing segments not named follow in the order
    /// they are defined.
    public var priority: [String]
    public var marketingCap: FrequencyCap
    /// nil: care messages are not capped.
    public var careCap: FrequencyCap?
    public var quietDays: QuietDays
    /// Campaigns in the export's `communications.csv` that are care messages; every other message sent counts
    /// as marketing, towards the marketing cap's window and the quiet period after a message.
    public var careCampaigns: [String]

    public init(enabled: Bool = true, priority: [String] = [], marketingCap: FrequencyCap = .init(perRun: 1),
                careCap: FrequencyCap? = nil, quietDays: QuietDays = .init(), careCampaigns: [String] = []) {
        self.enabled = enabled
        self.priority = priority
        self.marketingCap = marketingCap
        self.careCap = careCap
        self.quietDays = quietDays
        self.careCampaigns = careCampaigns
    }

    /// At most `perRun` messages per patient in one run, and at most `perWindow` in any `windowDays` days
    /// counting the messages the export says were already sent (nil: no window).
    public struct FrequencyCap: Codable, Sendable, Equatable {
        public var perRun: Int
        public var perWindow: Int?
        public var windowDays: Int?

        public init(perRun: Int, perWindow: Int? = nil, windowDays: Int? = nil) {
            self.perRun = perRun
            self.perWindow = perWindow
            self.windowDays = windowDays
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case perRun = "per_run", perWindow = "per_window", windowDays = "window_days"
        }

        public init(from decoder: Decoder) throws {
            try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            perRun = try c.decodeIfPresent(Int.self, forKey: .perRun) ?? 1
            perWindow = try c.decodeIfPresent(Int.self, forKey: .perWindow)
            windowDays = try c.decodeIfPresent(Int.self, forKey: .windowDays)
            func fail(_ key: CodingKeys, _ message: String) -> DecodingError {
                DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [key], debugDescription: message))
            }
            guard perRun >= 1 else { throw fail(.perRun, "\(perRun) is out of range; expected at least 1 message per run") }
            if let perWindow, perWindow < 1 {
                throw fail(.perWindow, "\(perWindow) is out of range; expected at least 1 message per window")
            }
            switch (perWindow, windowDays) {
            case (nil, nil): break
            case (_?, nil): throw fail(.windowDays, "per_window needs window_days, the length of the window in days")
            case (nil, _?): throw fail(.perWindow, "window_days needs per_window, the messages allowed in the window")
            case let (_?, days?):
                guard StrataLimits.days.contains(days) else {
                    throw fail(.windowDays, "\(days) days is out of range; expected \(StrataLimits.days.lowerBound) to \(StrataLimits.days.upperBound)")
                }
            }
        }
    }

    /// Days without marketing after a completed visit, a no-show, or a message already sent (0: none).
    public struct QuietDays: Codable, Sendable, Equatable {
        public var afterVisit: Int
        public var afterNoShow: Int
        public var afterMessage: Int

        public init(afterVisit: Int = 0, afterNoShow: Int = 0, afterMessage: Int = 7) {
            self.afterVisit = afterVisit
            self.afterNoShow = afterNoShow
            self.afterMessage = afterMessage
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case afterVisit = "after_visit", afterNoShow = "after_no_show", afterMessage = "after_message"
        }

        public init(from decoder: Decoder) throws {
            try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
            let c = try decoder.container(keyedBy: CodingKeys.self)
            afterVisit = try c.decodeIfPresent(Int.self, forKey: .afterVisit) ?? 0
            afterNoShow = try c.decodeIfPresent(Int.self, forKey: .afterNoShow) ?? 0
            afterMessage = try c.decodeIfPresent(Int.self, forKey: .afterMessage) ?? 7
            for (key, days) in [(CodingKeys.afterVisit, afterVisit), (.afterNoShow, afterNoShow), (.afterMessage, afterMessage)]
            where !(0...StrataLimits.days.upperBound).contains(days) {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [key],
                    debugDescription: "\(days) days is out of range; expected 0 (no quiet period) to \(StrataLimits.days.upperBound)"))
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, priority, marketingCap = "marketing_cap", careCap = "care_cap", quietDays = "quiet_days"
        case careCampaigns = "care_campaigns"
    }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        priority = try c.decodeIfPresent([String].self, forKey: .priority) ?? []
        marketingCap = try c.decodeIfPresent(FrequencyCap.self, forKey: .marketingCap) ?? .init(perRun: 1)
        // `care_cap: none` (or leaving it out) means no cap.
        if (try? c.decode(String.self, forKey: .careCap)) == "none" {
            careCap = nil
        } else {
            careCap = try c.decodeIfPresent(FrequencyCap.self, forKey: .careCap)
        }
        quietDays = try c.decodeIfPresent(QuietDays.self, forKey: .quietDays) ?? .init()
        careCampaigns = try c.decodeIfPresent([String].self, forKey: .careCampaigns) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(priority, forKey: .priority)
        try c.encode(marketingCap, forKey: .marketingCap)
        try c.encodeIfPresent(careCap, forKey: .careCap)
        try c.encode(quietDays, forKey: .quietDays)
        try c.encode(careCampaigns, forKey: .careCampaigns)
    }
}
