import StrataFeatures

/// Short names for clusters in a clinic's words ("lapsed, ignores recalls", "new, few visits"), from the one
/// or two features that set each cluster apart most.
public enum PersonaNames {
    /// The most words a name may have.
    public static let maximumWords = 4

    /// One name per cluster: the phrases of its one or two most distinctive features (those with
    /// `|standardized difference| >= threshold`, largest first, one phrase per meaning), joined by ", ".
    ///
    /// Names are unique: clusters are named largest first, and a cluster whose name is already taken (or in
    /// `taken`) pairs its first phrase with its next ones, then its other phrases, and last adds a number.
    /// - Parameters:
    ///   - differences: per cluster, the standardized difference of each schema column.
    ///   - sizes: rows per cluster (the larger clusters get the first choice of names).
    ///   - fixed: names already decided by cluster index (kept by a refit, or given in `strata.yml`); those
    ///     clusters keep them and nobody else gets them.
    /// - Returns: a name of at most ``maximumWords`` words per cluster.
    public static func names(differences: [[Double]], sizes: [Int], schema: FeatureSchema, fixed: [Int: String] = [:],
                             threshold: Double = 0.5) -> [String] {
        var names = [String?](repeating: nil, count: differences.count)
        var taken = Set(fixed.values)
        for (cluster, name) in fixed where cluster < names.count { names[cluster] = name }
        let order = differences.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        for cluster in order where names[cluster] == nil {
            let phrases = rankedPhrases(differences[cluster], schema: schema, threshold: threshold)
            let name = candidates(phrases).first { !taken.contains($0) && wordCount($0) <= maximumWords }
                ?? numbered(phrases.first ?? "typical patients", avoiding: taken)
            taken.insert(name)
            names[cluster] = name
        }
        return names.map { $0! }
    }

    /// The distinct phrases of a cluster's distinctive features, most distinctive first.
    static func rankedPhrases(_ differences: [Double], schema: FeatureSchema, threshold: Double) -> [String] {
        let order = differences.indices.sorted {
            abs(differences[$0]) != abs(differences[$1]) ? abs(differences[$0]) > abs(differences[$1]) : $0 < $1
        }
        var phrases: [String] = []
        for column in order where abs(differences[column]) >= threshold {
            guard let phrase = phrase(for: schema.columns[column], high: differences[column] > 0),
                  wordCount(phrase) <= maximumWords - 1 || phrases.isEmpty && wordCount(phrase) <= maximumWords,
                  !phrases.contains(phrase) else { continue }
            phrases.append(phrase)
        }
        return phrases
    }

    /// The names to try in order: the first two phrases, then the first with each later one, then every other
    /// pair, then single phrases ("typical patients" when nothing stands out).
    static func candidates(_ phrases: [String]) -> [String] {
        guard let first = phrases.first else { return ["typical patients"] }
        var result: [String] = []
        for i in phrases.indices {
            for j in phrases.indices where j > i { result.append(phrases[i] + ", " + phrases[j]) }
        }
        if phrases.count == 1 { result.insert(first, at: 0) } else { result += phrases }
        return result
    }

    /// `base` with the first number from 2 that makes it free, shortened to fit the word limit.
    static func numbered(_ base: String, avoiding taken: Set<String>) -> String {
        let words = base.split(separator: " ").prefix(maximumWords - 1).joined(separator: " ")
        var number = 2
        while taken.contains("\(words) \(number)") { number += 1 }
        return "\(words) \(number)"
    }

    static func wordCount(_ text: String) -> Int { text.split(separator: " ").count }

    /// The clinic's words for a column that is high (`high`) or low in a cluster; nil when the direction says
    /// nothing a marketer would name a group by (e.g. few visits for one service).
    public static func phrase(for column: FeatureSchema.Column, high: Bool) -> String? {
        let name = column.name
        if name.hasSuffix(".missing") { return nil }
        // The category after the dot, in words (`service_count.annual_physical` → "annual physical").
        func level() -> String {
            let suffix = name.split(separator: ".", maxSplits: 1).last.map(String.init) ?? name
            return suffix.replacingOccurrences(of: "_", with: " ").lowercased()
        }
        switch name {
        case "days_since_last_visit": return high ? "lapsed" : "recently seen"
        case "total_amount": return high ? "high spenders" : "low spenders"
        case "mean_amount": return high ? "big-ticket visits" : "small-ticket visits"
        case "tenure_days": return high ? "long-standing" : "new"
        case "mean_visit_interval_days": return high ? "long gaps" : "short gaps"
        case "visit_interval_spread_days": return high ? "irregular" : "steady rhythm"
        case "overdue_ratio": return high ? "overdue" : "on schedule"
        case "no_show_rate": return high ? "no-shows" : "reliable"
        case "cancellation_rate": return high ? "cancels often" : "rarely cancels"
        case "mean_booking_lead_days": return high ? "books ahead" : "books late"
        case "days_since_last_contact": return high ? "not contacted lately" : "recently contacted"
        case "has_upcoming_appointment": return high ? "booked" : "nothing booked"
        case "days_until_next_appointment": return high ? "nothing booked soon" : "booked soon"
        case "outreach_since_last_visit": return high ? "ignores recalls" : nil
        case "age_years": return high ? "older" : "younger"
        case "service_count.other": return high ? "other services" : nil
        default: break
        }
        if name.hasPrefix("visits_") { return high ? "frequent visitors" : "few visits" }
        if name.hasPrefix("due_within_") { return high ? "due soon" : "not due" }
        if name.hasPrefix("booked_within_") { return high ? "booked soon" : "nothing booked" }
        if name.hasPrefix("service_count.") { return high ? level() : nil }
        if name.hasPrefix("open_rate.") { return high ? "opens \(level())" : "ignores \(level())" }
        if name.hasPrefix("click_rate.") { return high ? "clicks \(level())" : "no \(level()) clicks" }
        if name.hasPrefix("response_rate.") { return high ? "answers \(level())" : "silent on \(level())" }
        if name.hasPrefix("sex.") { return high ? "mostly \(level())" : nil }
        if name.hasPrefix("condition.") { return high ? level() : nil }
        if name.hasPrefix("lead_source.") { return high ? "from \(level())" : nil }
        if name.hasPrefix("lead_interest.") { return high ? "wants \(level())" : nil }
        // A column this vocabulary does not know (a patient attribute, a plain matrix column): its label, cut
        // to three words (the description beside the name has it whole).
        let label = column.label.lowercased().split(separator: " ").prefix(maximumWords - 1).joined(separator: " ")
        return (high ? "high " : "low ") + label
    }
}
