import Foundation
import StrataData
import StrataGenerator
import StrataProject
import StrataSegments
import Testing

/// The care segments of `strata init` mean what their names say: on generated clinics, each one's refreshed
/// membership equals the due set worked out here from the raw CSV rows, in plain Swift on `YYYY-MM-DD`
/// text, without Strata's rule engine, frame or calendar. And no patient interested in Invisalign is ever on
/// a braces list.
@Suite("care segments against the raw export", .serialized)
struct CareSegmentTests {
    static let asOf = "2025-12-31"

    /// A project with the template's segments, refreshed (no models) on a generated clinic cut at `asOf`.
    struct RefreshedClinic {
        let root: URL
        let export: URL
        let store: SegmentStore
        let summary: RefreshSummary

        init(kind: ClinicKind, persons: Int, seed: UInt64) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-care-\(UUID().uuidString)")
            let project = root.appendingPathComponent("project")
            export = project.appendingPathComponent("exports/\(CareSegmentTests.asOf)")
            try ProjectFolder.create(at: project)
            let settings = try GeneratorConfiguration(personCount: persons, seed: seed, kind: kind, to: CareSegmentTests.asOf)
            _ = try ClinicGenerator(settings).write(export: export, truth: root.appendingPathComponent("truth"))
            summary = try RefreshRun.run(RefreshRun.Configuration(project: project, export: export,
                                                                  asOf: try Day(iso: CareSegmentTests.asOf), user: "test"))
            store = try SegmentStore(path: project.appendingPathComponent("strata.sqlite").path)
        }

        func members(_ segment: String) throws -> Set<String> { Set(try store.members(of: segment)) }
    }

    @Test(arguments: [(ClinicKind.multiSpecialty, UInt64(11)), (.primaryCare, 12)])
    func careSegmentsEqualTheDueSetsOfTheRawExport(_ kind: ClinicKind, _ seed: UInt64) throws {
        let clinic = try RefreshedClinic(kind: kind, persons: 1_500, seed: seed)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let raw = try RawExport(clinic.export, asOf: Self.asOf)
        let expected: [String: Set<String>] = [
            "mammogram-due": raw.mammogramDue, "immunization-due": raw.immunizationDue,
            "diabetes-follow-up-due": raw.diabetesFollowUpDue, "diabetic-eye-exam-due": raw.eyeExamDue,
            "flu-shot-this-season": raw.fluShotDue,
        ]
        for (segment, due) in expected.sorted(by: { $0.key < $1.key }) {
            let members = try clinic.members(segment)
            #expect(members == due, "\(segment): \(members.subtracting(due).sorted().prefix(5)) in the segment only, \(due.subtracting(members).sorted().prefix(5)) due only")
            // A set that is empty would prove nothing: each has patients due, and patients not due.
            #expect(due.count >= 5 && due.count < raw.patients.count, "\(segment): \(due.count) due")
        }
    }

    /// Several clinics: the braces campaign has members, Invisalign inquirers it would have taken are kept
    /// out (the count the refresh reports is the one found here), and none is on a braces list.
    @Test(arguments: [UInt64(21), 22, 23])
    func noInvisalignInquirerIsOnABracesList(_ seed: UInt64) throws {
        let clinic = try RefreshedClinic(kind: .multiSpecialty, persons: 1_500, seed: seed)
        defer { try? FileManager.default.removeItem(at: clinic.root) }
        let raw = try RawExport(clinic.export, asOf: Self.asOf)
        let invisalign = raw.patientsWhoseNewestLead(is: "invisalign")
        let bracesSelected = raw.patientsWhoseNewestLead(is: "braces").union(raw.patientsWhoHad("braces_adjustment"))

        let members = try clinic.members("braces-campaign")
        #expect(members == bracesSelected.subtracting(invisalign))
        #expect(members.count >= 11 && invisalign.count >= 11)
        #expect(try clinic.members("invisalign-leads") == invisalign)
        let segment = try #require(clinic.summary.segments.first { $0.name == "braces-campaign" })
        #expect(segment.excluded == [RefreshSummary.Exclusion(by: "invisalign-leads", patients: bracesSelected.intersection(invisalign).count)])
        #expect(!bracesSelected.isDisjoint(with: invisalign), "no Invisalign inquirer in braces: the exclusion is never seen working")
        #expect(clinic.summary.table.contains("braces-campaign: \(bracesSelected.intersection(invisalign).count) excluded by invisalign-leads"))

        let listsFolder = URL(fileURLWithPath: clinic.summary.listsFolder)
        let braceLists = try FileManager.default.contentsOfDirectory(atPath: listsFolder.path).filter { $0.hasPrefix("braces-campaign") }
        #expect(!braceLists.isEmpty)
        for file in braceLists {
            let rows = try String(contentsOf: listsFolder.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").dropFirst()
            let listed = Set(rows.map { String($0.prefix { $0 != "," }) })
            #expect(!listed.isEmpty && listed.isDisjoint(with: invisalign), "\(file)")
        }
    }
}

/// The rows of a canonical export, read as text, and the due sets worked out from them.
///
/// Dates stay `YYYY-MM-DD` text (which sorts as dates do); "seen by the as-of day" is a `scheduled_at` whose
/// first ten characters are not after it (exports are in UTC).
private struct RawExport {
    struct Patient { let birth: String; let sex: String }

