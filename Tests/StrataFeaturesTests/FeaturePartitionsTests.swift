import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import Testing

/// `FeaturePartitions.write`: CSV partitions Spark reads, each with the header, rows in order and split evenly,
/// values that read back to the same doubles, empty labels for rows a fit leaves out, and the manifest.
@Suite("Feature partitions")
struct FeaturePartitionsTests {
    /// 5 patients × 2 columns with values whose shortest text is long (1/3) or large, and one label with a NaN.
    private func table() -> (FeatureTable, FeaturePartitions.Description) {
        let elements: [Double] = [1.0 / 3, -2, 0.1, 1e-17, 12345.678, -0.0, 2.0 / 3, 7, .pi, -1e10]
        let table = FeatureTable(patientIDs: ["P1", "P2", "P,3", "P4", "P5"],
                                 matrix: Matrix(rows: 5, columns: 2, elements: elements),
                                 schema: FeatureSchema.plain(names: ["a", "b"]))
        let description = FeaturePartitions.Description(matrix: "features", asOf: Day(year: 2024, month: 3, day: 1)!,
                                                        labels: [("churn_90d", [1, 0, .nan, 0, 1])])
        return (table, description)
    }

    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("strata-partitions-\(UUID().uuidString)")
    }

    /// A stand-in digest: the byte count, enough to see that the manifest records the digest of schema.json.
    private static func byteCount(_ data: Data) -> String { "bytes:\(data.count)" }

    private func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func rowsAreSplitInOrderWithAHeaderEachAndReadBackExactly() throws {
        let (table, description) = table()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try FeaturePartitions.write(table, description: description, partitions: 2, to: folder,
                                                   fingerprint: Self.byteCount)
        // 5 rows in 2 files: rows [0, 2) and [2, 5) (index·n/N).
        #expect(manifest.partitions.map(\.file) == ["part-00000.csv", "part-00001.csv"])
        #expect(manifest.partitions.map(\.rows) == [2, 3])
        let first = try lines(folder.appendingPathComponent("part-00000.csv"))
        let second = try lines(folder.appendingPathComponent("part-00001.csv"))
        #expect(first[0] == "patient_id,a,b,churn_90d")
        #expect(second[0] == first[0])
        let rows = Array(first.dropFirst()) + Array(second.dropFirst())
        #expect(rows.count == 5)
        // The third id holds a comma: quoted. Its label is NaN: an empty field.
        // -0.0 is written as the integer 0.
        #expect(rows[2] == "\"P,3\",12345.678,0,")
        // Every value reads back to the same double, bit for bit.
        for (row, line) in rows.enumerated() where row != 2 {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields[0] == Substring(table.patientIDs[row]))
            for column in 0..<2 {
                let value = try #require(Double(String(fields[1 + column])))
                #expect(value.bitPattern == table.matrix[row, column].bitPattern || (value == 0 && table.matrix[row, column] == 0))
            }
            #expect(Double(String(fields[3])) == description.labels[0].values[row])
        }
        #expect(manifest.columns == ["a", "b"])
        #expect(manifest.labels == ["churn_90d"])
        #expect(manifest.rows == 5)
        #expect(manifest.asOf == "2024-03-01")
        let schemaData = try Data(contentsOf: folder.appendingPathComponent("schema.json"))
        #expect(manifest.schemaFingerprint == "bytes:\(schemaData.count)")
        #expect(try JSONDecoder().decode(FeatureSchema.self, from: schemaData) == table.schema)
        let stored = try JSONDecoder().decode(FeaturePartitionManifest.self,
                                              from: Data(contentsOf: folder.appendingPathComponent("partitions.json")))
        #expect(stored == manifest)
    }

    @Test func morePartitionsThanRowsGivesHeaderOnlyFiles() throws {
        let (table, description) = table()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try FeaturePartitions.write(table, description: description, partitions: 7, to: folder,
                                                   fingerprint: Self.byteCount)
        #expect(manifest.partitions.map(\.rows) == [0, 1, 1, 0, 1, 1, 1])
        #expect(manifest.partitions.map(\.rows).reduce(0, +) == 5)
        #expect(try lines(folder.appendingPathComponent("part-00000.csv")) == ["patient_id,a,b,churn_90d"])
    }

    @Test func aPartitionCountOutOfRangeIsRefusedNamingTheParameter() throws {
        let (table, description) = table()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect {
            try FeaturePartitions.write(table, description: description, partitions: 0, to: folder, fingerprint: Self.byteCount)
        } throws: { error in
            String(describing: error).contains("0 partitions") && String(describing: error).contains("(partitions)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test func anOccupiedFolderIsRefusedUnlessReplacingAndThenOnlyPartitionFilesChange() throws {
        let (table, description) = table()
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        #expect {
            try FeaturePartitions.write(table, description: description, partitions: 2, to: folder, fingerprint: Self.byteCount)
        } throws: { error in String(describing: error).contains("not empty") && String(describing: error).contains("(replacing)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["notes.txt"])
        try FeaturePartitions.write(table, description: description, partitions: 3, to: folder, replacing: true,
                                    fingerprint: Self.byteCount)
        // Written again with fewer partitions: the third file of the earlier write goes, notes.txt stays.
        try FeaturePartitions.write(table, description: description, partitions: 2, to: folder, replacing: true,
                                    fingerprint: Self.byteCount)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["notes.txt", "part-00000.csv", "part-00001.csv", "partitions.json", "schema.json"])
        #expect(try String(contentsOf: folder.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")
    }
}
