import Testing
@testable import StrataReports

@Suite struct SuppressionTests {
    @Test func smallCellsAreHiddenAndZeroIsShown() {
        var plan = SuppressionPlan(minCellSize: 11)
        for (id, n) in [("zero", 0), ("one", 1), ("ten", 10), ("eleven", 11), ("many", 500)] { plan.cell(id, patients: n) }
        #expect(plan.solve().cells == ["one", "ten"])
    }

    @Test func aSumWithOneHiddenPartHidesTheSmallestOtherPart() {
        // members 120 = stayed 115 + entered 5: entered is small; showing members and stayed would give 120 − 115 = 5,
        // so stayed (the smallest other cell; the total is chosen only after the parts) is hidden too.
        var plan = SuppressionPlan(minCellSize: 11)
        plan.cell("members", patients: 120)
        plan.cell("stayed", patients: 115)
        plan.cell("entered", patients: 5)
        plan.sum("members", of: ["stayed", "entered"])
        #expect(plan.solve().cells == ["entered", "stayed"])
    }

    @Test func complementarySuppressionSpreadsThroughSharedCells() {
        // members = stayed + entered and previous = stayed + exited share `stayed`: hiding it for the first sum
        // leaves it alone in the second, so the smaller of exited and previous goes too.
        var plan = SuppressionPlan(minCellSize: 11)
        for (id, n) in [("members", 60), ("stayed", 55), ("entered", 5), ("previous", 90), ("exited", 35)] { plan.cell(id, patients: n) }
        plan.sum("members", of: ["stayed", "entered"])
        plan.sum("previous", of: ["stayed", "exited"])
        #expect(plan.solve().cells == ["entered", "stayed", "exited"])
    }

    @Test func noSumIsLeftWithExactlyOneHiddenCell() {
        var generator = SplitMix(seed: 11)
        for _ in 0..<200 {
            var plan = SuppressionPlan(minCellSize: 11)
            let cells = (0..<12).map { "c\($0)" }
            for cell in cells { plan.cell(cell, patients: Int(generator.next() % 40)) }
            for _ in 0..<5 {
                let parts = Array(cells.shuffled(using: &generator).prefix(Int(generator.next() % 3) + 2))
                let total = cells.first { !parts.contains($0) }!
                plan.sum(total, of: parts)
            }
            let hidden = plan.solve()
            for (total, parts) in plan.declaredSums { #expect((parts + [total]).filter(hidden.contains).count != 1) }
            for cell in cells where plan.isSmall(plan.patients[cell]!) { #expect(hidden.contains(cell)) }
        }
    }
}

@Suite struct ScoreGroupsTests {
    @Test func groupsAreMergedUntilNoneHoldsFewPositivesOrNegatives() {
        var generator = SplitMix(seed: 3)
        for size in [40, 137, 500, 2000] {
            let probabilities = (0..<size).map { _ in generator.uniform() }
            // Outcomes that follow the score, so the top groups are mostly positive and the bottom ones mostly negative.
            let outcomes = probabilities.map { generator.uniform() < $0 * $0 ? 1.0 : 0.0 }
            let groups = ScoreGroups(probabilities: probabilities, outcomes: outcomes, minCellSize: 11)
            #expect(groups.groups.reduce(0) { $0 + $1.patients } == size)
            #expect(groups.groups.reduce(0) { $0 + $1.positives } == Int(outcomes.reduce(0, +)))
            for group in groups.groups where groups.groups.count > 1 {
                for n in [group.patients, group.positives, group.negatives] { #expect(n == 0 || n >= 11) }
            }
            let roc = groups.roc
            #expect(roc.first! == (0, 0) && roc.last! == (1, 1))
            #expect(zip(roc, roc.dropFirst()).allSatisfy { $0.x <= $1.x && $0.y <= $1.y })
        }
    }

    @Test func groupsGrowPastTheirTenthUntilSafe() {
        // 100 patients scored 0.99, 0.98, ..., 0.00; the 30 highest are positive. A tenth is 10 patients.
        // Group 1: at 10 patients it holds 10 positives (small), at 11 it holds 11 → closed at 11.
        // Group 2: ranks 12-22 likewise → 11 patients, 11 positives.
        // Group 3 starts at rank 23 with 8 positives (ranks 23-30) and never gets more, so it stays unsafe to the
        // end (78 patients, 8 positives) and joins group 2: 89 patients, 19 positives, 70 negatives.
        let probabilities = (0..<100).map { Double(99 - $0) / 100 }
        let outcomes = (0..<100).map { $0 < 30 ? 1.0 : 0.0 }
        let groups = ScoreGroups(probabilities: probabilities, outcomes: outcomes, minCellSize: 11)
        #expect(groups.groups.map(\.patients) == [11, 89])
        #expect(groups.groups.map(\.positives) == [11, 19])
        #expect(groups.reached(calling: 25) == 25)
        #expect(groups.reached(calling: 40) == 30)
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
