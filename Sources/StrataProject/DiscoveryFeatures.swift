import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// The matrix `strata discover` clusters: the project's features restricted to `discover.families`, with
/// skewed counts and amounts `log1p`-transformed before standardizing, and every family given the same weight.
enum DiscoveryFeatures {
    /// Families whose columns are counts or amounts: heavy right tails that would otherwise let a few
    /// patients with many visits or large bills pull whole clusters.
    static let countAndAmountFamilies: Set<String> = ["frequency", "monetary", "services", "outreach"]

    /// The fitted feature table of the `families` columns.
    ///
    /// Families not named are turned off before computing; columns of any family not named (a family this
    /// code does not know, e.g. patient attributes) are dropped after, so they never pull on clusters. Count
    /// and amount columns get `log1p` first unless `spec.columns` sets their transforms.
    static func table(_ export: ClinicExport, asOf: Day, spec: FeatureSpec, families: [String]) throws -> FeatureTable {
        try fitted(export, asOf: asOf, spec: spec, families: families, driftReference: false).table
    }

    /// The fitted feature table of the `families` columns (see ``table(_:asOf:spec:families:)``) and, when
    /// `driftReference` is true, the model file's drift reference of its schema and (when `keepingApplied`) the
    /// matrix it describes: the schema applied, bit for bit what a refresh as of `asOf` computes.
    ///
    /// The reference holds the schema applied as a refresh applies it (``FeaturePipeline/apply(_:to:asOf:workers:)``),
    /// not the table's matrix: that matrix is standardized then weighted, one rounding more than the schema's
    /// single scale, and a value most patients share (a count of 0) sits on a bin edge, so one ulp would move
    /// nearly everyone to the next bin on the same export. Both come from one feature pass: the columns after
    /// fill and transforms are kept until each is scaled both ways, bit for bit what the two paths compute.
    static func fitted(_ export: ClinicExport, asOf: Day, spec: FeatureSpec, families: [String], driftReference: Bool,
                       keepingApplied: Bool = false)
        throws -> (table: FeatureTable, driftReference: DriftReference?, applied: Matrix<Double>?) {
        let chosen = Set(families)
        var restricted = try discoverySpec(export, asOf: asOf, spec: spec, families: chosen)
        let standardizing = restricted.standardize
        restricted.standardize = false
        var unscaled = try FeaturePipeline.fit(export, asOf: asOf, spec: restricted)
        let kept = unscaled.schema.columns.indices.filter { chosen.contains(unscaled.schema.columns[$0].family) }
        guard !kept.isEmpty else { throw WorkflowError.noDiscoveryColumns(families: families) }
        var columns = kept.map { unscaled.schema.columns[$0] }
        let rows = unscaled.matrix.rows, width = kept.count
        // The passes below change each element on its own, the rows split across the cores (on one, they were
        // 0.4 s of a discovery at 1M with the other core idle).
        let workers = FeaturePipeline.elementwiseWorkers(rows, Parallel.processorCount)
        var transformedMatrix = Matrix<Double>(rows: rows, columns: width)
        do {
            let all = unscaled.matrix.elements, fullWidth = unscaled.matrix.columns
            transformedMatrix.updateRows(workers: workers) { range, part in
                for (offset, row) in range.enumerated() {
                    for (position, j) in kept.enumerated() { part[offset * width + position] = all[row * fullWidth + j] }
                }
            }
        }
        unscaled.matrix = Matrix(rows: 0, columns: 0)  // every column needed is in `transformedMatrix` (peak memory)
        if standardizing {
            // Per column, the same sums in the same order as the fit's own standardization of every column.
            let (centers, scales) = FeaturePipeline.standardization(transformedMatrix)
            for index in columns.indices {
                columns[index].center = centers[index]
                columns[index].scale = scales[index]
            }
        }
        // Each family weighs the same in distances, whatever its column count: a standardized column of a family
        // of m columns is divided by √m (its scale multiplied by √m, so applying the schema reproduces it).
        // Otherwise twelve engagement rates (three per channel) would outvote the one recency column.
        let weights = familyWeights(columns)
        let centers = columns.map { $0.center ?? 0 }, scales = columns.map { $0.scale ?? 1 }
        // As the fit standardizes (when it does), then the weight.
        var weighted = Matrix<Double>(rows: rows, columns: width)
        do {
            // Scoped: `transformedMatrix` is written in place below, which must not copy it.
            let transformed = transformedMatrix.elements
            weighted.updateRows(workers: workers) { range, part in
                for offset in 0..<range.count * width {
                    let j = offset % width, value = transformed[range.lowerBound * width + offset]
                    part[offset] = (standardizing ? (value - centers[j]) / scales[j] : value) * weights[j]
                }
            }
        }
        for index in columns.indices where columns[index].scale != nil {
            columns[index].scale! /= weights[index]
        }
        let schema = FeatureSchema(columns: columns)
        var reference: DriftReference?, applied: Matrix<Double>?
        if driftReference {
            // As `FeaturePipeline.apply` standardizes with the schema's (weighted) scales.
            var matrix = consume transformedMatrix
            if standardizing {
                let appliedScales = columns.map { $0.scale! }
                matrix.updateRows(workers: workers) { _, part in
                    for offset in part.indices {
                        let j = offset % width
                        part[offset] = (part[offset] - centers[j]) / appliedScales[j]
                    }
                }
            }
            reference = Drift.reference(matrix, schema: schema, scores: nil, asOf: asOf)
            if keepingApplied { applied = matrix }
        }
        let table = FeatureTable(patientIDs: unscaled.patientIDs, matrix: weighted, schema: schema)
        return (table, reference, applied)
    }

