/// Patients ranked by score and cut into groups of at least a tenth of them (deciles), each group extended
/// until it holds no count from 1 to `minCellSize − 1` (patients, positives, negatives): every curve point and every group's counts then come
/// from enough patients, and no difference of two points reveals a small group.
struct ScoreGroups {
    struct Group: Equatable {
        /// Patients in the group, positives among them, and their mean score.
        var patients: Int
        var positives: Int
        var scoreSum: Double
        var negatives: Int { patients - positives }
        var meanScore: Double { scoreSum / Double(patients) }
        var observedRate: Double { Double(positives) / Double(patients) }
    }

    /// Highest scores first.
    var groups: [Group]
    var patients: Int
    var positives: Int
    /// Scores sorted from highest to lowest, with their outcomes (for budgets).
    var ranked: [(score: Double, outcome: Double)]

    /// - Parameters:
    ///   - count: the number of groups when no group needs extending (10: deciles).
    init(probabilities: [Double], outcomes: [Double], count: Int = 10, minCellSize: Int) {
        ranked = zip(probabilities, outcomes).map { ($0, $1) }.sorted { $0.score > $1.score }
        patients = ranked.count
        positives = ranked.reduce(0) { $0 + ($1.outcome == 1 ? 1 : 0) }
        func small(_ n: Int) -> Bool { n > 0 && n < minCellSize }
        func safe(_ group: Group) -> Bool { !small(group.patients) && !small(group.positives) && !small(group.negatives) }
        func joined(_ a: Group, _ b: Group) -> Group {
            Group(patients: a.patients + b.patients, positives: a.positives + b.positives, scoreSum: a.scoreSum + b.scoreSum)
        }
        // Walk down the ranking; close a group once it holds a `count`-th of the patients and is safe.
        let target = Swift.max(1, patients / count)
        var merged: [Group] = []
        var current = Group(patients: 0, positives: 0, scoreSum: 0)
        for (score, outcome) in ranked {
            current.patients += 1
            current.positives += outcome == 1 ? 1 : 0
            current.scoreSum += score
            if current.patients >= target && safe(current) {
                merged.append(current)
                current = Group(patients: 0, positives: 0, scoreSum: 0)
            }
        }
        // What is left joins the groups before it until it is safe (or everything is one group).
        if current.patients > 0 {
            while !safe(current), let last = merged.popLast() { current = joined(last, current) }
            merged.append(current)
        }
        groups = merged
    }

    /// ROC points at the group boundaries, from (0, 0) to (1, 1): (false positive rate, true positive rate).
    var roc: [(x: Double, y: Double)] {
        let negatives = patients - positives
        var points: [(x: Double, y: Double)] = [(0, 0)]
        var truePositives = 0, falsePositives = 0
        for group in groups {
            truePositives += group.positives
            falsePositives += group.negatives
            points.append((Double(falsePositives) / Double(negatives), Double(truePositives) / Double(positives)))
        }
        return points
    }

    /// Cumulative gains at the group boundaries, from (0, 0): (share of patients called, share of positives reached).
    var gains: [(x: Double, y: Double)] {
        var points: [(x: Double, y: Double)] = [(0, 0)]
        var called = 0, reached = 0
        for group in groups {
            called += group.patients
            reached += group.positives
            points.append((Double(called) / Double(patients), Double(reached) / Double(positives)))
        }
        return points
    }

    /// Positives among the `calls` highest scores.
    func reached(calling calls: Int) -> Int {
        ranked.prefix(calls).reduce(0) { $0 + ($1.outcome == 1 ? 1 : 0) }
    }
}
