import Testing
@testable import StrataData

/// A check's `drop` removes rows from every column of a table alike, including the columns other features
/// added after the filter was written: attributes and outcomes (`extra`), an approximate birth date, the
/// precision of appointment times.
@Suite("dropping rows keeps every column aligned")
struct FilteredColumnsTests {
    @Test func patientsKeepTheirExtraColumnsAndApproximateBirthDates() {
        var patients = Patients(ids: PatientIdentifiers(["P1", "P2", "P3"]), birthDate: [1, 2, 3], sex: [.female, .male, .female],
                                createdAt: [10, 20, 30], preferredChannel: [nil, nil, nil],
                                extra: ["insurance": .text(CategoryColumn(codes: [0, 1, 0], levels: ["medicaid", "private"])),
                                        "age": .number([40, 50, 60]), "chronic": .flag([true, nil, false])])
        patients.birthDateIsApproximate = true
        let kept = patients.filtered(keeping: [true, false, true])
        #expect(kept.ids.all == ["P1", "P3"])
        #expect(kept.extra["insurance"] == .text(CategoryColumn(codes: [0, 0], levels: ["medicaid", "private"])))
        #expect(kept.extra["age"] == .number([40, 60]))
        #expect(kept.extra["chronic"] == .flag([true, false]))
        #expect(kept.birthDateIsApproximate)
    }

    @Test func leadsKeepTheirExtraColumnsAndAppointmentsTheirPrecision() {
        let leads = Leads(ids: TextColumn(["L1", "L2"]), patient: [-1, 0], createdAt: [5, 6],
                          extra: ["converted": .flag([false, true])])
        #expect(leads.filtered(keeping: [false, true]).extra["converted"] == .flag([true]))
        var appointments = Appointments(patient: [0, 0], scheduledAt: [1, 2], bookedAt: [0, 0], status: [.completed, .completed],
                                        amount: [1, 2])
        appointments.scheduledAtPrecision = .day
        let kept = appointments.filtered(keeping: [true, false])
        #expect(kept.scheduledAt == [1] && kept.scheduledAtPrecision == .day && kept.bookedAtPrecision == .second)
    }
}
