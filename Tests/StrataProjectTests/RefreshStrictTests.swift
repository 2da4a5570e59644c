import Foundation
import StrataData
@testable import StrataProject
import Testing

/// Issue 14, item 5: `strata refresh --strict` applies the checks as `validate --strict` does. A finding that
/// the project's policy would only drop stops a strict refresh before anything is written.
@Suite("Refresh: strict checks")
struct RefreshStrictTests {
    /// The hardening project with P1's visit written twice: `duplicate_appointments` finds it (default: drop).
    func projectWithADuplicateRow() throws -> HardeningProject {
        try HardeningProject(appointments: HardeningProject.appointments + [HardeningProject.appointments[0]])
    }

    @Test func aStrictRefreshStopsAtAFindingAndWritesNothing() throws {
        let project = try projectWithADuplicateRow()
        defer { project.remove() }
        let error = #expect(throws: ExportCheckError.self) { try Refresh.run(try project.open(), user: "test", strict: true) }
        #expect(error?.strict == true)
        #expect(error?.failures.map(\.check) == [.duplicateAppointments])
        // The copy is the export's fifth line (header, three rows, then the copy).
        #expect(error?.failures.first?.examples.first?.place == "appointments.csv:5")
        #expect(!FileManager.default.fileExists(atPath: project.store.path))
        #expect(!FileManager.default.fileExists(atPath: project.lists.path))
        #expect(project.temporaries().isEmpty)
    }

    @Test func withoutStrictTheSameExportFollowsTheProjectsPolicy() throws {
        let project = try projectWithADuplicateRow()
        defer { project.remove() }
        let report = try Refresh.run(try project.open(), user: "test")
        #expect(report.run.id == 1)
        #expect(report.warnings.contains { $0.contains("duplicate_appointments") })
        #expect(try project.listedPatients("everyone-sms.csv") == ["P1", "P2", "P3"])
    }

    @Test func theWorkflowPassesStrictOn() throws {
        let project = try projectWithADuplicateRow()
        defer { project.remove() }
        let configuration = RefreshRun.Configuration(project: project.directory, user: "test", strict: true)
        #expect(throws: ExportCheckError.self) { try RefreshRun.run(configuration) }
        #expect(!FileManager.default.fileExists(atPath: project.store.path))
    }
}
