import ArgumentParser
import Foundation
import StrataSegments

/// `strata init`: writes a commented strata.yml and the folders a project uses.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented strata.yml (with example segments) and the project's folders."
    )

    @OptionGroup var options: ProjectOptions

    @Flag(help: "Replace an existing strata.yml.")
    var force = false

    func run() throws {
        let directory = options.directory
        let file = directory.appendingPathComponent(StrataProject.fileName)
        if FileManager.default.fileExists(atPath: file.path) && !force {
            throw ValidationError("\(file.path) exists; pass --force to replace it")
        }
        for folder in ["exports", "models", "lists"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(ProjectTemplate.text.utf8).write(to: file, options: .atomic)
        print("wrote \(file.path)")
        print("next: put an export in exports/<date>/, then `strata refresh` (train and discover first for scores and clusters)")
    }
}
