import ArgumentParser
import Foundation
import StrataProject
import StrataSegments

/// `--project DIR`, shared by the commands that work on a project folder.
struct ProjectOptions: ParsableArguments {
    @Option(help: "The project folder, holding strata.yml.")
    var project: String = "."

    var directory: URL { URL(fileURLWithPath: project, isDirectory: true).standardizedFileURL }

    func open() throws -> Project { try Project(directory: directory) }

    func store() throws -> SegmentStore {
        let project = try open()
        guard FileManager.default.fileExists(atPath: project.storeURL.path) else { throw StoreError.noRuns }
        return try SegmentStore(path: project.storeURL.path)
    }
}

/// Who runs a command, for the audit log.
enum CurrentUser {
    static var name: String { ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName }
}
