import StrataFeatures
import Testing

@Suite("discover and clusters sections of strata.yml")
struct DiscoverSettingsTests {
    @Test func theDefaultIsBehavioralAndFamiliesCanBeNamed() throws {
        let defaults = try ProjectConfiguration.parse("labels: {churn_horizon_days: 180}\n")
        #expect(defaults.discover.families == DiscoverSettings.behavioralFamilies)
        #expect(!defaults.discover.families.contains("demographics") && !defaults.discover.families.contains("leads"))
        let named = try ProjectConfiguration.parse("discover: {families: [recency, demographics]}\nclusters: {names: {3: loyal families}}\n")
        #expect(named.discover.families == ["recency", "demographics"])
        #expect(named.clusters.names == [3: "loyal families"])
    }

    @Test func mistakesNameTheirPlaceAndWhatWasExpected() {
        let error = #expect(throws: ConfigurationError.self) {
            try ProjectConfiguration.parse("discover:\n  families: [tenure, recncy]\n")
        }
        #expect(error?.line == 2)
        #expect(error?.message == "discover.families[1]: unknown feature family \"recncy\"; expected one of "
                + FeatureSpec.familyNames.joined(separator: ", "))
        #expect(throws: ConfigurationError.self) { try ProjectConfiguration.parse("discover: {families: []}\n") }
        #expect(throws: ConfigurationError.self) { try ProjectConfiguration.parse("discover: {families: [tenure, tenure]}\n") }
        #expect(throws: ConfigurationError.self) { try ProjectConfiguration.parse("clusters: {names: {lapsed: x}}\n") }
        #expect(throws: ConfigurationError.self) { try ProjectConfiguration.parse("clusters: {names: {1: same, 2: same}}\n") }
        #expect(throws: ConfigurationError.self) { try ProjectConfiguration.parse("clusters: {nmes: {1: x}}\n") }
    }
}
