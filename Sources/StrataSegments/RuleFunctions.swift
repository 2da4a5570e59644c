/// The functions rules call to ask *when* something happened, not just whether it ever did, and where a value stands:
///
/// | call | type | value |
/// |---|---|---|
/// | `last_visit_for('mammogram')`, `last_visit_for(['flu_shot', 'immunization'])` | date | the day of the last completed visit for the service (any of the services), missing if none |
/// | `visits_for(['flu_shot'], 365d)` | number | completed visits for the services on the days `(as_of - 365d, as_of]`; without a window, all of them up to `as_of` |
/// | `condition_onset('diabetes')` | date | the earliest onset on file of a condition code, description or condition group, missing when the patient does not have it (or its onset date is unknown) |
/// | `percentile(clv_365d)` | number | the share of the frame's patients with a value whose value is at or below this patient's, in percent (see `RuleRanks.swift`); missing without a value |
///
/// Only visits at or before the end of the as-of day count (``StrataData/Day/endTimestamp``). Service and
/// condition names are text literals, checked when the rule is bound: a name close to a known one but not
/// it (a typo) is an error that suggests the known name; a name like none the export has (a service this
/// clinic does not offer) matches nothing and leaves a note for the refresh to print.
enum RuleFunction: String, CaseIterable {
    case lastVisitFor = "last_visit_for"
    case visitsFor = "visits_for"
    case conditionOnset = "condition_onset"
    case percentile

    /// How the call is written, for messages.
    var example: String {
        switch self {
        case .lastVisitFor: "last_visit_for('mammogram') or last_visit_for(['flu_shot', 'immunization'])"
        case .visitsFor: "visits_for(['flu_shot'], 365d) or visits_for('immunization')"
        case .conditionOnset: "condition_onset('diabetes')"
        case .percentile: "percentile(total_amount)"
        }
    }
}

/// What binding a rule found worth saying without failing it: names the export does not have.
final class RuleNotes {
    private(set) var messages: [String] = []

    func add(_ message: String) {
        if !messages.contains(message) { messages.append(message) }
    }
}

extension RuleBinder {
    /// Binds a call of one of the ``RuleFunction``s.
    func bindCall(_ name: String, _ arguments: [RuleExpression], _ location: RuleSourceLocation) throws(RuleError) -> Bound {
        guard let function = RuleFunction(rawValue: name) else {
            let suggestion = nearestName(to: name, in: RuleFunction.allCases.map(\.rawValue))
            throw fail(location, "unknown function '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" }
                ?? "; the functions are " + RuleFunction.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let allowed = function == .visitsFor ? 1...2 : 1...1
        guard allowed.contains(arguments.count) else {
            let expected = function == .visitsFor ? "one or two arguments" : "one argument"
            throw fail(location, "'\(name)' takes \(expected), found \(arguments.count); write it as \(function.example)")
        }
        switch function {
        case .lastVisitFor:
            let wanted = try services(arguments[0], of: function)
            let visits = frame.visits
            return Bound(type: .date) { i in visits.lastVisit(of: i, wanted: wanted).map { .date($0) } }
        case .visitsFor:
            let wanted = try services(arguments[0], of: function)
            let days = try window(arguments.count == 2 ? arguments[1] : nil)
            let visits = frame.visits
            return Bound(type: .number) { i in .number(Double(visits.visitCount(of: i, wanted: wanted, days: days))) }
        case .percentile:
            return try bindPercentile(arguments[0])
        case .conditionOnset:
            let condition = try conditionName(arguments[0])
            let onsets = frame.onsets.onsets(of: condition)
            return Bound(type: .date) { i in onsets.flatMap { ConditionOnsets.day($0[i]) }.map { .date($0) } }
        }
    }

    /// The services a call names (a text or a list of texts), as a mask over ``VisitHistory/services``.
    private func services(_ argument: RuleExpression, of function: RuleFunction) throws(RuleError) -> [Bool] {
        let named: [(String, RuleSourceLocation)]
        switch argument {
        case let .text(service, location): named = [(service, location)]
        case let .list(items, listLocation):
            var texts: [(String, RuleSourceLocation)] = []
            for item in items {
                guard case let .text(service, location) = item else {
                    throw fail(item.location, "'\(function.rawValue)' needs service names in quotes, found \(item.location.text(in: rule))")
                }
                texts.append((service, location))
            }
            guard !texts.isEmpty else { throw fail(listLocation, "'\(function.rawValue)' needs at least one service, found an empty list") }
            named = texts
        default:
            throw fail(argument.location, "'\(function.rawValue)' needs a service name or a list of them, such as \(function.example); found \(argument.location.text(in: rule))")
        }
        let known = frame.visits.services
        var wanted = [Bool](repeating: false, count: known.count)
        for (service, location) in named {
            guard let index = known.firstIndex(of: service) else {
                // A typo of a service the export has is an error; a service it does not have at all (a
                // template's mammograms in a dental practice) simply has no visits, and the refresh says so.
                if let suggestion = nearestName(to: service, in: known) {
                    throw fail(location, "unknown service '\(service)'; did you mean '\(suggestion)'?")
                }
                notes.add("service '\(service)' is in no appointment of the export, so no patient has a visit for it")
                continue
            }
            wanted[index] = true
        }
        return wanted
    }

    /// The days a window ending at the as-of day covers: `(as_of - window, as_of]`, or every day up to
    /// `as_of` without one.
    private func window(_ argument: RuleExpression?) throws(RuleError) -> ClosedRange<Int> {
        let asOf = Int(frame.asOf.daysSince1970)
        guard let argument else { return Int.min...asOf }
        guard case let .duration(span, location) = argument else {
            throw fail(argument.location, "the window of 'visits_for' must be a duration such as 365d, 26w, 6m or 2y; found \(argument.location.text(in: rule))")
        }
        guard span.amount > 0 else { throw fail(location, "the window of 'visits_for' must be at least one day, found \(span.amount)\(span.unit.rawValue)") }
        // Durations are at most 10,000 years, so the start stays in the calendar for any real as-of date.
        guard let start = RuleCalendar.add(span, sign: -1, to: asOf) else { return Int.min...asOf }
        return (start + 1)...asOf
    }

    /// The condition a call names: a code, a lower-case description or a condition group on file.
    private func conditionName(_ argument: RuleExpression) throws(RuleError) -> String {
        guard case let .text(name, location) = argument else {
            throw fail(argument.location, "'condition_onset' needs a condition code, description or group in quotes, such as \(RuleFunction.conditionOnset.example); found \(argument.location.text(in: rule))")
        }
        let known = frame.onsets
        if known.knows(name) { return name }
        if known.knows(name.lowercased()) { return name.lowercased() }
        if let suggestion = nearestName(to: name, in: known.names) {
            throw fail(location, "unknown condition '\(name)'; did you mean '\(suggestion)'?")
        }
        notes.add("condition '\(name)' is neither in the export's conditions nor a condition group, so no patient has it")
        return name
    }
}
