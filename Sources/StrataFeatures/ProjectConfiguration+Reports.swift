import StrataData

/// `reports`: what `strata report` may show.
///
///     reports:
///       min_cell_size: 11   # counts from fewer patients are shown as <11; at least 11
public struct ReportSettings: Codable, Sendable, Equatable {
    /// The smallest minimum cell size accepted: the common public-health threshold (CMS cell-size rule).
    public static let smallestMinimumCellSize = 11

    /// A count, share, rate or curve point computed from fewer patients than this (and more than none) is
    /// suppressed.
    public var minCellSize: Int

    public init(minCellSize: Int = ReportSettings.smallestMinimumCellSize) {
        self.minCellSize = minCellSize
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case minCellSize = "min_cell_size" }

    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minCellSize = try c.decodeIfPresent(Int.self, forKey: .minCellSize) ?? Self.smallestMinimumCellSize
        guard minCellSize >= Self.smallestMinimumCellSize else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + [CodingKeys.minCellSize],
                debugDescription: "\(minCellSize) is below \(Self.smallestMinimumCellSize); expected a whole number of patients "
                    + "of at least \(Self.smallestMinimumCellSize), so no figure in a report comes from fewer"))
        }
    }
}
