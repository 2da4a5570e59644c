import Foundation
import StrataData
@testable import StrataSegments
import Testing

/// Issue 16 row 10: no cell of a list starts like a spreadsheet formula, in any column.
@Suite("Contact lists against CSV injection")
struct ContactListInjectionTests {
    /// The starts OWASP lists for CSV injection.
    static let dangerous: [String] = ["=", "+", "-", "@", "\t", "\r"]

    /// A patient per dangerous start, with that start in the id, the first name, the e-mail and the phone.
    static func export() throws -> ClinicExport {
        var patients: [String] = [], consents: [String] = []
        for (index, start) in dangerous.enumerated() {
            let id = "\(start)ID\(index)"
            let name = "\(start)HYPERLINK(\"http://x\";\"y\")"
            let email = "\(start)1+1@x\(index).example"
            let phone = "\(start)cmd|' /C calc'!A0"
            patients.append([id, name, "1980-01-01", "female", "", "2020-01-01T00:00:00Z", email, phone, "email", "web"]
                .map(csvCell).joined(separator: ","))
            for channel in ["email", "sms"] { consents.append("\(csvCell(id)),\(channel),care,opt_in,2021-01-01T00:00:00Z") }
        }
        let folder = try writeExport(["patients.csv": patients, "consents.csv": consents])
        defer { try? FileManager.default.removeItem(at: folder) }
        return try ExportReader.read(folder, format: .canonical).export
    }

    static func csvCell(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// RFC 4180 records: quoted cells may hold commas, quotes and line breaks.
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], cell = "", quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" { scalars.removeFirst(); cell.unicodeScalars.append("\"") } else { quoted = false }
                } else { cell.unicodeScalars.append(scalar) }
            } else if scalar == "\"" { quoted = true
            } else if scalar == "," { record.append(cell); cell = ""
            } else if scalar == "\n" { record.append(cell); records.append(record); record = []; cell = ""
            } else { cell.unicodeScalars.append(scalar) }
        }
        return records
    }

    @Test(arguments: [Channel.email, .sms])
    func everyCellOfEveryColumnIsDefused(_ channel: Channel) throws {
        let export = try Self.export()
        #expect(export.patients.count == Self.dangerous.count)
        let frame = try SegmentFrame.build(export: export, asOf: try Day(iso: "2024-06-30"), schema: nil)
        let catalog = try SegmentCatalog([SegmentDefinition(name: "everyone", rule: "age >= 0", purpose: .care, channels: [channel.name])])
        let list = ContactList(try catalog.evaluate(frame)[0], channel: channel, export: export,
                               consents: ConsentLedger(everythingOnFile: export))
        let records = Self.parse(list.csv)
        #expect(records.count == 1 + Self.dangerous.count)
        for record in records.dropFirst() {
            #expect(record.count == 4, "\(record)")
            // Every cell that came from the export starts with the defusing quote, and keeps its text after it.
            for cell in record.prefix(3) {
                #expect(cell.hasPrefix("'") && Self.dangerous.contains(String(cell.dropFirst().unicodeScalars.first!)), "\(record)")
            }
            #expect(record[3] == "everyone")
        }
    }

    @Test func defusingCoversEveryDangerousStartAndOnlyThose() {
        for start in Self.dangerous {
            #expect(ContactList.defused(start + "SUM(1)") == "'" + start + "SUM(1)")
            #expect(ContactList.defused(start + "SUM(1)", isPhone: true) == "'" + start + "SUM(1)")
        }
        for harmless in ["P001", "ann@example.com", "Ann", "", " =1", "everyone"] {
            #expect(ContactList.defused(harmless) == harmless)
        }
        // A phone number stays exact for messaging tools; one with anything else in it is defused.
        #expect(ContactList.defused("+1 (555) 010-0001", isPhone: true) == "+1 (555) 010-0001")
        #expect(ContactList.defused("+15550001", isPhone: true) == "+15550001")
        #expect(ContactList.defused("+1+SUM(A1)", isPhone: true) == "'+1+SUM(A1)")
        #expect(ContactList.defused("+15550001") == "'+15550001")  // outside the phone column: defused
    }

    @Test func quotingStaysCorrectAroundTheDefusingQuote() {
        #expect(ContactList.field(ContactList.defused("=A1,B1")) == "\"'=A1,B1\"")
        #expect(ContactList.field(ContactList.defused("\rX")) == "\"'\rX\"")
        #expect(ContactList.field(ContactList.defused("=\"x\"")) == "\"'=\"\"x\"\"\"")
    }
}
