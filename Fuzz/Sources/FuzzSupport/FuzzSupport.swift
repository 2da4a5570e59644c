import Foundation
import StrataData
import StrataFeatures
import StrataSegments

/// What the fuzz targets share: scratch folders, the repository's fixtures, and a small real export with
/// its segment frame, built once per process.
///
/// A target must only ever see a thrown error or a result. A trap (precondition, overflow, index out of
/// range, stack overflow) or a sanitizer report is the finding; libFuzzer saves the input that caused it.
public enum FuzzSupport {
    /// The repository holding this package (`Fuzz/Sources/FuzzSupport/` is three levels down).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The hand-written export of the feature tests (five edge-case patients, as of 2024-03-01).
    public static let handExportFolder = repository.appendingPathComponent("Tests/StrataFeaturesTests/Fixtures/hand")

    /// The small valid export of the ingest tests.
    public static let validExportFolder = repository.appendingPathComponent("Tests/StrataDataTests/Fixtures/valid")

    /// 2024-03-01, the hand export's as-of day.
    public static let handAsOf = Day(daysSince1970: CivilDate.days(year: 2024, month: 3, day: 1))

    /// A fresh scratch folder for this process (in `/dev/shm` when there is one, so writes cost little).
    public static func scratchFolder(_ name: String) -> URL {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm")
                                                                      : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("strata-fuzz-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            fatalError("cannot create the scratch folder \(folder.path): \(error)")
        }
        atexit { FuzzSupport.removeScratchFolders() }
        scratchFolders.withLock { $0.append(folder) }
        return folder
    }

    private static let scratchFolders = Mutex<[URL]>([])

    static func removeScratchFolders() {
        for folder in scratchFolders.withLock({ $0 }) { try? FileManager.default.removeItem(at: folder) }
    }

    /// Writes fuzz bytes to `url` (a failed write is a harness problem, not a finding).
    public static func write(_ data: UnsafePointer<UInt8>, _ size: Int, to url: URL) {
        let bytes = Data(bytes: data, count: size)
        do { try bytes.write(to: url) } catch { fatalError("cannot write \(url.path): \(error)") }
    }

    /// The hand export, read once.
    public static let handExport: ClinicExport = {
        do { return try ExportReader.read(handExportFolder).export } catch {
            fatalError("cannot read the hand export at \(handExportFolder.path): \(error)")
        }
    }()

    /// The hand export's segment frame as `strata refresh` builds it: attributes, every default feature,
    /// a `churn_score` and a `cluster`, so every field name a real rule uses is bound.
    public static let handFrame: SegmentFrame = {
        do {
            let features = try FeaturePipeline.fit(handExport, asOf: handAsOf, workers: 1)
            let count = handExport.patients.count
            let scores = (0..<count).map { Double($0) / Double(max(count, 1)) }
            let clusters = (0..<count).map { "cluster \($0 % 2)" }
            return try SegmentFrame.build(export: handExport, asOf: handAsOf, schema: features.schema,
                                          scores: ["churn_score": scores], clusters: clusters)
        } catch {
            fatalError("cannot build the hand export's segment frame: \(error)")
        }
    }()
}

/// A lock around a value (Synchronization's `Mutex` needs macOS 15; this works everywhere).
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
