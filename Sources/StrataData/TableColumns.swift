/// Column types of the in-memory export: dictionary-encoded categories and raw text, stored without one
/// `String` per row.

/// A categorical column with open-ended values (services, campaigns, sources, condition codes):
/// `codes[i]` indexes `levels`, or is `-1` when row `i` has no value. Levels are in first-seen order.
public struct CategoryColumn: Sendable, Equatable {
    public var codes: [Int32]
    public var levels: [String]

    public init(codes: [Int32] = [], levels: [String] = []) {
        self.codes = codes
        self.levels = levels
    }

    /// The value of row `i`, or nil when empty.
    public subscript(row: Int) -> String? {
        let code = codes[row]
        return code < 0 ? nil : levels[Int(code)]
    }

    /// The code of a level, or nil when the column never holds it.
    public func code(of level: String) -> Int32? {
        levels.firstIndex(of: level).map(Int32.init)
    }
}

/// Free text (emails, phone numbers, names): the rows' bytes back to back. Empty text means "absent".
public struct TextColumn: Sendable, Equatable {
    var storage: [UInt8] = []
    /// Row `i` is `storage[offsets[i]..<offsets[i + 1]]`.
    var offsets: [Int] = [0]

    public init() {}

    /// `count` rows without text.
    public init(emptyRows count: Int) {
        offsets = Array(repeating: 0, count: count + 1)
    }

    public init(_ values: [String?]) {
        for value in values { append(value ?? "") }
    }

    public var count: Int { offsets.count - 1 }

    /// Row `i`'s text, or nil when empty.
    public subscript(row: Int) -> String? {
        let lower = offsets[row], upper = offsets[row + 1]
        return lower == upper ? nil : String(decoding: storage[lower..<upper], as: UTF8.self)
    }

    /// Whether row `i` has text.
    public func hasValue(_ row: Int) -> Bool { offsets[row + 1] > offsets[row] }

    mutating func append(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) {
        for index in start..<end { storage.append(bytes[index]) }
        offsets.append(storage.count)
    }

    mutating func append(_ text: String) {
        storage.append(contentsOf: text.utf8)
        offsets.append(storage.count)
    }

    mutating func append(contentsOf other: TextColumn) {
        let base = storage.count
        storage.append(contentsOf: other.storage)
        offsets.append(contentsOf: other.offsets.dropFirst().map { $0 + base })
    }

    /// Removes every row, keeping the buffers.
    mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
    }

    mutating func truncate(to rows: Int) {
        storage.removeSubrange(offsets[rows]...)
        offsets.removeSubrange((rows + 1)...)
    }

    func filtered(keeping keep: [Bool]) -> TextColumn {
        var result = TextColumn()
        for row in 0..<count where keep[row] {
            result.append(storage.span, offsets[row], offsets[row + 1])
        }
        return result
    }

    /// The bytes of row `i`.
    func bytes(_ row: Int) -> ArraySlice<UInt8> { storage[offsets[row]..<offsets[row + 1]] }
}
