import StrataFeatures
import StrataLinearAlgebra
@testable import StrataModels
import Testing

@Suite("stability across subsamples and persona names")
struct ClusterStabilityTests {
    @Test func separatedBlobsAreMostStableAtTheirCountAndTheRuleFollowsTheTable() throws {
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 600, columns: 3, clusters: 4, separation: 8, seed: 3)
        var generator = Xoshiro256StarStar(seed: 9)
        let stable = try ClusterStability.stability(x, configuration: .init(clusterCount: 4, initCount: 2), using: &generator)
        #expect(stable > 0.95)
        let result = try ClusterSelection.evaluate(x, clusterCounts: 2...6, configuration: .init(clusterCount: 2, initCount: 2),
                                                   stability: .init(runs: 4), stabilityScope: .everyK, using: &generator)
        let stabilities = result.candidates.map { $0.stability ?? -1 }
        // k = 4 finds the blobs every time; k = 5 and 6 cut a blob, each refit elsewhere (the other blobs agree,
        // so the index stays well above 0).
        #expect(stabilities[2] > 0.95 && stabilities[2] > stabilities[3] && stabilities[2] > stabilities[4])
        let qualifying = result.candidates.filter { ($0.stability ?? 0) >= 0.8 && $0.smallestClusterShare >= 0.02 }
        #expect(result.recommendedClusterCount == qualifying.last?.clusterCount)
        #expect(result.reason.hasPrefix("k=\(result.recommendedClusterCount) is the largest k with stability >= 0.8"))
    }

    @Test func refitsSideBySideGiveTheSameStabilityWhateverTheWorkerCount() throws {
        // Each refit draws from its own generator and fits on one core: 1, 2 or 3 refits at a time, the same
        // subsamples, the same fits, the same value to the last bit.
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 500, columns: 3, clusters: 5, separation: 3, seed: 8)
        let values = try [1, 2, 3].map { workers in
            var generator = Xoshiro256StarStar(seed: 21)
            return try ClusterStability.stability(x, configuration: .init(clusterCount: 6, initCount: 2, workers: workers),
                                                  options: .init(runs: 5), using: &generator)
        }
        #expect(values[0] == values[1] && values[1] == values[2], "\(values)")
        #expect(values[0] > -1 && values[0] <= 1)
    }

    @Test func theRuleMeasuresFromTheLargestKDownAndStopsAtTheFirstThatQualifies() throws {
        let (x, _) = KMeansTestData.blobs(Double.self, rows: 600, columns: 3, clusters: 4, separation: 8, seed: 3)
        func evaluate(_ scope: ClusterSelection.StabilityScope) throws -> ClusterSelection.Result {
            var generator = Xoshiro256StarStar(seed: 9)
            return try ClusterSelection.evaluate(x, clusterCounts: 2...6, configuration: .init(clusterCount: 2, initCount: 2),
                                                 stability: .init(runs: 4), stabilityScope: scope, using: &generator)
        }
        let every = try evaluate(.everyK), needed = try evaluate(.untilOneQualifies)
        #expect(needed.recommendedClusterCount == every.recommendedClusterCount)
        let chosen = needed.recommendedClusterCount
        for (all, some) in zip(every.candidates, needed.candidates) {
            // Each k draws from generators of its own: its fit and its stability do not depend on which other ks
            // were measured.
            #expect(some.inertia == all.inertia && some.silhouette == all.silhouette, "k=\(some.clusterCount)")
            if some.clusterCount >= chosen && ClusterSelection.couldQualify(some) {
                #expect(some.stability == all.stability, "k=\(some.clusterCount) is measured")
            } else {
                // Below the chosen k, or a larger k with a too small cluster: its stability could not decide.
                #expect(some.stability == nil, "k=\(some.clusterCount) is not measured")
            }
        }
        #expect(every.candidates.allSatisfy { $0.stability != nil })
        if chosen > 2 {
            let skipped = (2..<chosen).map(String.init).joined(separator: ", ")
            #expect(needed.reason.hasSuffix("; stability not measured for k=\(skipped) (the rule takes the largest k that qualifies)"),
                    "\(needed.reason)")
        }
        #expect(!every.reason.contains("not measured"))
    }

    @Test func aContinuumCutIntoManyPiecesIsUnstable() throws {
        // Uniform points in a square have no clusters: k = 7 cuts them differently on every subsample.
        var generator = Xoshiro256StarStar(seed: 4)
        let x = Matrix<Double>(rows: 500, columns: 2, elements: (0..<1000).map { _ in Double.random(in: 0..<1, using: &generator) })
        let stability = try ClusterStability.stability(x, configuration: .init(clusterCount: 7), using: &generator)
        #expect(stability < 0.8)
        #expect(throws: KMeansError.self) {
            try ClusterStability.stability(x, configuration: .init(clusterCount: 2), options: .init(runs: 1), using: &generator)
        }
    }

    @Test func theRuleTakesTheLargestStableKWithLargeEnoughClustersAndSaysWhyNotLarger() {
        func candidate(_ k: Int, _ stability: Double, _ smallest: Double) -> ClusterSelection.Candidate {
            .init(clusterCount: k, inertia: 0, iterations: 1, silhouette: 0, daviesBouldin: 0, calinskiHarabasz: 0,
                  degenerate: false, smallestClusterShare: smallest, stability: stability)
        }
        let (k, reason) = ClusterSelection.recommendStable([candidate(2, 0.99, 0.3), candidate(3, 0.7, 0.2),
                                                            candidate(4, 0.85, 0.05), candidate(5, 0.9, 0.01),
                                                            candidate(6, 0.6, 0.01)])
        #expect(k == 4)
        #expect(reason == "k=4 is the largest k with stability >= 0.8 and smallest cluster >= 2.0% of patients "
                + "(stability 0.85, smallest cluster 5.0%); k=5 has a smallest cluster of 1.0%; "
                + "k=6 has stability 0.6 and a smallest cluster of 1.0%")
        // Not measured (nil): a larger k that failed the smallest-cluster test is named for that alone, a smaller
        // one as not measured.
        var unmeasured = [candidate(2, 0.99, 0.3), candidate(3, 0.9, 0.2), candidate(4, 0.6, 0.01)]
        unmeasured[0].stability = nil
        unmeasured[2].stability = nil
        let (three, because) = ClusterSelection.recommendStable(unmeasured)
        #expect(three == 3)
        #expect(because == "k=3 is the largest k with stability >= 0.8 and smallest cluster >= 2.0% of patients "
                + "(stability 0.9, smallest cluster 20.0%); k=4 has a smallest cluster of 1.0%; "
                + "stability not measured for k=2 (the rule takes the largest k that qualifies)")
        let (fallback, why) = ClusterSelection.recommendStable([candidate(2, 0.7, 0.3), candidate(3, 0.75, 0.2)])
        #expect(fallback == 3)
        #expect(why.hasPrefix("no k has stability >= 0.8"))
    }

    @Test func personaNamesAreShortUniqueAndInTheClinicsWords() {
        let schema = FeatureSchema(columns: [
            .init(name: "days_since_last_visit", family: "recency"),
            .init(name: "visits_365d", family: "frequency"),
            .init(name: "total_amount", family: "monetary"),
            .init(name: "tenure_days", family: "tenure"),
            .init(name: "open_rate.email", family: "engagement"),
            .init(name: "insurance_plan_tier_code", family: "attributes", label: "insurance plan tier code"),
        ])
        let differences: [[Double]] = [
            [2.0, -1.5, -0.8, 0.3, -0.6, 0],   // lapsed, few visits
            [-0.9, 1.4, 1.6, 0.2, 0.1, 0],     // high spenders, frequent visitors
            [0.1, 0.2, 0.1, 0.1, 0.0, 0.1],    // nothing stands out
            [1.9, -1.6, -0.1, 0.0, -0.7, 0],   // lapsed, few visits again: must differ
            [0, 0, 0, 0, 0, 3.0],              // an attribute this vocabulary does not know
        ]
        let names = PersonaNames.names(differences: differences, sizes: [400, 300, 200, 100, 50], schema: schema,
                                       fixed: [2: "our regulars"])
        #expect(names[0] == "lapsed, few visits")
        #expect(names[1] == "high spenders, frequent visitors")
        #expect(names[2] == "our regulars")
        #expect(names[3] == "lapsed, ignores email")
        #expect(names[4] == "high insurance plan tier")
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.split(separator: " ").count <= PersonaNames.maximumWords })
    }
}
