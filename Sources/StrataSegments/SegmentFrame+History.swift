/// Every patient's completed visits by service, the data behind the rule functions `last_visit_for` and
/// `visits_for` (see `RuleFunctions.swift`).
///
/// Visits are kept per patient in compressed rows: the visits of patient `p` are the positions
/// `offsets[p]..<offsets[p + 1]` of `serviceIndex` and `day`, in ascending day order.
public struct VisitHistory: Sendable, Equatable {
    /// The services the export knows (every `service` value in its appointments, completed or not), so
    /// that a rule naming a service the clinic offers but nobody has had yet is not a typo.
    public let services: [String]
    let offsets: [Int]
    let serviceIndex: [Int32]
    let day: [Int32]

    /// No patients, no services: a frame built by hand starts with it.
    public static func empty(patientCount: Int) -> VisitHistory {
        VisitHistory(services: [], offsets: Array(repeating: 0, count: patientCount + 1), serviceIndex: [], day: [])
    }

    /// A history from each patient's completed visits, as `(service, day)` pairs in any order.
    /// - Parameters:
    ///   - services: the services known; every visit's service must be one of them.
    ///   - visits: per patient, the completed visits (day numbers since 1970-01-01).
    public init(services: [String], visits: [[(service: String, day: Int)]]) {
        let index = Dictionary(uniqueKeysWithValues: services.enumerated().map { ($1, Int32($0)) })
        var offsets = [0], serviceIndex: [Int32] = [], days: [Int32] = []
        for patientVisits in visits {
            for visit in patientVisits.sorted(by: { $0.day < $1.day }) {
                guard let service = index[visit.service] else {
                    preconditionFailure("visit of service '\(visit.service)', which is not among the services given")
                }
                serviceIndex.append(service)
                days.append(Int32(visit.day))
            }
            offsets.append(days.count)
        }
        self.init(services: services, offsets: offsets, serviceIndex: serviceIndex, day: days)
    }

    init(services: [String], offsets: [Int], serviceIndex: [Int32], day: [Int32]) {
        self.services = services
        self.offsets = offsets
        self.serviceIndex = serviceIndex
        self.day = day
    }

    /// The number of patients.
    public var patientCount: Int { offsets.count - 1 }

    /// The day of `patient`'s last visit for any service whose index is marked in `wanted`, or nil.
    func lastVisit(of patient: Int, wanted: [Bool]) -> Int? {
        var position = offsets[patient + 1]
        while position > offsets[patient] {
            position -= 1
            if wanted[Int(serviceIndex[position])] { return Int(day[position]) }
        }
        return nil
    }

    /// How many of `patient`'s visits for the marked services fall on a day in `days`.
    func visitCount(of patient: Int, wanted: [Bool], days: ClosedRange<Int>) -> Int {
        var count = 0
        for position in offsets[patient]..<offsets[patient + 1] where wanted[Int(serviceIndex[position])] {
            if days.contains(Int(day[position])) { count += 1 }
        }
        return count
    }
}

/// The onset of each condition a rule may name (`condition_onset('diabetes')`): codes, lower-case
/// descriptions and the condition groups of the feature spec, each with the earliest onset date on file for
/// every patient (nil when the patient does not have it, or has it with no onset date).
public struct ConditionOnsets: Sendable, Equatable {
    /// Name → onset day per patient, ``unknown`` where there is none: 4 bytes a patient rather than an optional
    /// Int's 16 (a million patients and the 19 codes, descriptions and groups of a generated clinic held 300 MB).
    private var days: [String: [Int32]] = [:]
    /// The day of a patient without the condition, or with it but no onset date.
    private static let unknown = Int32.min

    public init() {}

    /// The names known.
    var names: [String] { Array(days.keys) }

    /// Whether `name` is known.
    func knows(_ name: String) -> Bool { days[name] != nil }

    /// The onset of `name` for every patient (see ``day(_:)``), nil when the name is not known.
    func onsets(of name: String) -> [Int32]? { days[name] }

    /// The day of one entry of ``onsets(of:)``, nil when unknown.
    static func day(_ entry: Int32) -> Int? { entry == unknown ? nil : Int(entry) }

    /// Makes `name` known (a condition group of the feature spec, a code or description in the export), so
    /// that rules may ask for it even when no patient has it by the as-of date.
    public mutating func declare(_ name: String, patientCount: Int) {
        if days[name] == nil { days[name] = Array(repeating: Self.unknown, count: patientCount) }
    }

    /// Records that `patient` (of `patientCount`) has `name` since `day` (nil: date unknown), keeping the
    /// earliest date.
    public mutating func record(_ name: String, patient: Int, day: Int?, patientCount: Int) {
        declare(name, patientCount: patientCount)
        guard let day else { return }
        let entry = Int32(day)
        days[name]![patient] = days[name]![patient] == Self.unknown ? entry : min(days[name]![patient], entry)  // in place
    }
}
