import Foundation
import StrataData
import StrataFeatures
import StrataSegments

extension ExportSource {
    /// The whole export at `url` with this source's format, mapping, extra columns and maximum of bad rows,
    /// through ``cache`` when set (see ``ExportCache``), else from the files; with the folder's fingerprint when
    /// the cache is set (``exportFingerprint``, else hashed here: beside the read when the cache cannot hold the
    /// files, see ``ExportCache/readExport(_:cache:fingerprint:format:mapping:policy:tables:unusedTextColumns:extraColumns:checkingOthers:keepingRows:storingLater:)``).
    func readThroughCache(_ url: URL, configuration: ProjectConfiguration, unusedTextColumns: [CanonicalTable: Set<String>],
                          extraColumns: [CanonicalTable: [ExtraColumn]]) throws -> (read: ExportCache.Read, fingerprint: String?) {
        let format = format ?? configuration.exports?.format
        let extras = configuration.features.extraColumns.merging(extraColumns, uniquingKeysWith: +)
        let policy = IngestPolicy(maxBadRows: maxBadRows)
        guard let cache else {
            let result = try ExportReader.read(url, format: format, mapping: configuration.mapping, policy: policy,
                                               unusedTextColumns: unusedTextColumns, extraColumns: extras)
            return (ExportCache.Read(result: result, outcome: .notStored("no export cache"), warnings: []), exportFingerprint)
        }
        return try ExportCache.readExport(url, cache: cache, fingerprint: exportFingerprint, format: format,
                                          mapping: configuration.mapping, policy: policy, tables: Set(CanonicalTable.allCases),
                                          unusedTextColumns: unusedTextColumns, extraColumns: extras, checkingOthers: true,
                                          keepingRows: [:], storingLater: true)
    }
}
