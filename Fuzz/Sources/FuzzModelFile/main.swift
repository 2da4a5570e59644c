import Foundation
import FuzzSupport
import StrataProject

// Model-file loading: the input is a model file in a project's `models/` folder. The first byte picks its
// name, `churn-1.json` (kind logistic) or `clusters-1.json` (kind kmeans); the rest is the file. Models
// that load are applied to the hand export, as `strata refresh` does.

nonisolated(unsafe) private var modelsFolder: URL?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let folder = modelsFolder ?? FuzzSupport.scratchFolder("model-file")
    modelsFolder = folder
    guard size >= 1 else { return 0 }
    let names = ["churn-1.json", "clusters-1.json"]
    let name = names[Int(data[0]) % names.count]
    for other in names where other != name { try? FileManager.default.removeItem(at: folder.appendingPathComponent(other)) }
    FuzzSupport.write(data + 1, size - 1, to: folder.appendingPathComponent(name))
    guard let models = try? ProjectModels(directory: folder) else { return 0 }
    _ = try? models.scores(FuzzSupport.handExport, asOf: FuzzSupport.handAsOf)
    _ = try? models.clusterNames(FuzzSupport.handExport, asOf: FuzzSupport.handAsOf)
    return 0
}

/// The program's `main` (SwiftPM links `main` to `FuzzModelFile_main`): hands the command line to libFuzzer.
@_cdecl("FuzzModelFile_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
