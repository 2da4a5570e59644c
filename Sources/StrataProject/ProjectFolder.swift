import Foundation
import StrataSegments

/// Creating a project folder: `strata.yml` from ``ProjectTemplate`` and the folders a project uses.
public enum ProjectFolder {
    /// Why a project folder cannot be created.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// `strata.yml` exists and replacing it was not asked for.
        case projectFileExists(String)

        public var description: String {
            switch self {
            case let .projectFileExists(path): "\(path) exists and replacing it was not asked for"
            }
        }
    }

    /// What to do after creating a project.
    public static let nextSteps =
        "next: put an export in exports/<date>/, then `strata refresh` (train and discover first for scores and clusters)"

    /// Writes `strata.yml` (the template with `segments`) and the `exports`, `models` and `lists` folders.
    /// - Parameters:
    ///   - replacing: replace an existing `strata.yml`.
    ///   - declaringAttributes: declare the generator's attribute columns (the demo's exports have them).
    /// - Returns: the project file.
    @discardableResult
    public static func create(at directory: URL, segments: [ProjectTemplate.Segment] = ProjectTemplate.exampleSegments,
                              replacing: Bool = false, declaringAttributes: Bool = false) throws -> URL {
        let file = directory.appendingPathComponent(Project.fileName)
        if FileManager.default.fileExists(atPath: file.path) && !replacing { throw Failure.projectFileExists(file.path) }
        for folder in ["exports", "models", "lists"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(ProjectTemplate.text(segments: segments, declaringAttributes: declaringAttributes).utf8).write(to: file, options: .atomic)
        return file
    }
}
