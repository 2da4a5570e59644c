import Foundation
import StrataData
@testable import StrataGenerator
import Testing

/// Preventive care follows its schedule in the rows it writes: each service only for the people and at the
/// times it is for, always on the day of another completed visit, and with adherence that is neither none
/// nor perfect. The multi-specialty practice has both departments and Invisalign inquirers in braces.
@Suite("Preventive care and the multi-specialty practice")
struct PreventiveCareTests {
    /// Whole years from `birth` to `day` (both `YYYY-MM-DD`).
    static func age(_ birth: String, _ day: String) -> Int {
        let b = birth.split(separator: "-").map { Int($0)! }, d = day.split(separator: "-").map { Int($0)! }
        return d[0] - b[0] - ((d[1], d[2]) < (b[1], b[2]) ? 1 : 0)
    }

    @Test(arguments: [ClinicKind.primaryCare, .multiSpecialty])
    func preventiveServicesKeepToTheirSchedule(_ kind: ClinicKind) throws {
        let export = try GeneratedExport.make(persons: 2_000, seed: 5, kind: kind)
        defer { try? FileManager.default.removeItem(at: export.folder.deletingLastPathComponent()) }
        let patients = export.table(.patients), appointments = export.table(.appointments)
        let (idColumn, birthColumn, sexColumn) = (patients.column("patient_id"), patients.column("birth_date"), patients.column("sex"))
        let person = Dictionary(uniqueKeysWithValues: patients.rows.map { ($0[idColumn], (birth: $0[birthColumn], sex: $0[sexColumn])) })
        let diabetics = Set(export.table(.conditions).rows.filter { $0[1] == "E11.9" }.map { $0[0] })
        let preventive: Set<String> = ["mammogram", "immunization", "flu_shot", "diabetic_eye_exam"]

        let (patient, scheduled, status, service) = (appointments.column("patient_id"), appointments.column("scheduled_at"),
                                                     appointments.column("status"), appointments.column("service"))
        var careDays: Set<String> = []  // patient + day of every completed visit that is not preventive
        for row in appointments.rows where row[status] == "completed" && !preventive.contains(row[service]) {
            careDays.insert(row[patient] + String(row[scheduled].prefix(10)))
        }
        var counts: [String: Int] = [:]
        for row in appointments.rows where preventive.contains(row[service]) {
            let day = String(row[scheduled].prefix(10)), who = person[row[patient]]!
            let age = Self.age(who.birth, day)
            counts[row[service], default: 0] += 1
            #expect(row[status] == "completed")
            #expect(careDays.contains(row[patient] + day), "\(row[service]) of \(row[patient]) on \(day) without a visit")
            switch row[service] {
            case "mammogram": #expect(who.sex == "female" && (40...74).contains(age), "mammogram at \(age), \(who.sex)")
            case "immunization": #expect((1...17).contains(age), "immunization at \(age)")
            case "flu_shot":
                let month = Int(day.dropFirst(5).prefix(2))!
                #expect(age >= 1 && (month >= 9 || month <= 3), "flu shot at \(age) in month \(month)")
            default: #expect(diabetics.contains(row[patient]), "eye exam of a non-diabetic")
            }
        }
        for service in preventive { #expect((counts[service] ?? 0) >= 10, "\(service): \(counts[service] ?? 0) given") }
        // Imperfect adherence: women 40-74 seen in the last year, some without a mammogram in two years.
        let mammograms = Set(appointments.rows.filter { $0[service] == "mammogram" && $0[scheduled] >= "2024-01-01" }.map { $0[patient] })
        let seenWomen = Set(appointments.rows.filter { row in
            row[status] == "completed" && row[scheduled] >= "2025-01-01"
                && person[row[patient]]!.sex == "female" && (40...74).contains(Self.age(person[row[patient]]!.birth, "2025-12-31"))
        }.map { $0[patient] })
        #expect(!seenWomen.subtracting(mammograms).isEmpty && !seenWomen.intersection(mammograms).isEmpty)
    }

    @Test func theMultiSpecialtyPracticeHasBothDepartments() throws {
        let export = try GeneratedExport.make(persons: 2_000, seed: 6, kind: .multiSpecialty)
        defer { try? FileManager.default.removeItem(at: export.folder.deletingLastPathComponent()) }
        let appointments = export.table(.appointments), leads = export.table(.leads)
        let services = Set(appointments.values("service"))
        #expect(services.isSuperset(of: ["annual_physical", "mammogram", "flu_shot", "braces_adjustment", "invisalign_check"]))
        let interests = Set(leads.values("interest"))
        #expect(interests.isSuperset(of: ["invisalign", "braces", "new_patient", "diabetes_care"]))
        // Some Invisalign inquirers start braces: the patients a braces campaign must leave out.
        let invisalign = Set(leads.rows.filter { $0[leads.column("interest")] == "invisalign" }.map { $0[leads.column("patient_id")] })
            .subtracting([""])
        let inBraces = Set(appointments.rows.filter { $0[appointments.column("service")] == "braces_adjustment" }
            .map { $0[appointments.column("patient_id")] })
        #expect(!invisalign.intersection(inBraces).isEmpty && !invisalign.subtracting(inBraces).isEmpty)
        // Each patient is seen by one department's providers.
        let primaryProviders: Set<String> = ["Dr. Patel", "Dr. Johnson", "Dr. Nguyen", "Dr. Schmidt", "NP Garcia", "NP Brown"]
        for row in appointments.rows {
            let isOrthodontic = ["ortho_consultation", "braces_placement", "braces_adjustment", "invisalign_start",
                                 "invisalign_check", "retainer_fitting", "retainer_check", "whitening"].contains(row[appointments.column("service")])
            #expect(primaryProviders.contains(row[appointments.column("provider")]) != isOrthodontic)
        }
    }
}
