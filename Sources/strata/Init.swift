import ArgumentParser
import Foundation
import StrataProject
import StrataSegments

/// `strata init`: writes a commented strata.yml and the folders a project uses.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented strata.yml (with example segments) and the project's folders."
    )

    @OptionGroup var options: ProjectOptions

    @Flag(help: "Replace an existing strata.yml.")
    var force = false

    func validate() throws {
        let file = options.directory.appendingPathComponent(Project.fileName)
        if FileManager.default.fileExists(atPath: file.path) && !force {
            throw ValidationError("\(file.path) exists; pass --force to replace it")
        }
    }

    func run() throws {
        let file = try ProjectFolder.create(at: options.directory, replacing: force)
        print("wrote \(file.path)")
        print(ProjectFolder.nextSteps)
    }
}
