import Foundation

/// The commented `strata.yml` that `strata init` writes. Every example segment in it is one the
/// documentation (`docs/segments.md`) explains; tests parse and evaluate it.
///
/// The file is built from data: the commented settings, then one entry per ``Segment``, so a workflow (the
/// demo) can replace the example segments without editing YAML text.
public enum ProjectTemplate {
    /// One segment entry of `strata.yml`, written as the template writes it.
    public struct Segment: Sendable, Equatable {
        public enum Purpose: String, Sendable { case care, marketing }
        public enum Channel: String, Sendable { case email, sms, phone }

        public var name: String
        public var description: String
        public var rule: String
        public var purpose: Purpose
        public var channels: [Channel]
        public var exclude: [String]

        public init(name: String, description: String, rule: String, purpose: Purpose, channels: [Channel], exclude: [String] = []) {
            self.name = name
            self.description = description
            self.rule = rule
            self.purpose = purpose
            self.channels = channels
            self.exclude = exclude
        }

        /// The entry as YAML: plain scalars where the template's readers expect them, double-quoted where a
        /// value holds `": "`, `#` or quotes (cluster names such as "high lead source: other").
        var yaml: String {
            var lines = ["  - name: \(name)", "    description: \(Self.scalar(description))", "    rule: \(Self.scalar(rule))",
                         "    purpose: \(purpose.rawValue)", "    channels: [\(channels.map(\.rawValue).joined(separator: ", "))]"]
            if !exclude.isEmpty { lines.append("    exclude: [\(exclude.joined(separator: ", "))]") }
            return lines.joined(separator: "\n") + "\n"
        }

        /// `value` as a YAML scalar: plain when that reads back the same, else double-quoted.
        static func scalar(_ value: String) -> String {
            let plainIsSafe = !value.contains(": ") && !value.contains(" #") && !value.contains("\"") && !value.contains("\\")
                && !value.hasPrefix("'") && !value.hasSuffix(":")
            guard !plainIsSafe else { return value }
            return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }

    /// Everything before the segments: exports, features, labels, outputs, and the segment documentation.
    static let settings = """
    # Strata project file. Paths are relative to this file.
    # Docs: docs/export-format.md, docs/feature-spec.md, docs/segments.md.

    # Where exports arrive: a folder of exports named by date (exports/2025-12-31/, exports/2026-01-31/, ...),
    # of which `strata refresh` takes the newest, or a single export folder.
    exports:
      path: exports
      # format: canonical        # canonical | synthea | fhir | mapped (detected when omitted)

    # Feature families are on by default; turn one off with `false`, or give it parameters.
    features:
      frequency: {windows: [90, 365, 730]}
      # Condition groups: a patient has the group when any code is on file (onset at or before the as-of date).
      conditions:
        codes:
          diabetes: [E11.9, E11.65, E10.9]
          hypertension: [I10]
          pregnancy: [Z34.90]

    # Labels for `strata train churn`: churn = no completed visit within this many days after the as-of date.
    labels:
      churn_horizon_days: 180

    # Where Strata keeps its files (defaults shown). They must stay inside this folder (after `..` and
    # symbolic links); add `allow_outside_project: true` here to put them elsewhere on purpose.
    outputs:
      store: strata.sqlite     # runs, membership history, audit log
      lists: lists             # contact lists, one folder per run; lists/latest is the newest
      models: models           # churn-*.json from `strata train churn`, clusters-*.json from `strata discover`

    # Segments: a name (lower case, digits, - and _), a rule, a purpose (care or marketing), the channels lists
    # are made for, and segments to exclude. Rules read features (days_since_last_visit, visits_365d,
    # total_amount, no_show_rate, ...), scores (churn_score), the cluster name (cluster) and attributes (age,
    # sex, last_visit, first_visit, next_appointment, completed_visits, services, conditions, lead_interest).
    # A test on a missing value is unknown, and unknown never selects a patient.
    segments:

    """

    /// The example segments, in the order the file lists them.
    public static let exampleSegments: [Segment] = [
        Segment(name: "new-no-second-visit", description: "First visit in the last 90 days and nothing since; invite them back", rule: "completed_visits = 1 and last_visit >= as_of - 90d and next_appointment is missing", purpose: .marketing, channels: [.email, .sms]),
        Segment(name: "inactive-6-months", description: "Last visit 6 to 12 months ago", rule: "last_visit < as_of - 6m and last_visit >= as_of - 12m and next_appointment is missing", purpose: .marketing, channels: [.email, .sms]),
        Segment(name: "inactive-12-months", description: "No visit for a year or more", rule: "last_visit < as_of - 12m and next_appointment is missing", purpose: .marketing, channels: [.email]),
        Segment(name: "regulars-cross-sell", description: "Steady patients for the services that complement theirs", rule: "visits_365d >= 3 and days_since_last_visit <= 120", purpose: .marketing, channels: [.email]),
        Segment(name: "high-value", description: "The patients who spent the most; personal attention", rule: "total_amount >= 2500", purpose: .marketing, channels: [.phone]),
        Segment(name: "churn-risk", description: "Likely to stop coming (needs a churn model from `strata train churn`)", rule: "churn_score >= 0.6 and next_appointment is missing", purpose: .care, channels: [.phone, .sms]),
        Segment(name: "mammogram-due", description: "Women 40 and over", rule: "sex = 'female' and age >= 40", purpose: .care, channels: [.email, .sms]),
        Segment(name: "children-immunization", description: "Children under 18 without a vaccination visit on file", rule: "age < 18 and not (services contains 'vaccination')", purpose: .care, channels: [.email, .sms]),
        Segment(name: "diabetes-nutrition", description: "Diabetics for a nutrition follow-up", rule: "conditions contains 'diabetes'", purpose: .care, channels: [.email, .phone]),
        Segment(name: "invisalign-leads", description: "Leads who asked about Invisalign", rule: "lead_interest = 'invisalign'", purpose: .marketing, channels: [.email]),
        Segment(name: "braces-campaign", description: "Braces promotion, never to anyone interested in Invisalign", rule: "lead_interest = 'braces' or services contains 'braces_adjustment'", purpose: .marketing, channels: [.email], exclude: ["invisalign-leads"]),
        Segment(name: "lapsed-cluster", description: "A discovered cluster (needs `strata discover`); name it after `strata discover` prints the profiles", rule: "cluster is not missing and cluster = 'lapsed'", purpose: .marketing, channels: [.email]),
    ]

    /// The name of the example that stands for a discovered cluster until `strata discover` names real ones.
    public static let clusterPlaceholder = "lapsed-cluster"

    /// The file `strata init` writes.
    public static let text = text(segments: exampleSegments)

    /// The template's settings with `segments` as its segment list.
    public static func text(segments: [Segment]) -> String {
        settings + segments.map(\.yaml).joined(separator: "\n")
    }
}
