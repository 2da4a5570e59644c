extension SegmentFrame {
    /// What of a frame some rules read: their fields, and whether they call the visit functions
    /// (`last_visit_for`, `visits_for`) or `condition_onset`. A frame built for a selection
    /// (``build(export:asOf:schema:scores:clusters:selection:)``) holds only that, and the rules evaluate on it
    /// exactly as on the whole frame; a refresh builds its frame for its segments' rules
    /// (``SegmentCatalog/frameSelection``).
    public struct Selection: Sendable, Equatable {
        /// The fields to build; nil: every field.
        public var fields: Set<String>?
        /// Every patient's completed visits by service (``SegmentFrame/visits``).
        public var visitHistory: Bool
        /// The onset of every condition (``SegmentFrame/onsets``).
        public var conditionOnsets: Bool

        public init(fields: Set<String>?, visitHistory: Bool, conditionOnsets: Bool) {
            self.fields = fields
            self.visitHistory = visitHistory
            self.conditionOnsets = conditionOnsets
        }

        /// The whole frame.
        public static let everything = Selection(fields: nil, visitHistory: true, conditionOnsets: true)

        /// Whether the field `name` is built.
        public func includes(_ name: String) -> Bool { fields?.contains(name) ?? true }

        /// What `self` or `other` reads.
        func union(_ other: Selection) -> Selection {
            let fields: Set<String>? = if let mine = self.fields, let theirs = other.fields { mine.union(theirs) } else { nil }
            return Selection(fields: fields, visitHistory: visitHistory || other.visitHistory,
                             conditionOnsets: conditionOnsets || other.conditionOnsets)
        }
    }
}

extension SegmentRule {
    /// What of a frame the rule reads.
    var frameSelection: SegmentFrame.Selection {
        let functions = expression.functionsCalled
        return SegmentFrame.Selection(fields: Set(fieldNames), visitHistory: !functions.isDisjoint(with: [.lastVisitFor, .visitsFor]),
                                      conditionOnsets: functions.contains(.conditionOnset))
    }
}

extension SegmentCatalog {
    /// What of a frame the segments' rules read (exclusions are rules of segments in the catalog too).
    public var frameSelection: SegmentFrame.Selection {
        rules.values.reduce(SegmentFrame.Selection(fields: [], visitHistory: false, conditionOnsets: false)) { $0.union($1.frameSelection) }
    }
}

extension RuleExpression {
    /// The functions the expression calls, also inside another call's arguments (`percentile(visits_for(...))`).
    var functionsCalled: Set<RuleFunction> {
        var found: Set<RuleFunction> = []
        func visit(_ e: RuleExpression) {
            if case let .call(name, _, _) = e, let function = RuleFunction(rawValue: name) { found.insert(function) }
            e.children.forEach(visit)
        }
        visit(self)
        return found
    }
}
