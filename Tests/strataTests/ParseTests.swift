import ArgumentParser
import Foundation
import StrataModels
import StrataProject
@testable import strata
import Testing

/// Parse-level tests of every command, the way swift-argument-parser tests its own examples: the command line
/// becomes the command value (or the error a user sees) without running anything.
@Suite("command lines")
struct ParseTests {
    func parse<C: ParsableCommand>(_ arguments: [String], as _: C.Type = C.self) throws -> C {
        let command = try Strata.parseAsRoot(arguments)
        return try #require(command as? C, "\(arguments) parsed as \(type(of: command))")
    }

    /// The message `strata` prints for a command line that does not parse (without the usage lines).
    func failure(_ arguments: [String]) -> (message: String, status: Int32) {
        do {
            _ = try Strata.parseAsRoot(arguments)
            return ("", 0)
        } catch {
            return (Strata.message(for: error), Strata.exitCode(for: error).rawValue)
        }
    }

    @Test func selfcheckAndValidate() throws {
        #expect(try parse(["selfcheck", "--size", "64"], as: SelfCheck.self).size == 64)
        #expect(failure(["selfcheck", "--size", "0"]).status == 64)
        let validate = try parse(["validate", "exports/x", "--format", "synthea", "--max-bad-rows", "3"], as: Validate.self)
        #expect(validate.export.path == "exports/x" && validate.export.format == .synthea && validate.export.maxBadRows == 3)
        #expect(failure(["validate", "--max-bad-rows=-1"]).message.contains("--max-bad-rows must be >= 0, got -1"))
    }

    @Test func featuresTakeADay() throws {
        let features = try parse(["features", "e", "--as-of", "2024-06-30", "--out", "f", "--labels"], as: Features.self)
        #expect(features.asOf.text == "2024-06-30" && features.asOf.day.daysSince1970 == 19_904 && features.labels)
        let bad = failure(["features", "e", "--as-of", "2024-02-30", "--out", "f"])
        #expect(bad.status == 64 && bad.message.contains("--as-of must be a date like 2024-06-30 (YYYY-MM-DD), got \"2024-02-30\""))
    }

    @Test func generate() throws {
        let generate = try parse(["generate", "--patients", "10", "--seed", "1", "--out", "o", "--kind", "aesthetic"], as: Generate.self)
        #expect(generate.patients == 10 && generate.kind == .aesthetic)
        #expect(failure(["generate", "--patients", "10", "--seed", "1", "--out", "o", "--kind", "dental"]).status == 64)
    }

