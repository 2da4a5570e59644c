import StrataData
import StrataSegments
import Testing

/// The visit fields of a frame: each patient's completed services by name, sorted, whether the export has at
/// most 64 services (kept as bits) or more (kept as sets), and the visit counts and days beside them.
@Suite("frame: visits and services")
struct FrameVisitsTests {
    /// Patient A: completed visits for services in reverse name order, one twice, one no-show and one visit
    /// after the day (booked before it); B: a visit without a service and one booked for later; C: nothing.
    static func export(serviceCount: Int) -> ClinicExport {
        func at(_ day: Int) -> Int64 { Int64(day) * 86_400 + 36_000 }
        let levels = (0..<serviceCount).map { "service-\(String(1_000 - $0))" }  // level order is not name order
        let last = serviceCount - 1
        let patient: [Int32] = [0, 0, 0, 0, 0, 0, 1, 1]
        let service: [Int32] = [0, Int32(last), 1, Int32(last), 2, 3, -1, 0]
        let status: [AppointmentStatus] = [.completed, .completed, .completed, .completed, .noShow, .completed, .completed, .booked]
        let days = [100, 110, 120, 130, 140, 300, 150, 250]
        return ClinicExport(
            patients: Patients(ids: PatientIdentifiers(["A", "B", "C"]), birthDate: [3_000, 4_000, 5_000],
                               sex: [.female, .male, .female], createdAt: [at(50), at(50), at(50)],
                               postalCode: CategoryColumn(codes: [-1, -1, -1]), preferredChannel: [nil, nil, nil],
                               source: CategoryColumn(codes: [-1, -1, -1])),
            appointments: Appointments(patient: patient, scheduledAt: days.map(at), bookedAt: days.map { at(min($0 - 5, 190)) }, status: status,
                                       service: CategoryColumn(codes: service, levels: levels),
                                       provider: CategoryColumn(codes: Array(repeating: -1, count: 8)),
                                       amount: Array(repeating: 50, count: 8)))
    }

    @Test(arguments: [4, 64, 65, 130])
    func servicesAreTheCompletedOnesByName(serviceCount: Int) throws {
        let export = Self.export(serviceCount: serviceCount)
        let frame = try SegmentFrame.build(export: export, asOf: Day(daysSince1970: 200), schema: nil)
        let names = export.appointments.service.levels
        let expected = [[names[0], names[1], names[serviceCount - 1]].sorted(), [], []]
        #expect(frame.columns["services"] == .list(expected))
        #expect(frame.columns["completed_visits"] == .number(SegmentFrame.Numbers(missingAsNaN: [4, 1, 0])))
        #expect(frame.columns["first_visit"] == .date([100, 150, nil]))
        #expect(frame.columns["last_visit"] == .date([130, 150, nil]))
        #expect(frame.columns["next_appointment"] == .date([300, 250, nil]))
    }
}
