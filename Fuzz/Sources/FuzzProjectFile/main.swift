import Foundation
import FuzzSupport
import StrataFeatures
import StrataSegments

// The `strata.yml` loader: the input is the project file. A project that opens has its segments evaluated
// on the hand export's frame and its feature spec and labels used on the hand export, as `strata refresh`
// and `strata train` would.

nonisolated(unsafe) private var projectFolder: URL?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let folder = projectFolder ?? FuzzSupport.scratchFolder("project-file")
    projectFolder = folder
    FuzzSupport.write(data, size, to: folder.appendingPathComponent(StrataProject.fileName))
    guard let project = try? StrataProject(directory: folder) else { return 0 }
    _ = try? project.segments.evaluate(FuzzSupport.handFrame)
    _ = try? FeaturePipeline.fit(FuzzSupport.handExport, asOf: FuzzSupport.handAsOf,
                                 spec: project.configuration.features, workers: 1)
    return 0
}

/// The program's `main` (SwiftPM links `main` to `FuzzProjectFile_main`): hands the command line to libFuzzer.
@_cdecl("FuzzProjectFile_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
