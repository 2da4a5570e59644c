import Foundation
import StrataData
import StrataModels
@testable import StrataProject
import StrataSegments
import Testing

/// `strata month` on the bundled demo clinic: the same models, memberships, lists and report as the commands
/// run one by one, and a failing step that names itself and leaves the project as it was.
@Suite("month", .serialized)
final class MonthRunTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-month-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The repository's `datasets/demo-clinic`.
    static let demoClinic = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("datasets/demo-clinic")

    /// A project with the template's segments and a copy of the demo clinic as its one export.
    func project(_ name: String) throws -> (project: URL, export: URL) {
        let project = root.appendingPathComponent(name)
        try ProjectFolder.create(at: project)
        let export = project.appendingPathComponent("exports/2025-12-31")
        try FileManager.default.createDirectory(at: export.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.demoClinic, to: export)
        return (project, export)
    }

    /// The `parameters` object of a model file (what a fit produced, without its creation time).
    func parameters(_ file: URL) throws -> NSDictionary {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        return try #require(object?["parameters"] as? NSDictionary)
    }

    /// Every file under `folder`, by its path relative to it, with its bytes.
    func files(_ folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = try #require(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil))
        for case let file as URL in enumerator where !file.hasDirectoryPath {
            result[String(file.path.dropFirst(folder.path.count))] = try Data(contentsOf: file)
        }
        return result
    }

    @Test func theMonthEqualsTheCommandsRunOneByOne() throws {
        let (monthProject, _) = try project("month")
        // k from 2...4 keeps the debug build's cluster choice short; both sides choose from the same range.
        let month = try MonthRun.run(MonthRun.Configuration(project: monthProject, user: "test", clusterCounts: 2...4))
        #expect(month.steps.map(\.step) == [.validate, .retrain, .refresh, .report])
        #expect(month.retrain.targets.map(\.target) == ["churn", "conversion", "clusters"])
        #expect(month.retrain.targets.allSatisfy { $0.decision == .promoted }, "\(month.retrain.targets.map(\.reason))")
        // The validate step's read went into the export cache (written beside the retrain), once.
        let cached = try FileManager.default.contentsOfDirectory(atPath: monthProject.appendingPathComponent("cache/exports").path)
        #expect(cached.filter { $0.hasSuffix(".exportcache") }.count == 1, "\(cached)")
        #expect(!month.warnings.contains { $0.contains("export cache") }, "\(month.warnings)")

        // The same month, step by step, as a user would type it: train churn and conversion and discover
        // clusters as of the export's last event day, refresh, report.
        let (project, export) = try project("steps")
        let source = try ExportSource(path: export.path, configurationFile: project.appendingPathComponent("strata.yml").path).read()
        let day = try #require(ChurnTraining.lastEventDay(source.export))
        let models = project.appendingPathComponent("models")
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: models.appendingPathComponent("churn-\(day).json")),
                                on: source)
        _ = try TrainingRun.run(TrainingRun.Configuration(target: .conversion,
                                                          modelFile: models.appendingPathComponent("conversion-\(day).json")),
                                on: source)
        _ = try DiscoveryRun.run(DiscoveryRun.Configuration(asOf: day, clusterCounts: 2...4, modelFile: models.appendingPathComponent("clusters-\(day).json")),
                                 on: source)
        let refresh = try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        let report = try ReportRun.run(ReportRun.Configuration(project: project, user: "test"))

        for name in ["churn", "conversion", "clusters"] {
            let file = "\(name)-\(day).json"
            #expect(try parameters(monthProject.appendingPathComponent("models/\(file)")) == parameters(models.appendingPathComponent(file)),
                    "\(file)")
        }
        #expect(month.refresh.segments == refresh.segments)
        #expect(month.refresh.lists == refresh.lists)
        // The refresh took the validate step's read and checks instead of reading and checking again: the same
        // warnings, in the same order.
        #expect(month.refresh.warnings == refresh.warnings)
        let monthLists = try files(monthProject.appendingPathComponent("lists/run-0001"))
        let stepLists = try files(project.appendingPathComponent("lists/run-0001"))
        #expect(!monthLists.isEmpty && monthLists == stepLists)
        let monthReport = try #require(month.report)
        #expect(monthReport.run == report.run)
        let aggregates = "reports/run-\(report.run)/aggregates"
        let monthAggregates = try files(monthProject.appendingPathComponent(aggregates))
        let stepAggregates = try files(project.appendingPathComponent(aggregates))
        #expect(!monthAggregates.isEmpty && monthAggregates == stepAggregates)
        // The report took the month's read of the export (every table) where `strata report` reads only what it
        // shows: the same sections and the same page.
        #expect(monthReport.sections == report.sections && monthReport.export == report.export)
        let page = "reports/run-\(report.run)/report.html"
        #expect(try Data(contentsOf: monthProject.appendingPathComponent(page)) == Data(contentsOf: project.appendingPathComponent(page)))
        let store = try SegmentStore(path: monthProject.appendingPathComponent("strata.sqlite").path)
        #expect(try store.registeredModels().map(\.status) == [.champion, .champion, .champion])
        #expect(try AuditVerification.check(store: store, listsFolder: monthProject.appendingPathComponent("lists")).isIntact)
    }

    /// The month's report takes each segment's history as read before the refresh and completed by the
    /// refresh's counts: on a second run with entries and exits, that is the store's history after it; read
    /// after the run, it is taken as it is; missing a run in between, it is not taken.
    @Test func historiesReadBeforeARefreshWithItsCountsAreTheStoresAfterIt() throws {
        let (project, _) = try project("histories")
        var first = RefreshRun.Configuration(project: project, user: "test")
        first.asOf = try Day(iso: "2025-09-30")
        _ = try RefreshRun.run(first)
        let store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        let names = try Project(directory: project).segments.definitions.map(\.name)
        let before = try store.histories(of: names)
        let summary = try RefreshRun.run(RefreshRun.Configuration(project: project, user: "test"))
        #expect(summary.run == 2 && summary.segments.contains { $0.entered > 0 } && summary.segments.contains { $0.exited > 0 })
        let merged = try #require(ReportRun.histories(after: summary.run, asOf: summary.runAsOf, segments: summary.segments,
                                                      before: before))
        #expect(merged.count == names.count)
        for name in names { #expect(merged[name] == (try store.history(of: name)), "\(name)") }
        let after = try store.histories(of: names)
        #expect(ReportRun.histories(after: summary.run, asOf: summary.runAsOf, segments: summary.segments, before: after) == after.histories)
        #expect(ReportRun.histories(after: summary.run + 1, asOf: "2026-01-31", segments: summary.segments, before: before) == nil)
    }

    /// The churn scores training computes for the drift reference are, bit for bit, those the report computes
    /// from the model file on the same window: `strata month`'s report takes them, and the month above still
    /// equals `strata report`.
    @Test func trainingsScoresOnFileAreTheReportsOnTheSameWindow() throws {
        let (project, export) = try project("scores")
        let opened = try Project(directory: project)
        let source = try ExportSource(path: export.path, configurationFile: project.appendingPathComponent("strata.yml").path).read()
        let day = try #require(ChurnTraining.lastEventDay(source.export))
        let file = project.appendingPathComponent("models/churn-\(day).json")
        let trained = try TrainingRun.run(TrainingRun.Configuration(target: .churn, modelFile: file), on: source)
        let known = try #require(trained.scoresOnFile)
        let model = try ModelFile<LogisticParameters>.read(from: file, kind: LogisticParameters.kind)
        let horizon = opened.configuration.labels.churnHorizonDays
        #expect(known.asOf == day - horizon)
        let computed = try ReportRun.churnEvaluation(model, name: file.lastPathComponent, export: source.export, asOf: day, project: opened)
        #expect(computed.probabilities.count == known.probabilities.count && !computed.probabilities.isEmpty)
        #expect(computed.probabilities.map(\.bitPattern) == known.probabilities.map(\.bitPattern))
        // Taken only for their own window: given another day's, the report computes its own.
        var elsewhere = known
        elsewhere.asOf = known.asOf - 1
        elsewhere.probabilities = known.probabilities.map { _ in 0.5 }
        let taken = try ReportRun.churnEvaluation(model, name: file.lastPathComponent, export: source.export, asOf: day, project: opened,
                                                  known: elsewhere)
        #expect(taken.probabilities.map(\.bitPattern) == computed.probabilities.map(\.bitPattern))
        elsewhere.asOf = known.asOf
        let given = try ReportRun.churnEvaluation(model, name: file.lastPathComponent, export: source.export, asOf: day, project: opened,
                                                  known: elsewhere)
        #expect(given.probabilities.allSatisfy { $0 == 0.5 })
    }

    @Test func aFailingStepNamesItselfAndLeavesTheProjectAsItWas() throws {
        let (project, export) = try project("broken")
        // A visit on a day that does not exist: validation stops the month before anything is written.
        let appointments = export.appendingPathComponent("appointments.csv")
        var lines = try String(contentsOf: appointments, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let header = lines[0].split(separator: ",")
        let column = try #require(header.firstIndex(of: "scheduled_at"))
        var fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[column] = "2025-02-30T10:00:00Z"
        lines[1] = Substring(fields.joined(separator: ","))
        try lines.joined(separator: "\n").write(to: appointments, atomically: true, encoding: .utf8)
        let before = try files(project)

        let error = try #require(throws: MonthError.self) { try MonthRun.run(MonthRun.Configuration(project: project, user: "test")) }
        #expect(error.step == .validate)
        let message = error.description(naming: { $0 })
        #expect(message.hasPrefix("month stopped at step validate: ") && message.contains("appointments.csv:2"), "\(message)")
        #expect(try files(project) == before)
    }
}
