import Foundation
import StrataData
import StrataFeatures
import StrataModels
import Testing

/// Conversion training says why it has no out-of-time holdout instead of swallowing the error (issue 18).
@Suite("Conversion holdout")
struct ConversionHoldoutTests {
    /// Leads created through 2024-05-01 (the holdout's fit) never convert; those created after, through
    /// 2024-05-31, convert every other one. Scored at 2024-06-30 with a 30-day window, the model has both
    /// outcomes, but the holdout's earlier fit has one, which logistic regression refuses.
    static func export() throws -> ClinicExport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-conversion-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var patients: [String] = [], appointments: [String] = [], leads: [String] = []
        for index in 0..<12 {
            let created = String(format: "2024-04-%02dT09:00:00Z", index + 1)
            leads.append("E\(index),,\(created),web,checkup")
        }
        for index in 0..<12 {
            let day = String(format: "2024-05-%02d", index + 10)
            if index % 2 == 0 {
                patients.append("P\(index),Pat,1980-01-01,female,,\(day)T10:00:00Z,p\(index)@example.com,,email,web")
                appointments.append("P\(index),\(day)T15:00:00Z,\(day)T10:00:00Z,completed,checkup,Dr A,80")
                leads.append("L\(index),P\(index),\(day)T09:00:00Z,web,checkup")
            } else {
                leads.append("L\(index),,\(day)T09:00:00Z,web,checkup")
            }
        }
        let tables: [CanonicalTable: [String]] = [.patients: patients, .appointments: appointments, .leads: leads]
        for table in CanonicalTable.allCases where table.isRequired || tables[table] != nil {
            let lines = [table.columns.map(\.name).filter { $0 != "deceased_at" }.joined(separator: ",")] + (tables[table] ?? [])
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(table.fileName),
                                                             atomically: true, encoding: .utf8)
        }
        return try ExportReader.read(folder, format: .canonical).export
    }

    @Test func aHoldoutWhoseEarlierLeadsShareOneOutcomeIsExplained() throws {
        let scoringDate = try Day(iso: "2024-06-30")
        let result = try ConversionTraining.train(try Self.export(), scoringDate: scoringDate, windowDays: 30,
                                                  spec: FeatureSpec(), regression: LogisticRegression(), folds: 2)
        #expect(result.fit.positives == 6)
        #expect(result.holdout == nil)
        // The 12 earlier leads all stay unconverted (target 0), which the earlier fit refuses.
        #expect(result.holdoutUnavailable == "\(LogisticError.oneClass(label: 0, count: 12))")
    }
}
