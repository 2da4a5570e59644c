import Foundation
import FuzzSupport
import StrataData

// The CSV reader through a column mapping (`format: mapped`). The input is one file of visits, read as the
// patients (deduplicated) and the appointments table. The first byte picks one of two mappings: the
// no-shows layout of the ingest tests (value maps, `dd/MM/yyyy HH:mm` and `yyyy-MM-dd` dates), or an
// ISO-timestamp layout that also maps communications and a constant birth date.

private let mappings: [ExportMapping] = [
    ExportMapping(tables: [
        "patients": TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"),
            "birth_date": .init(constant: "1900-01-01"),
            "sex": .init(column: "Gender", values: ["F": "female", "M": "male"]),
            "created_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
        ], deduplicate: true),
        "appointments": TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"),
            "scheduled_at": .init(column: "AppointmentDay", format: "yyyy-MM-dd"),
            "booked_at": .init(column: "ScheduledDay", format: "dd/MM/yyyy HH:mm"),
            "status": .init(column: "No-show", values: ["Yes": "no_show", "No": "completed"]),
            "service": .init(constant: "consultation"),
            "amount": .init(column: "Age"),
        ]),
    ]),
    ExportMapping(tables: [
        "patients": TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"),
            "birth_date": .init(column: "BirthDate", format: "yyyy-MM-dd"),
            "sex": .init(column: "Gender", values: ["F": "female", "M": "male", "X": "other"]),
            "created_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
            "email": .init(column: "Email"),
        ], deduplicate: true),
        "appointments": TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"),
            "scheduled_at": .init(column: "AppointmentDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
            "booked_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
            "status": .init(column: "Status", values: ["done": "completed", "missed": "no_show", "off": "cancelled"]),
            "service": .init(column: "Service"),
            "amount": .init(column: "Amount"),
        ]),
        "communications": TableMapping(file: "visits.csv", columns: [
            "patient_id": .init(column: "PatientId"),
            "sent_at": .init(column: "ScheduledDay", format: "yyyy-MM-dd'T'HH:mm:ss'Z'"),
            "channel": .init(constant: "email"),
        ]),
    ]),
]

nonisolated(unsafe) private var exportFolder: URL?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let folder = exportFolder ?? FuzzSupport.scratchFolder("csv-mapped")
    exportFolder = folder
    guard size >= 1 else { return 0 }
    let mapping = mappings[Int(data[0]) % mappings.count]
    let policy = (Int(data[0]) / mappings.count) % 2 == 0 ? IngestPolicy.strict : IngestPolicy(maxBadRows: 3)
    FuzzSupport.write(data + 1, size - 1, to: folder.appendingPathComponent("visits.csv"))
    if let result = try? ExportReader.read(folder, format: .mapped, mapping: mapping, policy: policy) {
        FuzzSupport.useExport(result.export)
    }
    return 0
}

/// The program's `main` (SwiftPM links `main` to `FuzzCSVMapped_main`): hands the command line to libFuzzer.
@_cdecl("FuzzCSVMapped_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzSupport.runFuzzer(argc, argv) { data, size in
        guard let data else { return 0 }
        return fuzz(data, size)
    }
}
