import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures

@Suite("Feature pipeline, labels and leakage")
struct FeaturePipelineTests {
    @Test func movingAFutureEventChangesTheLabelNotTheFeatures() throws {
        // P5's appointment at 2024-03-02T00:00:00Z (booked at that instant) is after T. Within a 60-day
        // horizon it makes P5 a returning patient; moved to 2024-09-01 it does not. Features as of T must
        // not move at all.
        let export = try FeatureFixtures.handExport()
        var moved = export
        let p5 = Int32(export.patients.ids.index(of: "P5")!)
        let row = (0..<export.appointments.count).first {
            export.appointments.patient[$0] == p5 && export.appointments.scheduledAt[$0] >= (Int64(FeatureFixtures.asOf.daysSince1970) + 1) * 86400
        }!
        let later = Int64(CivilDate.days(year: 2024, month: 9, day: 1)) * 86400
        moved.appointments.scheduledAt[row] = later
        moved.appointments.bookedAt[row] = later

        let before = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf)
        let after = try FeaturePipeline.fit(moved, asOf: FeatureFixtures.asOf)
        #expect(before.matrix == after.matrix)
        #expect(before.schema == after.schema)

        let labelsBefore = Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 60)
        let labelsAfter = Labels.churn(moved, asOf: FeatureFixtures.asOf, horizonDays: 60)
        #expect(labelsBefore[Int(p5)] == 0)
        #expect(labelsAfter[Int(p5)] == 1)
    }

    @Test func churnLooksOnlyAtTheHorizonAfterT() throws {
        let export = try FeatureFixtures.handExport()
        // (T, T + 60]: P2 returns on 2024-03-10, P5 on 2024-03-02; P1's 2024-06-01 is only booked.
        #expect(Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 60) == [1, 0, 1, 1, 0])
        // A horizon of 8 days ends on 2024-03-09: P2's return on the 10th is outside.
        #expect(Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 8) == [1, 1, 1, 1, 0])
        #expect(Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 9) == [1, 0, 1, 1, 0])
    }

    @Test func conversionWithinTheWindowOfCreation() throws {
        let export = try FeatureFixtures.handExport()
        // L1 (P2, created 2023-11-20): first completed visit 2024-03-10, 111 days later. L2 has no patient;
        // L3's patient (P3) never completed a visit.
        let ninety = Labels.conversion(export, asOf: FeatureFixtures.asOf, windowDays: 90)
        #expect(ninety.leadRows == [0, 1, 2])
        #expect(ninety.labels == [0, 0, 0])
        let longer = Labels.conversion(export, asOf: FeatureFixtures.asOf, windowDays: 111)
        #expect(longer.labels == [1, 0, 0])
    }

    @Test func fittedSchemaReappliesToTheSameColumns() throws {
        let export = try FeatureFixtures.handExport()
        let fitted = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf)
        // Standardized: each column has mean 0 and (population) standard deviation 1 or 0 (constant columns).
        for column in 0..<fitted.matrix.columns {
            let values = fitted.matrix.column(column)
            let mean = values.reduce(0, +) / Double(values.count)
            #expect(abs(mean) < 1e-12)
        }
        // The schema alone reproduces the matrix (what scoring with a model file does).
        let data = try JSONEncoder().encode(fitted.schema)
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: data)
        let applied = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf)
        #expect(applied.matrix == fitted.matrix)
        #expect(applied.patientIDs == ["P1", "P2", "P3", "P4", "P5"])
        #expect(!schema.names.contains { $0.contains("P1") })  // ids never in the schema
    }

    @Test func applyingToSomeRowsGivesThoseRowsOfTheWholeTable() throws {
        // A report scores only the patients on file at a date: the rows it asks for, in its order, must be
        // exactly those rows of the whole table (the schema fixes fills and scales; nothing depends on the
        // other patients), split over workers or not.
        let export = try FeatureFixtures.handExport()
        let schema = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf).schema
        let whole = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf)
        for workers in [1, 2] {
            let some = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf, rows: [4, 1, 3], workers: workers)
            #expect(some.patientIDs == ["P5", "P2", "P4"])
            #expect(some.matrix.rows == 3 && some.matrix.columns == whole.matrix.columns)
            for (k, row) in [4, 1, 3].enumerated() { #expect(Array(some.matrix.row(k)) == Array(whole.matrix.row(row))) }
        }
        let none = try FeaturePipeline.apply(schema, to: export, asOf: FeatureFixtures.asOf, rows: [])
        #expect(none.matrix.rows == 0 && none.patientIDs.isEmpty)
    }

    @Test func missingValuesTransformsAndOneHotCap() throws {
        let export = try FeatureFixtures.handExport()
        var spec = FeatureSpec(standardize: false)
        spec.services = .on(CategoryParameters(maxCategories: 1))
        spec.columns = ["days_since_last_visit": ColumnSettings(transforms: ["clip(0,0.5)"], missing: .constant(9), indicator: true)]
        let table = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf, spec: spec)
        let names = table.schema.names
        // Cleaning (P1 and P5 by T) and whitening (P1) each have fewer than 11 patients, so neither becomes a
        // column whatever the cap: both count in "other" (the cap itself: CategoryMinimumTests).
        #expect(names.filter { $0.hasPrefix("service_count.") } == ["service_count.other"])
        let recency = names.firstIndex(of: "days_since_last_visit")!
        let indicator = names.firstIndex(of: "days_since_last_visit.missing")!
        // P1: 1 day clipped to 0.5; P2: missing -> 9 -> clipped to 0.5; P5: 0.
        #expect(table.matrix.column(recency) == [0.5, 0.5, 0.5, 0.5, 0])
        #expect(table.matrix.column(indicator) == [0, 1, 1, 1, 0])
        // Defaults: visits log1p-transformed; mean_amount missing -> median of P1's 173.5 and P5's 80.
        let visits = names.firstIndex(of: "visits_730d")!
        #expect(table.matrix.column(visits) == [log1p(3), 0, 0, 0, log1p(1)])
        let meanAmount = table.schema.columns[names.firstIndex(of: "mean_amount")!]
        #expect(meanAmount.missing == "median" && meanAmount.fill == (173.5 + 80) / 2)
        #expect(table.schema.columns[recency].transforms == ["clip(0,0.5)"])
    }

    @Test func familiesTurnOffAndParameterise() throws {
        let configuration = try ProjectConfiguration.parse("""
            features:
              frequency: {windows: [30]}
              engagement: false
              contact_recency: false
              outreach: false
              leads: false
              services: false
              conditions: {codes: {diabetes: [E11, E10]}}
              standardize: false
            labels: {churn_horizon_days: 90}
            models: {churn: {c: 1.0}}
            """)
        #expect(configuration.labels.churnHorizonDays == 90)
        #expect(configuration.models == .mapping(["churn": .mapping(["c": .number(1)])]))
        let export = try FeatureFixtures.handExport()
        let table = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf, spec: configuration.features)
        let names = table.schema.names
        #expect(names.contains("visits_30d") && !names.contains("visits_90d"))
        #expect(!names.contains { $0.hasPrefix("open_rate") || $0.hasPrefix("lead_") || $0.hasPrefix("service_count") })
        let diabetes = names.firstIndex(of: "condition.diabetes")!
        #expect(table.matrix.column(diabetes) == [1, 0, 0, 0, 0])
        #expect(!configuration.features.tablesNeeded.contains(.communications))
    }

    @Test func unknownKeysAreNamed() {
        // The place is the unknown key's own: line 2, column 3.
        #expect(throws: ConfigurationError(file: "strata.yml", line: 2, column: 3,
                                           message: "features: unknown key \"features.recncy\"; expected one of recency, frequency, monetary, tenure, demographics, visit_intervals, attendance, booking_lead_time, services, engagement, contact_recency, upcoming, outreach, conditions, leads, standardize, columns")) {
            _ = try ProjectConfiguration.parse("features:\n  recncy: true\n")
        }
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("exprts: {path: x}\n") }
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("features: {attendance: {prior_weight: -1}}\n") }
        #expect(throws: ConfigurationError.self) { _ = try ProjectConfiguration.parse("features: {engagement: {prior_click_rate: 1.5}}\n") }
    }

    @Test func priorsDefaultPerKey() throws {
        let spec = try ProjectConfiguration.parse("features: {engagement: {prior_open_rate: 0.5}, attendance: {prior_weight: 4}}\n").features
        let engagement = try #require(spec.engagement.parameters)
        #expect(engagement.priorOpenRate == 0.5 && engagement.priorClickRate == 0.1 && engagement.priorWeight == 2)
        let attendance = try #require(spec.attendance.parameters)
        #expect(attendance.priorWeight == 4 && attendance.priorNoShowRate == 0.1)
    }

    @Test func mappingSectionParses() throws {
        let configuration = try ProjectConfiguration.parse("""
            exports: {path: /data/export, format: mapped}
            mapping:
              appointments:
                file: visits.csv
                columns:
                  patient_id: PatientId
                  status: {column: No-show, values: {"Yes": no_show, "No": completed}}
            """)
        #expect(configuration.exports == ExportSettings(path: "/data/export", format: .mapped))
        let status = configuration.mapping?.tables["appointments"]?.columns["status"]
        #expect(status == ColumnMapping(column: "No-show", values: ["Yes": "no_show", "No": "completed"]))
    }

    @Test func outputFolderIsWrittenWholeOrNotAtAll() throws {
        let export = try FeatureFixtures.handExport()
        let table = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-features-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FeatureOutput.write(table, labels: [("churn_60d", Labels.churn(export, asOf: FeatureFixtures.asOf, horizonDays: 60))], to: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["features.csv", "features.npy", "labels.csv", "patient_ids.csv", "schema.json"])
        let csv = try String(contentsOf: folder.appendingPathComponent("features.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("patient_id,days_since_last_visit,"))
        #expect(csv.split(separator: "\n").count == 6)
        let (matrix, _) = try MatrixFile.read(folder.appendingPathComponent("features.npy"), as: Double.self)
        #expect(matrix == table.matrix)
        let labels = try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8)
        #expect(labels == "patient_id,churn_60d\nP1,1\nP2,0\nP3,1\nP4,1\nP5,0\n")
        // A table whose ids do not match the matrix cannot be written; the existing folder stays as it was.
        var broken = table
        broken.patientIDs.removeLast()
        #expect(throws: (any Error).self) { try FeatureOutput.write(broken, to: folder) }
        #expect(try String(contentsOf: folder.appendingPathComponent("labels.csv"), encoding: .utf8) == labels)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(".\(folder.lastPathComponent)") }
        #expect(leftovers.isEmpty)
    }

    @Test func numbersAreWrittenExactly() {
        var bytes: [UInt8] = []
        for value in [0.0, -0.0, 7, -42, 1e15, 0.1, -2.5e-7, 123456789012345] {
            bytes.removeAll()
            NumberText.append(value, to: &bytes)
            #expect(Double(String(decoding: bytes, as: UTF8.self)) == value)
        }
        bytes.removeAll()
        NumberText.append(-42, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "-42")
    }

    @Test func cachedNumberTextIsTheSameText() {
        // Property: through the cache (with collisions: 20,000 values, 4,096 slots, many repeats) every value
        // is written exactly as without it.
        var generator = SplitMix64(seed: 11)
        var cache = NumberTextCache()
        var cached: [UInt8] = [], direct: [UInt8] = []
        let pool = (0..<5000).map { _ in Double.random(in: -1e6...1e6, using: &generator) } + [0.1, 0.5, -0.0, 3, 1e20]
        for _ in 0..<20_000 {
            let value = pool.randomElement(using: &generator)!
            cache.append(value, to: &cached)
            NumberText.append(value, to: &direct)
            cached.append(44)
            direct.append(44)
        }
        #expect(cached == direct)
    }
}
