import FuzzSupport
import StrataSegments

// The segment rule parser and binder: the input is a rule's text (as UTF-8, invalid bytes replaced). A rule
// that parses is bound to the hand export's segment frame (every field a real rule names) and evaluated
// for each patient, as `strata refresh` does.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let rule = try? SegmentRule(text) else { return 0 }
    let frame = FuzzSupport.handFrame
    guard let bound = try? rule.bind(to: frame) else { return 0 }
    _ = bound.members(of: frame)
    return 0
}

/// The program's `main` (SwiftPM links `main` to `FuzzRules_main`): hands the command line to libFuzzer.
@_cdecl("FuzzRules_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