    let asOf: String
    var patients: [String: Patient] = [:]
    /// Completed visits by the as-of day: patient → (service, day).
    var visits: [String: [(service: String, day: String)]] = [:]
    /// Patients with a diabetes code of the template's group (onset by the as-of day, or none given).
    var diabetics: Set<String> = []
    /// Leads converted by the as-of day: patient → (created_at, interest).
    var leads: [String: [(created: String, interest: String)]] = [:]

    init(_ folder: URL, asOf: String) throws {
        self.asOf = asOf
        for row in try Self.rows(folder, "patients.csv") {
            patients[row["patient_id"]!] = Patient(birth: row["birth_date"]!, sex: row["sex"]!)
        }
        for row in try Self.rows(folder, "appointments.csv")
        where row["status"] == "completed" && String(row["scheduled_at"]!.prefix(10)) <= asOf {
            visits[row["patient_id"]!, default: []].append((row["service"]!, String(row["scheduled_at"]!.prefix(10))))
        }
        let diabetesCodes: Set<String> = ["E11.9", "E11.65", "E10.9"]  // the template's `diabetes` group
        for row in try Self.rows(folder, "conditions.csv")
        where diabetesCodes.contains(row["code"]!) && (row["onset_date"]!.isEmpty || row["onset_date"]! <= asOf) {
            diabetics.insert(row["patient_id"]!)
        }
        for row in try Self.rows(folder, "leads.csv") where !row["patient_id"]!.isEmpty && String(row["created_at"]!.prefix(10)) <= asOf {
            leads[row["patient_id"]!, default: []].append((row["created_at"]!, row["interest"]!))
        }
    }

    /// A CSV file of the generator (no quoted fields) as rows keyed by the header.
    static func rows(_ folder: URL, _ name: String) throws -> [[String: String]] {
        let lines = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
    }

    // MARK: Dates as text

    static func parts(_ date: String) -> (Int, Int, Int) {
        let p = date.split(separator: "-").map { Int($0)! }
        return (p[0], p[1], p[2])
    }

    static func text(_ y: Int, _ m: Int, _ d: Int) -> String {
        let pad = { (v: Int, w: Int) in String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    static func daysIn(_ y: Int, _ m: Int) -> Int {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    /// `date` moved by whole months, the day cut to the month's length (2024-02-29 + 1 year = 2025-02-28).
    static func adding(months: Int, to date: String) -> String {
        let (y, m, d) = parts(date)
        let total = y * 12 + (m - 1) + months
        let (year, month) = (total / 12, total % 12 + 1)
        return text(year, month, min(d, daysIn(year, month)))
    }

    /// Whole years from `birth` to `day`: the birthday counts from its own day.
    static func age(_ birth: String, on day: String) -> Int {
        let (by, bm, bd) = parts(birth), (y, m, d) = parts(day)
        return y - by - ((m, d) < (bm, bd) ? 1 : 0)
    }

    // MARK: Questions

    func days(_ patient: String, _ service: String) -> [String] {
        (visits[patient] ?? []).filter { $0.service == service }.map(\.day)
    }

    /// Visits for `service` in the `months` months that end at the as-of day (after the day that many months back).
    func count(_ patient: String, _ service: String, months: Int) -> Int {
        let start = Self.adding(months: -months, to: asOf)
        return days(patient, service).filter { $0 > start }.count
    }

    func age(_ patient: String) -> Int { Self.age(patients[patient]!.birth, on: asOf) }

    /// Women 40-74 with no mammogram in the last 2 years.
    var mammogramDue: Set<String> {
        Set(patients.keys.filter { patients[$0]!.sex == "female" && (40...74).contains(age($0)) && count($0, "mammogram", months: 24) == 0 })
    }

    /// Children 1-17 without an immunization since the birthday that opened their stage (ages 1, 4, 11, 16).
    var immunizationDue: Set<String> {
        Set(patients.keys.filter { patient in
            let age = age(patient)
            guard (1...17).contains(age) else { return false }
            let stage = [1, 4, 11, 16].last { $0 <= age }!
            let stageBirthday = Self.adding(months: 12 * stage, to: patients[patient]!.birth)
            guard let last = days(patient, "immunization").max() else { return true }
            return last < stageBirthday
        })
    }

    /// Diabetics with no diabetes follow-up in the last 6 months.
    var diabetesFollowUpDue: Set<String> { diabetics.filter { count($0, "diabetes_follow_up", months: 6) == 0 } }

    /// Diabetics with no diabetic eye exam in the last year.
    var eyeExamDue: Set<String> { diabetics.filter { count($0, "diabetic_eye_exam", months: 12) == 0 } }

    /// Patients 1 and over, seen in the last 2 years, with no flu shot in the last 6 months.
    var fluShotDue: Set<String> {
        let seenSince = Self.adding(months: -24, to: asOf)
        return Set(patients.keys.filter { patient in
            guard age(patient) >= 1, let last = (visits[patient] ?? []).map(\.day).max(), last >= seenSince else { return false }
            return count(patient, "flu_shot", months: 6) == 0
        })
    }

    func patientsWhoseNewestLead(is interest: String) -> Set<String> {
        Set(leads.filter { $0.value.max { $0.created < $1.created }?.interest == interest }.keys)
    }

    func patientsWhoHad(_ service: String) -> Set<String> { Set(visits.filter { $0.value.contains { $0.service == service } }.keys) }
}
