import CFuzzDriver

extension FuzzSupport {
    /// Runs libFuzzer on `body` with the process's command line; returns its exit status.
    ///
    /// Each target's `<Module>_main` (the function SwiftPM makes the program's `main`) calls this.
    public static func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                                 _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var argc = argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
        return LLVMFuzzerRunDriver(&argc, &argv, body)
    }
}
