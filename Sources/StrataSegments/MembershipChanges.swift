/// Who enters and who leaves a segment in a run: its members now against its open members in the store, found
/// by one merge of the two lists in the byte order of their UTF-8 (SQLite's `BINARY` collation, the order of
/// the `membership_exited` index), instead of a set of two million id strings hashed on every run.
///
/// Ids are compared as bytes, as SQLite and the export's id table tell patients apart. (Swift's `==` on
/// strings is canonical equivalence, under which two byte-different spellings of an accented id would be one
/// patient; the store keeps them as two.)
struct MembershipChanges: Equatable {
    /// Positions in the members of those who enter, in the order their rows are inserted: ascending id
    /// (Swift's `<`, as the store always inserted them).
    var entering: [Int]
    /// The open members who are no longer members, ascending (Swift's `<`).
    var leaving: [String]
}

extension MembershipChanges {
    /// - Parameters:
    ///   - members: the members now, each once, in any order (one pass checks whether they are in byte order
    ///     already, as a refresh gives them; otherwise their positions are sorted).
    ///   - nextOpen: the open members, ascending in byte order, then nil. An id repeated (two open intervals of
    ///     one patient, which the store never writes) counts once.
    init(members: [String], nextOpen: () throws -> String?) rethrows {
        let order = Self.byteOrder(members)
        var entering: [Int] = [], leaving: [String] = []
        var next = 0
        var previous: String?
        while let open = try nextOpen() {
            // `==` first: false at once for two different ids, true for byte-equal ones (and canonical equivalents).
            if let previous, previous == open, Self.compare(previous, open) == 0 { continue }
            previous = open
            // Members before `open` were not open: they enter. The next one stays when it is `open`, or else
            // `open` leaves.
            var relation = 1  // of the next member to `open`; 1 when no member is left
            while next < order.count {
                relation = Self.compare(members[order[next]], open)
                guard relation < 0 else { break }
                entering.append(order[next])
                next += 1
                relation = 1
            }
            if relation == 0 {
                next += 1  // stays
            } else {
                leaving.append(open)
            }
        }
        entering += order[next...]
        self.entering = entering.sorted { members[$0] < members[$1] }
        self.leaving = leaving.sorted()
    }

    /// The positions of `ids` in ascending byte order: `0..<n` when they are so already (one pass); otherwise
    /// sorted by their first 8 bytes as one number, the rest compared only on a tie.
    static func byteOrder(_ ids: [String]) -> [Int] {
        if ids.indices.dropFirst().allSatisfy({ compare(ids[$0 - 1], ids[$0]) < 0 }) { return Array(ids.indices) }
        let keys = ids.map(prefixKey)
        return ids.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : compare(ids[$0], ids[$1]) < 0 }
    }

    /// The first 8 bytes of `id`'s UTF-8 as a big-endian number, zeros past its end: two ids whose keys differ
    /// are in the order of their keys (a shorter id's zeros sort before any byte but zero, and a tie is
    /// compared in full).
    static func prefixKey(_ id: String) -> UInt64 {
        var key: UInt64 = 0, count = 0
        for byte in id.utf8.prefix(8) {
            key = key << 8 | UInt64(byte)
            count += 1
        }
        return count == 0 ? 0 : key << (8 * (8 - count))
    }

    /// -1, 0 or 1 as `a`'s UTF-8 bytes are before, equal to or after `b`'s (a prefix comes first).
    static func compare(_ a: String, _ b: String) -> Int {
        let left = a.utf8.span, right = b.utf8.span
        for index in 0..<min(left.count, right.count) where left[index] != right[index] {
            return left[index] < right[index] ? -1 : 1
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }
}
