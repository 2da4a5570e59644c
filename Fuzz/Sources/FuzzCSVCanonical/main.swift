import Foundation
import FuzzSupport
import StrataData

// The canonical CSV reader. The first byte picks the table the rest becomes (patients, appointments, ...,
// leads) and the bad-row policy (strict, or up to 3 bad rows skipped); the other tables are the small valid
// export of the ingest tests. An export that reads is then used as `features` and `refresh` use it.

/// One scratch export per table, holding the valid fixture's tables.
nonisolated(unsafe) private var exportFolders: [URL] = []

private func prepareFolders() {
    let root = FuzzSupport.scratchFolder("csv-canonical")
    for table in CanonicalTable.allCases {
        let folder = root.appendingPathComponent(table.rawValue)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["patients", "appointments", "communications", "consents"] {
            let source = FuzzSupport.validExportFolder.appendingPathComponent("\(name).csv")
            do { try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("\(name).csv")) } catch {
                fatalError("cannot copy \(source.path): \(error)")
            }
        }
        exportFolders.append(folder)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if exportFolders.isEmpty { prepareFolders() }
    guard size >= 1 else { return 0 }
    let tables = CanonicalTable.allCases
    let table = tables[Int(data[0]) % tables.count]
    let policy = (Int(data[0]) / tables.count) % 2 == 0 ? IngestPolicy.strict : IngestPolicy(maxBadRows: 3)
    let folder = exportFolders[Int(data[0]) % tables.count]
    FuzzSupport.write(data + 1, size - 1, to: folder.appendingPathComponent(table.fileName))
    if let result = try? ExportReader.read(folder, policy: policy) {
        FuzzSupport.useExport(result.export)
    }
    return 0
}

/// The program's `main` (SwiftPM links `main` to `FuzzCSVCanonical_main`): hands the command line to libFuzzer.
@_cdecl("FuzzCSVCanonical_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
