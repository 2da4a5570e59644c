import Foundation
import Testing
import StrataData
import StrataLinearAlgebra
@testable import StrataFeatures

extension FeatureFixtures {
    /// The hand-written export with every patient and lead copied `copies` times (ids suffixed `-2`, `-3`,
    /// ...; the first copy keeps the original ids), so each category value has `copies` times as many
    /// patients and the same order of frequency. Rows are in blocks: all of copy 1, then all of copy 2, ...
    static func replicatedHandExport(copies: Int) throws -> ClinicExport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-replicated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The columns holding ids, by file (the hand fixture has no quoted fields).
        let idColumns = ["patients.csv": ["patient_id"], "appointments.csv": ["patient_id"],
                         "communications.csv": ["patient_id"], "conditions.csv": ["patient_id"],
                         "consents.csv": ["patient_id"], "leads.csv": ["lead_id", "patient_id"]]
        for (file, columns) in idColumns {
            let lines = try String(contentsOf: hand.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let positions = columns.map { header.firstIndex(of: $0)! }
            var output = [lines[0]]
            for copy in 1...copies {
                for line in lines.dropFirst() {
                    var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    for position in positions where copy > 1 && !fields[position].isEmpty { fields[position] += "-\(copy)" }
                    output.append(fields.joined(separator: ","))
                }
            }
            try Data((output.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent(file))
        }
        return try ExportReader.read(folder).export
    }
}

/// Issue 16, row 11: a category value (a service, a lead source or interest) that fewer than
/// ``StrataLimits/minimumPatientsPerCategory`` people have never becomes a column, so it never reaches a
/// schema or a model file; it counts in `other`.
///
/// In the hand export as of 2024-03-01, completed visits by then: cleaning by P1 (2) and P5 (1), whitening
/// by P1 (1); P2's cleaning and P5's whitening come after T. Leads: L1 (P2, web_form, whitening), L2 (no
/// patient, instagram, braces), L3 (P3, referral, cleaning).
@Suite("Minimum count for category levels")
struct CategoryMinimumTests {
    @Test func theThresholdIsElevenPatients() {
        #expect(StrataLimits.minimumPatientsPerCategory == 11)
    }

    @Test func aServiceOfOnePatientFoldsIntoOther() throws {
        // One patient with a free-text service naming someone: before the minimum it became
        // `service_count.visit_for_jane_roe` in every churn and cluster model file.
        var export = try FeatureFixtures.replicatedHandExport(copies: 11)
        let named = export.appointments.service.levels.count
        export.appointments.service.levels.append("Visit for Jane Roe")
        let row = (0..<export.appointments.count).first { export.appointments.status[$0] == .completed }!
        export.appointments.service.codes[row] = Int32(named)
        let table = try FeaturePipeline.fit(export, asOf: FeatureFixtures.asOf)
        let services = table.schema.names.filter { $0.hasPrefix("service_count.") }
        // Cleaning: 22 patients (P1, P5 copies); whitening: 11 (P1 copies, less the one row changed above
        // only if it was whitening: it is P1's first cleaning visit, so whitening keeps its 11).
        #expect(services == ["service_count.cleaning", "service_count.whitening", "service_count.other"])
        let text = String(decoding: try JSONEncoder().encode(table.schema), as: UTF8.self)
        #expect(!text.contains("Jane") && !text.contains("jane"))
        // The rare visit still counts, in `other`: P1's copy 1 has one such visit.
        let other = table.schema.names.firstIndex(of: "service_count.other")!
        let raw = FeatureExtractor.rawValues(export, asOf: FeatureFixtures.asOf,
                                             definitions: try FeatureDefinition.definitions(of: table.schema), workers: 1)
        #expect(raw[0, other] == 1)
        #expect((1..<raw.rows).allSatisfy { raw[$0, other] == 0 })
    }

    @Test func elevenPatientsKeepALevelTenDoNot() throws {
        // Whitening by T: P1 only, so `copies` patients; cleaning: P1 and P5, 2 × copies.
        let eleven = try FeaturePipeline.fit(try FeatureFixtures.replicatedHandExport(copies: 11), asOf: FeatureFixtures.asOf)
        #expect(eleven.schema.names.filter { $0.hasPrefix("service_count.") } == ["service_count.cleaning", "service_count.whitening"])
        let ten = try FeaturePipeline.fit(try FeatureFixtures.replicatedHandExport(copies: 10), asOf: FeatureFixtures.asOf)
        #expect(ten.schema.names.filter { $0.hasPrefix("service_count.") } == ["service_count.cleaning", "service_count.other"])
        // The cap applies among the levels kept: capped at one, whitening counts in `other`.
        var spec = FeatureSpec.default
        spec.services = .on(CategoryParameters(maxCategories: 1))
        let capped = try FeaturePipeline.fit(try FeatureFixtures.replicatedHandExport(copies: 11), asOf: FeatureFixtures.asOf, spec: spec)
        #expect(capped.schema.names.filter { $0.hasPrefix("service_count.") } == ["service_count.cleaning", "service_count.other"])
        // Visits do not stand in for patients: the hand export's P1 has two cleaning visits, still one patient.
        let hand = try FeaturePipeline.fit(try FeatureFixtures.handExport(), asOf: FeatureFixtures.asOf)
        #expect(hand.schema.names.filter { $0.hasPrefix("service_count.") } == ["service_count.other"])
    }

    @Test func leadValuesNeedElevenPeople() throws {
        // Patient-level lead family: the linked leads created by T are L1 (P2) and L3 (P3).
        let eleven = try FeaturePipeline.fit(try FeatureFixtures.replicatedHandExport(copies: 11), asOf: FeatureFixtures.asOf)
        #expect(eleven.schema.names.filter { $0.hasPrefix("lead_") }
                    == ["lead_source.referral", "lead_source.web_form", "lead_interest.cleaning", "lead_interest.whitening"])
        let ten = try FeaturePipeline.fit(try FeatureFixtures.replicatedHandExport(copies: 10), asOf: FeatureFixtures.asOf)
        #expect(ten.schema.names.filter { $0.hasPrefix("lead_") } == ["lead_source.other", "lead_interest.other"])

        // Conversion features: a lead without a patient is a person of its own (L2's 11 copies are 11 people);
        // a patient's several leads are one person.
        let export = try FeatureFixtures.replicatedHandExport(copies: 11)
        let leads = LeadFeatures.fit(export, rows: Array(0..<export.leads.count))
        #expect(leads.schema.names == ["lead_source.instagram", "lead_source.referral", "lead_source.web_form",
                                       "lead_interest.braces", "lead_interest.cleaning", "lead_interest.whitening"])
        var samePatient = export
        for row in 0..<samePatient.leads.count where samePatient.leads.patient[row] >= 0 {
            samePatient.leads.patient[row] = 0  // every linked lead now belongs to P1
        }
        let folded = LeadFeatures.fit(samePatient, rows: Array(0..<samePatient.leads.count))
        #expect(folded.schema.names == ["lead_source.instagram", "lead_source.other", "lead_interest.braces", "lead_interest.other"])
    }
}
