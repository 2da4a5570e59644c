import StrataFeatures
import Testing

/// `reports:` in strata.yml: the minimum cell size, 11 by default, below 11 refused with its place.
@Suite struct ReportSettingsTests {
    @Test func defaultsToElevenAndTakesLargerValues() throws {
        #expect(try ProjectConfiguration.parse("labels: {churn_horizon_days: 90}\n").reports.minCellSize == 11)
        #expect(try ProjectConfiguration.parse("reports:\n  min_cell_size: 20\n").reports.minCellSize == 20)
    }

    @Test func belowElevenAndUnknownKeysAreRefusedWithTheirPlace() {
        #expect(throws: ConfigurationError(file: "strata.yml", line: 2, column: 18,
                                           message: "reports.min_cell_size: 10 is below 11; expected a whole number of patients of at "
                                               + "least 11, so no figure in a report comes from fewer")) {
            try ProjectConfiguration.parse("reports:\n  min_cell_size: 10\n")
        }
        do {
            _ = try ProjectConfiguration.parse("reports:\n  min_cells: 20\n")
            Issue.record("unknown key accepted")
        } catch {
            #expect(error.message.contains("min_cells") && error.line == 2)
        }
    }
}
