import StrataData
import StrataFeatures

/// What the export says about each patient that the contact policy needs: death, the quiet periods running at
/// the end of the as-of day, and the messages still allowed in each cap's window.
struct ContactHistory {
    private let deceasedAt: [Int32]
    /// Per patient, the last day of the longest quiet period running; `Int32.min` when none.
    private var quietThrough: [Int32]
    private let asOf: Int32
    /// Per patient, messages still allowed in the marketing (care) cap's window; nil without a window.
    private(set) var marketingWindowRemaining: [Int32]?
    private(set) var careWindowRemaining: [Int32]?

    init(_ export: ClinicExport, asOf day: Day, settings: ContactPolicySettings, sent: [CampaignSends] = []) {
        let count = export.patients.count
        deceasedAt = export.patients.deceasedAt
        asOf = day.daysSince1970
        quietThrough = Array(repeating: .min, count: count)
        // Only what was known by the end of the as-of day counts: a list is for that day.
        let cutoff = day.endTimestamp
        let quiet = settings.quietDays
        if quiet.afterVisit > 0 || quiet.afterNoShow > 0 {
            let appointments = export.appointments
            for row in 0..<appointments.count where appointments.scheduledAt[row] < cutoff {
                let days: Int
                switch appointments.status[row] {
                case .completed: days = quiet.afterVisit
                case .noShow: days = quiet.afterNoShow
                case .cancelled, .booked: continue
                }
                if days > 0 { extend(Int(appointments.patient[row]), from: appointments.scheduledAt[row], days: days) }
            }
        }
        let communications = export.communications
        let careCodes = Set(settings.careCampaigns.compactMap { communications.campaign.code(of: $0) })
        let marketingWindow = settings.marketingCap.windowStart(before: day)
        let careWindow = settings.careCap?.windowStart(before: day)
        var marketingSent: [Int32]? = marketingWindow == nil ? nil : [Int32](repeating: 0, count: count)
        var careSent: [Int32]? = careWindow == nil ? nil : [Int32](repeating: 0, count: count)
        for row in 0..<communications.count where communications.sentAt[row] < cutoff {
            let patient = Int(communications.patient[row]), sent = communications.sentAt[row]
            if careCodes.contains(communications.campaign.codes[row]) {
                if let careWindow, sent >= careWindow { careSent![patient] += 1 }
            } else {
                if quiet.afterMessage > 0 { extend(patient, from: sent, days: quiet.afterMessage) }
                if let marketingWindow, sent >= marketingWindow { marketingSent![patient] += 1 }
            }
        }
        // Campaign sends of the as-of day or before, except those the export already shows (counted above).
        let shown = Self.shownSends(sent, communications: communications, before: cutoff)
        for (index, sends) in sent.enumerated() where sends.day <= day {
            let timestamp = sends.day.startTimestamp
            for patient in sends.rows where !(shown[index]?.contains(patient) ?? false) {
                if sends.purpose == .care {
                    if let careWindow, timestamp >= careWindow { careSent![patient] += 1 }
                } else {
                    if quiet.afterMessage > 0 { extend(patient, from: timestamp, days: quiet.afterMessage) }
                    if let marketingWindow, timestamp >= marketingWindow { marketingSent![patient] += 1 }
                }
            }
        }
        if let perWindow = settings.marketingCap.perWindow, let sent = marketingSent {
            marketingWindowRemaining = sent.map { Int32(perWindow) - $0 }
        }
        if let perWindow = settings.careCap?.perWindow, let sent = careSent {
            careWindowRemaining = sent.map { Int32(perWindow) - $0 }
        }
    }

    /// Per campaign of `sent` that the communications name: the patients a message of it was sent to from its
    /// day on and before `cutoff`.
    private static func shownSends(_ sent: [CampaignSends], communications: Communications, before cutoff: Int64) -> [Int: Set<Int>] {
        var campaignByCode = [Int](repeating: -1, count: communications.campaign.levels.count)
        for (index, sends) in sent.enumerated() {
            if let code = communications.campaign.code(of: sends.campaign) { campaignByCode[Int(code)] = index }
        }
        guard campaignByCode.contains(where: { $0 >= 0 }) else { return [:] }
        var shown: [Int: Set<Int>] = [:]
        let codes = communications.campaign.codes
        for row in 0..<communications.count where codes[row] >= 0 && communications.sentAt[row] < cutoff {
            let index = campaignByCode[Int(codes[row])]
            if index >= 0, communications.sentAt[row] >= sent[index].day.startTimestamp {
                shown[index, default: []].insert(Int(communications.patient[row]))
            }
        }
        return shown
    }

    /// An event on day E with `days` of quiet keeps marketing away through day E + days.
    private mutating func extend(_ patient: Int, from timestamp: Int64, days: Int) {
        let through = Day(containing: timestamp).daysSince1970 + Int32(days)
        if through > quietThrough[patient] { quietThrough[patient] = through }
    }

    /// Any death on file counts, even after the as-of day: a list is used now.
    func isDeceased(_ row: Int) -> Bool { deceasedAt[row] != ClinicExport.missingDate }

    func isQuiet(_ row: Int) -> Bool { quietThrough[row] >= asOf }
}

extension ContactPolicySettings.FrequencyCap {
    /// The first second of the window of `windowDays` days ending with `day`: days `day - windowDays + 1`
    /// through `day`; nil without a window.
    func windowStart(before day: Day) -> Int64? {
        guard let windowDays, perWindow != nil else { return nil }
        return (day - (windowDays - 1)).startTimestamp
    }
}
