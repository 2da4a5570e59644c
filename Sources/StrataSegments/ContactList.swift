import Foundation
import StrataData

/// Who may be contacted on which channel for which purpose: for each patient, channel and purpose, the
/// latest consent record decides (of those recorded by the end of a day, or of all on file).
///
/// No record means no consent. Two records at the same moment resolve to `opt_out`: when the data cannot say
/// which came last, Strata does not contact.
public struct ConsentLedger: Sendable {
    private let patientCount: Int
    private var latest: [Int64]
    private var optedIn: [Bool]

    /// The consent records recorded at or before the end of `day`.
    public init(_ export: ClinicExport, asOf day: Day) {
        self.init(export, recordedBefore: day.endTimestamp)
    }

    /// Every consent record on file, whatever its date: what a list written now must honour. An opt-out
    /// recorded after the as-of date of a run still keeps the patient off that run's lists.
    public init(everythingOnFile export: ClinicExport) {
        self.init(export, recordedBefore: .max)
    }

    private init(_ export: ClinicExport, recordedBefore cutoff: Int64) {
        patientCount = export.patients.count
        let slots = patientCount * Channel.allCases.count * ConsentPurpose.allCases.count
        latest = Array(repeating: .min, count: slots)
        optedIn = Array(repeating: false, count: slots)
        let consents = export.consents
        for row in 0..<consents.count where consents.recordedAt[row] < cutoff {
            let slot = Self.slot(Int(consents.patient[row]), consents.channel[row], consents.purpose[row])
            let time = consents.recordedAt[row], isOptIn = consents.status[row] == .optIn
            if time > latest[slot] {
                latest[slot] = time
                optedIn[slot] = isOptIn
            } else if time == latest[slot] {
                optedIn[slot] = optedIn[slot] && isOptIn
            }
        }
    }

    private static func slot(_ patient: Int, _ channel: Channel, _ purpose: ConsentPurpose) -> Int {
        (patient * Channel.allCases.count + Int(channel.rawValue)) * ConsentPurpose.allCases.count + Int(purpose.rawValue)
    }

    /// Whether patient `row` has an `opt_in` in force for `channel` and `purpose`.
    public func allows(_ row: Int, _ channel: Channel, _ purpose: ConsentPurpose) -> Bool {
        optedIn[Self.slot(row, channel, purpose)]
    }
}

/// A contact list for one segment and channel: only the columns the channel needs.
public struct ContactList: Sendable, Equatable {
    /// `email` for e-mail, `phone` for sms, phone and WhatsApp.
    public let addressColumn: String
    public let segment: String
    public let channel: String
    /// (patient id, address, first name) per patient, in patient order.
    public let rows: [Row]
    /// Members left out: no consent in force, or no address for the channel.
    public let withoutConsent: Int
    public let withoutAddress: Int

    public struct Row: Sendable, Equatable {
        public let patientID: String
        public let address: String
        public let firstName: String

        public init(patientID: String, address: String, firstName: String) {
            (self.patientID, self.address, self.firstName) = (patientID, address, firstName)
        }
    }

    /// The members of `segment` who may be contacted on `channel` for the segment's purpose.
    public init(_ segment: SegmentMembers, channel: Channel, export: ClinicExport, consents: ConsentLedger) {
        let purpose: ConsentPurpose = segment.definition.purpose == .marketing ? .marketing : .care
        let usesEmail = channel == .email
        let patients = export.patients
        var rows: [Row] = []
        var withoutConsent = 0, withoutAddress = 0
        for member in segment.rows {
            guard consents.allows(member, channel, purpose) else { withoutConsent += 1; continue }
            guard let address = usesEmail ? patients.email[member] : patients.phone[member] else { withoutAddress += 1; continue }
            rows.append(Row(patientID: patients.ids[member], address: address, firstName: patients.firstName[member] ?? ""))
        }
        self.addressColumn = usesEmail ? "email" : "phone"
        self.segment = segment.definition.name
        self.channel = channel.name
        self.rows = rows
        self.withoutConsent = withoutConsent
        self.withoutAddress = withoutAddress
    }

    /// The list of one channel of a segment as the contact policy planned it (``ContactPolicy``).
    public init(_ plan: SegmentPlan, channelAt position: Int, export: ClinicExport) {
        let channel = plan.rows[position].channel
        let patients = export.patients
        let usesEmail = channel == .email
        addressColumn = usesEmail ? "email" : "phone"
        segment = plan.definition.name
        self.channel = channel.name
        rows = plan.rows[position].rows.map { member in
            Row(patientID: patients.ids[member], address: (usesEmail ? patients.email[member] : patients.phone[member]) ?? "",
                firstName: patients.firstName[member] ?? "")
        }
        withoutConsent = plan.withoutConsent[position]
        withoutAddress = plan.withoutAddress[position]
    }

    /// `<segment>-<channel>.csv`; segment names are checked safe for file names when they are defined.
    public var fileName: String { "\(segment)-\(channel).csv" }

    /// The CSV text: `patient_id,<email|phone>,first_name,segment`. Every cell is defused (see
    /// ``defused(_:isPhone:)``) and then quoted where CSV needs it.
    public var csv: String { String(decoding: csvData, as: UTF8.self) }

    /// ``csv``'s UTF-8 bytes, built as bytes: appending to a `String` cell by cell was half of a million-patient
    /// refresh's list writing.
    public var csvData: Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + rows.count * 48)
        func cell(_ text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
        cell("patient_id,\(addressColumn),first_name,segment\n")
        let isPhone = addressColumn == "phone", segmentCell = Self.field(Self.defused(segment))
        for row in rows {
            cell(Self.field(Self.defused(row.patientID)))
            bytes.append(UInt8(ascii: ","))
            cell(Self.field(Self.defused(row.address, isPhone: isPhone)))
            bytes.append(UInt8(ascii: ","))
            cell(Self.field(Self.defused(row.firstName)))
            bytes.append(UInt8(ascii: ","))
            cell(segmentCell)
            bytes.append(UInt8(ascii: "\n"))
        }
        return Data(bytes)
    }

    /// Writes the list into `directory` atomically, readable and writable by the owner only (0600).
    public func write(into directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(fileName)
        try AtomicFile.write(csvData, to: url, permissions: 0o600)
        return url
    }

    /// RFC 4180 quoting where a field needs it.
    static func field(_ value: String) -> String {
        // Plain ASCII without a comma, quote or line end (almost every cell) is checked on its bytes, not its
        // characters; anything else takes the general test below.
        if value.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\"") && !(0x0A...0x0D).contains($0) }) {
            return value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A cell that a spreadsheet would read as a formula gets a leading `'` (OWASP's advice for CSV
    /// injection), so opening the list cannot run it: any cell starting with `=`, `+`, `-`, `@`, a tab or a
    /// carriage return, in every column.
    ///
    /// One exception keeps phone numbers usable by messaging tools: in the phone column, a `+` followed only
    /// by digits, spaces and `-().` (`+1 (555) 010-0001`) stays exact. Such a cell can at most be read as
    /// arithmetic; it cannot call a function or reach another cell or program.
    static func defused(_ text: String, isPhone: Bool = false) -> String {
        // On the UTF-8 bytes: every character that matters is ASCII, and a byte of a longer character is never one.
        let utf8 = text.utf8
        guard let first = utf8.first else { return text }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
        default: return text
        }
        if isPhone, first == UInt8(ascii: "+"), utf8.dropFirst().allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"),
                 UInt8(ascii: "."): true
            default: false
            }
        }) {
            return text
        }
        return "'" + text
    }
}
