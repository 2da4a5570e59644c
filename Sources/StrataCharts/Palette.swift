/// Colours every chart uses.
public enum Palette {
    /// The Okabe-Ito palette (Okabe & Ito, 2008), distinguishable with the common colour-vision deficiencies;
    /// black is left out (it is the axes' colour). Series take these in order, cycling after eight.
    public static let categorical = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999"]

    /// The colour of series `index`.
    public static func series(_ index: Int) -> String { categorical[index % categorical.count] }

    /// A diverging blue-white-orange ramp (the palette's blue and vermillion) for `t` in [-1, 1]: negative
    /// blue, zero white, positive orange. Values outside are clamped.
    public static func diverging(_ t: Double) -> String {
        let clamped = Swift.max(-1, Swift.min(1, t))
        let end: (Double, Double, Double) = clamped < 0 ? (0, 114, 178) : (213, 94, 0)
        let weight = Swift.abs(clamped)
        func mix(_ channel: Double) -> Int { Int((255 + (channel - 255) * weight).rounded()) }
        return "#" + [mix(end.0), mix(end.1), mix(end.2)].map { hex2($0) }.joined()
    }

    private static func hex2(_ value: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[value / 16], digits[value % 16]])
    }
}
