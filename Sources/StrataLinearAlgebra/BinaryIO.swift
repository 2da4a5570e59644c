import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A numeric element type as stored in a binary file (numpy's `descr` codes without the byte-order mark).
public enum BinaryElementType: String, Sendable, CaseIterable {
    case float32 = "f4"
    case float64 = "f8"
    case int8 = "i1"
    case int16 = "i2"
    case int32 = "i4"
    case int64 = "i8"
    case uint8 = "u1"
    case bool = "b1"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16: 2
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }
}

/// Why raw element I/O failed.
public enum BinaryIOError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file ended after `read` of the `expected` bytes.
    case truncated(expected: Int, read: Int)
    /// The operating system refused the read or write.
    case system(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case let .truncated(expected, read): "file ends early: expected \(expected) bytes of data, found \(read)"
        case let .system(operation, code): "\(operation) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Reads and writes arrays of numbers as raw little- or big-endian bytes, straight into and out of array
/// storage: reading a matrix of the file's own type costs no second copy of it (peak memory ≈ the matrix).
package enum BinaryIO {
    /// Reads `count` elements of `type` from the current position of `handle`, converting to `S`.
    ///
    /// - Parameter bigEndian: whether the file's bytes are big-endian (numpy `>`); this machine is little-endian.
    package static func readElements<S: BLASScalar>(
        _ count: Int, of type: BinaryElementType, bigEndian: Bool = false, from handle: FileHandle, as _: S.Type = S.self
    ) throws -> [S] {
        let descriptor = handle.fileDescriptor
        let direct = !bigEndian && ((type == .float32 && S.self == Float.self) || (type == .float64 && S.self == Double.self))
        if direct {
            return try [S](unsafeUninitializedCapacity: count) { buffer, initialized in
                try readFully(descriptor, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
        }
        // The common cross-type cases (float32 data into a Double model and back) fill a concrete array,
        // because an element-wise append through generic code costs more than reading the file.
        if !bigEndian, type == .float32, S.self == Double.self {
            // S is Double here, so the bit cast is an identity (an `as!` cast would walk the array).
            return unsafeBitCast(try readConverted(count, from: descriptor, Float.self, as: Double.self) { Double($0) }, to: [S].self)
        }
        if !bigEndian, type == .float64, S.self == Float.self {
            return unsafeBitCast(try readConverted(count, from: descriptor, Double.self, as: Float.self) { Float($0) }, to: [S].self)
        }
        // Other types: convert through a bounded scratch buffer.
        var result = [S]()
        result.reserveCapacity(count)
        let chunkElements = Swift.max(1, (1 << 20) / type.byteCount)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * type.byteCount, alignment: 8)
        defer { scratch.deallocate() }
        var remaining = count
        while remaining > 0 {
            let n = Swift.min(remaining, chunkElements)
            let bytes = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(n * type.byteCount)])
            try readFully(descriptor, into: bytes)
            for i in 0..<n { result.append(S(element(i, of: type, in: UnsafeRawBufferPointer(bytes), bigEndian: bigEndian))) }
            remaining -= n
        }
        return result
    }

    /// The index of the first NaN or infinity in `elements`, or nil. Scans concrete `Float`/`Double` memory,
    /// so the check costs a fraction of reading the data even when called from generic code.
    package static func firstNonFiniteIndex<S: BLASScalar>(_ elements: [S]) -> Int? {
        elements.withUnsafeBufferPointer { buffer in
            if S.self == Float.self { return buffer.withMemoryRebound(to: Float.self, firstNonFinite) }
            if S.self == Double.self { return buffer.withMemoryRebound(to: Double.self, firstNonFinite) }
            return buffer.firstIndex { !$0.isFinite }
        }
    }

    // Concrete, so neither loop goes through a protocol witness per element.
    private static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        for i in values.indices where !values[i].isFinite { return i }
        return nil
    }

    private static func firstNonFinite(_ values: UnsafeBufferPointer<Double>) -> Int? {
        for i in values.indices where !values[i].isFinite { return i }
        return nil
    }

    /// Writes `elements` in the machine's (little-endian) byte order at the current position of `handle`.
    package static func writeElements<S: BLASScalar>(_ elements: [S], to handle: FileHandle) throws {
        try elements.withUnsafeBytes { try writeFully(handle.fileDescriptor, $0) }
    }

    /// Writes 64-bit integers (little-endian) at the current position of `handle`.
    package static func writeElements(_ elements: [Int64], to handle: FileHandle) throws {
        try elements.withUnsafeBytes { try writeFully(handle.fileDescriptor, $0) }
    }

    /// Reads `count` little-endian values of `Source` and converts each, through a 1 MiB scratch buffer.
    private static func readConverted<Source, Target>(
        _ count: Int, from descriptor: Int32, _: Source.Type, as _: Target.Type, _ convert: (Source) -> Target
    ) throws -> [Target] {
        var result = [Target]()
        result.reserveCapacity(count)
        let chunkElements = Swift.max(1, (1 << 20) / MemoryLayout<Source>.stride)
        let scratch = UnsafeMutableBufferPointer<Source>.allocate(capacity: chunkElements)
        defer { scratch.deallocate() }
        var remaining = count
        while remaining > 0 {
            let chunk = UnsafeMutableBufferPointer(rebasing: scratch[0..<Swift.min(remaining, chunkElements)])
            try readFully(descriptor, into: UnsafeMutableRawBufferPointer(chunk))
            result.append(contentsOf: chunk.lazy.map(convert))
            remaining -= chunk.count
        }
        return result
    }

    private static func element(_ i: Int, of type: BinaryElementType, in bytes: UnsafeRawBufferPointer, bigEndian: Bool) -> Double {
        let offset = i * type.byteCount
        func load<T: FixedWidthInteger>(_: T.Type) -> T {
            let raw = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
            return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
        }
        switch type {
        case .float32: return Double(Float(bitPattern: load(UInt32.self)))
        case .float64: return Double(bitPattern: load(UInt64.self))
        case .int8: return Double(load(Int8.self))
        case .int16: return Double(load(Int16.self))
        case .int32: return Double(load(Int32.self))
        case .int64: return Double(load(Int64.self))
        case .uint8: return Double(load(UInt8.self))
        case .bool: return load(UInt8.self) == 0 ? 0 : 1
        }
    }

    private static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = read(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw BinaryIOError.system(operation: "read", errno: errno)
            }
            if n == 0 { throw BinaryIOError.truncated(expected: buffer.count, read: done) }
            done += n
        }
    }

    private static func writeFully(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = write(descriptor, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw BinaryIOError.system(operation: "write", errno: errno)
            }
            done += n
        }
    }
}
