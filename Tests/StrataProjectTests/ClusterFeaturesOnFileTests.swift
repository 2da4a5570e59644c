import StrataData
import StrataLinearAlgebra
@testable import StrataProject
import Testing

/// Discovery's features reach a refresh only for the model file, day and patients they were computed for, and
/// are handed over once.
@Suite("month: cluster features on file")
struct ClusterFeaturesOnFileTests {
    let day = Day(year: 2025, month: 6, day: 30)!
    let x = Matrix<Double>(rows: 3, columns: 2, elements: [1, 2, 3, 4, 5, 6])

    func held() -> ClusterFeaturesOnFile {
        ClusterFeaturesOnFile(asOf: day, x: x, model: ("clusters-2025-06-30.json", "f"))
    }

    @Test func theyAreTakenOnceForTheirOwnFileDayAndPatients() throws {
        let features = held()
        #expect(features.isHeld)
        let taken = try #require(features.take(name: "clusters-2025-06-30.json", fingerprint: "f", asOf: day, rows: 3))
        #expect(taken.elements == x.elements && taken.columns == 2)
        #expect(!features.isHeld)
        #expect(features.take(name: "clusters-2025-06-30.json", fingerprint: "f", asOf: day, rows: 3) == nil)
    }

    @Test func anyOtherFileDayOrPatientCountGetsNoneAndLetsThemGo() {
        for (name, fingerprint, asOf, rows) in [("clusters-2.json", "f", day, 3), ("clusters-2025-06-30.json", "g", day, 3),
                                                ("clusters-2025-06-30.json", "f", day + 1, 3), ("clusters-2025-06-30.json", "f", day, 4)] {
            let features = held()
            #expect(features.take(name: name, fingerprint: fingerprint, asOf: asOf, rows: rows) == nil)
            #expect(!features.isHeld)
        }
    }
}
