import Foundation
import Testing
@testable import StrataProject
@testable import StrataSegments

/// Issue 16, row 22: `outputs` paths (store, lists, models) stay inside the project folder after `..` and
/// symbolic links are resolved, unless `outputs.allow_outside_project: true` says otherwise. Before, a
/// `strata.yml` with `lists: ../../elsewhere` or an absolute path wrote patient lists and the store there.
@Suite("Project outputs stay in the project")
final class ProjectOutputsTests {
    let root: URL
    let project: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-outputs-\(UUID().uuidString)")
        project = root.appendingPathComponent("clinic")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
    }

    /// A class, so that the folder goes when the test ends.
    deinit { try? FileManager.default.removeItem(at: root) }

    func open(outputs: String) throws -> Project {
        try Data("exports: {path: exports}\noutputs:\n\(outputs)".utf8).write(to: project.appendingPathComponent("strata.yml"))
        return try Project(directory: project)
    }

    func refusal(_ outputs: String) -> ProjectError? {
        do {
            _ = try open(outputs: outputs)
            return nil
        } catch let error as ProjectError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func defaultsAndInnerPathsAreAccepted() throws {
        let defaults = try open(outputs: "  store: strata.sqlite\n")
        #expect(defaults.listsURL.path.hasSuffix("clinic/lists"))
        let inner = try open(outputs: "  lists: out/../lists2\n  store: data/strata.sqlite\n  models: ./models\n")
        #expect(inner.listsURL.lastPathComponent == "lists2")
        // An absolute path that is inside the project is fine too.
        #expect(try open(outputs: "  lists: \(project.path)/lists\n").listsURL.path == project.path + "/lists")
    }

    @Test func parentFoldersAndAbsolutePathsAreRefused() throws {
        let up = try #require(refusal("  lists: ../../elsewhere\n"))
        guard case let .outputOutsideProject(key, path, resolved, _) = up else { Issue.record("\(up)"); return }
        #expect(key == "lists" && path == "../../elsewhere")
        #expect(resolved == PhysicalPath.resolve(root.deletingLastPathComponent().appendingPathComponent("elsewhere")).path)
        #expect(up.description.contains("outputs.lists: \"../../elsewhere\" leads to"))
        #expect(up.description.hasSuffix("keep outputs inside the project, or set outputs.allow_outside_project: true if this is meant"))
        #expect(refusal("  store: /tmp/strata.sqlite\n") != nil)
        #expect(refusal("  models: models/../../models\n") != nil)
        // A sibling folder whose name starts like the project's is still outside.
        #expect(refusal("  lists: ../clinic-lists\n") != nil)
    }

    @Test func symbolicLinksAreFollowed() throws {
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: project.appendingPathComponent("lists"), withDestinationURL: outside)
        // The default `lists` is now a link out of the project.
        let linked = try #require(refusal("  store: strata.sqlite\n"))
        guard case let .outputOutsideProject(key, _, resolved, _) = linked else { Issue.record("\(linked)"); return }
        #expect(key == "lists" && resolved == PhysicalPath.resolve(outside).path)
        // `..` after a link is taken from the link's target, as the system does.
        try FileManager.default.createDirectory(at: outside.appendingPathComponent("deeper"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: project.appendingPathComponent("hop"),
                                                   withDestinationURL: outside.appendingPathComponent("deeper"))
        #expect(refusal("  lists: inside\n  store: hop/../strata.sqlite\n") != nil)
        // A link that stays inside the project is fine.
        try FileManager.default.createDirectory(at: project.appendingPathComponent("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: project.appendingPathComponent("alias"), withDestinationURL: project.appendingPathComponent("real"))
        #expect(try open(outputs: "  lists: alias\n").listsURL.lastPathComponent == "alias")
    }

    @Test func allowOutsideProjectMustBeSaid() throws {
        let allowed = try open(outputs: "  allow_outside_project: true\n  lists: ../../elsewhere\n")
        #expect(allowed.listsURL.path.hasSuffix("../../elsewhere"))
        #expect(refusal("  allow_outside_project: false\n  lists: ../elsewhere\n") != nil)
        #expect(refusal("  allow_outside_project: yes please\n") == .badOutputs("'allow_outside_project' must be true or false"))
        #expect(refusal("  lists: \"\"\n") == .badOutputs("'lists' must be a path"))
    }
}
