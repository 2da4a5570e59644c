import Foundation

/// How reports write numbers: counts with thousands separators, shares as percentages, a suppressed value
/// as its mark.
enum Formatting {
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(character)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// `0.3142` → `31.4%`.
    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    static func decimal(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

    /// The value's CSV text: plain digits, no separators.
    static func plain(_ value: Int) -> String { String(value) }
}
