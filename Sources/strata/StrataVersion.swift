/// The version `strata --version` prints and model files record.
enum StrataVersion {
    static let current = "0.1.0"
}