    @Test func logisticChoicesAreEnums() throws {
        let logistic = try parse(["logistic", "--input", "x.csv", "--target", "y.csv", "--penalty", "elasticnet",
                                  "--solver", "proximal-newton", "--class-weight", "balanced", "--C", "0.5"], as: LogisticCommand.self)
        #expect(logistic.options.penalty == .elasticNet && logistic.options.solver == .proximalNewton)
        #expect(logistic.options.classWeight == .balanced && logistic.options.regression.configuration.c == 0.5)
        #expect(failure(["logistic", "--input", "x", "--target", "y", "--penalty", "l3"]).message
            .contains("--penalty must be l2, l1 or elasticnet, got 'l3'"))
        #expect(failure(["logistic", "--input", "x", "--target", "y", "--solver", "sgd"]).message
            .contains("--solver must be automatic, newton, lbfgs or proximal-newton, got 'sgd'"))
        #expect(failure(["logistic", "--input", "x", "--target", "y", "--class-weight", "auto"]).message
            .contains("--class-weight must be none or balanced, got 'auto'"))
        #expect(failure(["logistic", "--input", "x", "--target", "y", "--C", "0"]).status == 64)
    }

    @Test func trainAndScore() throws {
        let train = try parse(["train", "conversion", "e", "--as-of", "2025-12-31", "--window-days", "60", "--reference", "t.csv"],
                              as: Train.self)
        #expect(train.target == .conversion && train.trainingRun.scoringDay?.daysSince1970 == 20_453 && train.trainingRun.windowDays == 60)
        #expect(train.trainingRun.reference?.file.lastPathComponent == "t.csv")
        #expect(failure(["train", "retention"]).status == 64)
        #expect(failure(["train", "churn", "--horizon-days", "0"]).message.contains("--horizon-days must be a whole number of days"))
        let score = try parse(["score", "e", "--model", "m.json", "--out", "s.csv", "--reasons", "2"], as: Score.self)
        #expect(score.asOf == nil && score.reasons == 2)
        #expect(failure(["score", "--model", "m", "--out", "o", "--as-of", "31/12/2025"]).message
            .contains("--as-of must be a date like 2025-12-31 (YYYY-MM-DD), got \"31/12/2025\""))
    }

    @Test func kmeansTakesARangeAndChoices() throws {
        let range = try parse(["kmeans", "--input", "x.npy", "--k", "2...12", "--algorithm", "minibatch", "--dtype", "float32"],
                              as: KMeansCommand.self)
        #expect(range.k.counts == 2...12 && range.k.isRange && range.algorithm == .minibatch && range.dtype == .float32)
        #expect(range.clustering.comparing && range.clustering.precision == .float32)
        let single = try parse(["kmeans", "--input", "x.npy", "--k", "3", "--init", "random"], as: KMeansCommand.self)
        #expect(single.k.counts == 3...3 && !single.k.isRange && single.initialization == .random)
        #expect(failure(["kmeans", "--input", "x", "--k", "2..3"]).message.contains("--k must be a number or a range like 2...12, got '2..3'"))
        #expect(failure(["kmeans", "--input", "x", "--k", "0"]).message.contains("--k must be at least 1, got 0"))
        #expect(failure(["kmeans", "--input", "x", "--k", "2", "--algorithm", "elkan"]).message
            .contains("--algorithm must be lloyd, hamerly or minibatch, got 'elkan'"))
        #expect(failure(["kmeans", "--input", "x", "--k", "2", "--dtype", "float16"]).message
            .contains("--dtype must be float32 or float64, got 'float16'"))
        #expect(failure(["kmeans", "--input", "x", "--k", "2", "--init", "/no/such/centers.npy"]).status == 64)
    }

    @Test func discover() throws {
        let discover = try parse(["discover", "e", "--as-of", "2024-06-30"], as: Discover.self)
        // Issue 15: k 2...10 by default, chosen by stability with 5 subsample refits; 10 seedings per fit.
        #expect(discover.k.counts == 2...10 && discover.k.isRange && discover.nInit == 10 && discover.stabilityRuns == 5)
        #expect(failure(["discover", "e", "--as-of", "2024-06-30", "--k", "1...3"]).message.contains("--k must be at least 2 for a range"))
        #expect(failure(["discover", "/nonexistent", "--as-of", "30/06/2024"]).message
            .contains("--as-of must be a date like 2024-06-30 (YYYY-MM-DD), got \"30/06/2024\""))
    }

    @Test func projectCommands() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-parse-\(UUID().uuidString)")
        #expect(try parse(["init", "--project", folder.path], as: Init.self).options.directory.path == folder.standardizedFileURL.path)
        let refresh = try parse(["refresh", "--project", "p", "p/exports/x", "--as-of", "2025-12-31", "--json"], as: RefreshCommand.self)
        #expect(refresh.export == "p/exports/x" && refresh.asOf?.text == "2025-12-31" && refresh.json)
        #expect(failure(["refresh", "--lock-timeout", "-1"]).status == 64)
        #expect(try parse(["segments"], as: Segments.List.self).options.project == ".")
        #expect(try parse(["segments", "history", "recent"], as: Segments.History.self).name == "recent")
        #expect(try parse(["segments", "diff", "recent", "--run", "3", "--stayed"], as: Segments.Diff.self).runNumber == 3)
        _ = try parse(["audit"], as: Audit.Show.self)
        _ = try parse(["audit", "verify", "--project", "p"], as: Audit.Verify.self)
        #expect(try parse(["demo", "--patients", "200"], as: Demo.self).patients == 200)
        #expect(failure(["demo", "--patients", "5"]).message.contains("--patients must be from 100 to 1000000, got 5"))
    }

    /// One error path: a usage error and a run failure both read `error: ...`.
    @Test func everyFailureReadsTheSame() throws {
        let usage = try #require(ErrorReport.message(for: failureError(["kmeans", "--input", "x", "--k", "0"])))
        #expect(usage.hasPrefix("error: --k must be at least 1, got 0\n"))
        #expect(!usage.contains("Error:"))
        #expect(ErrorReport.message(for: WorkflowError.noExportGiven) == "error: give the export folder, or set exports.path in strata.yml\n")
        #expect(ErrorReport.message(for: ExitCode(2)) == nil)
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/no/such/export"])
        #expect(ErrorReport.message(for: missing)?.hasPrefix("error: /no/such/export: ") == true)
    }

    func failureError(_ arguments: [String]) -> Error {
        do { _ = try Strata.parseAsRoot(arguments); return ExitCode(0) } catch { return error }
    }
}
