import Foundation
import StrataFeatures
import Testing

/// `campaigns:` and `global_holdout:` in strata.yml: the issue's form as written, defaults, and errors that
/// name the key and the value.
@Suite("Campaign configuration")
struct CampaignConfigurationTests {
    @Test func theIssuesFormWorksAsWritten() throws {
        let configuration = try ProjectConfiguration.parse("""
            campaigns:
              - name: winback-test
                segment: inactive-12-months
                channel: email
                holdout: 0.2
                outcome: {event: visit, within_days: 60}
            """)
        #expect(configuration.campaigns.campaigns == [
            CampaignDefinition(name: "winback-test", segment: "inactive-12-months", channel: "email", holdout: 0.2,
                               outcome: CampaignOutcome(event: .visit, withinDays: 60)),
        ])
        #expect(configuration.campaigns.globalHoldout == 0)
    }

    @Test func defaultsAndTheGlobalHoldout() throws {
        let configuration = try ProjectConfiguration.parse("""
            global_holdout: 0.05
            campaigns:
              - {name: recall, segment: overdue, channel: sms, outcome: {event: booking, within_days: 30}, subgroups: [sex]}
            """)
        let campaign = try #require(configuration.campaigns.campaign(named: "recall"))
        #expect(campaign.holdout == 0.1 && campaign.subgroups == ["sex"] && campaign.outcome.event == .booking)
        #expect(configuration.campaigns.globalHoldout == 0.05)
        #expect(ProjectConfiguration().campaigns == CampaignSettings())
    }

    @Test(arguments: [
        ("holdout: 0.2\n    colour: red", "campaigns[0]: unknown key \"campaigns.Index 0.colour\""),
        ("holdout: 1.5", "1.5 is out of range"),
        ("holdout: 0", "0.0 is out of range"),
        ("holdout: 0.2\n    outcome2: x", "unknown key"),
    ])
    func badSettingsAreErrorsNamingThem(extra: String, message: String) {
        let text = """
            campaigns:
              - name: winback-test
                segment: inactive
                channel: email
                outcome: {event: visit, within_days: 60}
                \(extra)
            """
        #expect { try ProjectConfiguration.parse(text) } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func badValuesNameTheirPlace() {
        for (text, message) in [
            ("campaigns:\n  - {name: a, segment: s, channel: fax, outcome: {event: visit, within_days: 60}}", "unknown channel 'fax'"),
            ("campaigns:\n  - {name: a, segment: s, channel: sms, outcome: {event: purchase, within_days: 60}}", "unknown outcome event 'purchase'"),
            ("campaigns:\n  - {name: a, segment: s, channel: sms, outcome: {event: visit, within_days: 0}}", "0 days is out of range"),
            ("campaigns:\n  - {name: A B, segment: s, channel: sms, outcome: {event: visit, within_days: 9}}", "'A B' is not a usable campaign name"),
            ("global_holdout: 0.7", "0.7 is out of range"),
            ("campaigns:\n  - {name: a, segment: s, channel: sms, outcome: {event: visit, within_days: 9}}\n  - {name: a, segment: t, channel: sms, outcome: {event: visit, within_days: 9}}",
             "campaign 'a' is defined twice"),
        ] {
            #expect { try ProjectConfiguration.parse(text) } throws: { error in
                "\(error)".contains(message) && "\(error)".hasPrefix("strata.yml:")
            }
        }
    }
}