    /// The one visit-count window discovery uses: everything on file (the longest window a spec accepts).
    static let wholeHistoryDays = StrataLimits.days.upperBound

    /// `spec` restricted to the `chosen` families, with `log1p` before any other transform of count and amount
    /// columns whose transforms `spec.columns` does not set.
    ///
    /// Clusters are to hold from one month's export to the next, so discovery leaves out what the calendar moves
    /// on its own: visits are counted over everything on file (one window of ``wholeHistoryDays``) instead of the
    /// `frequency` windows, whose edges move with the as-of date and drop a visit from "the last 90 days" without
    /// the patient doing anything, and the `visit_intervals` "due within N days" flags, which flip as the date
    /// passes, are not computed. Recency, tenure and the overdue ratio still move with the date, smoothly.
    static func discoverySpec(_ export: ClinicExport, asOf: Day, spec: FeatureSpec, families chosen: Set<String>) throws
        -> FeatureSpec {
        var restricted = restrict(spec, to: chosen)
        if restricted.frequency.parameters != nil { restricted.frequency = .on(FrequencyParameters(windows: [wholeHistoryDays])) }
        if restricted.visitIntervals.parameters != nil { restricted.visitIntervals = .on(VisitIntervalParameters(dueWindows: [])) }
        restricted.columns = [:]
        let planned = try FeaturePipeline.plan(export, asOf: asOf, spec: restricted)
        var overrides = spec.columns.filter { setting in planned.contains { $0.name == setting.key } }
        for column in planned where countAndAmountFamilies.contains(column.family) && !column.transforms.contains("log1p")
            && spec.columns[column.name]?.transforms == nil {
            overrides[column.name, default: ColumnSettings()].transforms = ["log1p"] + column.transforms
        }
        restricted.columns = overrides
        return restricted
    }

    /// `schema` with the whole-history visit count labelled in words ("visits on file", not "visits in the
    /// last 36500 days"), for descriptions and the model file.
    static func labeled(_ schema: FeatureSchema) -> FeatureSchema {
        var schema = schema
        for index in schema.columns.indices where schema.columns[index].name == "visits_\(wholeHistoryDays)d" {
            schema.columns[index].label = "visits on file"
        }
        return schema
    }

    /// Each standardized column's weight, `1/√m` for a family of `m` standardized columns (1 for unscaled ones),
    /// computed from the columns before the weights are folded into their scales.
    static func familyWeights(_ columns: [FeatureSchema.Column]) -> [Double] {
        let counts = Dictionary(grouping: columns.indices.filter { columns[$0].scale != nil }, by: { columns[$0].family })
            .mapValues { Double($0.count) }
        return columns.map { column in column.scale == nil ? 1 : 1 / (counts[column.family] ?? 1).squareRoot() }
    }

    /// `spec` with every family outside `chosen` turned off.
    static func restrict(_ spec: FeatureSpec, to chosen: Set<String>) -> FeatureSpec {
        var result = spec
        if !chosen.contains("recency") { result.recency = .off }
        if !chosen.contains("frequency") { result.frequency = .off }
        if !chosen.contains("monetary") { result.monetary = .off }
        if !chosen.contains("tenure") { result.tenure = .off }
        if !chosen.contains("demographics") { result.demographics = .off }
        if !chosen.contains("visit_intervals") { result.visitIntervals = .off }
        if !chosen.contains("attendance") { result.attendance = .off }
        if !chosen.contains("booking_lead_time") { result.bookingLeadTime = .off }
        if !chosen.contains("services") { result.services = .off }
        if !chosen.contains("engagement") { result.engagement = .off }
        if !chosen.contains("contact_recency") { result.contactRecency = .off }
        if !chosen.contains("upcoming") { result.upcoming = .off }
        if !chosen.contains("outreach") { result.outreach = .off }
        if !chosen.contains("conditions") { result.conditions = .off }
        if !chosen.contains("leads") { result.leads = .off }
        return result
    }

