import Foundation
import StrataData
import StrataModels
import StrataProject
import Testing

/// `LifetimeRun.readSummary` on files large enough that their records are parsed in concurrent ranges: the
/// columns come back in file order, and the first problem in file order is the one reported.
@Suite("Lifetime summary files")
struct LifetimeSummaryFileTests {
    static let rows = 150_000

    /// Row i: x = i mod 7, T = 10 + i mod 13 + 0.25, tₓ = x == 0 ? 0 : T / 2, spend i mod 101 (quoted on every
    /// 1,000th row, exponent form on every 777th, so the slow path is taken in several ranges).
    static func row(_ i: Int) -> (Double, Double, Double, Double, String) {
        let x = Double(i % 7), t = 10 + Double(i % 13) + 0.25
        let recency = x == 0 ? 0 : t / 2
        let spend = Double(i % 101)
        let spendText = i % 1000 == 0 ? "\"\(spend)\"" : i % 777 == 0 ? "\(spend / 10)e1" : "\(spend)"
        return (x, recency, t, spend, "\(Int(x)),\(recency),\(t),\(spendText)\n")
    }

    static func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-summary-\(UUID()).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func largeFileKeepsEveryRowInOrder() throws {
        var text = "frequency,recency,T,monetary_value\n"
        var expected: ([Double], [Double], [Double], [Double]) = ([], [], [], [])
        for i in 0..<Self.rows {
            let (x, recency, t, spend, line) = Self.row(i)
            text += line
            expected.0.append(x); expected.1.append(recency); expected.2.append(t); expected.3.append(spend)
        }
        let url = try Self.write(text)
        defer { try? FileManager.default.removeItem(at: url) }
        let summary = try LifetimeRun.readSummary(url)
        #expect(summary.frequency == expected.0)
        #expect(summary.recency == expected.1)
        #expect(summary.age == expected.2)
        #expect(summary.monetaryValue == expected.3)
    }

    @Test func firstProblemInFileOrderIsReported() throws {
        // Two bad records far apart (different ranges); the later one comes first in no range order.
        var lines = (0..<Self.rows).map { Self.row($0).4 }
        lines[140_000] = "1,2\n"                 // wrong field count, file line 140,002
        lines[90_000] = "1,abc,3,4\n"            // not a number, file line 90,002
        let url = try Self.write("frequency,recency,T,monetary_value\n" + lines.joined())
        defer { try? FileManager.default.removeItem(at: url) }
        #expect {
            _ = try LifetimeRun.readSummary(url)
        } throws: { error in
            "\(error)".contains(":90002: not a number: found \"abc\", expected a finite number for recency")
        }

        // A value the summary refuses (tₓ > T) names its own line after the rows of every range were appended.
        lines[90_000] = Self.row(90_000).4
        lines[140_000] = "3,40,12.25,5\n"
        let invalid = try Self.write("frequency,recency,T,monetary_value\n" + lines.joined())
        defer { try? FileManager.default.removeItem(at: invalid) }
        #expect {
            _ = try LifetimeRun.readSummary(invalid)
        } throws: { error in
            "\(error)".contains(":140002:") && "\(error)".contains("recency = 40.0")
        }
    }
}
