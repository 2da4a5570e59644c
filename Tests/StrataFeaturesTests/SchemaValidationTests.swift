import Foundation
import Testing
import StrataData
@testable import StrataFeatures

/// Issue 16, rows 6 and 19, for schemas read from a file (`strata features --schema`, model files): a schema
/// no fit could have produced is refused before any value is computed.
@Suite("Feature schema validation")
struct SchemaValidationTests {
    @Test func fittedSchemasAreValid() throws {
        let export = try FeatureFixtures.handExport()
        let fitted = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf)
        try fitted.schema.validate()
        try FeatureSchema.plain(columnCount: 3).validate()
    }

    @Test func applyRefusesAZeroScaleAndAHugeWindow() throws {
        let export = try FeatureFixtures.handExport()
        var schema = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf).schema
        let visits = schema.names.firstIndex(of: "visits_90d")!
        // A scale of 0 made every value of the column ±inf (and the scores built on it).
        schema.columns[visits].scale = 0
        let zero = #expect(throws: FeatureSchemaError.self) {
            _ = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf)
        }
        #expect(zero == FeatureSchemaError(index: visits, column: "visits_90d", field: "scale",
                                           problem: "0.0; expected a standard deviation from 1e-12 to 1e15 (constant columns have 1)"))
        // A window of 1e300 days trapped converting to Int.
        schema.columns[visits].scale = 1
        schema.columns[visits].parameters = ["window_days": 1e300]
        let window = #expect(throws: FeatureSchemaError.self) {
            _ = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf)
        }
        #expect(window?.description == "columns[\(visits)] (\"visits_90d\").parameters.window_days is 1e+300; "
                    + "expected a whole number of days from 1 to 36500")
    }
}
