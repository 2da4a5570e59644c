/// A set of byte strings numbered in insertion order (`0, 1, 2, ...`): dictionary encoding for CSV fields,
/// looked up straight from a field's bytes, without making a `String`.
///
/// Open addressing with linear probing over a power-of-two slot array, kept at most half full. The
/// strings are stored back to back in one byte array.
public struct ByteStringTable: Sendable {
    /// All strings' bytes, back to back.
    private var storage: [UInt8] = []
    /// `offsets[i]..<offsets[i + 1]` are the bytes of string `i`.
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    /// Code + 1 per slot; 0 marks an empty slot.
    private var slots: [Int32]
    private var mask: Int

    public init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// The number of strings.
    public var count: Int { offsets.count - 1 }

    /// String `code` as text.
    public subscript(code: Int) -> String {
        String(decoding: storage[offsets[code]..<offsets[code + 1]], as: UTF8.self)
    }

    /// All strings as text, in code order.
    public var strings: [String] { (0..<count).map { self[$0] } }

    /// The bytes of string `code`.
    public func bytes(of code: Int) -> ArraySlice<UInt8> { storage[offsets[code]..<offsets[code + 1]] }

    /// FNV-1a over the bytes, eight at a time, finished with a multiply-xorshift so low bits mix.
    @inlinable
    static func hash(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var position = start
        while position + 8 <= end {
            var word: UInt64 = 0
            for k in 0..<8 { word |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
            h = (h ^ word) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            position += 8
        }
        while position < end {
            h = (h ^ UInt64(bytes[position])) &* 0x0000_0100_0000_01b3
            position += 1
        }
        h ^= UInt64(end - start)
        h = (h ^ (h >> 31)) &* 0x9e37_79b9_7f4a_7c15
        return h ^ (h >> 32)
    }

    /// Whether string `code` is `bytes[start..<end]`.
    func matches(_ code: Int, _ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        equals(code, bytes, start, end)
    }

    private func equals(_ code: Int, _ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Bool {
        let lower = offsets[code], upper = offsets[code + 1]
        guard upper - lower == end - start else { return false }
        var i = lower, j = start
        while i < upper {
            if storage[i] != bytes[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    /// The code of `bytes[start..<end]`, or nil when absent.
    public func code(of bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Int32? {
        let h = Self.hash(bytes, start, end)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if hashes[entry - 1] == h && equals(entry - 1, bytes, start, end) { return Int32(entry - 1) }
            slot = (slot + 1) & mask
        }
    }

    /// The code of a string, or nil when absent.
    public func code(of text: String) -> Int32? {
        let bytes = Array(text.utf8)
        return code(of: bytes.span, 0, bytes.count)
    }

    /// The code of `bytes[start..<end]`, inserting it when absent.
    /// - Returns: the code and whether the string was new.
    @discardableResult
    public mutating func insert(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> (code: Int32, inserted: Bool) {
        let h = Self.hash(bytes, start, end)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if hashes[entry - 1] == h && equals(entry - 1, bytes, start, end) { return (Int32(entry - 1), false) }
            slot = (slot + 1) & mask
        }
        let code = count
        for index in start..<end { storage.append(bytes[index]) }
        offsets.append(storage.count)
        hashes.append(h)
        slots[slot] = Int32(code + 1)
        if count * 2 > slots.count { grow() }
        return (Int32(code), true)
    }

    /// Inserts a string; returns its code.
    @discardableResult
    public mutating func insert(_ text: String) -> Int32 {
        let bytes = Array(text.utf8)
        return insert(bytes.span, 0, bytes.count).code
    }

    /// The table's arrays as stored, for the export cache (`ExportCache+Format.swift`), which writes them
    /// as they are so that loading needs no rehashing.
    var parts: (storage: [UInt8], offsets: [Int], hashes: [UInt64], slots: [Int32]) { (storage, offsets, hashes, slots) }

    /// A table from ``parts``, or nil when they do not fit together (a slot count that is not a power of two,
    /// an offset or slot out of range).
    init?(storage: [UInt8], offsets: [Int], hashes: [UInt64], slots: [Int32]) {
        guard !offsets.isEmpty, offsets[0] == 0, offsets.last == storage.count, hashes.count == offsets.count - 1,
              slots.count >= 16, slots.count & (slots.count - 1) == 0, hashes.count * 2 <= slots.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
              slots.allSatisfy({ $0 >= 0 && Int($0) <= hashes.count }) else { return nil }
        self.storage = storage
        self.offsets = offsets
        self.hashes = hashes
        self.slots = slots
        mask = slots.count - 1
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for code in 0..<count {
            var slot = Int(truncatingIfNeeded: hashes[code]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(code + 1)
        }
    }
}
