extension SegmentFrame {
    /// A number field's values, one per patient, read as optionals (nil: missing) but stored as plain doubles
    /// with NaN for missing: 8 bytes a patient where `[Double?]` takes 16 (a million patients and some 45
    /// number fields held 720 MB of optionals).
    ///
    /// NaN is free to mean missing because no value a frame holds is NaN: ingest reads numbers as finite
    /// decimals only (`ByteParsing.decimal`, `[-+]digits[.digits]`) and stores an empty cell as NaN, feature
    /// extraction writes NaN for a missing feature (`FeatureExtractor.rawValues`), and scores are NaN where a
    /// model has none. The frame always read those NaNs as missing; a NaN given to ``init(_:)`` as a value
    /// would be missing too.
    public struct Numbers: RandomAccessCollection, Sendable, Equatable {
        /// Every patient's value, NaN where it is missing.
        public let valuesOrNaN: [Double]

        /// Values with nil for missing.
        public init(_ values: [Double?]) {
            valuesOrNaN = values.map { $0 ?? .nan }
        }

        /// Values with NaN for missing, kept as they are (no copy).
        public init(missingAsNaN values: [Double]) {
            valuesOrNaN = values
        }

        public var startIndex: Int { 0 }
        public var endIndex: Int { valuesOrNaN.count }

        /// The value of patient `index`, nil when missing.
        @inlinable public subscript(index: Int) -> Double? {
            let value = valuesOrNaN[index]
            return value.isNaN ? nil : value
        }

        /// Equal when both have the same values and miss the same patients.
        public static func == (lhs: Numbers, rhs: Numbers) -> Bool {
            lhs.elementsEqual(rhs)
        }
    }
}

extension SegmentFrame.Column {
    /// A number field from values with nil for missing (see ``SegmentFrame/Numbers``).
    public static func number(_ values: [Double?]) -> SegmentFrame.Column {
        .number(SegmentFrame.Numbers(values))
    }
}
