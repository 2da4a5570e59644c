import StrataModels

/// The version `strata --version` prints and model files record.
enum StrataVersion {
    static let current = StrataModelsInfo.version
}
