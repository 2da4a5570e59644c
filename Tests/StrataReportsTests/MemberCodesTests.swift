import StrataData
import Testing
@testable import StrataReports

/// Member ids become export rows, and ids not on file get numbers past the rows in the order first seen,
/// whether the lookup ran as one part or on every core.
@Suite struct MemberCodesTests {
    @Test func codesAreRowsThenAbsentIdsInOrderOfFirstSight() {
        // 120,000 patients P0 ... P119999, so the lookup is split across cores (50,000 ids or more).
        let export = ClinicExport(patients: Patients(ids: PatientIdentifiers((0..<120_000).map { "P\($0)" })))
        var codes = MemberCodes(export)
        // Every third patient, from the end; with two ids not on file among them.
        var ids = stride(from: 119_999, through: 0, by: -3).map { "P\($0)" }
        ids.insert("gone-1", at: 10)
        ids.insert("gone-2", at: 30_000)
        ids.append("gone-1")
        let found = codes.codes(ids)
        #expect(found.count == ids.count)
        #expect(found[0] == 119_999 && found[1] == 119_996)
        #expect(found[10] == 120_000)  // gone-1: the first code past the 120,000 rows
        #expect(found[30_000] == 120_001)  // gone-2: the next
        #expect(found.last == 120_000)  // gone-1 again: the same code
        #expect(zip(ids, found).allSatisfy { id, code in !id.hasPrefix("P") || code == Int(id.dropFirst())! })
        #expect(codes.count == 120_002 && codes.rows == 120_000)
        // A second list: known absent ids keep their code, a new one gets the next.
        #expect(codes.codes(["gone-2", "P5", "gone-3"]) == [120_001, 5, 120_002])
        // Without an export every id is absent, numbered from 0 (a small list: one part).
        var none = MemberCodes(nil)
        #expect(none.codes(["a", "b", "a"]) == [0, 1, 0])
    }

    @Test func knownCodesGiveTheSameCodesAsLookingUp() {
        // A segment's members now (sorted by bytes, as the store lists them) and after the previous run: most
        // shared, some left, some absent from the export. Walking the two lists must give exactly the codes a
        // lookup of every id gives, absent ids included; out of order lists only find fewer matches.
        let export = ClinicExport(patients: Patients(ids: PatientIdentifiers((0..<120_000).map { "P\($0)" })))
        let now = (["gone-1", "gone-2"] + stride(from: 0, to: 120_000, by: 2).map { "P\($0)" }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let before = (["gone-2", "gone-3"] + stride(from: 0, to: 120_000, by: 3).map { "P\($0)" })
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var looked = MemberCodes(export), walked = MemberCodes(export)
        let nowCodes = looked.codes(now)
        #expect(walked.codes(now) == nowCodes)
        let expected = looked.codes(before)
        #expect(walked.codes(before, known: (now, nowCodes)) == expected)
        #expect(walked.count == looked.count)
        // Lists out of order: the same codes.
        var shuffled = MemberCodes(export)
        let reversedNow = Array(now.reversed())
        let reversedCodes = shuffled.codes(reversedNow)
        var reference = MemberCodes(export)
        _ = reference.codes(reversedNow)
        #expect(shuffled.codes(before, known: (reversedNow, reversedCodes)) == reference.codes(before))
    }
}