    /// At most `size` rows of `x`, drawn uniformly without replacement (in their original order); `x` itself
    /// when it is no larger.
    static func sample(_ x: Matrix<Double>, size: Int, using rng: inout some RandomNumberGenerator) -> Matrix<Double> {
        guard x.rows > size, size > 0 else { return x }
        var indices = Array(0..<x.rows)
        for i in 0..<size { indices.swapAt(i, Int.random(in: i..<x.rows, using: &rng)) }
        var elements: [Double] = []
        elements.reserveCapacity(size * x.columns)
        for row in indices[..<size].sorted() { elements.append(contentsOf: x.row(row)) }
        return Matrix(rows: size, columns: x.columns, elements: elements)
    }
}

/// What each cluster is made of, for names and descriptions: standardized differences of every column, and
/// the raw values (rates unsmoothed, no fill, no transform) of the most distinctive ones.
enum ClusterDescriptions {
    struct Described {
        /// Per cluster, the standardized difference of every column.
        var differences: [[Double]]
        var sizes: [Int]
        /// Per cluster, the three most distinctive features with raw means.
        var features: [[DiscoverySummary.Feature]]
        /// Per cluster, those features in a sentence.
        var descriptions: [String]
    }

    /// Rates are recomputed with a negligible prior weight (the raw ratio; a patient with no appointments or
    /// messages still counts at the prior rate), and missing values are left out of the means.
    static func describe(_ export: ClinicExport, asOf: Day, table: FeatureTable, model: KMeansModel<Double>,
                         topFeatures: Int = 3) throws -> Described {
        let x = table.matrix, schema = table.schema, labels = model.labels
        let (n, d, k) = (x.rows, x.columns, model.clusterCount)
        let profiles = ClusterProfiles.profiles(x, labels: labels, centers: model.centers, schema: schema, topFeatures: d)
        let index = Dictionary(uniqueKeysWithValues: schema.columns.enumerated().map { ($1.name, $0) })
        // Raw values only of the columns some cluster's description shows (each column is computed on its own, so
        // the others would change nothing but the time: a pass over every event per column).
        let shown = Set(profiles.flatMap { $0.distinguishingFeatures.prefix(topFeatures).map { index[$0.name]! } }).sorted()
        let position = Dictionary(uniqueKeysWithValues: shown.enumerated().map { ($1, $0) })
        var unsmoothed = FeatureSchema(columns: shown.map { schema.columns[$0] })
        for index in unsmoothed.columns.indices where unsmoothed.columns[index].parameters?["prior_weight"] != nil {
            unsmoothed.columns[index].parameters?["prior_weight"] = 1e-9
        }
        let raw = FeatureExtractor.rawValues(export, asOf: asOf, definitions: try FeatureDefinition.definitions(of: unsmoothed))
        let m = shown.count
        var sums = [Double](repeating: 0, count: k * m), counts = [Int](repeating: 0, count: k * m)
        for row in 0..<n {
            let label = labels[row]
            for (p, value) in raw.row(row).enumerated() where !value.isNaN {
                sums[label * m + p] += value
                counts[label * m + p] += 1
            }
        }
        func mean(_ cluster: Int?, _ j: Int) -> Double? {
            let p = position[j]!
            let clusters = cluster.map { [$0] } ?? Array(0..<k)
            let total = clusters.reduce(0.0) { $0 + sums[$1 * m + p] }, count = clusters.reduce(0) { $0 + counts[$1 * m + p] }
            return count > 0 ? total / Double(count) : nil
        }
        var described = Described(differences: [], sizes: [], features: [], descriptions: [])
        for profile in profiles.sorted(by: { $0.cluster < $1.cluster }) {
            var differences = [Double](repeating: 0, count: d)
            for feature in profile.distinguishingFeatures { differences[index[feature.name]!] = feature.standardizedDifference }
            let features = profile.distinguishingFeatures.prefix(topFeatures).map { feature in
                let j = index[feature.name]!
                return DiscoverySummary.Feature(name: feature.name, label: feature.label,
                                                standardizedDifference: feature.standardizedDifference,
                                                clusterMean: mean(profile.cluster, j), populationMean: mean(nil, j))
            }
            described.differences.append(differences)
            described.sizes.append(profile.size)
            described.features.append(Array(features))
            described.descriptions.append(features.map { feature in
                "\(feature.label) \(short(feature.clusterMean)) vs \(short(feature.populationMean)) overall"
            }.joined(separator: "; "))
        }
        return described
    }

    /// Three significant digits, no exponent for everyday magnitudes.
    static func short(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        // Rates recomputed with a negligible prior leave crumbs like 1e-10 where the plain ratio is 0.
        if abs(value) < 5e-4 { return "0" }
        return abs(value) >= 1000 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }
}
