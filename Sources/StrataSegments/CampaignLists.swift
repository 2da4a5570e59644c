import Foundation
import StrataData

extension ContactList {
    /// A campaign's list: the patients at `rows` of the export who may be contacted on `channel` for
    /// `purpose`, with the same columns, consent rule and cell defusing as a segment's list. Its file is
    /// `<campaign>-<channel>.csv` and its `segment` column holds the campaign's name.
    public init(campaign: String, rows patientRows: [Int], channel: Channel, purpose: ConsentPurpose, export: ClinicExport,
                consents: ConsentLedger) {
        let usesEmail = channel == .email
        let patients = export.patients
        var rows: [Row] = []
        var withoutConsent = 0, withoutAddress = 0
        for member in patientRows {
            guard consents.allows(member, channel, purpose) else { withoutConsent += 1; continue }
            guard let address = usesEmail ? patients.email[member] : patients.phone[member] else { withoutAddress += 1; continue }
            rows.append(Row(patientID: patients.ids[member], address: address, firstName: patients.firstName[member] ?? ""))
        }
        self.addressColumn = usesEmail ? "email" : "phone"
        self.segment = campaign
        self.channel = channel.name
        self.rows = rows
        self.withoutConsent = withoutConsent
        self.withoutAddress = withoutAddress
    }
}

extension SegmentMembers {
    /// The same segment with only the rows `isListed` accepts: what a list is made from once campaign
    /// holdouts are taken out. Counts of exclusions and the reasons stay those of the segment.
    public func listing(only isListed: (Int) -> Bool) -> SegmentMembers {
        SegmentMembers(definition: definition, rows: rows.filter(isListed), fieldNames: fieldNames, calls: calls,
                       exclusions: exclusions, excluded: excluded, warnings: warnings)
    }
}

extension SegmentMembers {
    /// A segment as a run recorded it: `definition` with the export rows of its stored members, ascending.
    /// Enough for the contact policy to plan the run's lists again; it carries no reasons or exclusion counts.
    public init(definition: SegmentDefinition, recordedRows rows: [Int]) {
        self.init(definition: definition, rows: rows, fieldNames: [], calls: [], exclusions: [], excluded: [], warnings: [])
    }
}
