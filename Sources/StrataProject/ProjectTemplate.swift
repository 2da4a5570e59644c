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

    # Patient attributes: extra columns of patients.csv (or of the mapped patients file), each a category
    # (one-hot over the most common values), a number or a flag (yes/no). They become features, rule fields
    # (insurance = 'medicaid', chronic_condition) and model inputs. A declared column must be in the file;
    # the demo clinic's export (`strata demo`, `strata generate --attributes`) has these three:
    ATTRIBUTES
    # Labels for `strata train churn`: churn = no completed visit within this many days after the as-of date.
    labels:
      churn_horizon_days: 180

    # Where Strata keeps its files (defaults shown). They must stay inside this folder (after `..` and
    # symbolic links); add `allow_outside_project: true` here to put them elsewhere on purpose.
    outputs:
      store: strata.sqlite     # runs, membership history, audit log
      lists: lists             # contact lists, one folder per run; lists/latest is the newest
      models: models           # churn-*.json from `strata train churn`, clusters-*.json from `strata discover`

    # Contact policy (docs/segments.md, "Contact policy"): each refresh lists a patient on one channel per
    # segment, marketing within its caps and quiet periods, never a patient who has died; campaign send lists
    # follow it too (docs/campaigns.md). Without this section the defaults apply: one marketing message per
    # patient per run, none within 7 days of a message already sent, care uncapped. An example to adapt:
    # contact_policy:
    #   enabled: true                  # false: every consented channel of every segment, as without a policy
    #   priority: [invisalign-leads, braces-campaign]   # marketing segments, highest first
    #   marketing_cap: {per_run: 1, per_window: 2, window_days: 30}
    #   care_cap: none                 # or {per_run: 2, per_window: 4, window_days: 30}
    #   quiet_days: {after_visit: 3, after_no_show: 0, after_message: 7}
    #   care_campaigns: [appointment_reminder]   # campaigns of communications.csv that are care, not marketing

    # Segments: a name (lower case, digits, - and _), a rule, a purpose (care or marketing), the channels lists
    # are made for, and segments to exclude. Rules read features (days_since_last_visit, visits_365d,
    # total_amount, no_show_rate, ...), scores (churn_score), the cluster name (cluster) and attributes (age,
    # birth_date, sex, last_visit, first_visit, next_appointment, completed_visits, services, conditions,
    # lead_interest). When, per service or condition: last_visit_for('mammogram') (a date),
    # visits_for(['flu_shot'], 6m) (completed visits in the 6 months up to the as-of date), condition_onset('diabetes').
    # Ranks over the patients with a value: total_amount in top 10%, visits_365d in bottom 25%,
    # percentile(total_amount) >= 90. A lifetime model (`strata train lifetime`) adds p_alive,
    # expected_visits_365d and clv_365d.
    # A test on a missing value is unknown, and unknown never selects a patient. Care segments are reminders
    # (lists need care consent); marketing segments need marketing consent.
    segments:

    """

    /// The example segments, in the order the file lists them.
    public static let exampleSegments: [Segment] = [
        Segment(name: "new-no-second-visit", description: "First visit in the last 90 days and nothing since; invite them back", rule: "completed_visits = 1 and last_visit >= as_of - 90d and next_appointment is missing", purpose: .marketing, channels: [.email, .sms]),
        Segment(name: "inactive-6-months", description: "Last visit 6 to 12 months ago", rule: "last_visit < as_of - 6m and last_visit >= as_of - 12m and next_appointment is missing", purpose: .marketing, channels: [.email, .sms]),
        Segment(name: "inactive-12-months", description: "No visit for a year or more", rule: "last_visit < as_of - 12m and next_appointment is missing", purpose: .marketing, channels: [.email]),
        Segment(name: "regulars-cross-sell", description: "Steady patients for the services that complement theirs", rule: "visits_365d >= 3 and days_since_last_visit <= 120", purpose: .marketing, channels: [.email]),
        Segment(name: "high-value", description: "The clinic's top tenth of patients by spend (with a lifetime model from `strata train lifetime`, clv_365d in top 10% ranks by expected value instead); personal attention", rule: "total_amount in top 10%", purpose: .marketing, channels: [.phone]),
        Segment(name: "churn-risk", description: "Likely to stop coming (needs a churn model from `strata train churn`)", rule: "churn_score >= 0.6 and next_appointment is missing", purpose: .care, channels: [.phone, .sms]),
        Segment(name: "mammogram-due", description: "Care reminder: women 40-74 with no mammogram in the last 2 years (screening every 1-2 years)", rule: "sex = 'female' and age between 40 and 74 and visits_for(['mammogram'], 2y) = 0", purpose: .care, channels: [.email, .sms]),
        Segment(name: "immunization-due", description: "Care reminder: children 1-17 whose dose for their age (visits at 1, 4, 11 and 16) is not on file since that birthday", rule: immunizationDue, purpose: .care, channels: [.email, .sms]),
        Segment(name: "diabetes-follow-up-due", description: "Care reminder: diabetics with no diabetes follow-up in the last 6 months (due every 3)", rule: "conditions contains 'diabetes' and visits_for(['diabetes_follow_up'], 6m) = 0", purpose: .care, channels: [.email, .phone]),
        Segment(name: "diabetic-eye-exam-due", description: "Care reminder: diabetics with no diabetic eye exam in the last year (due yearly)", rule: "conditions contains 'diabetes' and visits_for(['diabetic_eye_exam'], 1y) = 0", purpose: .care, channels: [.email, .sms]),
        Segment(name: "flu-shot-this-season", description: "Care reminder, September to February: patients 1 and over seen in the last 2 years with no flu shot in the last 6 months", rule: "age >= 1 and last_visit >= as_of - 2y and visits_for(['flu_shot'], 6m) = 0", purpose: .care, channels: [.email, .sms]),
        Segment(name: "invisalign-leads", description: "Marketing: patients whose newest inquiry was about Invisalign", rule: "lead_interest = 'invisalign'", purpose: .marketing, channels: [.email]),
        Segment(name: "braces-campaign", description: "Marketing: braces promotion to braces inquirers and patients in braces, never to anyone interested in Invisalign", rule: "lead_interest = 'braces' or services contains 'braces_adjustment'", purpose: .marketing, channels: [.email], exclude: ["invisalign-leads"]),
        Segment(name: "lapsed-cluster", description: "A discovered cluster (needs `strata discover`); name it after `strata discover` prints the profiles", rule: "cluster is not missing and cluster = 'lapsed'", purpose: .marketing, channels: [.email]),
    ]

    /// Children behind the simplified schedule (one immunization visit at ages 1, 4, 11 and 16): the dose of
    /// their age's stage is not on file since the birthday that opened the stage.
    static let immunizationDue = "age between 1 and 17 and (last_visit_for('immunization') is missing"
        + " or (age < 4 and last_visit_for('immunization') < birth_date + 1y)"
        + " or (age between 4 and 10 and last_visit_for('immunization') < birth_date + 4y)"
        + " or (age between 11 and 15 and last_visit_for('immunization') < birth_date + 11y)"
        + " or (age >= 16 and last_visit_for('immunization') < birth_date + 16y))"

    /// The name of the example that stands for a discovered cluster until `strata discover` names real ones.
    public static let clusterPlaceholder = "lapsed-cluster"

    /// The file `strata init` writes.
    public static let text = text(segments: exampleSegments)

    /// The `attributes` section: the generator's attribute columns (see `GeneratorConfiguration.attributeColumns`).
    static let attributeLines = [
        "attributes:",
        "  insurance: {type: category, max_categories: 5}",
        "  neighbourhood: {type: category}",
        "  chronic_condition: {type: flag}",
    ]

    /// The template's settings with `segments` as its segment list; the `attributes` section is active when
    /// `declaringAttributes` (the demo's exports have the columns), else commented out.
    public static func text(segments: [Segment], declaringAttributes: Bool = false) -> String {
        let attributes = attributeLines.map { declaringAttributes ? $0 : "# " + $0 }.joined(separator: "\n") + "\n"
        return settings.replacingOccurrences(of: "ATTRIBUTES\n", with: attributes) + segments.map(\.yaml).joined(separator: "\n")
    }
}
