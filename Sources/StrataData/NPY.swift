import Foundation
import StrataLinearAlgebra

/// NumPy's `.npy` format (versions 1.0–3.0): a magic string, a version, a header length, an ASCII header
/// dictionary (`descr`, `fortran_order`, `shape`) padded to a multiple of 64 bytes, then the raw data.
/// See numpy's `numpy.lib.format`.
public enum NPY {
    /// What an `.npy` header says about the array that follows it.
    public struct Header: Equatable, Sendable {
        public var elementType: BinaryElementType
        public var bigEndian: Bool
        public var fortranOrder: Bool
        public var shape: [Int]
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads the header at the start of `handle`, leaving it positioned at the first data byte.
    static func readHeader(_ handle: FileHandle, path: String) throws -> Header {
        guard let prefix = try handle.read(upToCount: 10), prefix.count == 10, Array(prefix.prefix(6)) == magic else {
            throw MatrixFileError.malformed(path: path, reason: "not an .npy file (missing the \\x93NUMPY magic string)")
        }
        let major = prefix[prefix.startIndex + 6]
        let headerLength: Int
        switch major {
        case 1:
            headerLength = Int(prefix[prefix.startIndex + 8]) | Int(prefix[prefix.startIndex + 9]) << 8
        case 2, 3:
            guard let more = try handle.read(upToCount: 2), more.count == 2 else {
                throw MatrixFileError.malformed(path: path, reason: "truncated .npy header")
            }
            let bytes = Array(prefix.suffix(2)) + Array(more)
            headerLength = bytes.enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        default:
            throw MatrixFileError.malformed(path: path, reason: ".npy format version \(major) is not supported (1, 2 or 3 expected)")
        }
        guard let headerData = try handle.read(upToCount: headerLength), headerData.count == headerLength else {
            throw MatrixFileError.malformed(path: path, reason: "truncated .npy header")
        }
        return try parseHeader(String(decoding: headerData, as: UTF8.self), path: path)
    }

    /// Parses the header dictionary, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }`.
    static func parseHeader(_ text: String, path: String) throws -> Header {
        func value(of key: String) throws -> Substring {
            guard let keyRange = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\""),
                  let colon = text[keyRange.upperBound...].firstIndex(of: ":") else {
                throw MatrixFileError.malformed(path: path, reason: ".npy header has no '\(key)': \(text)")
            }
            return text[text.index(after: colon)...].drop { $0 == " " }
        }
        let descrValue = try value(of: "descr")
        guard let quote = descrValue.first, quote == "'" || quote == "\"",
              let end = descrValue.dropFirst().firstIndex(of: quote) else {
            throw MatrixFileError.malformed(path: path, reason: ".npy header 'descr' is not a string: \(text)")
        }
        var descr = descrValue[descrValue.index(after: descrValue.startIndex)..<end]
        var bigEndian = false
        if let order = descr.first, "<>|=".contains(order) {
            bigEndian = order == ">"
            descr = descr.dropFirst()
        }
        guard let elementType = BinaryElementType(rawValue: String(descr)) else {
            throw MatrixFileError.unsupportedElementType(path: path, descr: String(descrValue[..<descrValue.index(after: end)]))
        }
        let fortranOrder = try value(of: "fortran_order").hasPrefix("True")
        let shapeValue = try value(of: "shape")
        guard shapeValue.first == "(", let close = shapeValue.firstIndex(of: ")") else {
            throw MatrixFileError.malformed(path: path, reason: ".npy header 'shape' is not a tuple: \(text)")
        }
        let shape = try shapeValue[shapeValue.index(after: shapeValue.startIndex)..<close]
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { field -> Int in
                guard let n = Int(field.hasSuffix("L") ? String(field.dropLast()) : field), n >= 0 else {
                    throw MatrixFileError.malformed(path: path, reason: ".npy header shape has '\(field)'")
                }
                return n
            }
        return Header(elementType: elementType, bigEndian: bigEndian, fortranOrder: fortranOrder, shape: shape)
    }

    /// The bytes of a version 1.0 header for a C-order array of `descr` with `shape`, padded to 64 bytes.
    static func headerBytes(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 4 + dictionary.utf8.count + 1
        dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = dictionary.utf8.count
        return magic + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(dictionary.utf8)
    }
}
