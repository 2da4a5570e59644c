import Foundation

/// `strata audit verify`: the audit log's chain and head, and everything the log vouches for — each run's
/// own row and membership rows (by the fingerprint its refresh entry recorded), its stored scores and each run's
/// list files.
public struct AuditVerification: Sendable, Equatable {
    /// How many entries the log has, and the hash of the last one.
    public var entries: Int
    public var head: String
    /// Each thing found wrong, as a sentence; empty when nothing is.
    public var problems: [String]
    /// Runs recorded before Strata fingerprinted runs: their rows cannot be checked.
    public var unverifiableRuns: [Int64]

    /// Nothing wrong, and nothing that could not be checked.
    public var isIntact: Bool { problems.isEmpty && unverifiableRuns.isEmpty }

    /// Checks the store at `store` and the list folders under `listsFolder` (`run-NNNN/`).
    ///
    /// Runs and `refresh` entries are paired in order: each refresh records its run and its entry in one
    /// transaction, so the n-th run belongs to the n-th refresh entry, whose `run:N` output (when present)
    /// must name it.
    public static func check(store: SegmentStore, listsFolder: URL) throws -> AuditVerification {
        let entries = try store.auditEntries()
        // Run numbers only: a run row edited so that it no longer decodes is a finding, not a failure to check.
        let runIDs = try store.runIDs()
        var problems: [String] = []
        let headURL = AuditHead.url(store)
        var expectedHead: (sequence: Int64, hash: String)?
        switch AuditHead.state(store: store) {
        case .missing where !entries.isEmpty || !runIDs.isEmpty:
            problems.append("the audit head file \(headURL.path) is missing, so removed entries cannot be ruled out")
        case .missing:
            break
        case let .invalid(reason):
            problems.append("the audit head file \(headURL.path) is not valid: \(reason)")
        case let .recorded(sequence, hash):
            expectedHead = (sequence, hash)
        }
        var head = AuditLog.genesis
        switch AuditLog.verify(entries, expectedHead: expectedHead) {
        case let .intact(_, last): head = last
        case let .broken(sequence, reason): problems.append("audit log broken at entry \(sequence): \(reason)")
        }

        let refreshes = entries.filter { $0.action == "refresh" }
        if runIDs.count != refreshes.count {
            problems.append("the store has \(runIDs.count) runs but the audit log records \(refreshes.count) refreshes")
        }
        var unverifiable: [Int64] = []
        for (run, entry) in zip(runIDs, refreshes) {
            let outputs = entry.outputFingerprints
            let runKeys = outputs.keys.filter { $0.hasPrefix("run:") }
            if runKeys.isEmpty {
                unverifiable.append(run)
            } else if let recorded = outputs["run:\(run)"] {
                if try store.runFingerprint(run) != recorded {
                    problems.append("run \(run): its run or membership rows were changed after entry \(entry.sequence) recorded them")
                }
            } else {
                problems.append("run \(run): entry \(entry.sequence) records \(runKeys.sorted().joined(separator: ", ")) instead")
                continue
            }
            problems += try scoreProblems(store: store, run: run, entry: entry)
            let folder = listsFolder.appendingPathComponent(String(format: "run-%04lld", run))
            for problem in ListFolder.problems(folder, expected: outputs.filter { $0.key.hasPrefix("list:") }) {
                problems.append("run \(run): \(problem)")
            }
        }
        problems += try CampaignAudit.problems(store: store, entries: entries, listsFolder: listsFolder)
        return AuditVerification(entries: entries.count, head: head, problems: problems, unverifiableRuns: unverifiable)
    }
}

extension AuditVerification {
    /// Run `run`'s stored scores against the fingerprint its refresh entry recorded (`scores:N`). Runs recorded
    /// before refreshes fingerprinted scores have no such output, and their scores are not checked.
    static func scoreProblems(store: SegmentStore, run: Int64, entry: AuditEntry) throws -> [String] {
        guard let recorded = entry.outputFingerprints["scores:\(run)"] else { return [] }
        switch try store.scoresFingerprint(run: run) {
        case nil:
            return ["run \(run): its stored scores, recorded by entry \(entry.sequence), are missing"]
        case let found? where found != recorded:
            return ["run \(run): its stored scores were changed after entry \(entry.sequence) recorded them"]
        default:
            return []
        }
    }
}

/// A run's folder of lists compared with the fingerprints its audit entry recorded.
package enum ListFolder {
    /// What is wrong with `folder`, given `expected` (`list:<file>` → fingerprint): missing, changed or
    /// unexpected files, or the folder missing.
    package static func problems(_ folder: URL, expected: [String: String]) -> [String] {
        let fileManager = FileManager.default
        var isFolder: ObjCBool = false
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            return ["its lists folder \(folder.path) is missing"]
        }
        var problems: [String] = []
        for (key, fingerprint) in expected.sorted(by: { $0.key < $1.key }) {
            let file = folder.appendingPathComponent(String(key.dropFirst("list:".count)))
            guard fileManager.fileExists(atPath: file.path) else { problems.append("\(file.path) is missing"); continue }
            if (try? Fingerprint.of(file: file)) != fingerprint { problems.append("\(file.path) was changed after it was written") }
        }
        let names = Set(expected.keys.map { String($0.dropFirst("list:".count)) })
        for name in ((try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where !names.contains(name) {
            problems.append("\(folder.appendingPathComponent(name).path) is not a list this run wrote")
        }
        return problems
    }
}
