import StrataFeatures
import Testing

/// `contact_policy` in strata.yml: defaults, every setting read, and errors that name the key and its place.
@Suite("contact_policy settings")
struct ContactPolicySettingsTests {
    @Test func withoutTheSectionTheDefaultPolicyApplies() throws {
        let policy = try ProjectConfiguration.parse("labels: {churn_horizon_days: 90}\n").contactPolicy
        #expect(policy == ContactPolicySettings())
        #expect(policy.enabled && policy.marketingCap == .init(perRun: 1) && policy.careCap == nil)
        #expect(policy.quietDays == .init(afterVisit: 0, afterNoShow: 0, afterMessage: 7))
    }

    @Test func everySettingIsRead() throws {
        let policy = try ProjectConfiguration.parse("""
            contact_policy:
              priority: [b, a]
              marketing_cap: {per_run: 2, per_window: 3, window_days: 30}
              care_cap: {per_run: 1}
              quiet_days: {after_visit: 14, after_no_show: 30, after_message: 0}
              care_campaigns: [appointment_reminder]
            """).contactPolicy
        #expect(policy == ContactPolicySettings(priority: ["b", "a"], marketingCap: .init(perRun: 2, perWindow: 3, windowDays: 30),
                                                careCap: .init(perRun: 1), quietDays: .init(afterVisit: 14, afterNoShow: 30, afterMessage: 0),
                                                careCampaigns: ["appointment_reminder"]))
        #expect(try ProjectConfiguration.parse("contact_policy: {care_cap: none}\n").contactPolicy.careCap == nil)
        #expect(try ProjectConfiguration.parse("contact_policy: {enabled: false}\n").contactPolicy.enabled == false)
    }

    @Test(arguments: [
        ("contact_policy: {prority: [a]}\n", "prority"),
        ("contact_policy: {marketing_cap: {per_rnu: 1}}\n", "per_rnu"),
        ("contact_policy: {quiet_days: {after_mesage: 3}}\n", "after_mesage"),
        ("contact_policy: {marketing_cap: {per_run: 0}}\n", "expected at least 1"),
        ("contact_policy: {marketing_cap: {per_window: 2}}\n", "per_window needs window_days"),
        ("contact_policy: {marketing_cap: {window_days: 30}}\n", "window_days needs per_window"),
        ("contact_policy: {marketing_cap: {per_window: 2, window_days: 0}}\n", "0 days is out of range"),
        ("contact_policy: {quiet_days: {after_visit: -1}}\n", "-1 days is out of range"),
    ])
    func badSettingsAreErrorsThatNameTheKey(_ text: String, _ words: String) throws {
        let error = #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse(text) }
        #expect(error?.description.contains(words) == true, "\(error?.description ?? "no error")")
        #expect(error?.line == 1)
    }
}
