@testable import StrataSegments
import Testing

/// The merge that finds who enters and who leaves a segment (``MembershipChanges``): the same answer as the
/// set difference it replaced, on the edge cases and on random lists.
@Suite("Store: membership changes by merge")
struct MembershipChangesTests {
    /// The changes of `members` against `open` (given in byte order, as the store's index gives them).
    func changes(_ members: [String], open: [String]) -> MembershipChanges {
        var iterator = open.makeIterator()
        return MembershipChanges(members: members, nextOpen: { iterator.next() })
    }

    /// What the store computed before: a set of the open ids, entering members by id, leavers sorted.
    func bySets(_ members: [String], open: [String]) -> MembershipChanges {
        let openSet = Set(open)
        return MembershipChanges(entering: members.indices.filter { !openSet.contains(members[$0]) }.sorted { members[$0] < members[$1] },
                                 leaving: openSet.subtracting(members).sorted())
    }

    @Test func nothingBeforeAndNothingNow() {
        #expect(changes([], open: []) == MembershipChanges(entering: [], leaving: []))
    }

    @Test func everyoneIsNewOnAnEmptySegment() {
        // Members in no order: they enter in id order, by their positions.
        #expect(changes(["P3", "P1", "P2"], open: []) == MembershipChanges(entering: [1, 2, 0], leaving: []))
    }

    @Test func everyoneLeavesWhenNobodyIsLeft() {
        #expect(changes([], open: ["P1", "P2", "P3"]) == MembershipChanges(entering: [], leaving: ["P1", "P2", "P3"]))
    }

    @Test func unsortedMembersMergeAsSortedOnes() {
        // P10 sorts before P2 as bytes ('1' < '2') and a prefix (P1) before its extensions (P10).
        let open = ["P1", "P10", "P4"]
        let members = ["P4", "P2", "P10", "P5"]
        #expect(changes(members, open: open) == MembershipChanges(entering: [1, 3], leaving: ["P1"]))
        #expect(changes(members, open: open) == bySets(members, open: open))
        #expect(MembershipChanges.byteOrder(members) == [2, 1, 0, 3])
        #expect(MembershipChanges.byteOrder(["P1", "P10", "P2"]) == [0, 1, 2])
    }

    @Test func unsortedIdsLongerThanTheirSortKeyAreOrderedAsBytes() {
        // Ids sharing their first 8 bytes (the sort key) are told apart by the rest; "P1" before "P1\0" and
        // "P1\u{1}", a shorter id before its extensions.
        var generator = SplitMix(seed: 5)
        let ids = (0..<300).map { _ in "clinic-\(["a", "b"][Int(generator.next() % 2)])-\(generator.next() % 500)" } + ["P1", "P1\u{1}", "P1\0", "P", ""]
        let unique = Set(ids).sorted().shuffled(using: &generator)
        let order = MembershipChanges.byteOrder(unique).map { unique[$0] }
        #expect(order == unique.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(order.prefix(5) == ["", "P", "P1", "P1\0", "P1\u{1}"])
        #expect(MembershipChanges.prefixKey("P1") < MembershipChanges.prefixKey("P1a") && MembershipChanges.prefixKey("") == 0)
    }

    @Test func anOpenIdRepeatedCountsOnce() {
        #expect(changes(["P2"], open: ["P1", "P1", "P2", "P2"]) == MembershipChanges(entering: [], leaving: ["P1"]))
    }

    @Test func idsAreComparedAsBytes() {
        // "é" precomposed (C3 A9) and "e" + combining acute (65 CC 81) are equal to Swift's `==` but two ids to
        // SQLite and to the export: one enters, the other leaves.
        #expect(MembershipChanges.compare("\u{E9}", "e\u{301}") == 1)
        #expect(changes(["e\u{301}"], open: ["\u{E9}"]) == MembershipChanges(entering: [0], leaving: ["\u{E9}"]))
        #expect(MembershipChanges.compare("P1", "P1") == 0 && MembershipChanges.compare("P1", "P10") == -1
            && MembershipChanges.compare("Q", "P10") == 1)
    }

    @Test func randomListsGiveTheSetDifference() {
        var generator = SplitMix(seed: 17)
        for round in 0..<200 {
            let universe = (0..<(round % 40 + 1)).map { _ in "P\(generator.next() % 1_000)" }
            let open = Array(Set(universe.filter { _ in generator.next() % 2 == 0 }))
                .sorted { MembershipChanges.compare($0, $1) < 0 }
            let members = Set(universe.filter { _ in generator.next() % 3 != 0 }).sorted().shuffled(using: &generator)
            #expect(changes(members, open: open) == bySets(members, open: open), "round \(round)")
        }
    }
}
